"""Normalisation that undoes common evasions, remembering where each character came from.

Also the other half of the contract: how a lexicon term is written as a pattern over that text.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Invisible characters people slip inside words ("con\u200bnard") to dodge filters.
_INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff")
# Ligatures, and the apostrophes of phones and word processors ("t\u2019es"), as plain ASCII.
_LIGATURES = {
    "œ": "oe",
    "æ": "ae",
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "`": "'",
    "\u00b4": "'",
}
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}

# Single characters separated by spaces, dots, dashes, underscores or stars ("c o n", "c.o.n"):
# at least three of them, so ordinary one-letter words ("y a") are left alone. An elided word
# ("n'ont", "l'") is not a lone letter.
_SPACED = re.compile(r"(?<![a-z0-9@$])[a-z0-9@$](?:[ ._*\-]{1,2}[a-z0-9@$](?![a-z0-9@$'])){2,}")
# One-letter words that often precede a spaced-out word ("a c a n c e r", "I h a t e"): they
# stay apart when enough letters follow, at the cost of missing a spaced word starting with them.
_ONE_LETTER_WORDS = frozenset("aiy")
_SPACER = frozenset(" ._*-")
_TOKEN = re.compile(r"[a-z0-9@$]+")


@dataclass(frozen=True)
class Normalised:
    """Folded text plus, for each of its characters, the span of the original it stands for.

    Letters repeated three times or more collapse into one UPPERCASE letter: everything else
    is lowercase, so a pattern can tell "connnnard" (elongated) from "bitte" (a real double).
    """

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets covered by the normalised slice [start, end)."""
        return self.starts[start], self.ends[end - 1]


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "".join(_LIGATURES.get(c, c) for c in bare)


def fold(text: str) -> str:
    """Case, accent and ligature folding only: the view lexicon terms are written in."""
    return "".join(_fold(c) for c in text if c not in _INVISIBLE)


def normalise(text: str) -> Normalised:
    """Fold case and accents, drop invisible characters, join spaced-out letters, undo
    leetspeak inside words and mark elongated letters, keeping the offset map."""
    chars: list[tuple[str, int, int]] = [
        (out, i, i + 1)
        for i, char in enumerate(text)
        if char not in _INVISIBLE
        for out in _fold(char)
    ]
    chars = _join_spaced(chars)
    chars = _unleet(chars)
    chars = _mark_elongations(chars)
    return Normalised(
        text="".join(c for c, _, _ in chars),
        starts=tuple(s for _, s, _ in chars),
        ends=tuple(e for _, _, e in chars),
    )


def _join_spaced(chars: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    flat = "".join(c for c, _, _ in chars)
    drop: set[int] = set()
    for match in _SPACED.finditer(flat):
        # Digits alone ("1 2 3", a phone number) are not an evasion; letters among them are.
        run = match.group()
        if sum(c.isalpha() for c in run) < 2:
            continue
        keep_until = 0
        if run[0] in _ONE_LETTER_WORDS and sum(c not in _SPACER for c in run) > 4:
            keep_until = _next_letter(run, 1)  # the space after the one-letter word stays
        spacers = (i for i, c in enumerate(run) if c in _SPACER and i >= keep_until)
        drop.update(match.start() + i for i in spacers)
    return [c for i, c in enumerate(chars) if i not in drop]


def _next_letter(run: str, start: int) -> int:
    return next(i for i in range(start, len(run)) if run[i] not in _SPACER)


def _unleet(chars: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    flat = "".join(c for c, _, _ in chars)
    out = list(chars)
    for match in _TOKEN.finditer(flat):
        token = match.group()
        # Only words that already contain a letter are leet ("c0nnard"); "500" and "2020" stay.
        if not any("a" <= c <= "z" for c in token):
            continue
        for offset, char in enumerate(token):
            # A leading @ is a mention and a leading $ an amount, not a disguised letter.
            if char in _LEET and not (offset == 0 and char in "@$"):
                _, start, end = out[match.start() + offset]
                out[match.start() + offset] = (_LEET[char], start, end)
    return out


def _mark_elongations(chars: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and chars[j + 1][0] == chars[i][0]:
            j += 1
        char, start, _ = chars[i]
        if j - i >= 2 and "a" <= char <= "z":
            out.append((char.upper(), start, chars[j][2]))
        else:
            out.extend(chars[i : j + 1])
        i = j + 1
    return out


def term_pattern(term: str) -> str:
    """The regex matching a lexicon term in normalised text, without word boundaries.

    A term lists variants with "|"; "(x)" is optional and "[a|b]" one of a or b:
    "[les|ces] arabe(s)|roms".
    """
    return "|".join(_variant_pattern(variant) for variant in _split_variants(term))


def term_key(term: str) -> str:
    """The name of a term: its first variant, optional parts dropped, first alternatives kept."""
    plain = re.sub(r"\(([^)]*)\)", "", _split_variants(term)[0])
    plain = re.sub(r"\[([^|\]]*)[^\]]*\]", r"\1", plain)
    return re.sub(r"[^a-z0-9]+", "_", fold(plain)).strip("_")


def _split_variants(term: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in term:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _variant_pattern(variant: str) -> str:
    out = []
    for part in re.findall(r"\[[^\]]*\]|\([^)]*\)|[^\[(]+", variant):
        if part.startswith("["):
            out.append("(?:" + "|".join(_literal(alt) for alt in part[1:-1].split("|")) + ")")
        elif part.startswith("("):
            out.append(f"(?:{_literal(part[1:-1])})?")
        else:
            out.append(_literal(part))
    return "".join(out)


def _literal(text: str) -> str:
    out = []
    for char, run in itertools.groupby(fold(text)):
        count = len(list(run))
        if "a" <= char <= "z":
            # A single letter of the term matches itself or an elongated run of it; a double
            # matches itself or an elongated run ("connnnard"), never a single ("bitte", "niger").
            upper = char.upper()
            out.append({1: f"[{char}{upper}]", 2: f"(?:{char}{char}|{upper})"}.get(count, upper))
        elif char.isspace():
            out.append(r"[^a-zA-Z0-9]+")
        elif char == "-":
            out.append(r"[^a-zA-Z0-9]*")  # "sous-homme", "sous homme", "soushomme"
        elif char == "'":
            out.append(r"[' ]?")  # "t'es", "t es", "tes"
        else:
            out.append(re.escape(char * count))
    return "".join(out)
