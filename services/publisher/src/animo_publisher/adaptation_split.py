"""Cutting a text to a network's limit: truncation that keeps the link, and numbered threads."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from functools import cached_property

from .adaptation_count import grapheme_ends

Measure = Callable[[str], int]
Spans = Callable[[str], list[tuple[int, int]]]

ELLIPSIS = "…"
_TERMINATORS = ".!?\u2026\u3002\uff01\uff1f"
# A sentence ends after terminal punctuation (and closing quotes) followed by a space, or
# after CJK full stops, which need no space; a line break always ends one.
_SENTENCE_END = re.compile(
    "[.!?\u2026]+[\"'\u201d\u2019\u00bb)\\]]*(?=\\s|$)"
    "|[\u3002\uff01\uff1f]+[\u300d\u300f\u201d\u2019)\uff09]*|\n"
)
_SPACE = re.compile(r"\s+")
# Below this share of the word-boundary cut, a sentence-boundary cut wastes too much room.
_SENTENCE_MIN_SHARE = 0.5


class _Cuts:
    """Every place `text` may be cut, by preference, each list sorted and ending at len(text).

    Computed once per text (per part would be quadratic); the grapheme cuts, a Python walk
    over every character, only when a text without spaces needs them.
    """

    def __init__(self, text: str, protected: Sequence[tuple[int, int]]) -> None:
        n = len(text)
        self._text, self._protected = text, protected
        sentences = [m.end() for m in _SENTENCE_END.finditer(text) if 0 < m.end() < n]
        words = [m.start() for m in _SPACE.finditer(text) if 0 < m.start() < n]
        self.sentences, self.words = [*sentences, n], [*words, n]

    @cached_property
    def graphemes(self) -> list[int]:
        n = len(self._text)
        inside = bytearray(n + 1)
        for start, end in self._protected:
            inside[start + 1 : end] = b"\x01" * max(0, end - start - 1)
        return [*(end for end in grapheme_ends(self._text) if end < n and not inside[end]), n]

    def safe_cut(self, after: int, at_most: int) -> int | None:
        """A cut in (after, at_most] that splits no word, link or emoji, preferring a space."""
        for candidates in (self.words, self.graphemes):
            index = bisect_right(candidates, at_most) - 1
            if index >= 0 and candidates[index] > after:
                return candidates[index]
        return None


def _largest_fitting(cuts: Sequence[int], lo: int, fits: Callable[[int], bool]) -> int | None:
    """The largest of `cuts[lo:]` for which `fits` holds, assuming it holds for a prefix of them.

    Gallops from `lo` so each probe measures a text about as long as the answer, not the whole
    message: a 60,000-character post cut into 280-character parts stays cheap.
    """
    if lo >= len(cuts) or not fits(cuts[lo]):
        return None
    good, step = lo, 1
    while good + step < len(cuts) and fits(cuts[good + step]):
        good, step = good + step, step * 2
    bad = min(good + step, len(cuts))
    while bad - good > 1:
        middle = (good + bad) // 2
        if fits(cuts[middle]):
            good = middle
        else:
            bad = middle
    return cuts[good]


def _choose(text: str, pos: int, cuts: _Cuts, fits: Callable[[str], bool], horizon: int) -> int:
    """Where to end the piece starting at `pos`: a sentence end, else a word end, else a
    grapheme outside any protected span (a URL). `pos` itself when not one character fits.

    A candidate more than `horizon` characters away is first judged by its prefix up to the
    last safe cut within the horizon: when that prefix is already too long, so is the
    candidate, and the whole rest of a long text is never measured just to be refused.
    """
    near_fits: list[bool] = []

    def fits_at(cut: int) -> bool:
        if cut - pos > horizon and (near := cuts.safe_cut(pos, pos + horizon)) is not None:
            if not near_fits:
                near_fits.append(fits(text[pos:near].strip()))
            if not near_fits[0]:
                return False
        return fits(text[pos:cut].strip())

    def largest(candidates: list[int]) -> int | None:
        return _largest_fitting(candidates, bisect_right(candidates, pos), fits_at)

    word = largest(cuts.words)
    sentence = largest(cuts.sentences)
    if sentence is not None and sentence - pos >= _SENTENCE_MIN_SHARE * ((word or pos) - pos):
        return sentence
    if word is not None:
        return word
    return largest(cuts.graphemes) or pos


def _horizon(limit: int) -> int:
    # Ordinary text counts about one per character, so four times the limit is far past any
    # cut that could fit; only link-dense text needs a candidate beyond it measured in full.
    return 4 * limit + 64


def _with_ellipsis(prefix: str) -> str:
    prefix = prefix.rstrip()
    return f"{prefix} {ELLIPSIS}" if prefix.endswith(tuple(_TERMINATORS)) else prefix + ELLIPSIS


def truncate(text: str, limit: int, measure: Measure, spans: Spans) -> str | None:
    """`text` cut to `limit` with "…", keeping its last link; None if even that cannot fit."""
    if measure(text) <= limit:
        return text
    links = spans(text)
    body, tail = text, ""
    if links:
        start, end = links[-1]
        fits_whole = _choose(
            text,
            0,
            _Cuts(text, links),
            lambda p: measure(_with_ellipsis(p)) <= limit,
            _horizon(limit),
        )
        link_kept = fits_whole >= end
        if not link_kept:
            # The link would fall past the cut: take it out of the body and append it.
            body = _SPACE.sub(" ", (text[:start].rstrip() + " " + text[end:].lstrip())).strip()
            tail = " " + text[start:end]
    protected = spans(body)

    def fits(prefix: str) -> bool:
        return measure(_with_ellipsis(prefix) + tail) <= limit

    cut = _choose(body, 0, _Cuts(body, protected), fits, _horizon(limit))
    if cut == 0:
        return tail.strip() if tail and measure(tail.strip()) <= limit else None
    return _with_ellipsis(body[:cut]) + tail


def _pack(text: str, fits: Callable[[str], bool], spans: Spans, horizon: int) -> list[str]:
    cuts = _Cuts(text, spans(text))
    chunks: list[str] = []
    pos, n = 0, len(text)
    while pos < n:
        cut = _choose(text, pos, cuts, fits, horizon)
        if cut == pos:
            # Not even one character fits: let the next word through oversized so the caller
            # reports it instead of looping.
            cut = cuts.words[bisect_right(cuts.words, pos)]
        chunk = text[pos:cut].strip()
        if chunk:
            chunks.append(chunk)
        pos = cut
        while pos < n and text[pos].isspace():
            pos += 1
    return chunks


def split_thread(text: str, limit: int, measure: Measure, spans: Spans) -> list[str]:
    """`text` as a thread: parts cut at sentence/word ends, each ending " (i/n)" within `limit`."""
    text = text.strip()
    if measure(text) <= limit:
        return [text]

    def fits_numbered(digits: int) -> Callable[[str], bool]:
        widest = f" ({'9' * digits}/{'9' * digits})"
        return lambda chunk: measure(chunk + widest) <= limit

    digits = 1
    while True:
        # Reserve the widest numbering this many digits can produce; redo with one more digit
        # if the thread turns out to need it (10+ parts).
        chunks = _pack(text, fits_numbered(digits), spans, _horizon(limit))
        if len(str(len(chunks))) <= digits:
            break
        digits = len(str(len(chunks)))
    total = len(chunks)
    return [f"{chunk} ({index}/{total})" for index, chunk in enumerate(chunks, 1)]
