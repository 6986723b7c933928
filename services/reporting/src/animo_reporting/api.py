"""Reporting's HTTP routes: the measures, as JSON."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request

from animo_shared.events import BRAND_PATTERN, utcnow

from .models import VolumeReport
from .service import ReportingService

router = APIRouter(prefix="/v1", tags=["reports"])


@router.get(
    "/reports/volume",
    summary="Mentions per hour or day, by source and moderation action, with totals",
    response_model_by_alias=True,
)
async def volume_report(
    request: Request,
    brand: Annotated[str, Query(pattern=BRAND_PATTERN)],
    from_: Annotated[
        datetime | None, Query(alias="from", description="Default: 7 days ago")
    ] = None,
    to: Annotated[datetime | None, Query(description="Default: now")] = None,
    interval: Literal["hour", "day"] = "hour",
) -> VolumeReport:
    service: ReportingService = request.app.state.service
    end = to or utcnow() + timedelta(hours=1)
    start = from_ or end - timedelta(days=7)
    for moment in (start, end):
        if moment.tzinfo is None:
            raise HTTPException(422, "'from' and 'to' need a time zone, e.g. 2026-11-21T00:00:00Z")
    try:
        return await service.volume(brand, start, end, interval)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
