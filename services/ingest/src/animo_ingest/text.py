"""Text normalisation for ingest: clean a post, detect its language, extract entities and dedup keys."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from .text_dedup import MIN_WORDS, NO_SIMHASH, NearDuplicateIndex, fold, simhash
from .text_html import looks_like_html, strip_html
from .text_lang import DEFAULT_LANGUAGES, LanguageDetector

__all__ = [
    "DEFAULT_LANGUAGES",
    "MIN_WORDS",
    "NO_SIMHASH",
    "CleanText",
    "LanguageDetector",
    "NearDuplicateIndex",
    "clean",
    "default_detector",
]

# Line breaks of every flavour become "\n"; other C0/C1 controls and the invisible
# characters used to dodge filters (soft hyphen, zero-width space, word joiner, BOM) go.
_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u200b\u2060\ufeff]")
# A lone surrogate (half of an emoji escaped in JSON, cut off) cannot be encoded to UTF-8.
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# Spaces, quotes, guillemets and angle brackets end a URL; trailing punctuation and
# unmatched closing brackets are then trimmed.
_URL = re.compile("\\bhttps?://[^\\s<>\"'`\u00ab\u00bb\u201c\u201d\u2018\u2019]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?…'\"*"
_BRACKETS = {")": "(", "]": "[", "}": "{"}
# \w misses combining marks, which scripts such as Devanagari or Thai need inside words.
_W = r"[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u0900-\u0dff\u0e31-\u0e3a\u0e47-\u0e4e\u200c\u200d]"
# Both open with their literal so that the regex engine can skip ahead to it; the
# lookbehind then rejects a '#' or '@' glued to a word ("c#", an e-mail address).
# A hashtag needs a non-digit: "#1" and "#2024" are not tags.
_HASHTAG = re.compile(rf"#(?<![\w&#]#)(\d*[^\W\d]{_W}*)")
# Dots are allowed inside a handle (Instagram, Bluesky) but not at its end; "@user@host.tld"
# is a fediverse address and is kept whole, since "user" alone is ambiguous across instances.
_HANDLE = re.compile(r"@(?<![\w@]@)(\w(?:[\w.]*\w)?(?:@\w[\w-]*(?:\.\w[\w-]*)+)?)")
# Addressing words that only introduce a handle ("RT @a:", "via @b", "cc @c").
_ADDRESSING = re.compile(r"\b(?:rt|via|cc)[\s:]*(?=@)")
_WORD = re.compile(r"\w[\w']*")


@dataclass(frozen=True, slots=True)
class CleanText:
    """A post normalised for storage, search and deduplication."""

    text: str
    """NFC; HTML stripped; controls and invisible characters removed; each run of blanks
    one space, each run of line breaks one newline; no leading or trailing whitespace."""
    lang: str | None
    """Two lower-case letters: the one given, else detected; None when unsure."""
    urls: tuple[str, ...]
    """http(s) URLs in order, each once, trailing punctuation trimmed."""
    hashtags: tuple[str, ...]
    """Lower-cased, without '#', each once; a tag needs a non-digit ("#2024" is none)."""
    handles: tuple[str, ...]
    """Lower-cased, without '@', each once; fediverse addresses stay "user@host.tld"."""
    fingerprint: str
    """Exact-duplicate key: BLAKE2b-128 (hex) of the text without its URLs, casefolded,
    accents and styled letters folded, spaces normalised (of the whole text if only URLs)."""
    simhash: int
    """64-bit SimHash of its words without URLs, handles and RT markers; NO_SIMHASH (0)
    when fewer than MIN_WORDS words remain, so that short posts never link."""


@cache
def default_detector() -> LanguageDetector:
    """The shared detector for DEFAULT_LANGUAGES; call it at start-up to load the model early."""
    return LanguageDetector()


def clean(
    text: str,
    lang: str | None = None,
    *,
    html: bool | None = None,
    detector: LanguageDetector | None = None,
) -> CleanText:
    """Normalise one post; `html=None` strips markup only when the text looks like HTML."""
    if html is None:
        html = ("<" in text or "&" in text) and looks_like_html(text)
    if html:
        text = strip_html(text)
    text = _tidy(unicodedata.normalize("NFC", text))

    urls: tuple[str, ...] = ()
    bare = text
    if "://" in text:
        urls, bare = _take_urls(text)
    folded = fold(bare) or fold(text)  # a post that is only URLs still needs its own key
    digest = hashlib.blake2b(folded.encode("utf-8", "surrogatepass"), digest_size=16)

    lowered = bare.lower().replace("\u2019", "'")
    hashtags: tuple[str, ...] = ()
    if "#" in lowered:
        hashtags = tuple(dict.fromkeys(_HASHTAG.findall(lowered)))
    handles: tuple[str, ...] = ()
    if "@" in lowered:
        handles = tuple(dict.fromkeys(_HANDLE.findall(lowered)))
        lowered = _HANDLE.sub(" ", _ADDRESSING.sub(" ", lowered))
    words = _WORD.findall(lowered)
    return CleanText(
        text=text,
        lang=_given_language(lang) or (detector or default_detector()).detect(words),
        urls=urls,
        hashtags=hashtags,
        handles=handles,
        fingerprint=digest.hexdigest(),
        simhash=simhash(words),
    )


def _tidy(text: str) -> str:
    if text.isprintable():  # no controls, breaks or exotic spaces: the common case
        if "  " in text or text[:1] == " " or text[-1:] == " ":
            return " ".join(text.split())
        return text
    text = _SURROGATE.sub("\ufffd", _INVISIBLE.sub("", _BREAKS.sub("\n", text)))
    return "\n".join(filter(None, (" ".join(line.split()) for line in text.split("\n"))))


def _take_urls(text: str) -> tuple[tuple[str, ...], str]:
    """The URLs of a text, and the text with each replaced by a space."""
    urls: list[str] = []
    parts: list[str] = []
    pos = 0
    for match in _URL.finditer(text):
        url = _trim_url(match.group())
        if url.partition("://")[2]:
            parts += (text[pos : match.start()], " ")
            pos = match.start() + len(url)
            urls.append(url)
    parts.append(text[pos:])
    return tuple(dict.fromkeys(urls)), "".join(parts)


def _trim_url(url: str) -> str:
    end = len(url.rstrip(_URL_TAIL))
    if not end or url[end - 1] not in _BRACKETS:
        return url[:end]
    # A ")" stays when the URL opened one, as in Wikipedia links. One pass from the end with
    # the counts kept up to date, so that a URL ending in a million ")" stays linear.
    unmatched = {close: url.count(close) - url.count(open_) for close, open_ in _BRACKETS.items()}
    while end:
        char = url[end - 1]
        if char in _URL_TAIL:
            end -= 1
        elif unmatched.get(char, 0) > 0:
            unmatched[char] -= 1
            end -= 1
        else:
            break
    return url[:end]


def _given_language(lang: str | None) -> str | None:
    if lang is None:
        return None
    code = lang.strip()[:2].lower()
    return code if len(code) == 2 and code.isascii() and code.isalpha() else None


if __name__ == "__main__":
    from .text_bench import main

    main()
