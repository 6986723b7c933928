"""Reporting settings, read from `ANIMO_REPORTING_*` (and the common `ANIMO_*`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from animo_shared.settings import ServiceSettings

from .response_time import BusinessHours, parse_hours

# The embedded store runs SQLite on a thread of its own: each statement hands the GIL back
# and forth with the event loop, which waits up to the switch interval (5 ms by default)
# when the loop is busy decoding the next batch. `python -m animo_reporting` shortens it
# (measured: about 30 % more events per second through the consumer).
GIL_SWITCH_SECONDS = 0.0005


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANIMO_REPORTING_", extra="ignore")

    port: int = Field(default=8005, ge=1, le=65535, description="HTTP port.")

    retention_minute_days: float = Field(
        default=3, gt=0, description="How long per-minute buckets are kept (spike detection)."
    )
    retention_hour_days: float = Field(default=400, gt=0, description="Per-hour buckets kept.")
    retention_day_days: float = Field(default=1830, gt=0, description="Per-day buckets kept.")
    retention_rankings_days: float = Field(
        default=400, gt=0, description="Per-day author and term counts kept."
    )
    retention_state_days: float = Field(
        default=30,
        gt=0,
        description="How long a mention's join state waits for its other half or a reply.",
    )
    retention_records_days: float = Field(
        default=400, gt=0, description="Complaint responses and webhook deliveries kept."
    )
    prune_interval_seconds: float = Field(
        default=600, gt=0, description="Pause between two retention passes."
    )

    max_points: int = Field(
        default=5000, ge=10, description="Most interval steps one report may return."
    )
    max_range_days: int = Field(default=1830, ge=1, description="Longest report range.")
    max_slice_documents: int = Field(
        default=200_000, ge=1000, description="Most slice buckets one group_by report may read."
    )

    spike_check_seconds: float = Field(
        default=60, gt=0, description="Pause between two spike checks of every active brand."
    )
    spike_sensitivity: Literal["sensitive", "balanced", "strict"] = Field(
        default="balanced",
        description="Default z-score to raise at: sensitive 2.5, balanced 3.5, strict 5.0.",
    )
    spike_min_count: int = Field(
        default=5, ge=1, description="Default: fewest mentions in the last hour to alert on."
    )
    spike_cooldown_minutes: float = Field(
        default=60, ge=0, description="No new alert of a kind this soon after one resolved."
    )
    business_hours: str = Field(
        default="mon-fri 09:00-18:00 UTC",
        description="Default business hours for response times, e.g. 'mon-fri 09:00-18:00 "
        "Europe/Paris'; a brand can set its own.",
    )

    webhook_max_attempts: int = Field(default=8, ge=1, description="Webhook tries per alert.")
    webhook_retry_seconds: float = Field(
        default=5, gt=0, description="First retry delay; doubles each time, up to an hour."
    )
    webhook_timeout_seconds: float = Field(default=10, gt=0, description="Webhook POST timeout.")
    gauge_refresh_seconds: float = Field(
        default=15, gt=0, description="Pause between two refreshes of the per-brand gauges."
    )

    @field_validator("business_hours")
    @classmethod
    def _hours_parse(cls, value: str) -> str:
        parse_hours(value)
        return value

    def default_hours(self) -> BusinessHours:
        return parse_hours(self.business_hours)
