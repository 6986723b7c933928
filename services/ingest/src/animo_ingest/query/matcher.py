"""Parsed queries, their matches, and an index that runs a brand's queries over one mention cheaply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .compiler import Test, all_of, compile_node, positional
from .parser import parse_tree
from .text import Prepared
from .tree import And, Near, Node, Not, Or, leaves, render


@dataclass(frozen=True)
class Match:
    """Whether a query matched a mention, and which of its terms did (as written in the query)."""

    matched: bool
    terms: tuple[str, ...] = ()


def _term_tests(node: Node, negated: bool = False) -> list[tuple[str, Test]]:
    """The non-negated terms in query order, each with the test that says it matched."""
    if isinstance(node, Not):
        return _term_tests(node.child, not negated)
    if isinstance(node, And | Or):
        return [t for child in node.children for t in _term_tests(child, negated)]
    if negated:
        return []
    if isinstance(node, Near):
        # A term of a NEAR matched only if the NEAR did: "retard" far from
        # "livraison" is not what `livraison NEAR/3 retard` found.
        near = compile_node(node).test
        return [
            (leaf.source, all_of([positional(leaf)[0], near])) for leaf in (*node.left, *node.right)
        ]
    return [(node.source, compile_node(node).test)]


class Query:
    """A query parsed once and evaluated against many prepared mentions; immutable."""

    __slots__ = ("_terms", "_tree", "anchor", "source", "test")

    def __init__(self, source: str) -> None:
        self.source = source
        self._tree = parse_tree(source)
        compiled = compile_node(self._tree)
        self.test = compiled.test
        self.anchor = compiled.anchor
        self._terms = _term_tests(self._tree)

    @property
    def canonical(self) -> str:
        """The query fully parenthesised: how it was read, operator precedence made explicit."""
        return render(self._tree)

    @property
    def terms(self) -> tuple[str, ...]:
        """Every term of the query as written, in order."""
        return tuple(dict.fromkeys(leaf.source for leaf in leaves(self._tree)))

    def match(self, prepared: Prepared) -> Match:
        if not self.test(prepared):
            return Match(False)
        found = dict.fromkeys(source for source, test in self._terms if test(prepared))
        return Match(True, tuple(found))

    def __repr__(self) -> str:
        return f"Query({self.source!r})"


def parse(query: str) -> Query:
    """Parse a query; raises QuerySyntaxError with the 0-based position and the reason."""
    return Query(query)


class QueryIndex:
    """Many queries over one mention: only those whose anchor keys the mention holds are evaluated."""

    def __init__(self, queries: Sequence[tuple[str, Query]]) -> None:
        self._ids = [query_id for query_id, _ in queries]
        self._tests = [query.test for _, query in queries]
        self._always: list[int] = []
        self._by_key: dict[str, list[int]] = {}
        self._by_prefix: dict[str, list[int]] = {}
        for slot, (_, query) in enumerate(queries):
            anchor = query.anchor
            if anchor is None:
                self._always.append(slot)
                continue
            for key in anchor.keys:
                self._by_key.setdefault(key, []).append(slot)
            for prefix in anchor.prefixes:
                self._by_prefix.setdefault(prefix, []).append(slot)
        self._keys = frozenset(self._by_key)
        self._lengths = sorted({len(prefix) for prefix in self._by_prefix})

    def candidates(self, prepared: Prepared) -> list[int]:
        slots = set(self._always)
        by_key = self._by_key
        for key in self._keys.intersection(prepared.keys):
            slots.update(by_key[key])
        if self._lengths:
            by_prefix, lengths = self._by_prefix, self._lengths
            for word in prepared.vocabulary:
                for length in lengths:
                    if length > len(word):
                        break
                    hit = by_prefix.get(word[:length])
                    if hit is not None:
                        slots.update(hit)
        return sorted(slots)

    def match(self, prepared: Prepared) -> list[str]:
        """Ids of the queries that match, in the order they were given."""
        tests, ids = self._tests, self._ids
        return [ids[slot] for slot in self.candidates(prepared) if tests[slot](prepared)]


@lru_cache(maxsize=256)
def _index(queries: tuple[tuple[str, Query], ...]) -> QueryIndex:
    return QueryIndex(queries)


def match_many(queries: Sequence[tuple[str, Query]], prepared: Prepared) -> list[str]:
    """Ids of the matching queries; the index for a given list of queries is built once and kept."""
    return _index(tuple(queries)).match(prepared)
