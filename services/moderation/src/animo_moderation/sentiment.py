"""Sentiment of a post, French or English: positive, neutral or negative, with a score in -1..1.

A lexicon scorer in the VADER tradition (word scores, negation, intensifiers, "but", exclamation
marks, emoji), with its own French and English lexicon in `lexicons/sentiment.tsv`. Words that
amplify are not feelings: "putain c'est génial" and "fucking awesome" are positive.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from animo_moderation.lexicon import LANGUAGES, expand, key_of
from animo_moderation.normalise import Normalised

_NEGATORS = {
    "en": frozenset({"not", "never", "no", "nothing", "nobody", "none", "without", "hardly", "t"}),
    "fr": frozenset({"pas", "jamais", "ne", "n", "aucun", "aucune", "rien", "sans", "ni"}),
}
_BOOSTERS = {
    "en": frozenset(
        [
            "very",
            "so",
            "really",
            "extremely",
            "too",
            "super",
            "totally",
            "absolutely",
            "completely",
            "incredibly",
            "fucking",
            "damn",
            "truly",
            "such",
            "most",
            "highly",
        ]
    ),
    "fr": frozenset(
        [
            "tres",
            "trop",
            "vraiment",
            "tellement",
            "super",
            "hyper",
            "grave",
            "completement",
            "totalement",
            "absolument",
            "putain",
            "vachement",
            "si",
            "archi",
            "ultra",
        ]
    ),
}
_TURNS = {
    "en": frozenset({"but", "however", "although", "though", "yet"}),
    "fr": frozenset({"mais", "cependant", "pourtant", "toutefois", "neanmoins"}),
}
_NEGATION_FACTOR = -0.74  # VADER's: a negated word keeps some of its strength, reversed
_BOOST = 1.3
_EXCLAMATION = 0.29
_SATURATION = 15.0  # compound = s / sqrt(s^2 + 15), VADER's normalisation
_THRESHOLD = 0.05
_EMOJI = {
    **dict.fromkeys("😍🥰😊🙂😀😁😃😄😆🥳🎉✨💯👍👏🙏❤💖💕💗💙💚💛🧡💜🤩😎🌟", 2.0),
    **dict.fromkeys("😂🤣😉😘😋", 1.0),
    **dict.fromkeys("😡😠🤬😤👎💩🤮🤢", -2.5),
    **dict.fromkeys("😞😢😭😔😟😩😫🙁☹😒🙄😕💔", -2.0),
}
_EMOTICON = re.compile(r"(?<!\w)(?:[:;=]-?[)D]|<3|[:;=]-?[(/]|:'\()")


@dataclass(frozen=True)
class _Lexicon:
    words: Mapping[str, float]
    phrases: Mapping[tuple[str, ...], float]
    starters: frozenset[str]  # first words of phrases


@cache
def _lexicon(lang: str) -> _Lexicon:
    source = resources.files("animo_moderation").joinpath("lexicons", "sentiment.tsv")
    words: dict[str, float] = {}
    phrases: dict[tuple[str, ...], float] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "term\t")):
            continue
        term, entry_lang, score = line.split("\t")[:3]
        if lang != "und" and entry_lang != lang:
            continue
        for variant in expand(term):
            key = tuple(key_of(variant).split())
            if len(key) == 1:
                words[key[0]] = float(score)
            elif key:
                phrases[key] = float(score)
    return _Lexicon(words, phrases, frozenset(key[0] for key in phrases))


def score_sentiment(norm: Normalised, lang: str) -> tuple[str, float]:
    """The label and the compound score (-1..1) of a text."""
    lex = _lexicon(lang if lang in LANGUAGES else "und")
    codes = (lang,) if lang in LANGUAGES else LANGUAGES
    negators = frozenset().union(*(_NEGATORS[c] for c in codes))
    boosters = frozenset().union(*(_BOOSTERS[c] for c in codes))
    turns = frozenset().union(*(_TURNS[c] for c in codes))
    words = norm.words
    scores: list[float] = []
    turn = -1
    i = scope = 0
    known, starters = lex.words, lex.starters
    while i < len(words):
        word = words[i]
        if word not in known and word not in starters:
            if word in turns:
                turn = len(scores)
            i += 1
            continue
        value, width = _value(lex, words, i)
        if value is None:
            i += 1
            continue
        if word in boosters and i + 1 < len(words) and _value(lex, words, i + 1)[0] is not None:
            i += 1  # "super bien": an intensifier, counted on the next word
            continue
        if i and words[i - 1] in boosters:
            value *= _BOOST
        # A negation reaches three words ahead, but not past another feeling: in "sans aucun
        # retard, parfait" it takes "retard", not "parfait".
        if width == 1 and any(w in negators for w in words[max(0, i - 3, scope) : i]):
            value *= _NEGATION_FACTOR
        scores.append(value)
        i += width
        scope = i
    if turn >= 0:
        # "Bon produit mais livraison catastrophique": what follows "but" weighs more.
        scores = [s * 0.5 for s in scores[:turn]] + [s * 1.5 for s in scores[turn:]]
    total = sum(scores) + _emoji(norm.original)
    if total:
        total += math.copysign(min(norm.original.count("!"), 4) * _EXCLAMATION, total)
    compound = total / math.sqrt(total * total + _SATURATION)
    label = (
        "positive"
        if compound >= _THRESHOLD
        else "negative"
        if compound <= -_THRESHOLD
        else "neutral"
    )
    return label, round(compound, 3)


def _value(lex: _Lexicon, words: list[str], i: int) -> tuple[float | None, int]:
    if words[i] in lex.starters:
        for width in (3, 2):
            phrase = tuple(words[i : i + width])
            if len(phrase) == width and phrase in lex.phrases:
                return lex.phrases[phrase], width
    return lex.words.get(words[i]), 1


_EMOJI_CHARS = re.compile("[" + "".join(_EMOJI) + "]")
_EMOTICON_MARKS = re.compile(r"[:;=<]")


def _emoji(text: str) -> float:
    total = 0.0
    if not text.isascii():
        total = sum(_EMOJI[char] for char in _EMOJI_CHARS.findall(text))
    if not _EMOTICON_MARKS.search(text):
        return total
    for match in _EMOTICON.finditer(text):
        total += 1.5 if match.group()[-1] in ")D3" else -1.5
    return total
