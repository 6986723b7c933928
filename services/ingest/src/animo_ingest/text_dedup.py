"""Near-duplicate detection for ingest: 64-bit SimHash of a post's words and a per-brand index."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

NO_SIMHASH = 0
"""The simhash of a text too short to take part: find() and add() ignore it."""
MIN_WORDS = 5
_MAX_WORDS = 4096  # words per SimHash; keeps a 16-bit lane from overflowing
_CACHE_SIZE = 1 << 16
_BLOCKS = 4
_BLOCK_BITS = 64 // _BLOCKS
_BLOCK_MASK = (1 << _BLOCK_BITS) - 1
_SHIFTS = [(block, block * _BLOCK_BITS) for block in range(_BLOCKS)]
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

# The per-bit vote of SimHash is done with big-integer arithmetic: each word's 64-bit hash is
# "spread" so that bit i becomes a 16-bit lane i; summing the spread words counts, for every
# bit at once, how many words have it set. Biasing every lane by 2**15 - majority moves the
# lanes that reached the majority onto their top bit, which a byte slice then collects.
_LANE = 16
_ONES = sum(1 << (_LANE * i) for i in range(64))
_TOPS = _ONES << (_LANE - 1)
_ASCII_ZEROS = ord("0") * _ONES
_TOP_BYTE_TO_DIGIT = bytes.maketrans(b"\x00\x80", b"01")


def fold(text: str) -> str:
    """Casefold, strip accents, compatibility forms and extra spaces: the comparison form."""
    text = text.casefold()
    if not text.isascii():
        # NFKD also maps the styled look-alike letters spam uses (bold maths, full width) to plain.
        text = _MARKS.sub("", unicodedata.normalize("NFKD", text.replace("\u2019", "'")))
    # Cleaned text has single spaces already; removed URLs and newlines leave the exceptions.
    if "  " in text or "\n" in text or text[:1] == " " or text[-1:] == " ":
        return " ".join(text.split())
    return text


def _spread(word: str) -> int:
    digest = hashlib.blake2b(fold(word).encode("utf-8", "surrogatepass"), digest_size=8)
    bits = format(int.from_bytes(digest.digest(), "little"), "064b")[::-1]
    # UTF-16 turns each '0'/'1' into a 16-bit lane of 0x30/0x31; subtracting 0x30 from
    # every lane leaves 0/1: the spread in three C calls.
    return int.from_bytes(bits.encode("utf-16-le"), "little") - _ASCII_ZEROS


class _SpreadCache(dict[str, int]):
    def __missing__(self, word: str) -> int:
        value = self[word] = _spread(word)
        return value


_spread_words = _SpreadCache()


def simhash(words: Sequence[str]) -> int:
    """Charikar's SimHash over the words, or NO_SIMHASH when there are fewer than MIN_WORDS.

    Each word is a feature weighted by its count: one-word shingles, because on
    tweet-length text a replaced word changes 1/n of the features instead of 3/n with
    3-grams: measured on 12-word posts, it flips ~8 bits instead of ~13.
    """
    count = len(words)
    if count < MIN_WORDS:
        return NO_SIMHASH
    if count > _MAX_WORDS:
        words, count = words[:_MAX_WORDS], _MAX_WORDS
    lanes = sum(map(_spread_words.__getitem__, words))
    if len(_spread_words) > _CACHE_SIZE:
        _spread_words.clear()  # crude but O(1) amortised; common words come straight back
    majority = count // 2 + 1
    tops = (lanes + ((1 << (_LANE - 1)) - majority) * _ONES) & _TOPS
    digits = tops.to_bytes(64 * _LANE // 8, "little")[_LANE // 8 - 1 :: _LANE // 8]
    value = int(digits.translate(_TOP_BYTE_TO_DIGIT)[::-1], 2)
    return value or 1  # keep NO_SIMHASH unambiguous; one bit off is still a near-duplicate


def _bands_of(simhash: int) -> list[int]:
    """The band keys of a SimHash: each 16-bit block, tagged with its position."""
    return [block << _BLOCK_BITS | (simhash >> shift) & _BLOCK_MASK for block, shift in _SHIFTS]


class _Recent:
    """The last SimHashes added for one brand, as a ring that NumPy scans in one pass."""

    __slots__ = ("capacity", "hashes", "next", "size")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.hashes = np.zeros(min(capacity, 8), dtype=np.uint64)  # grows by doubling
        self.next = 0
        self.size = 0

    def push(self, simhash: int) -> None:
        if self.size == len(self.hashes) < self.capacity:
            grown = np.zeros(min(2 * self.size, self.capacity), dtype=np.uint64)
            grown[: self.size] = self.hashes
            self.hashes = grown
        self.hashes[self.next] = simhash
        self.next = (self.next + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def nearest(self, simhash: int, threshold: int) -> int:
        """The closest SimHash within `threshold` bits, or NO_SIMHASH."""
        distances = np.bitwise_count(self.hashes[: self.size] ^ np.uint64(simhash))
        best = int(distances.argmin())
        return int(self.hashes[best]) if distances[best] <= threshold else NO_SIMHASH


class NearDuplicateIndex:
    """Known SimHashes per brand; find() returns the id of the original a post duplicates.

    Two tiers. Over all items, classic pigeonhole banding: cut the 64 bits into 4 blocks
    of 16; hashes at most 3 bits apart agree exactly on one block at least, so only items
    sharing a block with the query are compared. That catches retweets and copies with
    another handle or URL (0 bits apart), but not an edited word, which moves the SimHash
    of a 10-word post ~8 bits. So the last `recent` items of each brand, where a campaign
    shows up, are also scanned in full, vectorised, with the looser `recent_threshold`
    (unrelated posts on one topic sit 31 ± 4.5 bits apart; see the tests). More `recent`
    or a higher `recent_threshold` link more edits but more unrelated posts too: each
    query risks about recent x P(distance <= recent_threshold). recent=0 turns it off.

    Holds at most `max_items` across all brands, least recently used out first, and finds
    only those; a hit refreshes the original, so that a running campaign keeps its anchor.
    Call find() first and add() only the posts it did not link, so that every link points
    at an original. Not thread-safe: one per process, used from the event loop.
    """

    def __init__(
        self,
        max_items: int = 100_000,
        threshold: int = 3,
        *,
        recent: int = 1024,
        recent_threshold: int = 10,
    ) -> None:
        if not 0 <= threshold < _BLOCKS:
            raise ValueError(f"threshold must be within 0..{_BLOCKS - 1} for {_BLOCKS} blocks")
        if max_items < 1 or recent < 0:
            raise ValueError("max_items must be positive and recent not negative")
        self.max_items = max_items
        self.threshold = threshold
        self.recent = recent
        self.recent_threshold = recent_threshold
        self._items: OrderedDict[tuple[str, int], str] = OrderedDict()
        self._bands: dict[str, dict[int, list[int]]] = {}
        self._recent: dict[str, _Recent] = {}

    def __len__(self) -> int:
        return len(self._items)

    def find(self, brand: str, simhash: int) -> str | None:
        """The id of the original that `simhash` duplicates, or None."""
        if simhash == NO_SIMHASH:
            return None
        items = self._items
        key = (brand, simhash)
        if key in items:
            items.move_to_end(key)
            return items[key]
        bands = self._bands.get(brand)
        if bands is None:
            return None
        best, best_distance = NO_SIMHASH, self.threshold + 1
        for band in _bands_of(simhash):
            for candidate in bands.get(band, ()):
                distance = (candidate ^ simhash).bit_count()
                if distance < best_distance:
                    best, best_distance = candidate, distance
        if best != NO_SIMHASH:
            key = (brand, best)
            items.move_to_end(key)
            return items[key]
        recent = self._recent.get(brand)
        original = recent.nearest(simhash, self.recent_threshold) if recent else NO_SIMHASH
        key = (brand, original)
        if key not in items:  # nothing close, or an item the LRU has let go already
            return None
        items.move_to_end(key)
        return items[key]

    def add(self, brand: str, item_id: str, simhash: int) -> None:
        """Remember an original; an equal SimHash already known keeps its first id."""
        if simhash == NO_SIMHASH:
            return
        key = (brand, simhash)
        if key in self._items:
            self._items.move_to_end(key)
            return
        self._items[key] = item_id
        bands = self._bands.setdefault(brand, {})
        for band in _bands_of(simhash):
            bands.setdefault(band, []).append(simhash)
        if self.recent:
            recent = self._recent.get(brand)
            if recent is None:
                recent = self._recent[brand] = _Recent(min(self.recent, self.max_items))
            recent.push(simhash)
        if len(self._items) > self.max_items:
            self._evict()

    def _evict(self) -> None:
        (brand, simhash), _ = self._items.popitem(last=False)
        bands = self._bands[brand]
        for band in _bands_of(simhash):
            members = bands[band]
            members.remove(simhash)
            if not members:
                del bands[band]
        if not bands:  # the brand's last item: its recent ring goes too, bounding memory
            del self._bands[brand]
            self._recent.pop(brand, None)
