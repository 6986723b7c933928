"""Split a query into operators, parentheses, phrases, field filters and words, with their positions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

MAX_NEAR = 100
# Typographic quotes come from word processors and French keyboards (« … »);
# each opening quote has its own closing one.
QUOTES = {'"': '"', "“": "”", "«": "»"}
_STOP = frozenset("()" + "".join(QUOTES) + "".join(QUOTES.values()))
_NEAR = re.compile(r"NEAR/(\d+)([fF]?)")
_FIELD = re.compile(r"([A-Za-z][A-Za-z_]*):(.*)", re.DOTALL)
FIELDS = {
    "lang": "lang",
    "language": "lang",
    "source": "source",
    "author": "author",
    "site": "site",
}
_EXAMPLE = {"lang": "fr", "source": "twitter", "author": "marie_l", "site": "example.com"}


class QuerySyntaxError(ValueError):
    """A query that cannot be read, with the 0-based character offset of the problem."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"at position {position}: {reason}")
        self.position = position
        self.reason = reason


class Kind(Enum):
    LPAREN = "("
    RPAREN = ")"
    AND = "AND"
    OR = "OR"
    NOT = "NOT"
    NEAR = "NEAR"
    PHRASE = "phrase"
    FIELD = "field"
    WORD = "word"


@dataclass(frozen=True)
class Token:
    kind: Kind
    start: int
    source: str  # the token as written, quotes included
    value: str = ""  # phrase content, field value, or the word
    name: str = ""  # the field's canonical name
    distance: int = 0
    ordered: bool = False


def _closing(query: str, start: int) -> int:
    """Index of the quote closing the one at `start`."""
    end = query.find(QUOTES[query[start]], start + 1)
    if end < 0:
        raise QuerySyntaxError(start, "this quote is never closed")
    return end


def _near(word: str, start: int) -> Token:
    match = _NEAR.fullmatch(word)
    if match is None:
        raise QuerySyntaxError(
            start, f"'{word}' needs a distance in words, e.g. NEAR/3 (at most 3 words apart)"
        )
    distance = int(match.group(1))
    if distance > MAX_NEAR:
        raise QuerySyntaxError(start, f"the NEAR distance must be between 0 and {MAX_NEAR} words")
    return Token(Kind.NEAR, start, word, distance=distance, ordered=bool(match.group(2)))


def _word(query: str, start: int, end: int) -> tuple[Token, int]:
    word = query[start:end]
    if word in ("AND", "OR", "NOT"):
        return Token(Kind[word], start, word), end
    if word == "NEAR" or word.startswith("NEAR/"):
        return _near(word, start), end
    if _NEAR.fullmatch(word.upper()):
        raise QuerySyntaxError(start, f"operators are written in capitals: {word.upper()}")
    field = _FIELD.fullmatch(word)
    if field is None:
        return Token(Kind.WORD, start, word, value=word), end
    name, value = field.group(1), field.group(2)
    canonical = FIELDS.get(name.casefold())
    if canonical is None:
        known = ", ".join(sorted({f"{n}:" for n in FIELDS.values()}))
        raise QuerySyntaxError(start, f"unknown field '{name}:' (the fields are {known})")
    if not value and end < len(query) and query[end] in QUOTES:
        close = _closing(query, end)
        value, end = query[end + 1 : close], close + 1
    if not value.strip():
        raise QuerySyntaxError(
            start, f"'{name}:' needs a value, e.g. {canonical}:{_EXAMPLE[canonical]}"
        )
    return Token(Kind.FIELD, start, query[start:end], value=value.strip(), name=canonical), end


def lex(query: str) -> list[Token]:
    tokens: list[Token] = []
    n, length = 0, len(query)
    while n < length:
        char = query[n]
        if char.isspace():
            n += 1
        elif char in "()":
            tokens.append(Token(Kind(char), n, char))
            n += 1
        elif char in QUOTES:
            close = _closing(query, n)
            tokens.append(Token(Kind.PHRASE, n, query[n : close + 1], value=query[n + 1 : close]))
            n = close + 1
        elif char in _STOP:
            raise QuerySyntaxError(n, f"'{char}' closes a quote that was never opened")
        else:
            end = n
            while end < length and not query[end].isspace() and query[end] not in _STOP:
                end += 1
            token, n = _word(query, n, end)
            tokens.append(token)
    return tokens
