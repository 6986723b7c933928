"""The curated lexicons as data: parsed from TSV files and matched in one Aho-Corasick pass.

A line of `lexicons/<lang>.tsv` is `term, lang, category, severity, flags, exceptions, note`.
The term is a small pattern language, expanded at load time into plain strings:
  * "|" separates variants, "(x)" is optional and "[a|b]" is one of a or b:
    "enculé(e)(s)" covers enculé, enculée, enculés, enculées; "[les|ces] arabes" two phrases;
  * a hyphen matches a space or nothing ("sous-homme", "sous homme", "soushomme");
  * the first variant, without its optional parts, names the entry ("lex:fr:insult:encule").
lang is the file's language, or "*" for a word used as is in both (English insults in French).
flags: "exact" (no typo variants), "singular" (a group named in the singular: it counts as the
whole group only after a generic determiner, "any woman", "typical of a woman").
exceptions, ";"-separated: a phrase that contains the term and clears it ("pros and cons" for
"con"), or "~word": a word anywhere in the text that gives the term its harmless sense ("fag"
next to "smoke", "bitch" next to "dog").

Typo variants (one letter dropped or two swapped inside a word of four letters or more, "womn",
"ignoratn") are indexed for the categories where a typo is an evasion, never where one would
make another word of the lexicons or a real word of `typo_stoplist.txt` ("violer" -> "voler").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import ahocorasick

from animo_moderation.normalise import Normalised, fold

LANGUAGES = ("fr", "en")
FINDING_KINDS = frozenset({"insult", "profanity", "hate", "sexual", "threat", "self_harm", "spam"})
RULE_KINDS = frozenset(
    {
        "identity",
        "derogation",
        "violence",
        "harm",
        "collective",
        "positive",
        "minor",
        "lewd",
        "common",
    }
)
_TYPO_KINDS = frozenset({"identity", "derogation", "violence", "harm", "hate", "insult"})
_GLUED_MIN = 3
_RUNS = re.compile(r"([a-z])\1\1+")
_FLAGS = frozenset({"exact", "singular", "adjective"})
# Kinds whose words are looked for inside glued words ("justpathetic", "demourir").
_GLUE_KINDS = frozenset({"identity", "derogation", "violence", "harm", "hate", "insult"})
_NEGATIONS = frozenset(
    {"ne", "n", "pas", "jamais", "not", "never", "no", "nor", "aucun", "aucune", "rien", "nothing"}
    | {"nul", "personne", "nobody", "none", "shouldn", "t"}
)
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Entry:
    """One reviewed line of a lexicon."""

    lang: str
    kind: str
    severity: int
    name: str
    singular: bool
    adjective: bool
    exceptions: tuple[str, ...]  # key form of the phrases that clear a hit
    senses: frozenset[str]  # words that give the term a harmless sense
    # The entry spells out its own negation ("not our equal"): a negation before it is part of it.
    self_negated: bool


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry found in a text, at view offsets [start, end)."""

    entry: Entry
    start: int
    end: int
    typo: bool


@dataclass(frozen=True)
class Lexicon:
    entries: tuple[Entry, ...]
    automaton: ahocorasick.Automaton
    vocabulary: frozenset[str]  # every one-word term, for the spaced-letters rule
    common: Mapping[str, frozenset[str]]  # everyday words by language, for language detection
    glue: frozenset[str]  # words that may be glued to a term ("just" in "justpathetic")


def expand(term: str) -> list[str]:
    """Every plain string a term pattern stands for."""
    out: list[str] = []
    for variant in _split(term, "|"):
        parts: list[list[str]] = []
        for part in re.findall(r"\[[^\]]*\]|\([^)]*\)|[^\[(]+", variant):
            if part.startswith("["):
                parts.append(part[1:-1].split("|"))
            elif part.startswith("("):
                parts.append(["", part[1:-1]])
            else:
                parts.append([part])
        out.extend("".join(combo) for combo in itertools.product(*parts))
    return out


def _split(term: str, separator: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in term:
        depth += {"[": 1, "]": -1, "(": 1, ")": -1}.get(char, 0)
        if char == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def key_of(text: str) -> str:
    """The key form of a term or phrase: folded words joined by single spaces."""
    return " ".join(_TOKEN.findall(fold(text)))


def _keys(variant: str) -> list[str]:
    folded = fold(variant)
    forms = {folded.replace("-", " ")}
    if "-" in folded:
        forms.add(folded.replace("-", ""))
    return [" ".join(_TOKEN.findall(form)) for form in forms]


def _collapse(key: str) -> str:
    return re.sub(r"([a-z])\1+", r"\1", key)


def _typos(word: str) -> Iterator[str]:
    """Words one slip away: a letter dropped (5+ letters), two letters swapped (4+); never the
    first letter, which readers and writers keep."""
    if not word.isalpha() or len(word) < 4:
        return
    if len(word) >= 5:
        for i in range(1, len(word)):
            # Dropping one of a double letter makes real words ("niger", "fagot"): not a typo.
            if word[i] != word[i - 1] and (i + 1 == len(word) or word[i] != word[i + 1]):
                yield word[:i] + word[i + 1 :]
    for i in range(1, len(word) - 1):
        if word[i] != word[i + 1]:
            yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _name(term: str) -> str:
    first = re.sub(r"\([^)]*\)", "", _split(term, "|")[0])
    first = re.sub(r"\[([^|\]]*)[^\]]*\]", r"\1", first)
    return re.sub(r"[^a-z0-9]+", "_", fold(first)).strip("_")


@dataclass(frozen=True, slots=True)
class _Parsed:
    entry: Entry
    keys: tuple[str, ...]
    exact: bool


def parse(lang: str, source: str) -> list[_Parsed]:
    """The entries of one lexicon file with their expanded keys, checked line by line."""
    entries: list[_Parsed] = []
    for number, line in enumerate(source.splitlines(), start=1):
        if not line.strip() or line.startswith(("#", "term\t")):
            continue
        term, entry_lang, kind, severity, flags, exceptions, *_ = [*line.split("\t"), *[""] * 6]
        where = f"{lang}.tsv line {number}"
        if kind not in FINDING_KINDS and kind not in RULE_KINDS:
            raise ValueError(f"{where}: unknown category {kind!r}")
        if entry_lang not in {lang, "*"}:
            raise ValueError(f"{where}: language {entry_lang!r} in the {lang} lexicon")
        if severity not in ({"1", "2", "3"} if kind in FINDING_KINDS else {"0", "1", "2", "3"}):
            raise ValueError(f"{where}: severity {severity!r} out of range")
        flag_set = {flag.strip() for flag in flags.split(",") if flag.strip()}
        if flag_set - _FLAGS:
            raise ValueError(f"{where}: unknown flags {sorted(flag_set - _FLAGS)}")
        items = [item.strip() for item in exceptions.split(";") if item.strip()]
        variants = expand(term)
        words = {word for variant in variants for word in _TOKEN.findall(fold(variant))}
        entry = Entry(
            lang=entry_lang,
            kind=kind,
            severity=int(severity),
            name=_name(term),
            singular="singular" in flag_set,
            adjective="adjective" in flag_set,
            exceptions=tuple(key_of(item) for item in items if not item.startswith("~")),
            senses=frozenset(key_of(item[1:]) for item in items if item.startswith("~")),
            self_negated=bool(words & _NEGATIONS),
        )
        keys = tuple(dict.fromkeys(k for v in variants for k in _keys(v) if k))
        entries.append(_Parsed(entry, keys, "exact" in flag_set))
    return entries


# How a key string found by the automaton relates to its entry.
_EXACT, _ELONGATED, _TYPO = 0, 1, 2


def build(sources: Mapping[str, str], real_words: frozenset[str] = frozenset()) -> Lexicon:
    """Compile lexicon files (by language) into one automaton; a typo variant that is a real
    word of `real_words` is left out."""
    parsed = [item for lang, source in sources.items() for item in parse(lang, source)]
    entries = tuple(item.entry for item in parsed)
    table: dict[str, set[tuple[int, int]]] = {}
    for index, item in enumerate(parsed):
        # Everyday words only tell the language, from the word list: not worth a match each.
        if item.entry.kind == "common":
            continue
        for key in item.keys:
            table.setdefault(key, set()).add((index, _EXACT))
    exact_keys = set(table)
    exact_keys.update(key for item in parsed if item.entry.kind == "common" for key in item.keys)
    for index, item in enumerate(parsed):
        typos_allowed = item.entry.kind in _TYPO_KINDS and not item.exact
        for key in item.keys:
            # The text shows an elongated run as one letter ("connnnard" -> "conard", "xxx" ->
            # "x"): the term's own runs of three, and its doubles, are matched that way too.
            for collapsed in {_RUNS.sub(r"\1", key), _collapse(key)} - {key}:
                table.setdefault(collapsed, set()).add((index, _ELONGATED))
            if not typos_allowed:
                continue
            words = key.split()
            for position, word in enumerate(words):
                for typo in _typos(word):
                    variant = " ".join([*words[:position], typo, *words[position + 1 :]])
                    if variant not in exact_keys and typo not in real_words:
                        table.setdefault(variant, set()).add((index, _TYPO))
    automaton = ahocorasick.Automaton()
    for key, values in table.items():
        automaton.add_word(key, (len(key), tuple(sorted(values))))
    automaton.make_automaton()
    vocabulary = frozenset(key for key in exact_keys if " " not in key)
    common = {
        lang: frozenset(
            key
            for item in parsed
            if item.entry.kind == "common" and item.entry.lang in {lang, "*"}
            for key in item.keys
            if " " not in key
        )
        for lang in sources
    }
    glue = vocabulary | frozenset(word for words in common.values() for word in words)
    return Lexicon(entries, automaton, vocabulary, common, glue)


@cache
def lexicon() -> Lexicon:
    """The compiled lexicons, read once from the package data."""
    folder = resources.files("animo_moderation").joinpath("lexicons")
    stoplist = folder.joinpath("typo_stoplist.txt").read_text(encoding="utf-8").splitlines()
    return build(
        {lang: folder.joinpath(f"{lang}.tsv").read_text(encoding="utf-8") for lang in LANGUAGES},
        frozenset(line for line in stoplist if line and not line.startswith("#")),
    )


def scan(lex: Lexicon, norm: Normalised) -> list[Hit]:
    """Every entry found at word boundaries, in view offsets, exceptions applied; and terms
    inside a word glued together from known words ("justpathetic", "gorgesdefemmes")."""
    key = norm.key
    size = len(key)
    hits: list[Hit] = []
    context = _Context(key)
    for last, (length, values) in lex.automaton.iter(key):
        start = last - length + 1
        if (start and key[start - 1] != " ") or (last + 1 < size and key[last + 1] != " "):
            if length >= _GLUED_MIN and _glued(lex, key, start, last + 1):
                _add(lex, norm, context, hits, start, last + 1, values, glued=True)
            continue
        _add(lex, norm, context, hits, start, last + 1, values, glued=False)
    return hits


class _Context:
    """The words of a text, computed once if an entry's senses need them."""

    def __init__(self, key: str) -> None:
        self.key = key
        self._words: frozenset[str] | None = None

    @property
    def words(self) -> frozenset[str]:
        if self._words is None:
            self._words = frozenset(self.key.split())
        return self._words


def _add(
    lex: Lexicon,
    norm: Normalised,
    context: _Context,
    hits: list[Hit],
    start: int,
    end: int,
    values: tuple[tuple[int, int], ...],
    glued: bool,
) -> None:
    view_start, view_end = norm.to_view(start, end)
    seen = -1
    for index, how in values:  # sorted: an exact match of an entry comes first
        entry = lex.entries[index]
        if index == seen or (glued and not _gluable(entry, how, end - start)):
            continue
        if how == _ELONGATED and not any(p in norm.elongated for p in range(view_start, view_end)):
            continue
        if entry.exceptions and _excepted(context.key, start, end, entry.exceptions):
            continue
        if entry.senses and entry.senses & context.words:
            continue
        seen = index
        hits.append(Hit(entry, view_start, view_end, how == _TYPO or glued))


def _gluable(entry: Entry, how: int, length: int) -> bool:
    """Short words hide inside longer ones ("con" in "conforme"): only violent verbs of three
    letters ("todie") and other terms of four or more are looked for inside glued words."""
    if how != _EXACT or entry.kind not in _GLUE_KINDS:
        return False
    return length >= 4 or entry.kind in {"harm", "violence"}


def _glued(lex: Lexicon, key: str, start: int, end: int) -> bool:
    """The match sits inside a word whose other parts are known words: "just" + "pathetic"."""
    if " " in key[start:end]:
        return False
    word_start = key.rfind(" ", 0, start) + 1
    word_end = key.find(" ", end)
    word_end = len(key) if word_end == -1 else word_end
    return _segmentable(key[word_start:start], lex.glue) and _segmentable(
        key[end:word_end], lex.glue
    )


@lru_cache(maxsize=65536)
def _segmentable(part: str, words: frozenset[str]) -> bool:
    """The part is empty, one known word, or two known words of three letters or more: enough
    for "just|pathetic" and "de|mourir", not for "for|me" in "con|forme"."""
    if not part or (len(part) >= 2 and part in words):
        return True
    return any(part[:cut] in words and part[cut:] in words for cut in range(3, len(part) - 2))


def _excepted(key: str, start: int, end: int, phrases: tuple[str, ...]) -> bool:
    for phrase in phrases:
        found = key.find(phrase, max(0, end - len(phrase)))
        while found != -1 and found <= start:
            if found + len(phrase) >= end:
                return True
            found = key.find(phrase, found + 1)
    return False
