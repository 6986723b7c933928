"""Crm settings, read from `ANIMO_CRM_*` (and the common `ANIMO_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from animo_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANIMO_CRM_", extra="ignore")

    port: int = Field(default=8004, ge=1, le=65535, description="HTTP port.")
    consumer_batch_size: int = Field(
        default=2000,
        ge=1,
        le=10_000,
        description="Most events the crm's consumers handle in one batch (here instead of "
        "ANIMO_CONSUMER_BATCH_SIZE): a member touched several times in one batch is read and "
        "written once, so larger batches write less.",
    )
