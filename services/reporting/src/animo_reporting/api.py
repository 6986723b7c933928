"""Reporting's report routes: the measures as JSON or CSV, and the readable weekly summary."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from animo_shared.events import BRAND_PATTERN, utcnow

from .components import Components
from .export import to_csv
from .models import MetricReport, RankingReport
from .reports import METRICS
from .service import ReportingService
from .summary import PERIODS, render_summary
from .timeframe import Interval, ReportError

router = APIRouter(prefix="/v1", tags=["reports"])

Brand = Annotated[str, Query(pattern=BRAND_PATTERN, description="The brand id.")]
From = Annotated[datetime | None, Query(alias="from", description="Default: 7 days before `to`.")]
To = Annotated[datetime | None, Query(description="Default: now.")]
Format = Annotated[
    Literal["json", "csv"] | None,
    Query(alias="format", description="csv, or send `Accept: text/csv`; default JSON."),
]


def _parts(request: Request) -> Components:
    parts: Components = request.app.state.service
    return parts


def _service(request: Request) -> ReportingService:
    return _parts(request).reporting


def _fail(error: ReportError) -> HTTPException:
    return HTTPException(error.status, error.message)


def _answer(
    request: Request, report: MetricReport | RankingReport, format_: str | None
) -> Response:
    wants_csv = format_ == "csv" or (
        format_ is None and "text/csv" in request.headers.get("accept", "")
    )
    if wants_csv:
        name = f"{report.brand}-{report.metric}.csv"
        return Response(
            to_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )
    return Response(report.model_dump_json(), media_type="application/json")


@router.get(
    "/reports/volume",
    summary="Mentions per interval, by source, language and moderation action, with totals",
    response_model=MetricReport,
)
async def volume_report(
    request: Request,
    brand: Brand,
    from_: From = None,
    to: Annotated[datetime | None, Query(description="Default: an hour from now.")] = None,
    interval: Interval = "hour",
    group_by: Annotated[str | None, Query(description="Comma-separated dimensions.")] = None,
    format_: Format = None,
) -> Response:
    """A brand with no event yet answers zeros (callers poll this until their events land)."""
    service = _service(request)
    end = to or utcnow() + timedelta(hours=1)
    start = from_ or end - timedelta(days=7)
    try:
        if group_by:
            report = await service.report("volume", brand, start, end, interval, _dims(group_by))
        else:
            report = await service.volume(brand, start, end, interval)
    except ReportError as error:
        raise _fail(error) from None
    return _answer(request, report, format_)


@router.get(
    "/reports/summary",
    summary="A readable report (HTML with charts) for the brand, over the last day, week or month",
    response_class=HTMLResponse,
)
async def summary_report(
    request: Request,
    brand: Brand,
    period: Literal["day", "week", "month"] = "week",
    to: To = None,
) -> HTMLResponse:
    service = _service(request)
    end = to or utcnow()
    try:
        await service.require_brand(brand)
        parts = _parts(request)
        html = await render_summary(
            parts.reporting, parts.alert_repository, brand, end - PERIODS[period], end
        )
    except ReportError as error:
        raise _fail(error) from None
    return HTMLResponse(html)


def _dims(group_by: str | None) -> list[str]:
    return [dim.strip() for dim in (group_by or "").split(",") if dim.strip()]


@router.get(
    "/reports/{metric}",
    summary="One metric over time (JSON or CSV)",
    description="Metrics: " + ", ".join(METRICS) + ". Buckets per `interval` (minute, hour, "
    "day, week; UTC). `group_by`: volume by source, lang, about, sentiment, action; sentiment "
    "by source, lang, about; response_time by topic. influencers and trending return ranked "
    "`items` (`limit`, `sort`, `min_count`). Limits: 5,000 points, 1,830 days.",
    response_model=MetricReport | RankingReport,
)
async def metric_report(
    request: Request,
    metric: str,
    brand: Brand,
    from_: From = None,
    to: To = None,
    interval: Interval = "day",
    group_by: Annotated[str | None, Query(description="Comma-separated dimensions.")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Ranked items returned.")] = 10,
    sort: Literal["mentions", "followers"] = "mentions",
    min_count: Annotated[int, Query(ge=1, description="Trending: fewest sightings.")] = 2,
    format_: Format = None,
) -> Response:
    end = to or utcnow()
    start = from_ or end - timedelta(days=7)
    try:
        report = await _service(request).report(
            metric, brand, start, end, interval, _dims(group_by), limit, sort, min_count
        )
    except ReportError as error:
        raise _fail(error) from None
    return _answer(request, report, format_)
