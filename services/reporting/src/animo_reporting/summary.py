"""The summary a community manager sends to the brand: one HTML page with inline SVG charts.

Every value that comes from events (brand, source, author handles, terms, competitor names,
alert messages) is HTML-escaped where it is written; the page loads nothing from elsewhere
(no script, no remote font or image) and prints to PDF from any browser.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from .documents import AlertRecord, AlertStatus
from .models import MetricReport, RankingReport
from .service import ReportingService
from .summary_page import page
from .svg import Series, hbars, lines, stacked_bars

PERIODS = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30)}
COLORS = {
    "own": "#3b6fb6",
    "competitors": "#b0b7c3",
    "positive": "#3c9a5f",
    "neutral": "#c9b458",
    "negative": "#c8553d",
    "complaints": "#c8553d",
    "median": "#3b6fb6",
    "p90": "#8a5fbf",
}


class AlertLister(Protocol):
    async def list_alerts(
        self, brand: str | None, status: AlertStatus | None, limit: int
    ) -> list[AlertRecord]: ...


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    if hours < 36:
        return f"{int(hours)} h {int(minutes % 60):02d}"
    return f"{int(hours // 24)} d {int(hours % 24)} h"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f} %"


def change(now: float, before: float) -> str:
    if not before:
        return "new" if now else "n/a"
    return f"{(now - before) / before * 100:+.0f} % vs previous period"


def _label(start: datetime, interval: str) -> str:
    return start.strftime("%Hh") if interval == "hour" else start.strftime("%a %d")


def _metric(found: MetricReport | RankingReport) -> MetricReport:
    assert isinstance(found, MetricReport)
    return found


async def render_summary(
    reporting: ReportingService,
    alerts: AlertLister,
    brand: str,
    start: datetime,
    end: datetime,
) -> str:
    interval = "hour" if end - start <= timedelta(days=1) else "day"
    args: dict[str, Any] = {"brand": brand, "start": start, "end": end, "interval": interval}
    volume = _metric(await reporting.report("volume", **args))
    before = _metric(
        await reporting.report(
            "volume", brand, start - (end - start), start, "day" if interval == "day" else "hour"
        )
    )
    mood = _metric(await reporting.report("sentiment", **args))
    voice = _metric(await reporting.report("share_of_voice", **args))
    response = _metric(await reporting.report("response_time", **args))
    moderation = _metric(await reporting.report("moderation", **args))
    authors = await reporting.report("influencers", **args, limit=10)
    trends = await reporting.report("trending", **args, limit=10)
    assert isinstance(authors, RankingReport)
    assert isinstance(trends, RankingReport)
    raised = [
        alert
        for alert in await alerts.list_alerts(brand, None, 200)
        if alert.started_at < end and (alert.resolved_at is None or alert.resolved_at >= start)
    ]
    labels = [_label(b["start"], interval) for b in volume.buckets]
    total, prior = volume.totals, before.totals
    kpis = [
        ("Mentions of the brand", str(total["own"]), change(total["own"], prior["own"])),
        (
            "Net sentiment",
            "n/a"
            if mood.totals["net_sentiment"] is None
            else f"{mood.totals['net_sentiment']:+.2f}",
            f"{percent(mood.totals['share_negative'])} negative",
        ),
        ("Share of voice", percent(voice.totals["share"]), f"{voice.totals['total']} mentions"),
        (
            "Complaints",
            str(response.totals["complaints"]),
            f"{response.totals['unanswered']} unanswered",
        ),
        (
            "Median response",
            duration(response.totals["median_seconds"]),
            f"p90 {duration(response.totals['p90_seconds'])}",
        ),
        ("Alerts", str(len(raised)), f"{moderation.totals['decisions']} decisions taken"),
    ]
    charts = {
        "volume": stacked_bars(
            "Mentions over time",
            labels,
            [
                Series("brand", [b["own"] for b in volume.buckets], COLORS["own"]),
                Series(
                    "competitors", [b["competitors"] for b in volume.buckets], COLORS["competitors"]
                ),
            ],
        ),
        "sentiment": stacked_bars(
            "Sentiment of the brand's mentions",
            labels,
            [
                Series(name, [b[name] for b in mood.buckets], COLORS[name])
                for name in ("positive", "neutral", "negative")
            ],
        ),
        "voice": hbars(
            "Share of voice",
            sorted(
                [(brand, voice.totals["brand"], percent(voice.totals["share"]))]
                + [
                    (name, count, percent(voice.totals["shares"].get(name)))
                    for name, count in voice.totals["competitors"].items()
                ],
                key=lambda item: -item[1],
            ),
        ),
        "authors": hbars(
            "Top authors by mentions",
            [
                (f"@{a['handle']} ({a['source']})", a["mentions"], f"{a['mentions']} mentions")
                for a in authors.items
            ],
        ),
        "complaints": stacked_bars(
            "Complaints",
            labels,
            [Series("complaints", [b["complaints"] for b in response.buckets], "#c8553d")],
        ),
        "response": lines(
            "Response time to complaints (hours)",
            labels,
            [
                Series(
                    name,
                    [None if b[key] is None else b[key] / 3600 for b in response.buckets],
                    COLORS[name],
                )
                for name, key in (("median", "median_seconds"), ("p90", "p90_seconds"))
            ],
            fmt=".1f",
        ),
    }
    return page(
        brand=brand,
        start=start,
        end=end,
        kpis=kpis,
        charts=charts,
        authors=authors.items,
        trends=trends.items,
        alerts=_alert_rows(raised),
        notes=[*response.notes],
    )


def _alert_rows(raised: list[AlertRecord]) -> list[tuple[str, ...]]:
    return [
        (
            alert.started_at.strftime("%Y-%m-%d %H:%M UTC"),
            alert.kind.replace("_", " "),
            alert.status.value,
            alert.message,
        )
        for alert in sorted(raised, key=lambda a: a.started_at)
    ]
