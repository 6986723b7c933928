"""The listening query language: parse a brand's queries, prepare each mention once, match them."""

from .lexer import QuerySyntaxError
from .matcher import Match, Query, QueryIndex, match_many, parse
from .parser import MAX_DEPTH, MAX_LENGTH, MAX_TERMS
from .text import Document, Prepared, fold, prepare

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_TERMS",
    "Document",
    "Match",
    "Prepared",
    "Query",
    "QueryIndex",
    "QuerySyntaxError",
    "fold",
    "match_many",
    "parse",
    "prepare",
]
