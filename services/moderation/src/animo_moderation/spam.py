"""Spam and scams, read on the original text, where links, amounts and handles keep their shape.

Floods of links or mentions (those opening a reply aside), money and crypto offers, phishing
("votre compte sera suspendu, vérifiez vos informations"), prize and gift-card lures, and
requests to move the conversation to a phone number or a wallet. Capitals alone are not spam.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import ahocorasick

from animo_shared.events import Category, Finding

_LINK = re.compile(
    r"\b(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|ly|xyz|fr|info"
    r"|biz|top|click|link|shop|co)\b(?:/\S*)?",
    re.IGNORECASE,
)
_MENTION = re.compile(r"(?<![\w@])@\w{1,30}")
# A reply starts with the handles of everyone in the thread ("@a @b @c @d @e merci !"): that run
# is the platform's addressing, not the author's flood, so only mentions after it count.
_LEADING_MENTIONS = re.compile(r"[\s.,:;]*(?:@\w{1,30}[\s,:;]*)+")
_FLOODS = (("links", 3, _LINK), ("mentions", 5, _MENTION))
_AMOUNT = (
    r"(?:[$€£]\s?\d[\d.,]*(?:\s?k\b)?"
    r"|\d[\d.,]*(?:\s\d{3})*\s?k?\s?(?:€|\$|£|euros?\b|eur\b|dollars?\b|usd\b))"
)
_RATE = (
    r"\s*(?:/|par|per|a|an|each|every|chaque)\s*(?:jour|day|semaine|week|heure|hour|h|mois|month)\b"
)
_OFFERS = {
    # An invitation to earn ("gagnez 500€", "earn $300") or an income by the day ("make $500 a
    # day"); a salary ("je gagne 2000€") or a bill ("80€ par mois") is neither.
    "money": re.compile(
        rf"\b(?:gagnez|gagner|empochez|touchez|earn|win)\b[^.!?\n]{{0,25}}?{_AMOUNT}"
        rf"|\b(?:gagne|gagnes|make|making|earning)\b[^.!?\n]{{0,25}}?{_AMOUNT}{_RATE}",
        re.IGNORECASE,
    ),
    # Crypto with a promised multiplier or return ("crypto x10"); "bitcoin" alone is news.
    "crypto": re.compile(
        r"\b(?:crypto\w*|bitcoins?|btc|eth|usdt|forex)\b[^.!?\n]{0,40}?(?:\bx\s?\d{1,4}\b"
        r"|\bdoubl\w*|\bgaranti\w*|\bguarantee\w*|\d{2,4}\s?%\s*(?:de\s+)?(?:profit|gain"
        r"|rendement|return))|\bx\d{1,4}\b[^.!?\n]{0,40}?\b(?:crypto\w*|bitcoins?|btc)\b",
        re.IGNORECASE,
    ),
    # Phishing: an account threatened, then a request to act on it.
    "phishing": re.compile(
        r"\b(?:your|votre|ton)\s+(?:account|compte|card|carte|colis|parcel|package)\b[^.!?\n]{0,40}?"
        r"\b(?:suspend\w*|lock\w*|block\w*|bloqu\w*|desactiv\w*|désactiv\w*|ferm\w*|on hold"
        r"|en attente|retenu\w*)\b[^\n]{0,80}?\b(?:verif\w*|vérif\w*|confirm\w*|click|cliqu\w*"
        r"|login|log in|connect\w*|mettre à jour|update|pay|pa[iy]\w*|réglez|reglez)\b",
        re.IGNORECASE,
    ),
    # Prize and gift-card lures.
    "prize": re.compile(
        r"\b(?:you(?:'ve| have)? won|vous avez (?:été sélectionné|gagné)|tu as gagné"
        r"|claim your (?:prize|reward|gift)|réclamez votre|recuperez votre|récupérez votre"
        r"|free (?:iphone|gift card)|carte cadeau (?:gratuite|offerte)|gift card giveaway)\b",
        re.IGNORECASE,
    ),
    # Taking the talk off the platform to a messenger or a wallet, with money in the air.
    "contact": re.compile(
        r"\b(?:whatsapp|telegram|signal)\b[^.!?\n]{0,20}?\+?\d[\d .-]{7,}"
        r"|\b(?:0x[a-f0-9]{40}|bc1[a-z0-9]{25,60})\b",
        re.IGNORECASE,
    ),
}


# Cheap substring tests before each pattern: most posts contain none of these, and the
# patterns themselves cost more than the rest of the analysis.
_TRIGGERS = {
    "links": (".",),
    "mentions": ("@",),
    "money": (
        "gagn",
        "empoch",
        "touch",
        "earn",
        "win",
        "mak",
        "$",
        "€",
        "£",
        "eur",
        "usd",
        "dollar",
    ),
    "crypto": ("crypto", "bitcoin", "btc", "eth", "usdt", "forex"),
    "phishing": ("account", "compte", "card", "carte", "colis", "parcel", "package"),
    "prize": (
        "won",
        "gagné",
        "sélectionné",
        "claim",
        "réclam",
        "cupérez",
        "free",
        "cadeau",
        "gift",
    ),
    "contact": ("whatsapp", "telegram", "signal", "0x", "bc1"),
}


def _trigger_automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    by_needle: dict[str, set[str]] = {}
    for rule, needles in _TRIGGERS.items():
        for needle in needles:
            by_needle.setdefault(needle, set()).add(rule)
    for needle, rules in by_needle.items():
        automaton.add_word(needle, frozenset(rules))
    automaton.make_automaton()
    return automaton


_ARMING = _trigger_automaton()


def spam_findings(text: str) -> Iterator[Finding]:
    armed: set[str] = set()
    for _, rules in _ARMING.iter(text.lower()):
        armed |= rules
    if not armed:
        return
    leading = _LEADING_MENTIONS.match(text) if "mentions" in armed else None
    body = leading.end() if leading else 0
    matches = [
        (f"spam:{rule}", match)
        for rule, limit, pattern in _FLOODS
        if rule in armed
        and len(found := list(pattern.finditer(text, body if rule == "mentions" else 0))) >= limit
        for match in found
    ]
    matches += [
        (f"spam:{rule}", m)
        for rule, p in _OFFERS.items()
        if rule in armed
        for m in p.finditer(text)
    ]
    for rule, match in matches:
        start, end = match.span()
        yield Finding(
            category=Category.SPAM, severity=2, rule=rule, term=match[0], start=start, end=end
        )
