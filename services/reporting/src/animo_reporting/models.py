"""Reporting's API shapes: reports, alerts and a brand's reporting settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from .documents import AlertRecord, AlertStatus, BrandSettingsDoc
from .response_time import DAY_NAMES, BusinessHours
from .spikes import SENSITIVITY


class MetricReport(BaseModel):
    """A metric over time: one bucket per interval step (empty ones included) and the totals.

    With `group_by`, each bucket and the totals also carry `groups`: one entry per
    combination of the grouped dimensions (`key`), with the same fields.
    """

    model_config = ConfigDict(serialize_by_alias=True)

    brand: str
    metric: str
    interval: str
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    group_by: list[str] = Field(default_factory=list)
    buckets: list[dict[str, Any]]
    totals: dict[str, Any]
    notes: list[str] = Field(default_factory=list)


class RankingReport(BaseModel):
    """A ranked list over the period (top authors, trending terms)."""

    model_config = ConfigDict(serialize_by_alias=True)

    brand: str
    metric: str
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    items: list[dict[str, Any]]
    notes: list[str] = Field(default_factory=list)


class AlertView(BaseModel):
    id: str
    brand: str
    kind: str
    status: AlertStatus
    started_at: datetime
    resolved_at: datetime | None
    observed: float = Field(description="Count in the last hour when raised.")
    baseline: float = Field(description="Expected count per hour (see `method`).")
    z: float
    previous_12h_rate: float
    last_week_rate: float
    peak: float = Field(description="Highest hourly count seen while open.")
    message: str
    method: str

    @classmethod
    def of(cls, record: AlertRecord) -> AlertView:
        return cls.model_validate(record.model_dump())


class AlertPage(BaseModel):
    items: list[AlertView]


class HoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field(default="UTC", examples=["Europe/Paris"])
    days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = (
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    )
    opens: str = Field(default="09:00", pattern=r"^\d{2}:\d{2}$")
    closes: str = Field(default="18:00", pattern=r"^\d{2}:\d{2}$")

    def hours(self) -> BusinessHours:
        from datetime import time

        return BusinessHours(
            timezone=self.timezone,
            days=tuple(sorted({DAY_NAMES.index(day) for day in self.days})),
            opens=time.fromisoformat(self.opens),
            closes=time.fromisoformat(self.closes),
        )


class BrandSettingsIn(BaseModel):
    """Reporting's settings for one brand; fields left out keep the service defaults."""

    model_config = ConfigDict(extra="forbid")

    webhook_url: HttpUrl | None = Field(default=None, description="Where alerts are POSTed.")
    webhook_secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="HMAC key; never returned."
    )
    sensitivity: Literal["sensitive", "balanced", "strict"] | None = None
    min_count: int | None = Field(default=None, ge=1, le=100_000)
    business_hours: HoursIn | None = None

    @field_validator("webhook_url")
    @classmethod
    def _http_only(cls, url: HttpUrl | None) -> HttpUrl | None:
        if url is not None and url.scheme not in ("http", "https"):
            raise ValueError("webhook_url must be http or https")
        return url


class BrandSettingsOut(BaseModel):
    brand: str
    webhook_url: str | None
    webhook_secret_set: bool
    sensitivity: str
    z_raise: float
    min_count: int
    business_hours: str
    updated_at: datetime | None

    @classmethod
    def of(
        cls,
        brand: str,
        doc: BrandSettingsDoc | None,
        default_sensitivity: str,
        default_min_count: int,
        hours: BusinessHours,
    ) -> BrandSettingsOut:
        sensitivity = (doc.sensitivity if doc else None) or default_sensitivity
        return cls(
            brand=brand,
            webhook_url=doc.webhook_url if doc else None,
            webhook_secret_set=bool(doc and doc.webhook_secret),
            sensitivity=sensitivity,
            z_raise=SENSITIVITY[sensitivity],
            min_count=(doc.min_count if doc else None) or default_min_count,
            business_hours=hours.describe(),
            updated_at=doc.updated_at if doc else None,
        )
