"""Reporting's storage: hourly buckets per brand and source, incremented in place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from animo_shared.store import Changes, Index, Range, Store

from .models import HourBucket

# A year of hourly buckets for a handful of sources stays well under this.
_MAX_BUCKETS = 100_000


class BucketRepository:
    def __init__(self, store: Store) -> None:
        self._buckets = store.collection("hour_buckets", HourBucket, [Index(("brand", "hour"))])

    def add(
        self, changes: Changes, bucket_id: str, key: dict[str, Any], counts: dict[str, int]
    ) -> None:
        changes.increment(self._buckets, bucket_id, inc=counts, on_insert=key)

    async def between(self, brand: str, start: datetime, end: datetime) -> list[HourBucket]:
        return await self._buckets.find(
            {"brand": brand}, range=Range("hour", start, end), order_by="hour", limit=_MAX_BUCKETS
        )
