"""Publisher settings, read from `ANIMO_PUBLISHER_*` (and the common `ANIMO_*`)."""

from __future__ import annotations

import zoneinfo

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from animo_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANIMO_PUBLISHER_", extra="ignore")

    port: int = Field(default=8003, ge=1, le=65535, description="HTTP port.")
    tick_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Longest sleep of the scheduler between two looks for due posts; it wakes "
        "earlier for the next due post or a newly scheduled one.",
    )
    delivery_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Timeout of one request to a network."
    )
    delivery_concurrency: int = Field(
        default=32, ge=1, le=1000, description="Posts being delivered at once."
    )
    max_attempts: int = Field(
        default=6, ge=1, le=50, description="Attempts per channel before a post fails."
    )
    retry_base_seconds: float = Field(
        default=2.0, gt=0, le=3600, description="First back-off after a retryable failure."
    )
    retry_cap_seconds: float = Field(
        default=900.0, gt=0, le=86_400, description="Longest back-off (Retry-After may exceed it)."
    )
    claim_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        le=3600,
        description="A post claimed longer ago than this belongs to a publisher that died: it "
        "is recovered (resent only on idempotent networks).",
    )
    degraded_after_failures: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Deliveries failing in a row for the channel's sake (429, 5xx, unreachable) "
        "before a healthy channel is called degraded and `channel.health_changed` is published.",
    )
    moderation_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("http://127.0.0.1:8002"),
        description="Base URL of the moderation service (its `POST /v1/moderate` checks drafts).",
    )
    moderation_key: SecretStr | None = Field(
        default=None, description="API key for the moderation service; default: ANIMO_ADMIN_KEY."
    )
    moderation_timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, description="Timeout of one moderation check."
    )
    moderation_retry_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="How often a post left submitted (moderation unreachable) is checked again.",
    )
    default_timezone: str = Field(
        default="Europe/Paris", description="Time zone of a brand that has not set its own."
    )

    @field_validator("default_timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        # Fail at start, not on the first schedule, where the time zone database is missing.
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"time zone {value!r} is not available here: install the tzdata package "
                "(pip or the system's), or set ANIMO_PUBLISHER_DEFAULT_TIMEZONE"
            ) from None
        return value
