"""CSV exports: a row per bucket, per group, or per ranked item; spreadsheet formulas defused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from animo_reporting.export import to_csv
from animo_reporting.models import MetricReport, RankingReport
from animo_reporting.service import ReportingService

DAY = datetime(2026, 11, 16, tzinfo=UTC)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_volume_csv_has_a_row_per_bucket(service: ReportingService, stream: Any) -> None:
    stream.mention("m1", DAY + timedelta(hours=1)).mention(
        "m2", DAY + timedelta(hours=26), source="forum"
    )
    await service.apply(stream.events)
    report = await service.report("volume", "acme", DAY, DAY + timedelta(days=2), "day")
    assert isinstance(report, MetricReport)
    found = rows(to_csv(report))
    assert [r["start"] for r in found] == ["2026-11-16T00:00:00+00:00", "2026-11-17T00:00:00+00:00"]
    assert [(r["mentions"], r["by_source.twitter"], r["by_source.forum"]) for r in found] == [
        ("1", "1", ""),
        ("1", "", "1"),
    ]


async def test_grouped_csv_has_a_row_per_group(service: ReportingService, stream: Any) -> None:
    stream.mention("m1", DAY, source="blog").mention("m2", DAY).mention("m3", DAY)
    await service.apply(stream.events)
    report = await service.report(
        "volume", "acme", DAY, DAY + timedelta(days=1), "day", group_by=["source"]
    )
    assert isinstance(report, MetricReport)
    found = rows(to_csv(report))
    assert [(r["source"], r["mentions"]) for r in found] == [("blog", "1"), ("twitter", "2")]


def test_ranking_csv_and_formula_injection() -> None:
    report = RankingReport(
        brand="acme",
        metric="influencers",
        start=DAY,
        end=DAY,
        items=[{"handle": '=HYPERLINK("http://x")', "mentions": -1, "followers": None}],
    )
    (row,) = rows(to_csv(report))
    assert row == {"handle": '\'=HYPERLINK("http://x")', "mentions": "-1", "followers": ""}
