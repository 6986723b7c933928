"""Publisher settings, read from `ANIMO_PUBLISHER_*` (and the common `ANIMO_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from animo_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANIMO_PUBLISHER_", extra="ignore")

    port: int = Field(default=8003, ge=1, le=65535, description="HTTP port.")
    tick_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How often the scheduler looks for due posts."
    )
    delivery_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Timeout of one delivery request to a channel."
    )
