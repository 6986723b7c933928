"""`group_by` on the slice cells: mentions split by source, language, subject, sentiment, action.

Each slice cell (one source's mentions in one language, sentiment, action and subject) is
turned back into the totals counters it stands for, so the same measures compute a group as a
bucket.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from . import fields as f
from .documents import SliceBucket
from .timeframe import floor

SLICE_DIMENSIONS = ("source", "lang", "about", "sentiment", "action")
GroupKey = tuple[str, ...]


def cell_counters(
    source: str, lang: str, sentiment: str, action: str, about: str, amount: float
) -> dict[str, float]:
    """The totals counters one cell of a slice adds up to (sentiment counted for any subject:
    callers keep competitors out unless they group by subject)."""
    counters = {
        f.MENTIONS: amount,
        f.keyed(f.BY_SOURCE, source): amount,
        f.keyed(f.BY_LANG, lang): amount,
        f.action(action): amount,
        f.sentiment(sentiment): amount,
    }
    if about:
        counters[f.keyed(f.BY_COMPETITOR, about)] = amount
    else:
        counters[f.OWN] = amount
    return counters


def group_slices(
    buckets: Iterable[SliceBucket],
    brand: str,
    dims: Sequence[str],
    interval: str,
    own_only: bool,
) -> dict[datetime, dict[GroupKey, dict[str, float]]]:
    """Counters per bucket start and group key (`about` shows the brand's own id)."""
    grouped: dict[datetime, dict[GroupKey, dict[str, float]]] = {}
    for bucket in buckets:
        start = floor(bucket.start, interval)
        groups = grouped.setdefault(start, {})
        for name, amount in bucket.counters().items():
            parsed = f.parse_cell(name)
            if parsed is None or not amount:
                continue
            lang, sentiment, action, about = parsed
            if own_only and about:
                continue
            values = {
                "source": bucket.source,
                "lang": lang,
                "about": about or brand,
                "sentiment": sentiment,
                "action": action,
            }
            key = tuple(values[dim] for dim in dims)
            target = groups.setdefault(key, {})
            for counter, value in cell_counters(
                bucket.source, lang, sentiment, action, about, amount
            ).items():
                target[counter] = target.get(counter, 0) + value
    return grouped
