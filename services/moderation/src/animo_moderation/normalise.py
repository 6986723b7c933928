"""Normalisation that undoes common evasions, remembering where each character came from.

Two views of a text come out of it. `text` keeps punctuation (quotes, sentence ends) for the
context rules; `key` is its words alone, joined by single spaces, for the Aho-Corasick lexicon
scan. Both map back to offsets in the original text, so evidence points at what was written.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass

# Invisible characters people slip inside words ("con\u200bnard") to dodge filters.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\ufeff"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))  # emoji variation selectors
)
# Characters that vanish in the folded text: the offset map is needed whenever one is present.
_VANISHING = re.compile(
    "["
    + re.escape(_INVISIBLE)
    + "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
# Latin lookalikes from other scripts that NFKD leaves alone: Cyrillic and Greek letters in an
# otherwise Latin word ("\u0441onnard" with a Cyrillic es).
_HOMOGLYPHS = dict(
    zip(
        "аеёіїјоросухԁԛԝһӏѕвкмнтүɑαεικνορτυχωβηγđłøıɡ",
        "aeeiijopocyxdqwhlsbkmhtyaaeikvoptuxwbnydloig",
        strict=True,
    )
)
_PUNCTUATION = {
    "œ": "oe",
    "æ": "ae",
    "ß": "ss",
    # Apostrophes of phones and word processors ("t\u2019es") and typographic quotes, as ASCII:
    # the context rules read quotes to tell a quoted slur from a used one.
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "`": "'",
    "\u00b4": "'",
    "«": '"',
    "»": '"',
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2039": '"',
    "\u203a": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
}
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# Leet letters that are also punctuation: only between two word characters ("b!tch", "sh|t").
_LEET_INNER = {"!": "i", "|": "i", "€": "e"}


def _fold_char(char: str) -> str:
    if char in _INVISIBLE:
        return ""
    if char in _PUNCTUATION:
        return _PUNCTUATION[char]
    lower = char.casefold()
    if lower in _HOMOGLYPHS:
        return _HOMOGLYPHS[lower]
    decomposed = unicodedata.normalize("NFKD", char)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    out = "".join(_PUNCTUATION.get(c, _HOMOGLYPHS.get(c, c)) for c in bare)
    # A lone combining mark folds to nothing; anything else keeps a place in the map.
    return out if out or unicodedata.combining(char) else char


class _FoldTable(dict[int, str]):
    """str.translate table that folds each new character once, on first sight."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Case, accent, ligature and lookalike folding only: the form lexicon terms are written in."""
    return text.translate(_TABLE)


# Single characters separated by spaces, dots, dashes, underscores or stars ("c o n", "c.o.n"):
# at least three of them, so ordinary one-letter words ("y a") are left alone. An elided word
# ("n'ont", "l'") is not a lone letter.
_SPACED = re.compile(r"(?<![a-z0-9@$])[a-z0-9@$](?:[ ._*\-]{1,2}[a-z0-9@$](?![a-z0-9@$'])){2,}")
# One-letter words that often precede a spaced-out word ("a c a n c e r", "I h a t e"): they
# stay apart unless the whole run is a lexicon word ("I m m i g r a n t s").
_ONE_LETTER_WORDS = frozenset("aiy")
_SPACER = frozenset(" ._*-")
_LEET_TOKEN = re.compile(r"[a-z0-9@$!|€]*[a-z][a-z0-9@$!|€]*")
# A leet character touching a letter ("c0n", "4rabe", "a$$"); "@user" and "500€" are no evasion.
_HAS_LEET = re.compile(r"[a-z][0-9@$!|€]|[0-9$][a-z]")
_RUN = re.compile(r"([a-z])\1\1+")
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(slots=True)
class Normalised:
    """A text's folded view, its key view, and the maps back to the original.

    `elongated` holds the view positions that stand for a run of three or more equal letters
    ("connnnard" -> "conard"): a term whose double letters were collapsed to match there is
    only accepted over such a run, so "niger" (a country) stays apart from an elongated slur.
    """

    original: str
    text: str
    starts: list[int] | None  # original start of each view character; None: the identity
    ends: list[int] | None
    elongated: frozenset[int]
    key: str
    key_starts: list[int]  # key offset of each word
    view_starts: list[int]  # view offset of the same word

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets covered by the view slice [start, end)."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]

    def to_view(self, start: int, end: int) -> tuple[int, int]:
        """The view slice of the key slice [start, end)."""
        first = bisect.bisect_right(self.key_starts, start) - 1
        last = bisect.bisect_right(self.key_starts, end - 1) - 1
        view_start = self.view_starts[first] + start - self.key_starts[first]
        return view_start, self.view_starts[last] + end - self.key_starts[last]

    @property
    def words(self) -> list[str]:
        return self.key.split()


def normalise(text: str, vocabulary: Container[str] = frozenset()) -> Normalised:
    """Fold case, accents and lookalikes, drop invisible characters, join spaced-out letters,
    undo leetspeak inside words and collapse elongated letters, keeping the offset map.

    `vocabulary` (lexicon words) decides whether a spaced run opening on a one-letter word
    ("I m m i g r a n t s") is one word."""
    view = text.translate(_TABLE)
    chars: list[tuple[str, int, int]] | None = None
    if len(view) != len(text) or _VANISHING.search(text):
        chars = [(out, i, i + 1) for i, char in enumerate(text) for out in char.translate(_TABLE)]
    if _SPACED.search(view):
        chars = _join_spaced(chars or _identity(view), vocabulary)
        view = "".join(c for c, _, _ in chars)
    if _HAS_LEET.search(view):
        chars = _unleet(chars or _identity(view))
        view = "".join(c for c, _, _ in chars)
    elongated: frozenset[int] = frozenset()
    if _RUN.search(view):
        chars, elongated = _collapse_runs(chars or _identity(view))
        view = "".join(c for c, _, _ in chars)
    starts = ends = None
    if chars is not None:
        starts = [s for _, s, _ in chars]
        ends = [e for _, _, e in chars]
    key_parts: list[str] = []
    key_starts: list[int] = []
    view_starts: list[int] = []
    offset = 0
    for match in _TOKEN.finditer(view):
        word = match.group()
        key_parts.append(word)
        key_starts.append(offset)
        view_starts.append(match.start())
        offset += len(word) + 1
    return Normalised(
        text, view, starts, ends, elongated, " ".join(key_parts), key_starts, view_starts
    )


def _identity(view: str) -> list[tuple[str, int, int]]:
    return [(c, i, i + 1) for i, c in enumerate(view)]


def _join_spaced(
    chars: list[tuple[str, int, int]], vocabulary: Container[str]
) -> list[tuple[str, int, int]]:
    flat = "".join(c for c, _, _ in chars)
    drop: set[int] = set()
    for match in _SPACED.finditer(flat):
        run = match.group()
        # Digits alone ("1 2 3", a phone number) are not an evasion; letters among them are.
        if sum(c.isalpha() for c in run) < 2:
            continue
        keep_until = 0
        joined = "".join(c for c in run if c not in _SPACER)
        if run[0] in _ONE_LETTER_WORDS and len(joined) > 4 and joined not in vocabulary:
            keep_until = next(i for i in range(1, len(run)) if run[i] not in _SPACER)
        drop.update(
            match.start() + i for i, c in enumerate(run) if c in _SPACER and i >= keep_until
        )
    return [c for i, c in enumerate(chars) if i not in drop]


def _unleet(chars: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    flat = "".join(c for c, _, _ in chars)
    out = list(chars)
    for match in _LEET_TOKEN.finditer(flat):
        token = match.group()
        for offset, char in enumerate(token):
            # A leading @ is a mention and a leading $ an amount, not a disguised letter.
            if char in _LEET and not (offset == 0 and char in "@$"):
                replacement = _LEET[char]
            elif char in _LEET_INNER and 0 < offset < len(token) - 1:
                replacement = _LEET_INNER[char]
            else:
                continue
            _, start, end = out[match.start() + offset]
            out[match.start() + offset] = (replacement, start, end)
    return out


def _collapse_runs(
    chars: list[tuple[str, int, int]],
) -> tuple[list[tuple[str, int, int]], frozenset[int]]:
    out: list[tuple[str, int, int]] = []
    elongated: set[int] = set()
    i = 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and chars[j + 1][0] == chars[i][0]:
            j += 1
        char, start, _ = chars[i]
        if j - i >= 2 and "a" <= char <= "z":
            elongated.add(len(out))
            out.append((char, start, chars[j][2]))
        else:
            out.extend(chars[i : j + 1])
        i = j + 1
    return out, frozenset(elongated)
