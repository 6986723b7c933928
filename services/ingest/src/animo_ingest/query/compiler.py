"""Turn a query tree into closures over a prepared mention, plus the anchor keys the index filters on."""

from __future__ import annotations

import operator
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from .text import Prepared, Span
from .tree import And, Field, Handle, Near, Node, Not, Or, Pattern, Positional, Tag, Words

Test = Callable[[Prepared], bool]
Spans = Callable[[Prepared], list[Span]]

# Anchor prefixes are cut to this length so the index probes each mention word at a
# handful of lengths only; the full test then confirms.
MAX_PREFIX = 5
# Function words tell the index little: a query anchored on one is tried on most mentions.
_COMMON = frozenset(
    {"a", "au", "aux", "d", "de", "des", "du", "en", "est", "et", "il", "je", "l", "la", "le"}
    | {"les", "ne", "pas", "pour", "que", "qui", "un", "une", "an", "and", "are", "for", "i"}
    | {"in", "is", "it", "of", "on", "the", "this", "to", "you"}
)
_FIELD_WEIGHT = {"lang": 0.5, "source": 0.3, "site": 0.05, "author": 0.01}
_FIRST_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Anchor:
    """Keys of which a mention must hold one for the query to match it: the index's prefilter."""

    keys: frozenset[str]
    prefixes: frozenset[str]
    # A rough chance that a mention holds one of them; the lowest wins within AND.
    weight: float

    def __or__(self, other: Anchor) -> Anchor:
        return Anchor(
            self.keys | other.keys, self.prefixes | other.prefixes, self.weight + other.weight
        )


@dataclass(frozen=True)
class Compiled:
    test: Test
    # Relative evaluation cost; AND and OR try cheap children first.
    cost: int
    anchor: Anchor | None


def _word_anchor(token: str) -> Anchor:
    weight = 0.5 if token in _COMMON else 0.3 if len(token) < 3 else 0.1 if len(token) < 4 else 0.02
    return Anchor(frozenset({token}), frozenset(), weight)


def _prefix_anchor(prefix: str) -> Anchor:
    cut = prefix[:MAX_PREFIX]
    return Anchor(frozenset(), frozenset({cut}), 0.5 if len(cut) < 3 else 0.2 / (len(cut) - 1))


def _expand(pattern: Pattern) -> Callable[[Prepared], list[int]]:
    text, prefix, matches = pattern.text, pattern.prefix, pattern.matches
    return lambda p: p.expand(text, prefix, matches)


def _starts(words: Words) -> tuple[Callable[[Prepared, bool], list[int]], Anchor]:
    """Where the phrase starts in a mention, found from its most selective element."""
    elements = words.elements
    literal = [n for n, e in enumerate(elements) if e.literal]
    pivot = max(literal or range(len(elements)), key=lambda n: len(elements[n].prefix))
    pattern = elements[pivot]
    rest = [(n - pivot, e) for n, e in enumerate(elements) if n != pivot]
    size = len(elements)
    candidates: Callable[[Prepared], list[int]]
    if pattern.literal:
        token = pattern.text

        def candidates(p: Prepared) -> list[int]:
            return p.positions.get(token, [])

        anchor = _word_anchor(token)
    else:
        candidates = _expand(pattern)
        anchor = _prefix_anchor(pattern.prefix)

    def starts(p: Prepared, first_only: bool) -> list[int]:
        found: list[int] = []
        words_ = p.words
        for at in candidates(p):
            begin = at - pivot
            if begin < 0 or begin + size > len(words_):
                continue
            if all(e.matches(words_[at + offset]) for offset, e in rest):
                found.append(begin)
                if first_only:
                    break
        return found

    return starts, anchor


def positional(leaf: Positional) -> tuple[Test, Spans, Anchor | None]:
    """A positional term's presence test, where it occurs (as word spans), and its anchor."""
    if isinstance(leaf, Words):
        if len(leaf.elements) > 1:
            starts, anchor = _starts(leaf)
            last = len(leaf.elements) - 1
            return (
                lambda p: bool(starts(p, True)),
                lambda p: [(s, s + last) for s in starts(p, False)],
                anchor,
            )
        pattern = leaf.elements[0]
        if pattern.literal:
            token = pattern.text
            return (
                lambda p: token in p.positions,
                lambda p: [(q, q) for q in p.positions.get(token, ())],
                _word_anchor(token),
            )
        expand = _expand(pattern)
        return (
            lambda p: bool(expand(p)),
            lambda p: [(q, q) for q in expand(p)],
            _prefix_anchor(pattern.prefix),
        )
    pattern = leaf.pattern
    name = pattern.text
    if isinstance(leaf, Tag):
        if pattern.literal:
            anchor = Anchor(frozenset({"#" + name}), frozenset(), 0.01)
            return (lambda p: name in p.hashtags, lambda p: p.hashtags.get(name, []), anchor)
        # A hashtag's first word is also a mention word, so a wildcard tag can still be
        # anchored on the prefix of that word ("#promo*" on words starting "promo").
        first = _FIRST_WORD.match(pattern.prefix)
        return (
            lambda p: any(pattern.matches(t) for t in p.hashtags),
            lambda p: sorted(s for t, ss in p.hashtags.items() if pattern.matches(t) for s in ss),
            _prefix_anchor(first.group()) if first else None,
        )
    if pattern.literal:
        anchor = Anchor(frozenset({"@" + name}), frozenset(), 0.01)
        return (
            lambda p: name in p.handles or p.author == name,
            lambda p: p.handles.get(name, []),
            anchor,
        )
    return (
        lambda p: any(pattern.matches(h) for h in p.handles) or pattern.matches(p.author),
        lambda p: sorted(s for h, ss in p.handles.items() if pattern.matches(h) for s in ss),
        None,
    )


def _close(left: list[Span], right: list[Span], distance: int, ordered: bool) -> bool:
    """Whether some left span has a right span after it (or before, unless ordered) within reach."""
    starts = sorted(start for start, _ in right)
    for _, end in left:
        after = bisect_right(starts, end)
        if after < len(starts) and starts[after] - end - 1 <= distance:
            return True
    if ordered:
        return False
    ends = sorted(end for _, end in right)
    for start, _ in left:
        before = bisect_left(ends, start) - 1
        if before >= 0 and start - ends[before] - 1 <= distance:
            return True
    return False


def _near(node: Near) -> Compiled:
    left = [positional(leaf) for leaf in node.left]
    right = [positional(leaf) for leaf in node.right]
    distance, ordered = node.distance, node.ordered

    def test(p: Prepared) -> bool:
        before = [s for _, spans, _ in left for s in spans(p)]
        if not before:
            return False
        after = [s for _, spans, _ in right for s in spans(p)]
        return bool(after) and _close(before, after, distance, ordered)

    anchors = [_union([a for _, _, a in side]) for side in (left, right)]
    return Compiled(test, 6 + len(left) + len(right), _best(anchors))


def _union(anchors: list[Anchor | None]) -> Anchor | None:
    known = [a for a in anchors if a is not None]
    if not known or len(known) < len(anchors):
        return None
    return reduce(operator.or_, known)


def _best(anchors: list[Anchor | None]) -> Anchor | None:
    known = [a for a in anchors if a is not None]
    return min(known, key=lambda a: a.weight) if known else None


def _leaf_cost(leaf: Positional) -> int:
    if isinstance(leaf, Words) and len(leaf.elements) > 1:
        return 4
    pattern = leaf.elements[0] if isinstance(leaf, Words) else leaf.pattern
    return 1 if pattern.literal else 3


# Loops rather than all()/any() over a generator: this is the hot path, and a
# generator costs more than the set lookups it wraps.
def all_of(tests: list[Test]) -> Test:
    if len(tests) == 2:
        first, second = tests
        return lambda p: first(p) and second(p)

    def every(p: Prepared) -> bool:
        for test in tests:  # noqa: SIM110
            if not test(p):
                return False
        return True

    return every


def _any(tests: list[Test]) -> Test:
    if len(tests) == 2:
        first, second = tests
        return lambda p: first(p) or second(p)

    def some(p: Prepared) -> bool:
        for test in tests:  # noqa: SIM110
            if test(p):
                return True
        return False

    return some


def _flatten(node: And | Or) -> list[Node]:
    kind = type(node)
    return [
        grandchild
        for child in node.children
        for grandchild in (_flatten(child) if isinstance(child, kind) else [child])
    ]


def compile_node(node: Node) -> Compiled:
    if isinstance(node, Field):
        key = f"{node.name}:{node.value}"
        keyed = Anchor(frozenset({key}), frozenset(), _FIELD_WEIGHT[node.name])
        return Compiled(lambda p: key in p.keys, 1, keyed)
    if isinstance(node, Words | Tag | Handle):
        test, _, anchor = positional(node)
        return Compiled(test, _leaf_cost(node), anchor)
    if isinstance(node, Not):
        child = compile_node(node.child)
        return Compiled(lambda p: not child.test(p), child.cost, None)
    if isinstance(node, Near):
        return _near(node)
    children = sorted((compile_node(c) for c in _flatten(node)), key=lambda c: c.cost)
    tests = [c.test for c in children]
    cost = sum(c.cost for c in children)
    if isinstance(node, And):
        return Compiled(all_of(tests), cost, _best([c.anchor for c in children]))
    return Compiled(_any(tests), cost, _union([c.anchor for c in children]))
