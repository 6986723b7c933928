"""Reporting's domain: fold events into hourly buckets, and read buckets back as reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from animo_shared.events import Envelope, MentionModerated, MentionReceived, derive_id
from animo_shared.store import Changes

from .models import Counts, HourBucket, VolumeBucket, VolumeReport

ACTIONS = ("allow", "hide", "review", "escalate")


class BucketStore(Protocol):
    def add(
        self, changes: Changes, bucket_id: str, key: dict[str, Any], counts: dict[str, int]
    ) -> None: ...
    async def between(self, brand: str, start: datetime, end: datetime) -> list[HourBucket]: ...


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def bucket_id(brand: str, source: str, hour: datetime) -> str:
    return derive_id("bucket", brand, source, hour.isoformat())


def fold(events: Iterable[Envelope[Any]], store: BucketStore) -> Changes:
    """One increment per event; Changes merges those of one bucket into one write per batch."""
    changes = Changes()
    for event in events:
        data = event.data
        if isinstance(data, MentionReceived):
            counts = {"mentions": 1}
        elif isinstance(data, MentionModerated):
            counts = {f"action_{data.action.value}": 1}
        else:
            continue
        hour = hour_of(data.published_at)
        key = {"brand": data.brand, "source": data.source, "hour": hour}
        store.add(changes, bucket_id(data.brand, data.source, hour), key, counts)
    return changes


def _floor(moment: datetime, interval: str) -> datetime:
    hour = hour_of(moment)
    return hour.replace(hour=0) if interval == "day" else hour


def volume(
    brand: str,
    buckets: Sequence[HourBucket],
    start: datetime,
    end: datetime,
    interval: Literal["hour", "day"],
) -> VolumeReport:
    """Sum hourly buckets into the asked interval, by source and by moderation action."""
    rows: dict[datetime, VolumeBucket] = {}
    totals = Counts()
    for bucket in buckets:
        moment = _floor(bucket.hour, interval)
        row = rows.setdefault(moment, VolumeBucket(start=moment))
        for counts in (row, totals):
            counts.mentions += bucket.mentions
            counts.by_source[bucket.source] = (
                counts.by_source.get(bucket.source, 0) + bucket.mentions
            )
            for action in ACTIONS:
                amount = getattr(bucket, f"action_{action}")
                if amount:
                    counts.by_action[action] = counts.by_action.get(action, 0) + amount
    return VolumeReport(
        brand=brand,
        interval=interval,
        start=start,
        end=end,
        buckets=[rows[moment] for moment in sorted(rows)],
        totals=totals,
    )


class ReportingService:
    def __init__(self, buckets: BucketStore) -> None:
        self.buckets = buckets

    def apply(self, events: Sequence[Envelope[Any]]) -> Changes:
        return fold(events, self.buckets)

    async def volume(
        self, brand: str, start: datetime, end: datetime, interval: Literal["hour", "day"]
    ) -> VolumeReport:
        if end <= start:
            raise ValueError("'to' must be after 'from'")
        if end - start > timedelta(days=366):
            raise ValueError("a report spans at most 366 days")
        found = await self.buckets.between(brand, hour_of(start), end)
        return volume(brand, found, start, end, interval)
