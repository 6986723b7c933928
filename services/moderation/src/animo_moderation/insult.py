"""Insults and profanity: who a rude word is aimed at decides whether it is an insult.

"T'es un connard" insults; "j'ai été un vrai connard" is about oneself, "il m'a traité de
connard" reports an insult received, "t'es pas un idiot" denies one, and "putain c'est génial"
is ambient profanity, kept as evidence and allowed. A bunch of people called names after a
vocative ("bande d'escrocs", "you bunch of crooks") is a clear insult.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from animo_moderation.context import Text, called_me, mentioned, person_before
from animo_moderation.lexicon import Hit
from animo_shared.events import Category, Finding

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*'?")
_NEGATORS = frozenset({"not", "never", "ne", "pas", "jamais", "no", "isn't", "aren't", "wasn't"})
# After a negation, only these may stand before the insult for the negation to deny it:
# "t'es pas un idiot", "you're not an idiot", but "je ne peux pas croire cette connasse" insults.
_COPULA = frozenset(
    [
        "es",
        "est",
        "etes",
        "sont",
        "etait",
        "un",
        "une",
        "des",
        "si",
        "aussi",
        "vraiment",
        "du",
        "tout",
        "are",
        "is",
        "was",
        "were",
        "be",
        "a",
        "an",
        "such",
        "that",
        "so",
        "really",
        "always",
        "totally",
        "completely",
    ]
)


def insult_findings(text: Text, hits: list[Hit]) -> Iterator[Finding]:
    for hit in hits:
        kind = hit.entry.kind
        if kind == "profanity":
            rule = f"lex:{text.lang}:profanity:{hit.entry.name}"
            yield text.finding(Category.INSULT, hit.entry.severity, rule, hit.start, hit.end)
        elif kind == "insult" and _aimed_at_someone(text, hit):
            rule = f"lex:{text.lang}:insult:{hit.entry.name}"
            yield text.finding(Category.INSULT, hit.entry.severity, rule, hit.start, hit.end)
    nouns = [hit for hit in hits if hit.entry.kind in {"insult", "collective"}]
    yield from _collective_insults(text, nouns)


def _aimed_at_someone(text: Text, hit: Hit) -> bool:
    if mentioned(text, hit.start, hit.end) or called_me(text, hit.start):
        return False
    if _denied(text, hit):
        return False
    # "I was a total prick", "désolé d'être un enfoiré": said of oneself.
    if _APOLOGY[text.lang].search(text.prefix(hit.start)):
        return False
    return person_before(text, hit.start) != 1


# An apology for what one was: "sorry for being a prick", "désolé d'avoir été un connard".
_APOLOGY = {
    "en": re.compile(
        r"\b(?:sorry|apologi[sz]e|my bad)\b[^.!?]{0,25}\bfor\s+(?:being|acting like)\b"
    ),
    "fr": re.compile(
        r"\b(?:desole|desolee|pardon|excuse[sz]?(?:-moi)?)\b[^.!?]{0,25}\b(?:d'|de\s+)\s*"
        r"(?:etre|avoir ete|avoir agi comme)\b"
    ),
}


def _denied(text: Text, hit: Hit) -> bool:
    words = _WORD.findall(text.prefix(hit.start))[-4:]
    for i, word in enumerate(words):
        if word in _NEGATORS or word.endswith("n't") or word.startswith("n'"):
            rest = words[i + 1 :]
            return all(w in _COPULA or w in _NEGATORS for w in rest)
    return False


# "bande de cons", "bande d'escrocs", "you bunch of crooks": the head of a collective insult,
# maybe with an intensifier ("bande de sales voleurs"), right before the noun.
_COLLECTIVE_HEAD = {
    "fr": re.compile(
        r"\b(?:bandes?|ramassis|tas)\s+d(?:e\s+|'\s*)(?:(?:sales?|gros|grosses|pauvres|vrai(?:e)?s"
        r"|beaux|belles|putains?\s+d(?:e\s+|'))\s*)?$"
    ),
    "en": re.compile(
        r"\b(?:bunch|pack|band|gang)\s+of\s+(?:(?:fucking|bloody|damn|total|complete|utter"
        r"|absolute|useless|lying|greedy|dirty)\s+)?$"
    ),
}
# An article before the head makes it a description ("une bande de voleurs a cambriolé",
# "a bunch of thieves broke in"), unless a copula or an exclamation precedes it ("vous êtes
# une bande de voleurs", "ne sont qu'une bande de", "what a bunch of", "they're a bunch of").
_ARTICLES = {
    "fr": re.compile(
        r"une?|la|le|les|des|du|aux?|[mts]a|[mts]on|[mts]es|notre|votre|nos|vos|leurs?"
    ),
    "en": re.compile(r"an?|the|my|his|her|its|our|their"),
}
_PREDICATIVE = {
    "fr": re.compile(r"sont|etes|est|es|juste|vraiment|que|qu|rien|toujours|tous"),
    "en": re.compile(r"what|such|are|re|is|s|was|were|be|just|all|but|really"),
}
_COORDINATION = re.compile(
    r"(?:\s*,\s*(?:(?:et|ou|and|or)\s+)?|\s+(?:et|ou|and|or)\s+|\s*&\s*)(?:de\s+|d'\s*|des\s+)?"
)


def _collective_insults(text: Text, nouns: list[Hit]) -> Iterator[Finding]:
    """An insult or a collective noun after a vocative "bande de" is a clear insult (severity
    2): "bande d'escrocs", "bande de cons", "bande de nazes et d'escrocs" (one finding)."""
    by_start = {hit.start: hit for hit in nouns}
    covered = 0
    for hit in sorted(nouns, key=lambda h: h.start):
        if hit.start < covered:
            continue
        before = text.prefix(hit.start)
        head = _COLLECTIVE_HEAD[text.lang].search(before)
        if head is None or not _vocative(text.lang, before[: head.start()]):
            continue
        end, severity = hit.end, hit.entry.severity
        while (joint := _COORDINATION.match(text.view, end)) and joint.end() in by_start:
            following = by_start[joint.end()]
            end, severity = following.end, max(severity, following.entry.severity)
        covered = end
        start = hit.start - len(before) + head.start()
        rule = f"insult:{text.lang}:collective:{hit.entry.name}"
        yield text.finding(Category.INSULT, max(severity, 2), rule, start, end)


def _vocative(lang: str, before: str) -> bool:
    """No article before the head, or one after a copula or an exclamation."""
    # Elisions split: "qu'une" is "qu" + "une", "d'une" (a description) is "d" + "une".
    words = [part for word in _WORD.findall(before)[-3:] for part in word.split("'")]
    words = [word for word in words if word]
    if not words or not _ARTICLES[lang].fullmatch(words[-1]):
        return True
    return len(words) >= 2 and _PREDICATIVE[lang].fullmatch(words[-2]) is not None
