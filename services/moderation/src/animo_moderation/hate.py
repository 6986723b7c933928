"""Hate: slurs, and a protected group said to be vile, subhuman, unwelcome or worth killing.

Most hate contains no slur ("les femmes sont des pourritures", "immigrants belong in a zoo"),
so a group named in the text and a demeaning predicate in the same sentence make hate, unless
context says otherwise: the predicate is negated ("are not scum"), mentioned rather than meant
(quotes, reported speech, counter-speech), or the group is praised. A praise that is negated
("are never intelligent", "ne sont pas nos égaux") demeans. A predicate about "they" or "ces
gens" in another sentence reaches back to a group named earlier (anaphora).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from animo_moderation.context import Text, called_me, mentioned, negated, reclaimed
from animo_moderation.lexicon import Hit
from animo_moderation.threat import intent
from animo_shared.events import Category, Finding

_WINDOW = 12  # words allowed between a group and what is said of it
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*'?")
# A singular group name stands for the whole group after these ("any woman", "d'un trans").
_GENERIC = {
    "en": frozenset({"a", "an", "any", "every", "each", "no", "single", "typical", "another"}),
    "fr": frozenset(
        {"un", "une", "d'un", "d'une", "qu'un", "qu'une", "chaque", "aucun", "aucune", "quel"}
        | {"quelle", "tout", "toute", "l'un", "seul", "seule"}
    ),
}
# Between a group and a praise, only a copula, a negation and adverbs: the praise is said of the
# group ("are never attractive", "ne sont jamais attirants", "il n'existe pas de trans intelligents").
_TIGHT = {
    "en": frozenset(
        [
            "are",
            "is",
            "were",
            "be",
            "been",
            "being",
            "not",
            "never",
            "no",
            "any",
            "all",
            "so",
            "very",
            "really",
            "truly",
            "ever",
            "at",
            "of",
            "our",
            "your",
            "by",
            "nature",
            "their",
            "just",
            "simply",
            "particularly",
            "especially",
            "remotely",
            "even",
            "the",
            "most",
        ]
    ),
    "fr": frozenset(
        [
            "sont",
            "est",
            "etaient",
            "seront",
            "etre",
            "ne",
            "n'",
            "pas",
            "jamais",
            "aucun",
            "aucune",
            "du",
            "tout",
            "tous",
            "toutes",
            "si",
            "tres",
            "vraiment",
            "vraiment",
            "nos",
            "notre",
            "vos",
            "votre",
            "leur",
            "le",
            "la",
            "les",
            "plus",
            "des",
            "de",
            "d'",
            "un",
            "une",
            "guere",
        ]
    ),
}
# A plural pronoun or "those people" standing for a group named in another sentence.
_ANAPHOR = {
    "en": re.compile(
        r"\b(?:they|they're|theyre|them|their|these people|those people|such people|your kind"
        r"|their kind|you people|you lot|people like (?:them|that|you)|all of them|these ones"
        r"|those ones|that lot)\b"
    ),
    "fr": re.compile(
        r"\b(?:ils|elles|eux|ces gens(?:-?\s?la)?|ceux-?\s?la|celles-?\s?la|votre espece|leur espece"
        r"|ces individus|ces personnes|ces gars|ces types|ces mecs|ces etres|ces creatures|ce sont)\b"
    ),
}
# A new clause with a subject of its own between the group and the predicate.
_NEW_SUBJECT = {
    "en": re.compile(
        r"(?:[,;:]|\b(?:and|but|while|because|so)\b)\s*(?:the|this|that|it|it's|its|there|he|she)\b"
    ),
    "fr": re.compile(
        r"(?:[,;:]|\b(?:et|mais|alors que|car|donc)\b)\s*(?:le|la|l'|ce|cette|cet|ca|c'|il|elle)(?!\w)"
    ),
}
_FR_OBJECT = re.compile(r"\b(?:les|leur|leurs)\s+(?:[\w']+\s+)?$")
_ADDRESSED = {
    "en": re.compile(r"\b(?:you|your|like you|y'all)\b"),
    "fr": re.compile(r"\b(?:vous|comme toi|comme vous|tu|toi)\b"),
}
_SECOND_PERSON = {
    "en": re.compile(r"\b(?:you|you're|youre|your|you'll|you've)\b"),
    "fr": re.compile(r"\b(?:vous|vos|votre|tu|t'|ta|tes|ton)\b"),
}
_PREDICATES = frozenset({"derogation", "insult", "violence", "harm", "positive"})


def hate_findings(text: Text, hits: list[Hit]) -> Iterator[Finding]:
    yield from _slurs(text, hits)
    groups = [(hit, ref) for hit in hits if (ref := _reference(text, hit, hits))]
    if not groups:
        return
    predicates = [hit for hit in hits if hit.entry.kind in _PREDICATES]
    used: set[int] = set()
    for group, ref in groups:
        said = [p for p in predicates if _said_of(text, group, p, ref)]
        if said:
            best = max(said, key=lambda p: (_severity(p), -abs(p.start - group.start)))
            used.add(best.start)
            yield _finding(text, group, best, "")
    named = [g for g, ref in groups if ref == _GROUP and not _mentioned(text, g)]
    if named:
        yield from _anaphoric(text, named, [p for p in predicates if p.start not in used])


def _slurs(text: Text, hits: list[Hit]) -> Iterator[Finding]:
    for hit in hits:
        if hit.entry.kind != "hate":
            continue
        if mentioned(text, hit.start, hit.end) or called_me(text, hit.start):
            continue
        if reclaimed(text, hit):
            continue
        rule = f"lex:{text.lang}:hate:{hit.entry.name}"
        yield text.finding(Category.HATE, hit.entry.severity, rule, hit.start, hit.end)


_GROUP, _PERSON = "group", "person"
_DEFINITE = frozenset({"that", "this", "the", "my", "his", "her", "our", "ce", "cet", "cette"})
_PLURAL = frozenset({"les", "des", "ces", "aux", "the", "these", "those", "all", "tous", "toutes"})


def _reference(text: Text, hit: Hit, hits: list[Hit]) -> str | None:
    """Whether an identity word stands for its group ("any woman", "muslim lives"), for one
    person picked out by it ("that woman": a threat to her is hate too), or for neither."""
    if hit.entry.kind != "identity":
        return None
    if hit.entry.adjective:
        return _GROUP if _before_people(text, hit, hits) else None
    if not hit.entry.singular:
        return _GROUP
    before = text.words_before(hit.start, 2)
    last = before[-1] if before else ""
    if last in _GENERIC[text.lang] or last in _PLURAL or " ".join(before) == "n'importe quel":
        return _GROUP
    if _before_people(text, hit, hits):
        return _GROUP
    return _PERSON if last in _DEFINITE or last.startswith(("c'", "cet")) else None


# Plural nouns for people and what they have, after which an identity adjective is the group.
_PEOPLE = frozenset(
    [
        "people",
        "persons",
        "folks",
        "folk",
        "men",
        "women",
        "guys",
        "kids",
        "children",
        "lives",
        "throats",
        "bodies",
        "families",
        "babies",
        "gens",
        "personnes",
        "vies",
        "gorges",
        "enfants",
        "hommes",
        "familles",
        "corps",
    ]
)


def _before_people(text: Text, hit: Hit, hits: list[Hit]) -> bool:
    """ "muslim lives", "gay throats", or next to a slur: "female vermin", "la vermine femme"."""
    after = _WORD.match(text.view, hit.end + 1) if hit.end < len(text.view) else None
    if after and after.group() in _PEOPLE:
        return True
    return any(
        h.entry.kind in {"derogation", "hate"}
        and (h.start == hit.end + 1 or h.end == hit.start - 1)
        for h in hits
    )


def _mentioned(text: Text, hit: Hit) -> bool:
    return mentioned(text, hit.start, hit.end)


def _severity(hit: Hit) -> int:
    return 2 if hit.entry.kind == "positive" else max(hit.entry.severity, 1)


def _said_of(text: Text, group: Hit, predicate: Hit, ref: str) -> bool:
    """The predicate is said of the group, in the same sentence, and meant by the author."""
    kind = predicate.entry.kind
    if predicate.start < group.end and group.start < predicate.end:
        # Overlapping: "trans" inside "transphobic" is no group, but a call to violence may
        # name the group itself ("cut their female throats").
        inside = predicate.start <= group.start and group.end <= predicate.end
        return inside and kind == "violence" and not mentioned(text, predicate.start, predicate.end)
    if ref == _PERSON and kind not in {"harm", "violence"}:
        return False  # "that woman is stupid" insults one woman; a threat to her is hate
    if text.sentence(group.start) != text.sentence(predicate.start):
        return False
    left, right = sorted((group, predicate), key=lambda h: h.start)
    between = text.words_between(left.end, right.start)
    if len(between) > _WINDOW:
        return False
    if group.start < predicate.start and _NEW_SUBJECT[text.lang].search(
        text.view, group.end, predicate.start
    ):
        return False  # "more women in tech, the gap is disgusting": said of something else
    if kind == "positive":
        # Praise is hate only when negated and said of the group itself.
        tight = all(w in _TIGHT[text.lang] or w.startswith("n'") for w in between)
        return group.start < predicate.start and tight and negated(text, predicate, window=6)
    if kind == "insult" and len(between) > 5:
        return False  # an insult far from the group is too often aimed at someone else
    if kind == "harm" and intent(text, predicate) is None:
        return False
    if kind != "harm" and negated(text, predicate):
        return False
    return not mentioned(text, left.start, right.end)


def _finding(text: Text, group: Hit, predicate: Hit, how: str) -> Finding:
    kind = "negated_praise" if predicate.entry.kind == "positive" else predicate.entry.kind
    rule = f"hate:{text.lang}:{how or kind}:{predicate.entry.name}"
    start, end = min(group.start, predicate.start), max(group.end, predicate.end)
    return text.finding(Category.HATE, _severity(predicate), rule, start, end)


def _anaphoric(text: Text, groups: list[Hit], predicates: list[Hit]) -> Iterator[Finding]:
    """A predicate in another sentence, about "they", "ces gens" or "you" when the group was
    addressed ("You women keep acting up. There is nothing worse than your kind")."""
    group_sentences = {text.sentence(g.start) for g in groups}
    addressed = any(
        _ADDRESSED[text.lang].search(text.view[text.sentence_start(g.start) : g.end + 30])
        for g in groups
    )
    for predicate in sorted(predicates, key=lambda p: -_severity(p)):
        kind = predicate.entry.kind
        if kind == "positive" or (kind == "derogation" and predicate.entry.severity < 2):
            continue
        if text.sentence(predicate.start) in group_sentences and not _clause_apart(text, predicate):
            continue
        if not _refers_back(text, predicate, addressed):
            continue
        if kind == "harm" and intent(text, predicate) is None:
            continue
        if kind != "harm" and negated(text, predicate):
            continue
        if mentioned(text, predicate.start, predicate.end):
            continue
        before = [g for g in groups if g.start < predicate.start]
        group = before[-1] if before else groups[0]
        yield _finding(text, group, predicate, "anaphora")
        return  # one finding for the text: the strongest predicate


def _clause_apart(text: Text, predicate: Hit) -> bool:
    """The predicate opens a clause of its own ("..., they are still nothing but garbage")."""
    prefix = text.prefix(predicate.start)
    return bool(
        re.search(r"[,:]|\b(?:but|mais|because|car|parce que|and|et|so|donc|alors)\b", prefix)
    )


def _refers_back(text: Text, predicate: Hit, addressed: bool) -> bool:
    """A pronoun for the group stands just before the predicate, or just after it ("nothing
    worse than your kind", "let's eradicate them")."""
    recent = " ".join(text.words_before(predicate.start, 8))
    after = " ".join(_WORD.findall(text.view[predicate.end : predicate.end + 40])[:4])
    if _ANAPHOR[text.lang].search(recent) or _ANAPHOR[text.lang].search(after):
        return True
    if text.lang == "fr" and _FR_OBJECT.search(text.prefix(predicate.start)):
        return True
    second = _SECOND_PERSON[text.lang]
    return addressed and (second.search(recent) is not None or second.search(after) is not None)
