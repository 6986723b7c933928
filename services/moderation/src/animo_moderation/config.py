"""Moderation settings, read from `ANIMO_MODERATION_*` (and the common `ANIMO_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from animo_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANIMO_MODERATION_", extra="ignore")

    port: int = Field(default=8002, ge=1, le=65535, description="HTTP port.")
    review_claim_seconds: int = Field(
        default=900,
        ge=1,
        le=86_400,
        description="How long a reviewer's claim on a queued decision holds before it expires.",
    )
