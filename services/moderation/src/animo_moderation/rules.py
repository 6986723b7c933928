"""The first French and English rule set: lexicons and a few patterns turn a text into a verdict.

Pure and explainable: every finding names its rule and points at a span of the original text.
Not done yet, left to the later analyser: context (quotes, most counter-speech and reported
speech, self-reference), negation beyond three words, sentiment, complaints. The one context
handled here: a sentence that opens on a reporting verb ("Calling migrants vermin is
disgusting") mentions hate rather than uses it, and gives no hate finding.

Decision, strongest first:
  * self_harm                                   -> review (a person at risk must reach a human,
                                                   even when the text breaks another rule too);
  * hate, threat, sexual, spam, insult sev >= 2 -> hide;
  * insult sev 1 ("idiot", "con")               -> review: mild, and often banter;
  * ambient profanity ("putain c'est génial")   -> allow, the finding kept as evidence;
  * nothing found                               -> allow.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

from animo_moderation.normalise import Normalised, fold, normalise, term_key, term_pattern
from animo_shared.events import Category, Finding, ModerationAction

RULESET_VERSION = "fr-en-2026.11.2"
_LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Verdict:
    """What to do with a text, and the evidence for it."""

    action: ModerationAction
    findings: tuple[Finding, ...]


# --- lexicons ------------------------------------------------------------------------------------

_FINDING_KINDS: Mapping[str, Category] = {
    "insult": Category.INSULT,
    "profanity": Category.INSULT,
    "hate": Category.HATE,
    "sexual": Category.SEXUAL,
    "threat": Category.THREAT,
    "self_harm": Category.SELF_HARM,
    "spam": Category.SPAM,
}
_RULE_KINDS = frozenset({"identity", "derogation", "violence", "harm", "collective", "common"})
_NEGATIONS = frozenset({"ne", "pas", "jamais", "not", "never", "no", "nor", "aucun", "aucune"})
_WORD = re.compile(r"[a-zA-Z0-9]+(?:'[a-zA-Z0-9]+)*'?")


@dataclass(frozen=True)
class _Entry:
    key: str
    kind: str
    severity: int
    # The entry spells out its own negation ("pas leur place"): a "ne" before it is part of it.
    self_negated: bool


@dataclass(frozen=True)
class _Lexicon:
    entries: tuple[_Entry, ...]
    scanners: Mapping[str, re.Pattern[str]]  # by group: "finding" or one of _RULE_KINDS


@dataclass(frozen=True)
class _Hit:
    entry: _Entry
    start: int
    end: int


def _parse(lang: str, source: str) -> _Lexicon:
    entries: list[_Entry] = []
    alternatives: dict[str, list[tuple[int, str]]] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        if not line.strip() or line.startswith(("#", "term\t")):
            continue
        term, kind, severity, *_ = [*line.split("\t"), "", ""]
        if kind not in _FINDING_KINDS and kind not in _RULE_KINDS:
            raise ValueError(f"{lang}.tsv line {number}: unknown category {kind!r}")
        if severity not in ({"1", "2", "3"} if kind in _FINDING_KINDS else {"0", "1", "2", "3"}):
            raise ValueError(f"{lang}.tsv line {number}: severity {severity!r} out of range")
        words = {word.strip("'") for word in _WORD.findall(fold(term))}
        entries.append(_Entry(term_key(term), kind, int(severity), bool(words & _NEGATIONS)))
        group = "finding" if kind in _FINDING_KINDS else kind
        named = f"(?P<e{len(entries) - 1}>{term_pattern(term)})"
        alternatives.setdefault(group, []).append((len(term), named))
    scanners = {
        # Longest terms first, so "fils de pute" wins over "pute" where both start.
        group: re.compile(
            r"(?<![a-zA-Z0-9])(?:"
            + "|".join(named for _, named in sorted(items, key=lambda item: -item[0]))
            + r")(?![a-zA-Z0-9])"
        )
        for group, items in alternatives.items()
    }
    return _Lexicon(tuple(entries), scanners)


@cache
def _lexicon(lang: str) -> _Lexicon:
    """The compiled lexicon of a language, read once from the package data."""
    source = resources.files("animo_moderation").joinpath("lexicons", f"{lang}.tsv")
    return _parse(lang, source.read_text(encoding="utf-8"))


def _scan(lex: _Lexicon, group: str, text: str) -> Iterator[_Hit]:
    scanner = lex.scanners.get(group)
    for match in scanner.finditer(text) if scanner else ():
        assert match.lastgroup is not None
        yield _Hit(lex.entries[int(match.lastgroup[1:])], match.start(), match.end())


def _languages(norm: Normalised, lang: str | None) -> tuple[str, ...]:
    """The lexicons to run: the stated language, else the one whose everyday words ("common"
    entries) the text uses more, else both."""
    if lang in _LANGUAGES:
        return (lang,)
    scores = {code: len(list(_scan(_lexicon(code), "common", norm.text))) for code in _LANGUAGES}
    best = max(scores.values())
    winners = tuple(code for code in _LANGUAGES if scores[code] == best)
    return winners if best and len(winners) == 1 else _LANGUAGES


# --- lexicon rules -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?;\n]")
_GROUP_WINDOW = 10  # words allowed between a group and what is said of it

# An intent before a violent verb ("je vais", "il faut", "quelqu'un devrait"), then a few words
# that may hold the target ("je vais te", "on va les", "I'll make you").
_INTENT = {
    "fr": re.compile(
        r"(?:\b(?:je|j'?|on|nous)\s*(?:vais|veux|voudrais|aimerais|va|vas|allons|voulons|devrait"
        r"|devrions|doit|devons)|\bil\s+(?:faut|faudrait)|\bfaut|\bquelqu'?\s?un\s+(?:devrait"
        r"|pourrait|va)|\bqu'?on)(?P<gap>(?:\s*\b[\w']+){0,4}?)\s*$",
        re.IGNORECASE,
    ),
    "en": re.compile(
        r"(?:\b(?:i|we|someone|somebody)(?:\s*'?(?:m|am|re|are))?(?:\s+\w+){0,2}?\s*(?:'ll|ll|will"
        r"|shall|should|must|going to|gonna|want to|wanna|would love to|'d love to|would like to"
        r"|'d like to)|\blet'?s|\bwe\s+need\s+to)(?P<gap>(?:\s+[\w']+){0,3}?)\s*$",
        re.IGNORECASE,
    ),
}
# A sentence opening on a reporting verb used as its subject talks about hate ("Calling migrants
# vermin is disgusting", "Dire que vous détestez les femmes montre..."): counter-speech, no hate
# finding. Known limit: the rare hateful sentence built the same way ("Calling them vermin is too
# kind", the exclamative "Dire que ces gens sont des rats !") is missed too.
_REPORTED = {
    "fr": re.compile(
        r"[^a-z0-9@]*(?:@\w+[^a-z0-9@]*)*(?:dire|traiter|qualifier|affirmer|pretendre|ecrire|penser|croire)\b"
    ),
    "en": re.compile(
        r"[^a-z0-9@]*(?:@\w+[^a-z0-9@]*)*(?:calling|saying|claiming|describing|labell?ing|thinking|believing"
        r"|writing|tweeting|to\s+(?:call|say|claim|describe|label))\b"
    ),
}
_FR_TARGET = frozenset({"te", "t'", "t", "vous", "le", "la", "l'", "l", "lui", "les"})
_EN_TARGET = re.compile(r"\s*\b(?:you|u|ya|him|her|them|your|his|their|y'all)(?![a-zA-Z'])", re.I)


@dataclass(frozen=True)
class _Text:
    lang: str
    norm: Normalised
    original: str

    def finding(self, category: Category, severity: int, rule: str, s: int, e: int) -> Finding:
        start, end = self.norm.span(s, e)
        term = self.original[start:end]
        return Finding(
            category=category, severity=severity, rule=rule, term=term, start=start, end=end
        )

    @cached_property
    def _sentence_ends(self) -> list[int]:
        return [match.start() for match in _SENTENCE_END.finditer(self.norm.text)]

    def sentence(self, position: int) -> int:
        """The index of the sentence holding a position of the normalised text."""
        return bisect.bisect_left(self._sentence_ends, position)

    def sentence_before(self, hit: _Hit) -> str:
        index = self.sentence(hit.start)
        start = self._sentence_ends[index - 1] + 1 if index else 0
        return self.norm.text[start : hit.start]

    def near(self, a: _Hit, b: _Hit) -> bool:
        left, right = sorted((a, b), key=lambda hit: hit.start)
        between = self.norm.text[left.end : right.start]
        return len(_WORD.findall(between)) <= _GROUP_WINDOW

    def reported(self, position: int) -> bool:
        """The sentence holding a position opens on a reporting verb (see _REPORTED)."""
        index = self.sentence(position)
        start = self._sentence_ends[index - 1] + 1 if index else 0
        return _REPORTED[self.lang].match(self.norm.text, start) is not None

    def negated(self, hit: _Hit) -> bool:
        """A negation among the three words before the hit ("ne sont pas des rats"); "ne ... que"
        restricts rather than negates ("ne valent que de la merde")."""
        if hit.entry.self_negated:
            return False
        words = [w.lower() for w in _WORD.findall(self.sentence_before(hit))[-3:]]
        for i, word in enumerate(words):
            if word in _NEGATIONS or word.startswith("n'") or word.endswith("n't"):
                return not any(w == "que" or w.startswith("qu'") for w in words[i + 1 :])
        return False

    def intent(self, hit: _Hit) -> tuple[int, str] | None:
        """Where an intent before a violent verb starts, and the words between them."""
        before = self.sentence_before(hit)
        match = _INTENT[self.lang].search(before)
        return (hit.start - len(before) + match.start(), match["gap"]) if match else None


def _lexicon_findings(text: _Text) -> Iterator[Finding]:
    lex, norm = _lexicon(text.lang), text.norm.text
    found = list(_scan(lex, "finding", norm))
    for hit in found:
        rule = f"lex:{text.lang}:{hit.entry.kind}:{hit.entry.key}"
        category = _FINDING_KINDS[hit.entry.kind]
        yield text.finding(category, hit.entry.severity, rule, hit.start, hit.end)

    violent = [*_scan(lex, "violence", norm), *_scan(lex, "harm", norm)]
    for hit in violent:
        yield from _threat(text, hit)

    # Hate without a slur: a protected group and, near it in one sentence, something demeaning
    # ("les arabes sont des rats") or a call to violence ("il faut exterminer les ...").
    called = [hit for hit in violent if hit.entry.kind == "violence" or text.intent(hit)]
    insults = [hit for hit in found if hit.entry.kind == "insult"]
    derogations = list(_scan(lex, "derogation", norm))
    said: dict[int, list[_Hit]] = defaultdict(list)
    for hit in [*derogations, *insults, *called]:
        if not text.negated(hit) and not text.reported(hit.start):
            said[text.sentence(hit.start)].append(hit)
    groups = list(_scan(lex, "identity", norm))
    used: set[int] = set()  # the starts of the predicates already said of a group
    for group in groups:
        near = [hit for hit in said[text.sentence(group.start)] if text.near(group, hit)]
        if near:
            hit = max(near, key=lambda h: (h.entry.severity, -abs(h.start - group.start)))
            used.add(hit.start)
            rule = f"hate:{text.lang}:{hit.entry.kind}:{hit.entry.key}"
            start, end = min(group.start, hit.start), max(group.end, hit.end)
            yield text.finding(Category.HATE, max(hit.entry.severity, 1), rule, start, end)
    if groups:
        yield from _anaphoric_hate(text, groups, derogations, used)
    yield from _collective_insults(text, [*insults, *_scan(lex, "collective", norm)])


# --- hate across clauses ---------------------------------------------------------------------------

# A group named anywhere in the text, then, maybe in another clause, a pronoun or a "those
# people" that is said to be vermin: "hiring migrants again? those people are vermin".
_ANAPHOR = {
    "fr": re.compile(
        r"\b(?:(?:tous|toutes)\s+)?ces\s+(?:gens|gars|types|mecs|personnes|individus|etres"
        r"|creatures|bestioles)(?:[\s-]*la)?\b|\b(?:ils|elles)\b|\b(?:ceux|celles)[\s-]*la\b"
    ),
    "en": re.compile(
        r"\b(?:all\s+)?(?:th[oe]se|such)\s+(?:people|persons|folks|guys|men|women|ones|creatures"
        r"|things|lot)\b|\bpeople\s+like\s+(?:them|that|those|these)\b|\bthey\b|\ball\s+of\s+them\b"
    ),
}
# What may stand between that subject and the predicate: a copula, articles and intensifiers
# ("ils ne sont que de la vermine", "they're all just rats"); anything else ("not", "have",
# "eat") breaks the link. Predicates are the dehumanising derogations (severity 3) only: cross-
# clause "they are stupid" is too often about someone else than the group.
_COPULA = {
    "fr": re.compile(
        r"sont|etaient|seront|ne|n|que|qu|rien|tous|toutes|juste|vraiment|simplement|absolument"
        r"|totalement|toujours|comme|de|d|des|du|la|l|un|une|vrais|vraies|veritables|bande"
        r"|ramassis|sales"
    ),
    "en": re.compile(
        r"are|re|r|were|is|all|just|only|still|nothing|but|like|a|an|the|bunch|pack|of|total"
        r"|complete|utter|absolute|absolutely|fucking|literally|basically|really|truly|so|such"
        r"|always|simply"
    ),
}
_DEHUMANISING = 3
_ANAPHOR_GAP = 6  # words at most between the subject and the predicate


def _anaphoric_hate(
    text: _Text, groups: list[_Hit], derogations: list[_Hit], used: set[int]
) -> Iterator[Finding]:
    predicates = [
        hit
        for hit in derogations
        if hit.entry.severity >= _DEHUMANISING and hit.start not in used and not text.negated(hit)
    ]
    for anaphor in _ANAPHOR[text.lang].finditer(text.norm.text):
        if text.reported(anaphor.start()):
            continue
        for hit in predicates:
            between = text.norm.text[anaphor.end() : hit.start]
            words = [part for word in _WORD.findall(between) for part in word.lower().split("'")]
            if (
                hit.start >= anaphor.end()
                and text.sentence(hit.start) == text.sentence(anaphor.start())
                and len(words) <= _ANAPHOR_GAP
                and all(not part or _COPULA[text.lang].fullmatch(part) for part in words)
            ):
                before = [g for g in groups if g.start < anaphor.start()]
                group = before[-1] if before else groups[0]
                used.add(hit.start)
                rule = f"hate:{text.lang}:anaphora:{hit.entry.key}"
                start = min(group.start, anaphor.start())
                yield text.finding(Category.HATE, hit.entry.severity, rule, start, hit.end)
                break


# --- insults to a bunch of people ----------------------------------------------------------------

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


def _collective_insults(text: _Text, nouns: list[_Hit]) -> Iterator[Finding]:
    """An insult or a collective noun after a vocative "bande de" is a clear insult (severity
    2): "bande d'escrocs", "bande de cons", "bande de nazes et d'escrocs" (one finding)."""
    by_start = {hit.start: hit for hit in nouns}
    covered = 0
    for hit in sorted(nouns, key=lambda h: h.start):
        if hit.start < covered:
            continue
        before = text.sentence_before(hit)
        head = _COLLECTIVE_HEAD[text.lang].search(before)
        if head is None or not _vocative(text.lang, before[: head.start()]):
            continue
        end, severity = hit.end, hit.entry.severity
        while (joint := _COORDINATION.match(text.norm.text, end)) and joint.end() in by_start:
            following = by_start[joint.end()]
            end, severity = following.end, max(severity, following.entry.severity)
        covered = end
        start = hit.start - len(before) + head.start()
        rule = f"insult:{text.lang}:collective:{hit.entry.key}"
        yield text.finding(Category.INSULT, max(severity, 2), rule, start, end)


def _vocative(lang: str, before: str) -> bool:
    """No article before the head, or one after a copula or an exclamation."""
    # Elisions split: "qu'une" is "qu" + "une", "d'une" (a description) is "d" + "une".
    words = [part for word in _WORD.findall(before)[-3:] for part in word.lower().split("'")]
    words = [word for word in words if word]
    if not words or not _ARTICLES[lang].fullmatch(words[-1]):
        return True
    return len(words) >= 2 and _PREDICATIVE[lang].fullmatch(words[-2]) is not None


def _threat(text: _Text, hit: _Hit) -> Iterator[Finding]:
    """A violent verb after an intent and aimed at someone: "je vais te tuer", "I'll kill you".
    Never negated: "je ne vais pas te rater" is still a threat."""
    intent = text.intent(hit)
    if intent is None:
        return
    start, gap = intent
    end = hit.end
    if text.lang == "fr":
        aimed = bool({w.lower() for w in re.findall(r"\w+'?", gap)} & _FR_TARGET)
    else:
        # "I'll kill you" names the target after the verb, "I'll make you suffer" before it.
        after = _EN_TARGET.match(text.norm.text, hit.end)
        aimed = after is not None or _EN_TARGET.search(gap) is not None
        end = after.end() if after else end
    if aimed:
        yield text.finding(Category.THREAT, 3, f"threat:{text.lang}:{hit.entry.key}", start, end)


# --- spam: read on the original text, where links, amounts and mentions keep their shape ---------

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
}


def _spam_findings(text: str) -> Iterator[Finding]:
    """Floods of links or mentions (those opening a reply aside), money and crypto offers.
    Capitals alone are not spam."""
    leading = _LEADING_MENTIONS.match(text)
    body = leading.end() if leading else 0
    matches = [
        (f"spam:{rule}", match)
        for rule, limit, pattern in _FLOODS
        if len(found := list(pattern.finditer(text, body if rule == "mentions" else 0))) >= limit
        for match in found
    ]
    matches += [(f"spam:{rule}", m) for rule, p in _OFFERS.items() for m in p.finditer(text)]
    for rule, match in matches:
        start, end = match.span()
        yield Finding(
            category=Category.SPAM, severity=2, rule=rule, term=match[0], start=start, end=end
        )


# --- decision ------------------------------------------------------------------------------------


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Drop a finding inside a stronger one of its kind ("pute" in "fils de pute"), and ambient
    profanity inside any finding ("putain" in "putain de ...")."""
    longest = max((f.end - f.start for f in findings), default=0)
    kept: list[Finding] = []  # sorted by start, so only the few that start close by are compared
    for finding in sorted(findings, key=lambda f: (-f.severity, f.start - f.end, f.start)):
        profanity = ":profanity:" in finding.rule
        low = bisect.bisect_left(kept, finding.start - longest, key=lambda f: f.start)
        high = bisect.bisect_right(kept, finding.start, key=lambda f: f.start)
        if not any(
            finding.end <= other.end
            and other.severity >= finding.severity
            and (other.category == finding.category or profanity)
            for other in kept[low:high]
        ):
            bisect.insort(kept, finding, key=lambda f: (f.start, f.end, f.rule))
    return kept


def _decide(findings: list[Finding]) -> ModerationAction:
    categories = {f.category for f in findings}
    if Category.SELF_HARM in categories:
        return ModerationAction.REVIEW
    if categories & {Category.HATE, Category.THREAT, Category.SEXUAL, Category.SPAM}:
        return ModerationAction.HIDE
    insults = [f for f in findings if f.category == Category.INSULT]
    if any(f.severity >= 2 for f in insults):
        return ModerationAction.HIDE
    if any(":profanity:" not in f.rule for f in insults):
        return ModerationAction.REVIEW
    return ModerationAction.ALLOW


def analyse(text: str, lang: str | None = None) -> Verdict:
    """Moderate one text. `lang` ("fr", "en") picks the lexicon; absent or another language, the
    lexicon is guessed from everyday words, and both run when the guess is unsure."""
    norm = normalise(text)
    findings = [
        finding
        for code in _languages(norm, lang)
        for finding in _lexicon_findings(_Text(code, norm, text))
    ]
    findings.extend(_spam_findings(text))
    kept = _dedupe(findings)
    return Verdict(action=_decide(kept), findings=tuple(kept))
