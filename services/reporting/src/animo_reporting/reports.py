"""Building reports: read the buckets a window needs, sum them per interval, compute the measures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from . import fields as f
from . import measures
from .documents import RankingBucket, ResponseRecord, SliceBucket, TotalsBucket
from .grouping import SLICE_DIMENSIONS, group_slices
from .measures import Counters, add_into
from .models import MetricReport, RankingReport
from .rankings import influencers, trending
from .response_time import BusinessHours, response_values
from .timeframe import ReportError, Window, floor

Measure = Callable[[Counters], Mapping[str, Any]]
BUCKETED: dict[str, Measure] = {
    "volume": measures.volume,
    "sentiment": measures.sentiment,
    "share_of_voice": measures.share_of_voice,
    "moderation": measures.moderation,
    "posts": measures.posts,
    "community": measures.community,
    "rewards": measures.rewards,
}
RANKED = ("influencers", "trending")
METRICS = (*BUCKETED, "response_time", *RANKED)
GROUPABLE: dict[str, tuple[str, ...]] = {
    "volume": SLICE_DIMENSIONS,
    "sentiment": ("source", "lang", "about"),
    "response_time": ("topic",),
}
NOTES: dict[str, list[str]] = {
    "volume": ["mentions counts the brand's own mentions and its competitors'; own does not."],
    "sentiment": ["The brand's own mentions only, unless grouped by `about`."],
    "posts": [
        "engagement is what brand-side systems recorded for the brand in the period; "
        "engagement.recorded does not name a post yet, so it is not tied to one."
    ],
    "community": [
        "entered_tier counts member.tier_changed events: members who entered each tier in "
        "the period (a member may enter several)."
    ],
    "rewards": ["Counts reward.granted events by their grant time."],
    "trending": ["Terms are counted per hour: the period starts on the hour."],
    "influencers": ["Authors are counted per hour: the period starts on the hour."],
}


class ReportSource(Protocol):
    async def totals_between(
        self, brand: str, res: str, start: datetime, end: datetime
    ) -> list[TotalsBucket]: ...
    async def slices_between(
        self, brand: str, res: str, start: datetime, end: datetime, limit: int
    ) -> list[SliceBucket]: ...
    async def rankings_between(
        self, brand: str, kind: str, start: datetime, end: datetime
    ) -> list[RankingBucket]: ...
    async def responses_between(
        self, brand: str, start: datetime, end: datetime
    ) -> list[ResponseRecord]: ...


@dataclass(frozen=True)
class Query:
    brand: str
    window: Window
    group_by: tuple[str, ...] = ()
    limit: int = 10
    sort: Literal["mentions", "followers"] = "mentions"
    min_count: int = 2


def check_group_by(metric: str, dims: Sequence[str], interval: str) -> tuple[str, ...]:
    allowed = GROUPABLE.get(metric, ())
    if not dims:
        return ()
    if not allowed:
        raise ReportError(422, f"{metric} has no group_by (its buckets carry its breakdowns)")
    unknown = [dim for dim in dims if dim not in allowed]
    if unknown:
        raise ReportError(
            422, f"{metric} cannot be grouped by {', '.join(unknown)}; use {', '.join(allowed)}"
        )
    if len(set(dims)) != len(dims):
        raise ReportError(422, "group_by names a dimension twice")
    if interval == "minute" and metric != "response_time":
        raise ReportError(422, "group_by is kept per hour and per day: use interval=hour or longer")
    return tuple(dims)


def _rows(
    values: dict[tuple[str, ...], Mapping[str, Any]], dims: Sequence[str]
) -> list[dict[str, Any]]:
    return [{"key": dict(zip(dims, key, strict=True)), **values[key]} for key in sorted(values)]


class Reports:
    def __init__(
        self,
        source: ReportSource,
        hours_of: Callable[[str], Awaitable[BusinessHours]],
        max_slice_documents: int = 200_000,
    ) -> None:
        self.source = source
        self.hours_of = hours_of
        self.max_slice_documents = max_slice_documents

    async def _sums(self, q: Query) -> dict[datetime, dict[str, float]]:
        """Counters per bucket start. A bucket that is one document keeps that document's
        own counters (read-only): no copy for the common case of one part per bucket."""
        window = q.window
        docs = await self.source.totals_between(
            q.brand, window.stored, window.read_from, window.end
        )
        same = window.interval == window.stored
        sums: dict[datetime, dict[str, float]] = {}
        borrowed: set[datetime] = set()
        for doc in docs:
            start = doc.start if same else floor(doc.start, window.interval)
            found = sums.get(start)
            if found is None:
                sums[start] = doc.counters()
                borrowed.add(start)
                continue
            if start in borrowed:
                found = sums[start] = dict(found)
                borrowed.discard(start)
            add_into(found, doc.counters())
        return sums

    async def bucketed(self, metric: str, q: Query) -> MetricReport:
        measure = BUCKETED[metric]
        sums = await self._sums(q)
        everything: dict[str, float] = {}
        for counters in sums.values():
            add_into(everything, counters)
        empty: Counters = {}
        buckets = [
            {"start": start, **measure(sums.get(start, empty))} for start in q.window.starts()
        ]
        totals = dict(measure(everything))
        if q.group_by:
            await self._attach_groups(metric, q, measure, buckets, totals)
        return self._report(metric, q, buckets, totals)

    async def _attach_groups(
        self,
        metric: str,
        q: Query,
        measure: Measure,
        buckets: list[dict[str, Any]],
        totals: dict[str, Any],
    ) -> None:
        window = q.window
        limit = self.max_slice_documents
        slices = await self.source.slices_between(
            q.brand, window.stored, window.read_from, window.end, limit + 1
        )
        if len(slices) > limit:
            raise ReportError(
                422,
                f"group_by over this range reads more than {limit} slice buckets; "
                "shorten the range or use a longer interval",
            )
        own_only = metric == "sentiment" and "about" not in q.group_by
        grouped = group_slices(slices, q.brand, q.group_by, window.interval, own_only)
        overall: dict[tuple[str, ...], dict[str, float]] = {}
        for bucket in buckets:
            groups = grouped.get(bucket["start"], {})
            for key, counters in groups.items():
                add_into(overall.setdefault(key, {}), counters)
            bucket["groups"] = _rows({k: measure(c) for k, c in groups.items()}, q.group_by)
        totals["groups"] = _rows({k: measure(c) for k, c in overall.items()}, q.group_by)

    async def response_time(self, q: Query) -> MetricReport:
        window = q.window
        sums = await self._sums(q)
        responses = await self.source.responses_between(q.brand, window.read_from, window.end)
        hours = await self.hours_of(q.brand)
        spans: dict[datetime, list[ResponseRecord]] = {}
        for response in responses:
            spans.setdefault(floor(response.complained_at, window.interval), []).append(response)

        def values(counters: Counters, found: Sequence[ResponseRecord]) -> dict[str, Any]:
            pairs = [(r.complained_at, r.replied_at) for r in found]
            complaints = round(counters.get(f.COMPLAINTS, 0))
            computed = response_values(complaints, pairs, hours).model_dump()
            if q.group_by:
                by_topic = f.by_prefix(counters, f.BY_TOPIC)
                topics = sorted(set(by_topic) | {r.topic for r in found})
                computed["groups"] = [
                    {
                        "key": {"topic": topic},
                        **response_values(
                            round(by_topic.get(topic, 0)),
                            [p for p, r in zip(pairs, found, strict=True) if r.topic == topic],
                            hours,
                        ).model_dump(),
                    }
                    for topic in topics
                ]
            return computed

        buckets = [
            {"start": start, **values(sums.get(start, {}), spans.get(start, []))}
            for start in window.starts()
        ]
        everything: dict[str, float] = {}
        for counters in sums.values():
            add_into(everything, counters)
        totals = values(everything, responses)
        report = self._report("response_time", q, buckets, totals)
        report.notes.append(f"Business hours: {hours.describe()}.")
        return report

    async def ranked(self, metric: str, q: Query) -> RankingReport:
        window = q.window
        first, last = floor(window.start, "hour"), window.end
        items: Sequence[BaseModel]
        if metric == "influencers":
            found = await self.source.rankings_between(q.brand, "authors", first, last)
            items = influencers(found, q.sort, q.limit)
        else:
            length = max(last - first, timedelta(hours=1))
            now = await self.source.rankings_between(q.brand, "terms", first, last)
            before = await self.source.rankings_between(q.brand, "terms", first - length, first)
            items = trending(now, before, q.limit, q.min_count)
        return RankingReport(
            brand=q.brand,
            metric=metric,
            start=window.start,
            end=window.end,
            items=[item.model_dump() for item in items],
            notes=list(NOTES.get(metric, [])),
        )

    def _report(
        self, metric: str, q: Query, buckets: list[dict[str, Any]], totals: dict[str, Any]
    ) -> MetricReport:
        return MetricReport(
            brand=q.brand,
            metric=metric,
            interval=q.window.interval,
            start=q.window.start,
            end=q.window.end,
            group_by=list(q.group_by),
            buckets=buckets,
            totals=totals,
            notes=list(NOTES.get(metric, [])),
        )
