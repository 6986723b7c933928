"""Read a query into a tree: precedence NEAR > NOT > AND (explicit or implied) > OR, with clear refusals."""

from __future__ import annotations

import re

from .lexer import Kind, QuerySyntaxError, Token, lex
from .text import EMOJI, fold, fold_handle, fold_lang, fold_source
from .tree import And, Field, Handle, Leaf, Near, Node, Not, Or, Pattern, Positional, Tag, Words

MAX_LENGTH = 4096
MAX_TERMS = 200
MAX_DEPTH = 32
MIN_WILDCARD_PREFIX = 2

# A query word splits like mention text, except that "*" and "?" stay attached to the
# letters they follow ("l'envo*" -> "l", "envo*").
_ELEMENT = re.compile(rf"[^\W_]+(?:[*?]+[^\W_]*)*|[{EMOJI}]")
# A wildcard that does not follow a letter or digit ("*ing", "l'*").
_ORPHAN = re.compile(r"(?<![^\W_*?])[*?]+")
# "?" is a wildcard only inside a word ("colo?r"); at the end of one it is the
# question mark users paste with their text ("où est mon colis?").
_TRAILING_QUESTION = re.compile(r"\?+(?![^\W_*?])")
_HASHTAG = re.compile(r"[\w*?]+")
_HANDLE = re.compile(r"[\w*?]+(?:\.[\w*?]+)*")
_LANG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")
_SOURCE = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)*")
_ANY = re.compile(r".+", re.DOTALL)
_STARTS_OPERAND = frozenset({Kind.WORD, Kind.PHRASE, Kind.FIELD, Kind.LPAREN, Kind.NOT})
_NEAR_OPERANDS = "NEAR links words, phrases, hashtags, handles, or (… OR …) groups of them"


def _wildcard_too_early(token: Token) -> QuerySyntaxError:
    return QuerySyntaxError(
        token.start,
        f"'{token.source}': a wildcard must follow at least {MIN_WILDCARD_PREFIX}"
        " letters or digits, e.g. livr*",
    )


def _pattern(text: str, token: Token) -> Pattern:
    if "*" in text or "?" in text:
        pattern = Pattern(re.sub(r"\*+", "*", text))
        if len(pattern.prefix) < MIN_WILDCARD_PREFIX:
            raise _wildcard_too_early(token)
        return pattern
    return Pattern(text)


def _elements(text: str, token: Token, *, in_phrase: bool) -> tuple[Pattern, ...]:
    folded = _TRAILING_QUESTION.sub(" ", fold(text))
    for orphan in _ORPHAN.finditer(folded):
        # In a phrase a lone "?" is punctuation ("c'est quoi ?"); before a letter it
        # is a leading wildcard, which would match too much to be useful.
        if not in_phrase or _ELEMENT.match(folded, orphan.end()):
            raise _wildcard_too_early(token)
    return tuple(_pattern(m.group(), token) for m in _ELEMENT.finditer(folded))


def _word(token: Token) -> Leaf:
    value = token.value
    if value[0] in "#@" and len(value) > 1:
        body = _TRAILING_QUESTION.sub("", value[1:])
        body = fold(body) if value[0] == "#" else fold_handle(body)
        shape = _HASHTAG if value[0] == "#" else _HANDLE
        if not shape.fullmatch(body):
            kind = "hashtag" if value[0] == "#" else "handle"
            raise QuerySyntaxError(
                token.start,
                f"'{value}' is not a {kind}: use letters, digits and _ after {value[0]}",
            )
        pattern = _pattern(body, token)
        if value[0] == "#":
            return Tag(token.source, token.start, pattern)
        return Handle(token.source, token.start, pattern)
    if value[0] == "-" and len(value) > 1:
        rest = value.lstrip("-")
        raise QuerySyntaxError(
            token.start, f"to exclude a term write NOT {rest}: a leading '-' is not an operator"
        )
    elements = _elements(value, token, in_phrase=False)
    if not elements:
        raise QuerySyntaxError(token.start, f"'{value}' has no letters or digits to match")
    return Words(token.source, token.start, elements)


def _phrase(token: Token) -> Words:
    if not token.value.strip():
        raise QuerySyntaxError(token.start, "empty phrase: put words between the quotes")
    elements = _elements(token.value, token, in_phrase=True)
    if not elements:
        raise QuerySyntaxError(token.start, "the phrase has no letters or digits to match")
    return Words(token.source, token.start, elements)


def _field(token: Token) -> Field:
    name, raw = token.name, token.value
    if "*" in raw or "?" in raw:
        raise QuerySyntaxError(token.start, f"wildcards are not supported in {name}:")
    checks = {
        "lang": (fold_lang(raw), _LANG, "a language code such as fr or en"),
        "source": (fold_source(raw), _SOURCE, "a source name such as twitter or forum"),
        "author": (fold_handle(raw), _ANY, "a handle such as marie_l"),
        "site": (raw.casefold().rstrip("."), _HOST, "a domain such as example.com (no http://)"),
    }
    value, shape, expected = checks[name]
    if not shape.fullmatch(value):
        raise QuerySyntaxError(token.start, f"{name}: takes {expected}")
    return Field(token.source, token.start, name, value)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.depth = 0
        self.terms = 0

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def operand_after(self, operator: Token) -> None:
        following = self.peek()
        if following is None or following.kind not in _STARTS_OPERAND:
            raise QuerySyntaxError(operator.start, f"'{operator.source}' needs a term on its right")

    def query(self) -> Node:
        node = self.any_of()
        extra = self.peek()
        if extra is not None:
            # any_of stops only at ")" here: every other token continues an expression.
            raise QuerySyntaxError(extra.start, "')' has no matching '('")
        return node

    def any_of(self) -> Node:
        children = [self.all_of()]
        while (token := self.peek()) is not None and token.kind is Kind.OR:
            self.operand_after(self.take())
            children.append(self.all_of())
        return children[0] if len(children) == 1 else Or(_start(children[0]), tuple(children))

    def all_of(self) -> Node:
        children = [self.unary()]
        while (token := self.peek()) is not None and token.kind not in (Kind.OR, Kind.RPAREN):
            if token.kind is Kind.AND:
                self.operand_after(self.take())
            children.append(self.unary())
        return children[0] if len(children) == 1 else And(_start(children[0]), tuple(children))

    def unary(self) -> Node:
        token = self.peek()
        if token is None or token.kind is not Kind.NOT:
            return self.near()
        self.take()
        self.operand_after(token)
        twice = self.peek()
        if twice is not None and twice.kind is Kind.NOT:
            raise QuerySyntaxError(twice.start, "NOT twice in a row cancels out: remove both")
        return Not(token.start, self.near())

    def near(self) -> Node:
        left_at = self.peek()
        left = self.primary()
        operator = self.peek()
        if operator is None or operator.kind is not Kind.NEAR:
            return left
        self.take()
        self.operand_after(operator)
        right_at = self.peek()
        right = self.primary()
        chained = self.peek()
        if chained is not None and chained.kind is Kind.NEAR:
            raise QuerySyntaxError(
                chained.start, "NEAR cannot be chained: write (a NEAR/3 b) AND (b NEAR/3 c)"
            )
        # primary() raised or consumed a token on each side.
        assert left_at is not None
        assert right_at is not None
        return Near(
            start=left_at.start,
            operator=operator.source,
            left=_positional(left, left_at),
            right=_positional(right, right_at),
            distance=operator.distance,
            ordered=operator.ordered,
        )

    def primary(self) -> Node:
        token = self.peek()
        assert token is not None  # callers check operand_after() or start from a token
        if token.kind in (Kind.AND, Kind.OR, Kind.NEAR):
            raise QuerySyntaxError(token.start, f"'{token.source}' needs a term on its left")
        if token.kind is Kind.RPAREN:
            raise QuerySyntaxError(token.start, "')' has no matching '('")
        if token.kind is Kind.NOT:
            raise QuerySyntaxError(token.start, _NEAR_OPERANDS + ", not NOT")
        self.take()
        if token.kind is Kind.LPAREN:
            return self.group(token)
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QuerySyntaxError(token.start, f"more than {MAX_TERMS} terms: split the query")
        if token.kind is Kind.PHRASE:
            return _phrase(token)
        if token.kind is Kind.FIELD:
            return _field(token)
        return _word(token)

    def group(self, opening: Token) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(
                opening.start, f"parentheses are nested more than {MAX_DEPTH} levels deep"
            )
        following = self.peek()
        if following is not None and following.kind is Kind.RPAREN:
            raise QuerySyntaxError(opening.start, "empty parentheses")
        if following is None:
            raise QuerySyntaxError(opening.start, "this parenthesis is never closed")
        node = self.any_of()
        closing = self.peek()
        if closing is None:
            raise QuerySyntaxError(opening.start, "this parenthesis is never closed")
        self.take()
        self.depth -= 1
        return node


def _start(node: Node) -> int:
    return node.start


def _positional(node: Node, at: Token) -> tuple[Positional, ...]:
    if isinstance(node, Words | Tag | Handle):
        return (node,)
    if isinstance(node, Or):
        return tuple(p for child in node.children for p in _positional(child, at))
    raise QuerySyntaxError(at.start, _NEAR_OPERANDS)


def _positive(node: Node) -> bool:
    """Whether the node can only match a mention that contains one of its non-negated terms."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_positive(child) for child in node.children)
    if isinstance(node, Or):
        return all(_positive(child) for child in node.children)
    return True


def _refuse_negation_only(node: Node) -> None:
    if _positive(node):
        return
    if isinstance(node, Or):
        branch = next(child for child in node.children if not _positive(child))
        raise QuerySyntaxError(
            branch.start,
            "each side of OR needs a term to look for: a side with only NOT would match"
            " almost every mention",
        )
    raise QuerySyntaxError(
        node.start, "the query only excludes: add a term to look for, e.g. livraison NOT promo"
    )


def parse_tree(query: str) -> Node:
    """Parse `query` or raise QuerySyntaxError with the position and the reason."""
    if len(query) > MAX_LENGTH:
        raise QuerySyntaxError(
            MAX_LENGTH, f"the query is {len(query)} characters long; the limit is {MAX_LENGTH}"
        )
    tokens = lex(query)
    if not tokens:
        raise QuerySyntaxError(0, "the query is empty")
    tree = _Parser(tokens).query()
    _refuse_negation_only(tree)
    return tree
