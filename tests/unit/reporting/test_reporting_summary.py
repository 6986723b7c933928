"""The readable summary: its sections, charts and figures, and every event-borne text escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from animo_reporting.documents import AlertRecord, AlertStatus
from animo_reporting.service import ReportingService
from animo_reporting.summary import duration, render_summary

MONDAY = datetime(2026, 11, 16, tzinfo=UTC)
EVIL = '<img src=x onerror="alert(1)">'


class Alerts:
    def __init__(self, alerts: list[AlertRecord]) -> None:
        self.alerts = alerts

    async def list_alerts(
        self, brand: str | None, status: AlertStatus | None, limit: int
    ) -> list[AlertRecord]:
        return [a for a in self.alerts if a.brand == brand][:limit]


def alert(started: datetime, message: str) -> AlertRecord:
    return AlertRecord(
        id="a1",
        brand="acme",
        kind="negative_mentions",
        status=AlertStatus.OPEN,
        started_at=started,
        observed=20,
        baseline=1,
        z=19,
        previous_12h_rate=1,
        last_week_rate=0,
        peak=20,
        message=message,
        method="poisson-z",
    )


async def test_the_week_summary_renders_its_charts_and_escapes_event_text(
    service: ReportingService, stream: Any
) -> None:
    for day in range(7):
        when = MONDAY + timedelta(days=day, hours=10)
        for n in range(day + 1):
            mid = f"m{day}-{n}"
            stream.mention(
                mid,
                when,
                handle=EVIL if n == 0 else f"fan{n}",
                followers=3000,
                text="livraison en retard #Colis",
            )
            stream.decision(
                mid,
                sentiment="negative" if n % 2 else "positive",
                complaint="delivery" if n == 1 else None,
            )
        stream.mention(f"c{day}", when, competitors=["<b>Rival & Co</b>"])
    stream.post("p1", MONDAY + timedelta(days=1, hours=12), reply_to="m1-1")
    await service.apply(stream.events)
    end = MONDAY + timedelta(days=7)
    html = await render_summary(
        service,
        Alerts([alert(end - timedelta(days=1), f"spike {EVIL}")]),
        "acme",
        end - timedelta(days=7),
        end,
    )

    assert html.startswith("<!doctype html>")
    assert html.count("<svg") == 6
    for section in (
        "Volume",
        "Sentiment",
        "Share of voice",
        "Influencers",
        "Complaints",
        "Response time",
        "Trending",
        "Alerts",
    ):
        assert f"<h2>{section}</h2>" in html
    assert EVIL not in html and "<b>Rival" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "&lt;b&gt;Rival &amp; Co&lt;/b&gt;" in html
    assert "<script" not in html
    kpis = dict(re.findall(r"<span>([^<]+)</span><b>([^<]+)</b>", html))
    assert kpis["Mentions of the brand"] == "28"  # 1 + 2 + ... + 7
    assert kpis["Share of voice"] == "80 %"  # 28 / (28 + 7)
    assert kpis["Complaints"] == "6"
    assert kpis["Median response"] == "2 h 00"
    assert kpis["Alerts"] == "1"
    assert ">#colis<" in html  # the trending table
    assert "Business hours: mon,tue,wed,thu,fri 09:00-18:00 UTC." in html


async def test_an_empty_period_still_renders(service: ReportingService, stream: Any) -> None:
    await service.apply(stream.mention("m1", MONDAY - timedelta(days=30)).events)
    html = await render_summary(service, Alerts([]), "acme", MONDAY, MONDAY + timedelta(days=7))
    assert html.count("<svg") == 6
    assert "Nothing in this period." in html
    assert "no data in this period" in html


def test_durations_read_well() -> None:
    assert [duration(s) for s in (None, 42, 600, 7500, 200_000)] == [
        "n/a",
        "42 s",
        "10 min",
        "2 h 05",
        "2 d 7 h",
    ]
