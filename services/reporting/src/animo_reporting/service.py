"""Reporting's domain: fold event batches into buckets, and answer reports from the buckets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from animo_shared.events import Envelope, MemberErased, utcnow
from animo_shared.forget import Author
from animo_shared.store import Changes

from .aggregation import Effects, fold, mention_authors, mention_ids
from .documents import BrandSeen, MentionState
from .models import MetricReport, RankingReport
from .reports import BUCKETED, METRICS, RANKED, Query, Reports, ReportSource, check_group_by
from .response_time import BusinessHours
from .timeframe import Interval, Limits, ReportError, check_window, floor


class BucketStore(ReportSource, Protocol):
    """What the service needs of its repository (BucketRepository; fakes in unit tests)."""

    def record(self, changes: Changes, effects: Effects) -> None: ...
    async def load_states(self, ids: Iterable[str]) -> dict[str, MentionState]: ...
    async def erase_authors(self, changes: Changes, erased: Mapping[str, set[str]]) -> int: ...
    async def erased_authors(self, authors: Iterable[Author]) -> dict[Author, datetime]: ...
    def remember_erased(self, changes: Changes, erased: MemberErased) -> None: ...
    async def brand(self, brand: str) -> BrandSeen | None: ...


DEFAULT_LIMITS = Limits()


async def _default_hours(brand: str) -> BusinessHours:
    return BusinessHours()


class ReportingService:
    def __init__(
        self,
        buckets: BucketStore,
        *,
        hours_of: Callable[[str], Awaitable[BusinessHours]] = _default_hours,
        limits: Limits = DEFAULT_LIMITS,
        max_slice_documents: int = 200_000,
        retention: Mapping[str, timedelta] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.buckets = buckets
        self.limits = limits
        self.retention = dict(retention or {})
        self.clock = clock
        self.reports = Reports(buckets, hours_of, max_slice_documents)

    def horizon(self, now: datetime) -> dict[str, datetime]:
        """The oldest bucket start still kept, per resolution: older ones are not written."""
        return {res: floor(now - keep, res) for res, keep in self.retention.items()}

    async def apply(self, events: Sequence[Envelope[Any]]) -> Changes:
        """A batch's effects: the join state of its mentions is read first, then one fold."""
        now = self.clock()
        states = await self.buckets.load_states(mention_ids(events))
        forgotten = await self.buckets.erased_authors(mention_authors(events))
        effects = fold(events, states, now, self.horizon(now), forgotten)
        changes = Changes()
        for event in events:
            if isinstance(event.data, MemberErased):
                self.buckets.remember_erased(changes, event.data)
        if effects.erased:  # before the increments: see BucketRepository.erase_authors
            await self.buckets.erase_authors(changes, effects.erased)
        self.buckets.record(changes, effects)
        return changes

    async def require_brand(self, brand: str) -> None:
        if await self.buckets.brand(brand) is None:
            raise ReportError(
                404, f"unknown brand {brand!r}: reporting has not seen any event for it"
            )

    async def volume(
        self, brand: str, start: datetime, end: datetime, interval: Interval
    ) -> MetricReport:
        """Mentions over time. A brand with no event yet gets zeros, not a 404: the volume
        report predates the brand check and callers poll it until their events land."""
        window = check_window(start, end, interval, self.limits)
        return await self.reports.bucketed("volume", Query(brand, window))

    async def report(
        self,
        metric: str,
        brand: str,
        start: datetime,
        end: datetime,
        interval: Interval,
        group_by: Sequence[str] = (),
        limit: int = 10,
        sort: Literal["mentions", "followers"] = "mentions",
        min_count: int = 2,
    ) -> MetricReport | RankingReport:
        if metric not in METRICS:
            raise ReportError(404, f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
        window = check_window(start, end, interval, self.limits)
        dims = check_group_by(metric, group_by, interval)
        await self.require_brand(brand)
        query = Query(brand, window, dims, limit, sort, min_count)
        if metric in RANKED:
            return await self.reports.ranked(metric, query)
        if metric == "response_time":
            return await self.reports.response_time(query)
        assert metric in BUCKETED
        return await self.reports.bucketed(metric, query)
