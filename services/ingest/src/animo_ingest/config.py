"""Ingest settings, read from `ANIMO_INGEST_*` (and the common `ANIMO_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from animo_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANIMO_INGEST_", extra="ignore")

    port: int = Field(default=8001, ge=1, le=65535, description="HTTP port.")
    exact_duplicate_window_seconds: int = Field(
        default=3600,
        ge=0,
        description="The same text by the same author on the same source, published within "
        "this many seconds of a kept mention, is an exact duplicate: answered, not republished.",
    )
    near_duplicate_max_items: int = Field(
        default=100_000, ge=1, description="Mentions the in-memory near-duplicate index keeps."
    )
    near_duplicate_threshold: int = Field(
        default=3, ge=0, le=3, description="SimHash bits two near-duplicates may differ by."
    )
    near_duplicate_warm_items: int = Field(
        default=10_000,
        ge=0,
        description="Recent stored mentions loaded into the near-duplicate index at start.",
    )
    query_cache_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long compiled listening queries are kept before a reload; changes "
        "made through this process apply at once, those made through another within this time.",
    )
    webhook_tolerance_seconds: int = Field(
        default=300,
        ge=1,
        description="A signed webhook whose timestamp is further than this from now is a replay.",
    )
    scheduler_tick_seconds: float = Field(
        default=5.0, gt=0, description="How often the pull scheduler looks for due sources."
    )
    pull_concurrency: int = Field(
        default=4, ge=1, le=64, description="Sources pulled at the same time, at most."
    )
    pull_timeout_seconds: float = Field(
        default=20.0, gt=0, description="Timeout of each HTTP request to a pulled source."
    )
