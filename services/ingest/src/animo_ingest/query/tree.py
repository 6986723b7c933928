"""The parsed form of a query: token patterns, leaf terms and the boolean nodes over them."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pattern:
    """One normalised word of a query, literal ("livraison") or with wildcards ("livr*", "colo?r")."""

    text: str
    # The literal part before the first wildcard: the whole word when literal. The
    # prefix is what lets a sorted vocabulary and the query index find candidates.
    prefix: str = field(init=False)
    _regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cut = min((i for i, c in enumerate(self.text) if c in "*?"), default=len(self.text))
        object.__setattr__(self, "prefix", self.text[:cut])
        # fnmatch's translation avoids catastrophic backtracking on "a*b*c*" patterns,
        # and a Pattern only ever holds letters, digits, "*" and "?".
        plain_prefix = self.text == self.prefix + "*" or self.literal
        regex = None if plain_prefix else re.compile(fnmatch.translate(self.text))
        object.__setattr__(self, "_regex", regex)

    @property
    def literal(self) -> bool:
        return self.prefix == self.text

    def matches(self, token: str) -> bool:
        if self._regex is not None:
            return self._regex.match(token) is not None
        if self.literal:
            return token == self.text
        return token.startswith(self.prefix)


@dataclass(frozen=True)
class Words:
    """A word or an "exact phrase": patterns that must follow each other in the text."""

    source: str
    start: int
    elements: tuple[Pattern, ...]


@dataclass(frozen=True)
class Tag:
    """`#hashtag`: the hashtag token only, not the bare word."""

    source: str
    start: int
    pattern: Pattern


@dataclass(frozen=True)
class Handle:
    """`@handle`: a mention of the handle in the text, or the mention's author."""

    source: str
    start: int
    pattern: Pattern


@dataclass(frozen=True)
class Field:
    """`lang:`, `source:`, `author:` or `site:` with its normalised value."""

    source: str
    start: int
    name: str
    value: str


@dataclass(frozen=True)
class Not:
    start: int
    child: Node


@dataclass(frozen=True)
class And:
    start: int
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    start: int
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Near:
    """`left NEAR/n right`: at most n words between the two, in either order unless `ordered`."""

    start: int
    operator: str
    left: tuple[Positional, ...]
    right: tuple[Positional, ...]
    distance: int
    ordered: bool


Positional = Words | Tag | Handle
Leaf = Words | Tag | Handle | Field
Node = Words | Tag | Handle | Field | Not | And | Or | Near


def leaves(node: Node) -> list[Leaf]:
    """The node's terms in query order."""
    if isinstance(node, Not):
        return leaves(node.child)
    if isinstance(node, And | Or):
        return [leaf for child in node.children for leaf in leaves(child)]
    if isinstance(node, Near):
        return [*node.left, *node.right]
    return [node]


def render(node: Node) -> str:
    """The query fully parenthesised, so a user can see how it was read."""
    if isinstance(node, Not):
        return f"NOT {render(node.child)}"
    if isinstance(node, And | Or):
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(render(child) for child in node.children) + ")"
    if isinstance(node, Near):
        sides = [
            side[0].source if len(side) == 1 else "(" + " OR ".join(s.source for s in side) + ")"
            for side in (node.left, node.right)
        ]
        return f"({sides[0]} {node.operator} {sides[1]})"
    return node.source
