"""Reporting's alert routes: the alerts raised, and each brand's alert and business-hour settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.http import may_see

from .components import Components
from .documents import AlertStatus, BrandSettingsDoc
from .models import AlertPage, AlertView, BrandSettingsIn, BrandSettingsOut

router = APIRouter(prefix="/v1", tags=["alerts"])

BrandPath = Annotated[str, Path(pattern=BRAND_PATTERN)]


def _parts(request: Request) -> Components:
    parts: Components = request.app.state.service
    return parts


@router.get(
    "/alerts",
    summary="Spike alerts, newest first",
    description="A key restricted to some brands must name one (`brand=`).",
)
async def list_alerts(
    request: Request,
    brand: Annotated[str | None, Query(pattern=BRAND_PATTERN)] = None,
    status: AlertStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AlertPage:
    found = await _parts(request).alert_repository.list_alerts(brand, status, limit)
    return AlertPage(items=[AlertView.of(alert) for alert in found])


@router.get("/alerts/{alert_id}", summary="One alert, with the figures that raised it")
async def get_alert(request: Request, alert_id: str) -> AlertView:
    alert = await _parts(request).alert_repository.alert(alert_id)
    if alert is None or not may_see(request, alert.brand):
        raise HTTPException(404, f"no alert {alert_id!r}")
    return AlertView.of(alert)


async def _settings_out(request: Request, brand: str) -> BrandSettingsOut:
    parts = _parts(request)
    doc = await parts.alert_repository.brand_settings(brand)
    return BrandSettingsOut.of(
        brand,
        doc,
        parts.settings.spike_sensitivity,
        parts.settings.spike_min_count,
        await parts.hours_of(brand),
    )


@router.get(
    "/brands/{brand}/settings",
    summary="A brand's reporting settings (the webhook secret is never returned)",
    tags=["settings"],
)
async def get_settings(request: Request, brand: BrandPath) -> BrandSettingsOut:
    return await _settings_out(request, brand)


@router.put(
    "/brands/{brand}/settings",
    summary="Set a brand's alert webhook, spike sensitivity and business hours",
    tags=["settings"],
)
async def put_settings(
    request: Request, brand: BrandPath, body: BrandSettingsIn
) -> BrandSettingsOut:
    if body.webhook_url is not None and not body.webhook_secret:
        current = await _parts(request).alert_repository.brand_settings(brand)
        if current is None or not current.webhook_secret:
            raise HTTPException(422, "a webhook_url needs a webhook_secret (16+ characters)")
    hours = None
    if body.business_hours is not None:
        try:
            hours = body.business_hours.hours()
        except ValueError as error:
            raise HTTPException(422, f"business_hours: {error}") from None
    current = await _parts(request).alert_repository.brand_settings(brand)
    doc = BrandSettingsDoc(
        id=brand,
        brand=brand,
        webhook_url=str(body.webhook_url) if body.webhook_url else None,
        webhook_secret=body.webhook_secret or (current.webhook_secret if current else None),
        sensitivity=body.sensitivity,
        min_count=body.min_count,
        timezone=hours.timezone if hours else None,
        days=list(hours.days) if hours else None,
        opens=hours.opens.strftime("%H:%M") if hours else None,
        closes=hours.closes.strftime("%H:%M") if hours else None,
        updated_at=utcnow(),
    )
    if doc.webhook_url is None:
        doc.webhook_secret = None
    await _parts(request).alert_repository.save_settings(doc)
    return await _settings_out(request, brand)
