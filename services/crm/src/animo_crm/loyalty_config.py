"""Loyalty settings, read from `ANIMO_CRM_LOYALTY_*`."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LoyaltySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANIMO_CRM_LOYALTY_", extra="ignore")

    hold_lease_seconds: float = Field(
        default=60,
        gt=0,
        le=3600,
        description="A redemption holding a wallet longer than this is presumed crashed and undone.",
    )
    hold_wait_seconds: float = Field(
        default=10,
        gt=0,
        le=120,
        description="How long a redemption waits for another one of the same member before a 409.",
    )
    award_check_seconds: float = Field(
        default=300,
        gt=0,
        le=86_400,
        description="How often brands' top-advocate rewards are checked for a finished period.",
    )

    @property
    def hold_lease(self) -> timedelta:
        return timedelta(seconds=self.hold_lease_seconds)
