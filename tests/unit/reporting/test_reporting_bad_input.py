"""Bad report requests get a precise error naming the rule or the limit they break."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from animo_reporting.service import ReportingService
from animo_reporting.timeframe import Limits, ReportError, check_window

DAY = datetime(2026, 11, 16, tzinfo=UTC)


@pytest.fixture
async def seen(service: ReportingService, stream: Any) -> ReportingService:
    await service.apply(stream.mention("m1", DAY).events)
    return service


async def refused(service: ReportingService, *args: Any, **options: Any) -> ReportError:
    with pytest.raises(ReportError) as caught:
        await service.report(*args, **options)
    return caught.value


async def test_unknown_metric_names_the_known_ones(seen: ReportingService) -> None:
    error = await refused(seen, "reach", "acme", DAY, DAY + timedelta(days=1), "day")
    assert error.status == 404
    assert "unknown metric 'reach'" in error.message
    assert "share_of_voice" in error.message and "trending" in error.message


async def test_unknown_brand_is_404_but_volume_answers_zeros(seen: ReportingService) -> None:
    error = await refused(seen, "sentiment", "nobody", DAY, DAY + timedelta(days=1), "day")
    assert (error.status, error.message) == (
        404,
        "unknown brand 'nobody': reporting has not seen any event for it",
    )
    volume = await seen.volume("nobody", DAY, DAY + timedelta(days=1), "day")
    assert volume.totals["mentions"] == 0
    assert len(volume.buckets) == 1


@pytest.mark.parametrize(
    ("start", "end", "interval", "message"),
    [
        (DAY, DAY, "day", "'to' (2026-11-16T00:00:00+00:00) must be after 'from'"),
        (DAY, DAY - timedelta(days=1), "hour", "must be after"),
        (DAY, DAY + timedelta(days=2000), "day", "spans 2000 days; a report spans at most 1830"),
        (DAY, DAY + timedelta(days=300), "hour", "gives 7200 points; the limit is 5000 points"),
        (DAY, DAY + timedelta(days=4), "minute", "gives 5760 points"),
        (DAY.replace(tzinfo=None), DAY + timedelta(days=1), "day", "'from' needs a time zone"),
    ],
)
async def test_windows_are_checked(
    seen: ReportingService, start: datetime, end: datetime, interval: Any, message: str
) -> None:
    error = await refused(seen, "volume", "acme", start, end, interval)
    assert error.status == 422
    assert message in error.message


def test_limits_are_settings() -> None:
    small = Limits(max_points=24, max_range_days=2)
    assert len(check_window(DAY, DAY + timedelta(days=1), "hour", small).starts()) == 24
    with pytest.raises(ReportError, match="gives 25 points; the limit is 24"):
        check_window(DAY, DAY + timedelta(hours=25), "hour", small)
    with pytest.raises(ReportError, match="at most 2 days"):
        check_window(DAY, DAY + timedelta(days=3), "day", small)


@pytest.mark.parametrize(
    ("metric", "group_by", "interval", "message"),
    [
        ("volume", ["country"], "day", "volume cannot be grouped by country; use source, lang"),
        ("moderation", ["source"], "day", "moderation has no group_by"),
        ("volume", ["source", "source"], "day", "names a dimension twice"),
        ("volume", ["source"], "minute", "use interval=hour or longer"),
        ("sentiment", ["action"], "day", "sentiment cannot be grouped by action"),
    ],
)
async def test_group_by_is_checked(
    seen: ReportingService, metric: str, group_by: list[str], interval: Any, message: str
) -> None:
    error = await refused(
        seen, metric, "acme", DAY, DAY + timedelta(days=1), interval, group_by=group_by
    )
    assert error.status == 422
    assert message in error.message


async def test_too_many_slices_for_a_group_by(buckets: Any, stream: Any) -> None:
    service = ReportingService(buckets, max_slice_documents=3, clock=lambda: DAY)
    for n in range(5):
        stream.mention(f"m{n}", DAY + timedelta(hours=n))
    await service.apply(stream.events)
    error = await refused(
        service, "volume", "acme", DAY, DAY + timedelta(days=1), "hour", group_by=["source"]
    )
    assert error.status == 422
    assert "more than 3 slice buckets" in error.message
