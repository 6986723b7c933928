"""Settings read from the environment: the common slice every service shares, and each service's own."""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "admin", "animo"})


class RunMode(StrEnum):
    EMBEDDED = "embedded"
    PRODUCTION = "production"


class CommonSettings(BaseSettings):
    """What every Animo service reads, under the `ANIMO_` prefix (and `MONGODB_URL`)."""

    model_config = SettingsConfigDict(env_prefix="ANIMO_", extra="ignore")

    env: RunMode = Field(
        default=RunMode.EMBEDDED,
        description="embedded (SQLite, generated admin key allowed) or production.",
    )
    kafka_bootstrap: str = Field(
        default="127.0.0.1:9092", description="Kafka bootstrap servers, comma-separated."
    )
    mongodb_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("MONGODB_URL", "ANIMO_MONGODB_URL"),
        description="MongoDB URL; unset means the embedded SQLite store.",
    )
    data_dir: Path = Field(
        default=Path("var/data"), description="Where the embedded store keeps its SQLite files."
    )
    admin_key: SecretStr | None = Field(
        default=None,
        description="The admin API key. Required in production; generated when embedded.",
    )
    key_cache_seconds: float = Field(
        default=2.0, ge=0, le=300, description="How long a process trusts what it read of a key."
    )
    key_rate_per_second: float = Field(
        default=50.0, gt=0, description="Requests a second per API key (burst: two seconds' worth)."
    )
    operator_rate_per_second: float = Field(
        default=0, ge=0, description="The same for ANIMO_ADMIN_KEY; 0 means not limited."
    )
    log_level: str = Field(default="INFO", description="Python log level.")
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest accepted request body (bytes)."
    )
    processed_retention_days: float = Field(
        default=30,
        gt=0,
        description="How long consumers remember applied event ids; an older replay counts again.",
    )
    consumer_batch_size: int = Field(
        default=500, ge=1, le=10_000, description="Most events a consumer handles in one batch."
    )
    consumer_session_timeout_ms: int = Field(
        default=10_000, ge=1000, description="Kafka consumer group session timeout."
    )
    consumer_heartbeat_ms: int = Field(
        default=3_000, ge=100, description="Kafka consumer heartbeat interval."
    )

    @model_validator(mode="after")
    def _secrets_are_real_outside_embedded(self) -> CommonSettings:
        if self.env is RunMode.PRODUCTION:
            key = self.admin_key.get_secret_value() if self.admin_key else ""
            if key.lower() in PLACEHOLDER_SECRETS or len(key) < 24:
                raise ValueError(
                    "ANIMO_ADMIN_KEY must be set to a real secret (>= 24 characters) "
                    "when ANIMO_ENV=production"
                )
        return self

    def resolved_admin_key(self) -> tuple[str, bool]:
        """The admin key and whether it was generated here (embedded mode, key unset)."""
        if self.admin_key is not None and self.admin_key.get_secret_value():
            return self.admin_key.get_secret_value(), False
        return "animo_" + secrets.token_urlsafe(24), True


class ServiceSettings(BaseSettings):
    """Base of each service's own settings: where it listens, plus the common slice."""

    model_config = SettingsConfigDict(extra="ignore")

    host: str = Field(default="127.0.0.1", description="Interface the HTTP server binds.")
    port: int = Field(default=8000, ge=1, le=65535, description="HTTP port.")
    common: CommonSettings = Field(default_factory=CommonSettings)


SERVICE_NAMES = ("ingest", "moderation", "publisher", "crm", "reporting")


def _env_names(cls: type[BaseSettings], prefix: str) -> set[str]:
    names: set[str] = set()
    for field_name, field in cls.model_fields.items():
        if field_name == "common":
            continue
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice) for choice in alias.choices)
        else:
            names.add(f"{prefix}{field_name}".upper())
    return names


def known_env_vars(extra: dict[str, type[BaseSettings]] | None = None) -> set[str]:
    """Every environment variable the settings read (for checking deploy files)."""
    names = _env_names(CommonSettings, "ANIMO_")
    for service in SERVICE_NAMES:
        names |= _env_names(ServiceSettings, f"ANIMO_{service}_")
    for prefix, cls in (extra or {}).items():
        names |= _env_names(cls, prefix)
    return names
