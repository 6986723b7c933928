"""Language detection for short posts: py3langid's model, scored word by word with a cache."""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from operator import add

DEFAULT_LANGUAGES = ("fr", "en", "es", "de", "it", "pt", "nl")

# Costs (negated log-probabilities) are summed as fixed-point lanes of one Python int, so a
# post costs one dict lookup and one addition per word. The caps on words per post and
# characters per word keep every 32-bit lane far from overflowing (< 2**24 in the worst case).
_SCALE = 64  # units per nat
_LANE_BITS = 32
_MAX_WORDS = 256
_MAX_WORD_CHARS = 40
_CACHE_SIZE = 1 << 16
_SPLIT_WORDS = 6  # from this many words on, a post is also checked for mixed halves
_NEVER = 1 << 62


class _WordCache(dict[str, int]):
    def __init__(self, detector: LanguageDetector) -> None:
        super().__init__()
        self._detector = detector

    def __missing__(self, word: str) -> int:
        value = self[word] = self._detector.word_costs(word)
        return value


class LanguageDetector:
    """Naive Bayes over py3langid's byte n-gram model, restricted to a few languages.

    py3langid walks every byte in Python and scores with NumPy, ~30 µs a post. Here each
    distinct word is scored once (the n-grams inside " word "), cached, and a post is the
    sum of its words. That drops the n-grams spanning two words and counts features
    linearly instead of log1p; on FR/EN posts it picks the same language as py3langid.

    A post gets a language when the best one beats the runner-up with `min_confidence`
    (a two-way softmax at py3langid's temperature, sqrt of the length), and, from six
    words on, when its two halves do not confidently disagree (a mixed post).
    """

    def __init__(
        self,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
        *,
        min_confidence: float = 0.9,
        min_words: int = 3,
    ) -> None:
        from py3langid import langid  # imported here, not at module import: ~1 s to load

        if not 0.5 <= min_confidence < 1:
            raise ValueError("min_confidence must be within [0.5, 1)")
        model = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE)
        try:  # py3langid 0.4's layout: a byte DFA whose states each emit one feature
            nextmove, rows, output = model.tk_nextmove, model.tk_row, model.tk_output
            classes, ptc, pc = list(model.nb_classes), model.nb_ptc, model.nb_pc
        except AttributeError as exc:
            raise RuntimeError("unsupported py3langid model layout; pin py3langid 0.4") from exc
        unknown = set(languages) - set(classes)
        if unknown or not languages:
            raise ValueError(f"languages not in the py3langid model: {sorted(unknown)}")
        self.languages = tuple(languages)
        self.min_confidence = min_confidence
        self.min_words = min_words
        columns = [classes.index(code) for code in self.languages]
        count = len(columns)
        self._count = count
        self._prior = [round(-float(p) * _SCALE) for p in pc[columns]]
        self._min_gap = math.log(min_confidence / (1 - min_confidence)) * _SCALE
        quantised = (-ptc[:, columns].astype("float64") * _SCALE).round().astype("int64")
        shifts = [_LANE_BITS * k for k in range(count)]
        self._features = [
            sum(cost << shift for cost, shift in zip(row, shifts, strict=True))
            for row in quantised.tolist()
        ]
        self._nextmove = nextmove
        self._rowbase = [row << 8 for row in rows]
        self._output = output
        # Both halves of a post are unpacked at once: the tail shifted above the head.
        self._tail_shift = _LANE_BITS * count
        self._halves = struct.Struct(f"<{2 * count}I")
        self._cache = _WordCache(self)

    def word_costs(self, word: str) -> int:
        """The packed costs of one word: those of the n-grams of " word ", summed."""
        if not any(char.isalpha() for char in word):
            return 0
        nextmove, rowbase, output, features = (
            self._nextmove,
            self._rowbase,
            self._output,
            self._features,
        )
        state = 0
        total = 0
        for byte in f" {word[:_MAX_WORD_CHARS]} ".encode("utf-8", "surrogatepass"):
            state = nextmove[rowbase[state] + byte]
            feature = output[state]
            if feature >= 0:
                total += features[feature]
        return total

    def detect(self, words: Sequence[str]) -> str | None:
        """The language of lower-cased words, or None when too short, unsure or mixed."""
        count = len(words)
        if count < self.min_words:
            return None
        if count > _MAX_WORDS:
            words, count = words[:_MAX_WORDS], _MAX_WORDS
        cache = self._cache
        if len(cache) > _CACHE_SIZE:
            cache.clear()  # crude but O(1) amortised; the next posts refill the common words
        costs = cache.__getitem__
        chars = sum(map(len, words)) + count
        if count < _SPLIT_WORDS:
            head, tail = sum(map(costs, words)), 0
        else:
            half = count // 2
            head, tail = sum(map(costs, words[:half])), sum(map(costs, words[half:]))
        if not head | tail:
            return None
        lanes = self._halves.unpack(
            (head | tail << self._tail_shift).to_bytes(self._halves.size, "little")
        )
        first, second = lanes[: self._count], lanes[self._count :]
        best = self._winner(list(map(add, map(add, first, second), self._prior)), chars)
        if best < 0 or count < _SPLIT_WORDS:
            return self.languages[best] if best >= 0 else None
        # Two halves confidently in different languages make a mixed post, which the sum
        # alone would give to whichever half carries more evidence. Most posts have both
        # halves leaning the same way, which the cheap argmin check settles.
        if first.index(min(first)) == best == second.index(min(second)):
            return self.languages[best]
        head_best = self._winner(list(map(add, first, self._prior)), chars / 2)
        tail_best = self._winner(list(map(add, second, self._prior)), chars / 2)
        if head_best >= 0 and tail_best >= 0 and head_best != tail_best:
            return None
        return self.languages[best]

    def _winner(self, totals: list[int], chars: float) -> int:
        """The index of the cheapest language if it beats the runner-up clearly, else -1."""
        cost = min(totals)
        best = totals.index(cost)
        totals[best] = _NEVER
        if len(totals) > 1 and min(totals) - cost < self._min_gap * math.sqrt(chars):
            return -1
        return best
