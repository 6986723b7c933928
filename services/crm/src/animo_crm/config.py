"""Crm settings, read from `ANIMO_CRM_*` (and the common `ANIMO_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from animo_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANIMO_CRM_", extra="ignore")

    port: int = Field(default=8004, ge=1, le=65535, description="HTTP port.")
