"""The segment filter language: clauses joined by `and`, parsed into typed predicates — a user's text
never reaches the database as a query, so there is nothing to inject.

    tier in (advocate, influencer) and love >= 15 and language = fr and channel = twitter
    and tag = vip and consent.marketing = true and active_within = 30d and influence < 80
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .models import MemberView

NUMERIC = {
    "reach": "reach",
    "love": "love",
    "sentiment": "sentiment",
    "influence": "influence",
    "mentions": "mentions",
    "level": "love_level",
}
WORDS = {"tier", "language", "channel", "tag"}
FLAGS = {"consent.marketing": "marketing", "consent.rewards": "rewards"}
FIELDS = sorted([*NUMERIC, *WORDS, *FLAGS, "active_within", "last_active"])
OPERATORS = ("<=", ">=", "!=", "=", "<", ">", "in")

_TOKEN = re.compile(
    r"\s*(?:(?P<op><=|>=|!=|=|<|>)|(?P<lp>\()|(?P<rp>\))|(?P<comma>,)"
    r"|(?P<quoted>\"[^\"\\]{0,100}\")|(?P<word>[A-Za-z0-9_.:+-]{1,100}))"
)
_DURATION = re.compile(r"^(\d{1,5})([dhw])$")
MAX_LENGTH = 2000
MAX_CLAUSES = 20


class FilterError(ValueError):
    """The filter is not in the language; `position` is where reading stopped."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position})")
        self.position = position


@dataclass(frozen=True)
class Clause:
    field: str
    op: str
    values: tuple[Any, ...]

    def matches(self, member: MemberView, now: datetime) -> bool:
        if self.field in NUMERIC:
            return _compare(float(getattr(member, NUMERIC[self.field])), self.op, self.values)
        if self.field in FLAGS:
            return _compare(getattr(member.consents, FLAGS[self.field]), self.op, self.values)
        if self.field == "active_within":
            since = now - self.values[0]
            return member.last_seen is not None and member.last_seen >= since
        if self.field == "last_active":
            return member.last_seen is not None and _compare(member.last_seen, self.op, self.values)
        have: set[str] = {
            "tier": {member.tier},
            "language": set(member.languages),
            "channel": {a.source for a in member.accounts},
            "tag": set(member.tags),
        }[self.field]
        hit = bool(have & set(self.values))
        return not hit if self.op == "!=" else hit


def _compare(value: Any, op: str, values: tuple[Any, ...]) -> bool:
    target = values[0]
    if op == "=":
        return bool(value == target)
    if op == "!=":
        return bool(value != target)
    if op == "<":
        return bool(value < target)
    if op == "<=":
        return bool(value <= target)
    if op == ">":
        return bool(value > target)
    if op == ">=":
        return bool(value >= target)
    return value in values


@dataclass(frozen=True)
class Filter:
    text: str
    clauses: tuple[Clause, ...]

    def matches(self, member: MemberView, now: datetime) -> bool:
        return all(c.matches(member, now) for c in self.clauses)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    if "$" in text:
        at = text.index("$")
        operator = re.match(r"\$[A-Za-z]*", text[at:])
        name = operator.group(0) if operator else "$"
        raise FilterError(
            f"{name!r} is not part of the filter language: no database operators are accepted; "
            f"write clauses like 'tier = advocate and love >= 15' over {', '.join(FIELDS)}",
            at,
        )
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        found = _TOKEN.match(text, position)
        if found is None or found.end() == position:
            raise FilterError(f"unexpected character {text[position:].lstrip()[:1]!r}", position)
        kind = found.lastgroup
        assert kind is not None
        tokens.append((kind, found.group(kind), found.start(kind)))
        position = found.end()
    return tokens


def parse(text: str) -> Filter:
    if len(text) > MAX_LENGTH:
        raise FilterError(f"filter longer than {MAX_LENGTH} characters", MAX_LENGTH)
    tokens = _tokens(text)
    if not tokens:
        raise FilterError("empty filter: write at least one clause, e.g. 'tier = advocate'", 0)
    clauses: list[Clause] = []
    i = 0
    while True:
        clause, i = _clause(tokens, i, len(text))
        clauses.append(clause)
        if len(clauses) > MAX_CLAUSES:
            raise FilterError(f"more than {MAX_CLAUSES} clauses", tokens[i - 1][2])
        if i == len(tokens):
            return Filter(text=text, clauses=tuple(clauses))
        kind, value, at = tokens[i]
        if kind != "word" or value.lower() != "and":
            raise FilterError(f"expected 'and' between clauses, found {value!r}", at)
        i += 1


def _next(tokens: list[tuple[str, str, int]], i: int, end: int, what: str) -> tuple[str, str, int]:
    if i >= len(tokens):
        raise FilterError(f"expected {what}, found the end of the filter", end)
    return tokens[i]


def _clause(tokens: list[tuple[str, str, int]], i: int, end: int) -> tuple[Clause, int]:
    kind, field, at = _next(tokens, i, end, "a field")
    field = field.lower()
    if kind != "word" or field not in FIELDS:
        raise FilterError(f"unknown field {field!r}; fields are {', '.join(FIELDS)}", at)
    kind, op, at = _next(tokens, i + 1, end, "an operator")
    op = op.lower()
    if op not in OPERATORS:
        raise FilterError(f"expected an operator ({', '.join(OPERATORS)}), found {op!r}", at)
    i += 2
    raw: list[tuple[str, int]] = []
    if op == "in":
        kind, value, at = _next(tokens, i, end, "'('")
        if kind != "lp":
            raise FilterError("'in' takes a list: in (a, b)", at)
        i += 1
        while True:
            kind, value, at = _next(tokens, i, end, "a value")
            if kind not in ("word", "quoted"):
                raise FilterError(f"expected a value, found {value!r}", at)
            raw.append((value.strip('"'), at))
            kind, value, at = _next(tokens, i + 1, end, "',' or ')'")
            i += 2
            if kind == "rp":
                break
            if kind != "comma":
                raise FilterError(f"expected ',' or ')', found {value!r}", at)
    else:
        kind, value, at = _next(tokens, i, end, "a value")
        if kind not in ("word", "quoted"):
            raise FilterError(f"expected a value, found {value!r}", at)
        raw.append((value.strip('"'), at))
        i += 1
    return Clause(field, op, _values(field, op, raw)), i


def _values(field: str, op: str, raw: list[tuple[str, int]]) -> tuple[Any, ...]:
    ordered = op in ("<", "<=", ">", ">=")
    if field in NUMERIC:
        out: list[Any] = []
        for value, at in raw:
            try:
                out.append(float(value))
            except ValueError:
                raise FilterError(f"{field} compares with numbers, not {value!r}", at) from None
        return tuple(out)
    if field in FLAGS:
        if op not in ("=", "!="):
            raise FilterError(f"{field} takes '=' or '!=' with true or false", raw[0][1])
        value, at = raw[0]
        if value.lower() not in ("true", "false"):
            raise FilterError(f"{field} is true or false, not {value!r}", at)
        return (value.lower() == "true",)
    if field == "active_within":
        value, at = raw[0]
        found = _DURATION.match(value)
        if op != "=" or found is None:
            raise FilterError("active_within takes '=' and a duration like 30d, 12h or 2w", at)
        unit = {"d": "days", "h": "hours", "w": "weeks"}[found.group(2)]
        return (timedelta(**{unit: int(found.group(1))}),)
    if field == "last_active":
        out = []
        for value, at in raw:
            try:
                when = datetime.fromisoformat(value)
            except ValueError:
                raise FilterError(f"last_active compares with a date, not {value!r}", at) from None
            out.append(when if when.tzinfo else when.replace(tzinfo=UTC))
        return tuple(out)
    if ordered:
        raise FilterError(f"{field} takes '=', '!=' or 'in'", raw[0][1])
    return tuple(value.lower() if field != "tag" else value for value, _ in raw)
