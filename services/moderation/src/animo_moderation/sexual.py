"""Sexual content, and sexual content involving minors (csam), which is always escalated.

A sexual term from the lexicons is a finding on its own. A child ("enfant", "14 ans", "teen")
next to a sexual term or a sexualising word ("sexy", "nudes", "toute nue") makes a csam finding
of severity 3 whose rule starts with "csam:", for the policy layer to escalate to a human.
Texts about protecting children ("protect kids from porn") do not sexualise them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from animo_moderation.context import Text
from animo_moderation.lexicon import Hit
from animo_shared.events import Category, Finding

_NEAR = 8  # words between a child and the sexual word
_PROTECTIVE = {
    "en": re.compile(
        r"\b(?:protect\w*|prevent\w*|safe\w*|ban\w*|block\w*|filter\w*|against|fight\w*"
        r"|awareness|education|parental|abuse survivors?|keep \w+ away)\b"
    ),
    "fr": re.compile(
        r"\b(?:proteg\w*|proteger|protection|prevent\w*|interdi\w*|bloqu\w*|filtr\w*|contre"
        r"|lutte\w*|sensibilis\w*|education|parental\w*|eloign\w*)\b"
    ),
}


def sexual_findings(text: Text, hits: list[Hit]) -> Iterator[Finding]:
    sexual = [hit for hit in hits if hit.entry.kind == "sexual"]
    for hit in sexual:
        if hit.entry.severity >= 3:
            rule = f"csam:{text.lang}:{hit.entry.name}"
        else:
            rule = f"lex:{text.lang}:sexual:{hit.entry.name}"
        yield text.finding(Category.SEXUAL, hit.entry.severity, rule, hit.start, hit.end)
    minors = [hit for hit in hits if hit.entry.kind == "minor"]
    if not minors:
        return
    lewd = [hit for hit in hits if hit.entry.kind == "lewd"]
    for minor in minors:
        near = [hit for hit in sexual if _near(text, minor, hit)]
        # A sexualising word is about the child before it ("sexy 14 ans", "photos sexy, j'ai 14
        # ans") or right after it ("teen topless"), not in a list after it ("14 years old, sexy
        # new colours").
        near += [hit for hit in lewd if _near(text, minor, hit) and _leads(text, hit, minor)]
        if near and not _PROTECTIVE[text.lang].search(text.view):
            other = min(near, key=lambda h: abs(h.start - minor.start))
            start, end = min(minor.start, other.start), max(minor.end, other.end)
            rule = f"csam:{text.lang}:{minor.entry.name}"
            yield text.finding(Category.SEXUAL, 3, rule, start, end)
            return


def _leads(text: Text, word: Hit, minor: Hit) -> bool:
    if word.end <= minor.start:
        return True
    between = text.view[minor.end : word.start]
    return len(text.words_between(minor.end, word.start)) <= 2 and not re.search(r"[,;:]", between)


def _near(text: Text, a: Hit, b: Hit) -> bool:
    if a.start < b.end and b.start < a.end:
        return False
    left, right = sorted((a, b), key=lambda h: h.start)
    same = text.sentence(a.start) == text.sentence(b.start)
    return same and len(text.words_between(left.end, right.start)) <= _NEAR
