"""Retention: a background pass deletes buckets and records older than their resolution keeps."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from animo_shared.store import Changes

from .repository import EXPIRING, BucketRepository
from .repository_alerts import AlertRepository

log = logging.getLogger(__name__)
PAGE = 1000


def keep_for(
    minute: timedelta,
    hour: timedelta,
    day: timedelta,
    rankings: timedelta,
    states: timedelta,
    records: timedelta,
) -> dict[str, timedelta]:
    """How long each kind of data is kept, by the names `BucketRepository.expired` takes."""
    return {
        "totals:minute": minute,
        "totals:hour": hour,
        "totals:day": day,
        "slices:hour": hour,
        "slices:day": day,
        "rankings": rankings,
        "states": states,
        "responses": records,
        "deliveries": records,
    }


class Pruner:
    def __init__(
        self,
        buckets: BucketRepository,
        alerts: AlertRepository,
        keep: Mapping[str, timedelta],
        clock: Callable[[], datetime],
    ) -> None:
        self.buckets = buckets
        self.alerts = alerts
        self.keep = dict(keep)
        self.clock = clock

    async def prune_once(self) -> dict[str, int]:
        """Delete, page by page, everything past its retention; returns the counts deleted."""
        now = self.clock()
        deleted: dict[str, int] = {}
        for what in (*EXPIRING, "deliveries"):
            cutoff = now - self.keep[what]
            total = 0
            while True:
                changes = Changes()
                if what == "deliveries":
                    ids = await self.alerts.expired_deliveries(cutoff, PAGE)
                    self.alerts.delete_deliveries(changes, ids)
                else:
                    ids = await self.buckets.expired(what, cutoff, PAGE)
                    self.buckets.delete(changes, what, ids)
                if not ids:
                    break
                await self.alerts.commit(changes)
                total += len(ids)
                if len(ids) < PAGE:
                    break
            if total:
                deleted[what] = total
        if deleted:
            log.info("retention removed %s", deleted)
        return deleted
