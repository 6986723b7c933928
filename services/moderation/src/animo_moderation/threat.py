"""Threats: an intent or a wish before a violent verb, aimed at someone ("je vais te tuer").

The same intent aimed at a protected group is hate; hate.py asks `intent` for it. Verbs with
everyday uses ("tuer le temps", "kill it at the gig") count only after an intent and with a
person as their target, so most news and slang stay clean.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from animo_moderation.context import Text, negated
from animo_moderation.lexicon import Hit
from animo_shared.events import Category, Finding

# An intent or a wish before a violent verb ("je vais", "il faut", "what if we", "si seulement"),
# then a few words that may hold the target ("je vais te", "on va les", "I'll make you").
_INTENT = {
    "fr": re.compile(
        r"(?:\b(?:je|j'|on|nous)\s*(?:[\w']+\s+){0,2}?(?:vais|veux|voudrais|aimerais|aimerai"
        r"|adorerais|va|vas|allons|voulons|devrait|devrions|doit|devons|pourrait|pourrions|compte"
        r"|irai|irons)|\bil\s+(?:faut|faudrait|faudra)|\bfaut|\bfaudrait|\bquelqu'?\s?un\s+"
        r"(?:devrait|pourrait|va|doit)|\bqu'?on|\bqu'?ils|\b(?:ce|ca|il)\s+serait\s+(?:mieux"
        r"|bien|preferable|temps|bon)\s+(?:de|d')|\b(?:c'est|il est)\s+(?:temps|l'heure"
        r"|necessaire)\s+(?:de|d')|\bdans\s+l'interet\s+de\s+(?:tous|tout le monde)\s+(?:de|d')"
        r"|\bseule\s+solution|\bet\s+si\s+(?:\w+\s+){0,2}?(?:on|nous|quelqu'un)|\bpourquoi\s+(?:ne\s+pas|pas|on\s+ne)"
        r"|\bsi\s+seulement|\bj'?\s*espere|\besperer\s+que|\bvivement\s+qu|\bj'?\s*(?:ai|avais)\s+"
        r"(?:\w+\s+)?envie\s+(?:de|d')|\bse\s+charger\s+de|\bdans\s+un\s+monde\s+juste"
        r"|\bj'?\s*(?:aimerais|adorerais|voudrais)\s+(?:\w+\s+)?voir)(?P<gap>(?:\s*\b[\w']+){0,4}?)"
        r"\s*$"
    ),
    "en": re.compile(
        r"(?:\b(?:i|we|i'm|im|we're)(?:\s+[\w']+){0,3}?\s*(?:'ll|\bll|\bwill|\bshall|\bshould"
        r"|\bmust|\bwould|\bcould|'d|\bgoing to|\bgonna|\bwant to|\bwanna|\blove to|\blike to"
        r"|\bneed to|\bhave to|\bgot to|\bgotta|\bplan to|\bintend to|\bhope to|\bwait to)"
        r"|\blet'?s|\bsomeone\s+(?:should|must|needs? to|has to|ought to|will|could|would)"
        r"|\bsomebody\s+(?:should|must|needs? to|has to|ought to|will|could|would)"
        r"|\b(?:it\s+would\s+be|it'?s|it\s+is)\s+(?:best|better|good|time|necessary|our duty"
        r"|in\s+(?:everybody'?s|everyone'?s|our|all\s+our)\s+interest)\s+to|\bthe\s+(?:only\s+)?"
        r"(?:solution|answer|way)\s+is\s+to|\bwhat\s+if\s+(?:we|someone|somebody|i)\b"
        r"|\bhow\s+about\s+(?:we|someone|i)\b|\bwhy\s+(?:don'?t|do\s+not)\s+(?:we|you|they|i)\b"
        r"|\bwhy\s+not|\bif\s+only\s+(?:someone|somebody|we|they|i)\b|\bcan\s+only\s+hope"
        r"|\bi\s+hope|\bhopefully|\bi\s+wish\s+(?:someone|somebody)|\bwould\s+love\s+to\s+see"
        r"|\bin\s+a\s+just\s+world)(?P<gap>(?:\s+[\w']+){0,4}?)\s*$"
    ),
}
_FR_TARGET = frozenset({"te", "t'", "vous", "le", "la", "l'", "lui", "les", "leur"})
_EN_TARGET = re.compile(r"\s*\b(?:you|u|ya|him|her|them|your|his|their|y'all)(?![a-z'])")
# A death "at my hands": a threat whatever the verb ("will die a horrible death at my hands").
_BY_MY_HAND = {
    "en": re.compile(r"\b(?:die|death|dead|suffer)\b[^.!?\n]{0,40}?\bat my hands?\b"),
    "fr": re.compile(
        r"\b(?:mourir|mort|crever|souffrir)\b[^.!?\n]{0,40}?\b(?:entre|de|par)\s+mes\s+mains\b"
    ),
}


def intent(text: Text, hit: Hit) -> tuple[int, str] | None:
    """Where an intent before a violent verb starts, and the words between them."""
    before = text.prefix(hit.start)
    match = _INTENT[text.lang].search(before)
    if match is None:
        return None
    start = hit.start - len(before) + match.start()
    # "I will never hurt", "we must not let them suffer": a negation after the intent cancels it.
    if negated(text, hit, since=start):
        return None
    return start, match["gap"]


def aimed(text: Text, hit: Hit, gap: str) -> int | None:
    """The end of the threat when it names a person as its target, else None."""
    if text.lang == "fr":
        words = set(re.findall(r"[\w]+'?", gap))
        return hit.end if words & _FR_TARGET else None
    # "I'll kill you" names the target after the verb, "I'll make you suffer" before it.
    after = _EN_TARGET.match(text.view, hit.end)
    if after is not None:
        return after.end()
    return hit.end if _EN_TARGET.search(gap) else None


def threat_findings(text: Text, violent: list[Hit]) -> Iterator[Finding]:
    """A violent verb after an intent and aimed at someone: "je vais te tuer", "I'll kill you"."""
    for hit in violent:
        found = intent(text, hit)
        if found is None:
            continue
        start, gap = found
        end = aimed(text, hit, gap)
        if end is not None:
            rule = f"threat:{text.lang}:{hit.entry.name}"
            yield text.finding(Category.THREAT, 3, rule, start, end)
    for match in _BY_MY_HAND[text.lang].finditer(text.view):
        yield text.finding(Category.THREAT, 3, f"threat:{text.lang}:by_my_hands", *match.span())
