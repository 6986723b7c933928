"""Top authors (influencers) and trending hashtags and terms, from per-hour ranking buckets.

- Influencers: authors of the brand's own mentions, ranked by mentions (ties: followers) or
  by followers (the most seen in the period); tiers use Sprout's fixed follower bands
  (micro 2k-10k, mid 10k-100k, macro > 100k).
- Trending: hashtags and words (4+ letters, no stop word) of the brand's own mentions in the
  period against the period of the same length just before. A term trends when it was seen
  at least `min_count` times; its score is (count - previous) / sqrt(previous + 1): a Poisson
  z-like rise that favours a new term seen often over an old one seen slightly more.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel

from . import fields as f
from .documents import RankingBucket


def _sum(buckets: Iterable[RankingBucket]) -> tuple[dict[str, float], dict[str, float]]:
    sums: dict[str, float] = {}
    maxima: dict[str, float] = {}
    for bucket in buckets:
        for name, value in bucket.counters().items():
            if name.startswith(f.AUTHOR_FOLLOWERS + "_"):
                maxima[name] = max(maxima.get(name, 0), value)
            else:
                sums[name] = sums.get(name, 0) + value
    return sums, maxima


def tier(followers: int | None) -> str | None:
    if followers is None or followers < 2_000:
        return None
    if followers < 10_000:
        return "micro"
    if followers < 100_000:
        return "mid"
    return "macro"


class Author(BaseModel):
    source: str
    handle: str
    mentions: int
    followers: int | None
    tier: str | None


def influencers(
    buckets: Iterable[RankingBucket],
    sort: Literal["mentions", "followers"] = "mentions",
    limit: int = 10,
) -> list[Author]:
    sums, maxima = _sum(buckets)
    authors: dict[str, Author] = {}
    for key, count in f.by_prefix(sums, f.AUTHOR_MENTIONS).items():
        source, _, handle = key.partition(":")
        followers = maxima.get(f.keyed(f.AUTHOR_FOLLOWERS, key))
        top = None if followers is None else round(followers)
        authors[key] = Author(
            source=source, handle=handle, mentions=round(count), followers=top, tier=tier(top)
        )
    if sort == "followers":
        order = sorted(authors.values(), key=lambda a: (-(a.followers or 0), -a.mentions, a.handle))
    else:
        order = sorted(authors.values(), key=lambda a: (-a.mentions, -(a.followers or 0), a.handle))
    return order[:limit]


class Trend(BaseModel):
    term: str
    kind: Literal["hashtag", "term"]
    count: int
    previous: int
    change: int
    score: float


_KINDS: tuple[tuple[str, Literal["hashtag", "term"]], ...] = (
    (f.HASHTAG, "hashtag"),
    (f.TERM, "term"),
)


def trending(
    now: Iterable[RankingBucket],
    before: Iterable[RankingBucket],
    limit: int = 20,
    min_count: int = 2,
) -> list[Trend]:
    current, _ = _sum(now)
    previous, _ = _sum(before)
    trends: list[Trend] = []
    for prefix, kind in _KINDS:
        old = f.by_prefix(previous, prefix)
        for term, count in f.by_prefix(current, prefix).items():
            if count < min_count:
                continue
            was = round(old.get(term, 0))
            score = (count - was) / math.sqrt(was + 1)
            if score <= 0:
                continue
            trends.append(
                Trend(
                    term=term,
                    kind=kind,
                    count=round(count),
                    previous=was,
                    change=round(count) - was,
                    score=round(score, 3),
                )
            )
    trends.sort(key=lambda t: (-t.score, -t.count, t.term))
    return trends[:limit]
