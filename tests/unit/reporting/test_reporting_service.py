"""Reporting's domain without I/O: folding events into buckets, and buckets into reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from animo_reporting.models import HourBucket
from animo_reporting.service import ReportingService, bucket_id, fold, volume
from animo_shared.events import (
    Author,
    MentionModerated,
    MentionReceived,
    ModerationAction,
    make_event,
)
from animo_shared.store import Changes
from animo_shared.store.port import Increment

T = datetime(2026, 11, 21, 9, 15, tzinfo=UTC)


class FakeBuckets:
    def __init__(self) -> None:
        self.name = "hour_buckets"

    def add(
        self, changes: Changes, bucket_id: str, key: dict[str, Any], counts: dict[str, int]
    ) -> None:
        changes.increment(self, bucket_id, inc=counts, on_insert=key)  # type: ignore[arg-type]

    async def between(self, brand: str, start: datetime, end: datetime) -> list[HourBucket]:
        return []


def mention(n: int, source: str = "twitter", at: datetime = T) -> Any:
    payload = MentionReceived(
        mention_id=f"m{n}",
        brand="acme",
        source=source,
        external_id=str(n),
        author=Author(handle="bob"),
        text="x",
        published_at=at,
        received_at=at,
    )
    return make_event(payload, event_id=f"e{n}", source="t", brand="acme")


def decision(n: int, action: ModerationAction, at: datetime = T) -> Any:
    payload = MentionModerated(
        decision_id=f"d{n}",
        mention_id=f"m{n}",
        brand="acme",
        source="twitter",
        author_handle="bob",
        action=action,
        published_at=at,
        decided_at=at,
        ruleset="r",
    )
    return make_event(payload, event_id=f"de{n}", source="t", brand="acme")


def test_a_batch_writes_each_bucket_once() -> None:
    events = [mention(n) for n in range(50)] + [mention(99, "forum")]
    events += [decision(n, ModerationAction.HIDE) for n in range(3)]
    changes = fold(events, FakeBuckets())
    ops = [op for op in changes.operations if isinstance(op, Increment)]
    assert len(ops) == 2
    twitter = next(op for op in ops if op.id == bucket_id("acme", "twitter", T.replace(minute=0)))
    assert twitter.inc == {"mentions": 50, "action_hide": 3}
    assert twitter.on_insert["hour"] == T.replace(minute=0)


def test_volume_sums_hours_into_days_by_source_and_action() -> None:
    day = datetime(2026, 11, 21, tzinfo=UTC)
    buckets = [
        HourBucket(
            id="a",
            brand="acme",
            source="twitter",
            hour=day + timedelta(hours=1),
            mentions=3,
            action_allow=2,
            action_hide=1,
        ),
        HourBucket(
            id="b",
            brand="acme",
            source="forum",
            hour=day + timedelta(hours=5),
            mentions=2,
            action_review=2,
        ),
        HourBucket(id="c", brand="acme", source="forum", hour=day + timedelta(days=1), mentions=1),
    ]
    report = volume("acme", buckets, day, day + timedelta(days=2), "day")
    assert [(b.start, b.mentions) for b in report.buckets] == [
        (day, 5),
        (day + timedelta(days=1), 1),
    ]
    assert report.buckets[0].by_source == {"twitter": 3, "forum": 2}
    assert report.buckets[0].by_action == {"allow": 2, "hide": 1, "review": 2}
    assert report.totals.mentions == 6
    hourly = volume("acme", buckets, day, day + timedelta(days=2), "hour")
    assert len(hourly.buckets) == 3


async def test_report_windows_are_checked() -> None:
    service = ReportingService(FakeBuckets())
    with pytest.raises(ValueError, match="after"):
        await service.volume("acme", T, T, "hour")
    with pytest.raises(ValueError, match="366"):
        await service.volume("acme", T, T + timedelta(days=400), "day")
