"""Normalisation shared by queries and mentions: fold text to tokens once per mention, reuse across queries."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Letters NFKD does not decompose but that French/European writers swap for their
# spelled-out form ("coeur" for "cœur"); applied after casefold, so lowercase only.
_LETTERS = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "\u0131": "i"}
)
# Combining diacritics (Latin, Greek, Cyrillic), Arabic and Hebrew vowel points, and
# emoji variation selectors: all optional in writing. Other scripts' marks
# (Devanagari vowel signs…) carry meaning and are kept.
_MARKS = re.compile(
    "[\u0300-\u036f\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u064b-\u065f\u0670"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f]"
)
EMOJI = "\u2600-\u27bf\u2b00-\u2bff\U0001f1e6-\U0001f1ff\U0001f300-\U0001faff"
# A word is letters and digits only, so apostrophes, hyphens and underscores separate
# words ("l'envoi" -> "l", "envoi") the same way in a query and in a mention.
WORD = re.compile(rf"[^\W_]+|[{EMOJI}]")
# "#" and "@" only start a tag or a handle at a word boundary, so "C#" and an e-mail
# address ("sav@acme.fr") are plain words.
_TOKEN = re.compile(rf"(?<!\w)#(\w+)|(?<!\w)@(\w+(?:\.\w+)*)|([^\W_]+|[{EMOJI}])")

# Mirrors animo_ingest.service.SOURCE_ALIASES (a test keeps them equal) without
# importing the service layer into this I/O-free library.
SOURCE_ALIASES = {"x": "twitter", "fb": "facebook", "ig": "instagram"}

Span = tuple[int, int]


def fold(text: str) -> str:
    """Casefold and strip accents: "LIVRAISÓN" and "livraison" fold to the same string."""
    text = text.casefold()
    if text.isascii():
        return text
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).translate(_LETTERS)


def fold_handle(handle: str) -> str:
    return fold(handle.strip()).lstrip("@").rstrip(".")


def fold_source(source: str) -> str:
    value = source.strip().casefold()
    return SOURCE_ALIASES.get(value, value)


def fold_lang(lang: str) -> str:
    return lang.strip().casefold().replace("_", "-")


def url_host(url: str) -> str:
    url = url.strip()
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return ""
    return (host or "").rstrip(".")


@dataclass(frozen=True)
class Document:
    """A mention as the query language sees it: text plus the fields filters can test."""

    text: str
    lang: str | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None


@dataclass(frozen=True, eq=False)
class Prepared:
    """A mention normalised once, then matched by every query of its brand."""

    words: tuple[str, ...]
    positions: dict[str, list[int]]
    vocabulary: tuple[str, ...]
    hashtags: dict[str, list[Span]]
    handles: dict[str, list[Span]]
    author: str
    lang: str
    source: str
    hosts: frozenset[str]
    keys: frozenset[str]
    # Memoises pure functions of the text (wildcard expansions), shared by the
    # queries evaluated on this mention; never part of its identity.
    cache: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def expand(self, key: str, prefix: str, matches: Callable[[str], bool]) -> list[int]:
        """Positions of every word that `matches`, found among the words starting with `prefix`."""
        found = self.cache.get(key)
        if found is None:
            tokens = self.vocabulary
            found = []
            for n in range(bisect_left(tokens, prefix), len(tokens)):
                token = tokens[n]
                if not token.startswith(prefix):
                    break
                if matches(token):
                    found.extend(self.positions[token])
            found.sort()
            self.cache[key] = found
        return found


def _host_suffixes(host: str) -> frozenset[str]:
    labels = host.split(".")
    return frozenset(".".join(labels[n:]) for n in range(len(labels))) if host else frozenset()


def _tokens(folded: str) -> tuple[list[str], dict[str, list[Span]], dict[str, list[Span]]]:
    """The words of folded text, and the spans of its #tags and @handles."""
    hashtags: dict[str, list[Span]] = {}
    handles: dict[str, list[Span]] = {}
    if "#" not in folded and "@" not in folded:
        # Without a tag or a handle, _TOKEN matches exactly what WORD does: one C call.
        return WORD.findall(folded), hashtags, handles
    words: list[str] = []
    for tag, handle, word in _TOKEN.findall(folded):
        if word:
            words.append(word)
            continue
        # A tag or handle is also its words, so "livraison" finds "#livraison".
        name: str = tag or handle
        parts = WORD.findall(name)
        start = len(words)
        span = (start, start + max(len(parts), 1) - 1)
        (hashtags if tag else handles).setdefault(name, []).append(span)
        words.extend(parts)
    return words, hashtags, handles


def prepare(doc: Document) -> Prepared:
    """Tokenise and index a mention; do it once and reuse the result for all queries."""
    words, hashtags, handles = _tokens(fold(doc.text))
    positions: dict[str, list[int]] = {}
    for n, word in enumerate(words):
        found = positions.get(word)
        if found is None:
            positions[word] = [n]
        else:
            found.append(n)
    author = fold_handle(doc.author) if doc.author else ""
    lang = fold_lang(doc.lang) if doc.lang else ""
    source = fold_source(doc.source) if doc.source else ""
    hosts = _host_suffixes(url_host(doc.url).casefold()) if doc.url else frozenset()
    keys = set(positions)
    keys.update("#" + t for t in hashtags)
    keys.update("@" + h for h in handles)
    if author:
        keys.update(("@" + author, "author:" + author))
    if lang:
        keys.update(("lang:" + lang, "lang:" + lang.split("-")[0]))
    if source:
        keys.add("source:" + source)
    keys.update("site:" + h for h in hosts)
    return Prepared(
        words=tuple(words),
        positions=positions,
        vocabulary=tuple(sorted(positions)),
        hashtags=hashtags,
        handles=handles,
        author=author,
        lang=lang,
        source=source,
        hosts=hosts,
        keys=frozenset(keys),
    )
