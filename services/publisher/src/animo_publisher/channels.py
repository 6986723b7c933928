"""Channels: where a brand publishes, one per network account, with its credentials kept secret.

Credentials are stored with the channel and handed only to the network adapter: the API
shows which ones are set, never their values, and no model's repr prints them.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from animo_shared.events import BrandId
from animo_shared.store import Document

from .adaptation import ChannelKind
from .cadence import CadenceRule
from .networks import ChannelHealth
from .networks.graph import DEFAULT_BASE_URL as GRAPH_BASE_URL
from .networks.linkedin import DEFAULT_BASE_URL as LINKEDIN_BASE_URL
from .networks.x import DEFAULT_BASE_URL as X_BASE_URL

# What each network's adapter needs (see animo_publisher.networks); optional ones are allowed.
REQUIRED: dict[str, tuple[str, ...]] = {
    "x": ("access_token",),
    "mastodon": ("access_token",),
    "facebook": ("page_id", "page_access_token"),
    "instagram": ("ig_user_id", "access_token"),
    "linkedin": ("author", "access_token"),
    "discourse": ("api_key", "api_username"),
    "webhook": ("secret",),
}
OPTIONAL: dict[str, tuple[str, ...]] = {"discourse": ("topic_id", "category", "title")}
# Networks with one public API host; Mastodon, Discourse and webhooks are wherever they live.
DEFAULT_BASE_URLS: dict[str, str] = {
    "x": X_BASE_URL,
    "facebook": GRAPH_BASE_URL,
    "instagram": GRAPH_BASE_URL,
    "linkedin": LINKEDIN_BASE_URL,
}
# Networks where a repeated request cannot publish twice (Mastodon's Idempotency-Key, and a
# webhook receiver expected to honour the key): only these are resent after a crash.
IDEMPOTENT_KINDS = frozenset({"mastodon", "webhook"})

CredentialName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,39}$")]
Secret = Annotated[SecretStr, Field(min_length=1, max_length=4000)]


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    brand: BrandId
    kind: ChannelKind = "webhook"
    name: str = Field(min_length=1, max_length=100)
    base_url: AnyHttpUrl | None = Field(
        default=None,
        validate_default=True,
        validation_alias=AliasChoices("base_url", "url"),
        description="The network's API root (a default for X, Facebook, Instagram, LinkedIn); "
        "the instance for Mastodon and Discourse; the receiving URL for a webhook (`url`).",
    )
    credentials: dict[CredentialName, Secret] = Field(
        default_factory=dict,
        validate_default=True,
        max_length=10,
        description="Tokens and account ids the network needs; never returned.",
    )
    secret: SecretStr | None = Field(
        default=None,
        min_length=16,
        max_length=200,
        description="Shortcut for a webhook's HMAC key (`credentials.secret`); never returned.",
    )
    cadence: CadenceRule | None = Field(
        default=None, description="This channel's own cadence; unset fields follow the brand's."
    )

    @model_validator(mode="before")
    @classmethod
    def _secret_into_credentials(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("secret") is not None:
            given = data.get("credentials") or {}
            if not isinstance(given, dict):
                return data  # not an object: the field's own validation names the error
            creds = dict(given)
            creds.setdefault("secret", data["secret"])
            data = {**data, "credentials": creds}
        return data

    @field_validator("credentials")
    @classmethod
    def _credentials_fit(
        cls, value: dict[str, SecretStr], info: ValidationInfo
    ) -> dict[str, SecretStr]:
        kind = info.data.get("kind")
        if kind is not None:
            check_credentials(kind, {k: v.get_secret_value() for k, v in value.items()})
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url_known(cls, value: AnyHttpUrl | None, info: ValidationInfo) -> AnyHttpUrl | None:
        kind = info.data.get("kind")
        if value is None and kind is not None and kind not in DEFAULT_BASE_URLS:
            raise ValueError(f"a {kind} channel needs its base_url (or url)")
        return value


def check_credentials(kind: str, creds: dict[str, str]) -> None:
    """Refuse missing or unknown credential names; never echo a value."""
    required, optional = REQUIRED[kind], OPTIONAL.get(kind, ())
    absent = [name for name in required if not creds.get(name)]
    if absent:
        raise ValueError(f"a {kind} channel needs credentials: {', '.join(absent)}")
    unknown = sorted(set(creds) - set(required) - set(optional))
    if unknown:
        raise ValueError(
            f"unknown credentials for {kind}: {', '.join(unknown)} "
            f"(known: {', '.join((*required, *optional))})"
        )
    if kind == "webhook" and len(creds["secret"]) < 16:
        raise ValueError("a webhook secret needs at least 16 characters")


class ChannelPatch(BaseModel):
    """Rename, move, re-authorise (new credentials: the channel is healthy again) or re-pace."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    base_url: AnyHttpUrl | None = None
    credentials: dict[CredentialName, Secret] | None = Field(
        default=None, max_length=10, description="Replaces the credentials as a whole."
    )
    cadence: CadenceRule | None = None


class Channel(Document):
    brand: str
    kind: str
    name: str
    base_url: str
    credentials: dict[str, str] = Field(repr=False)
    cadence: CadenceRule | None = None
    health: ChannelHealth = ChannelHealth.HEALTHY
    health_reason: str | None = None
    health_changed_at: datetime | None = None
    health_previous: ChannelHealth | None = None
    # Counts the transitions: `channel.health_changed` ids derive from it, and every change
    # of health is a compare-and-set on it, so concurrent deliveries announce a change once.
    health_seq: int = 0
    health_announced: bool = True  # False until the change's event is in the outbox
    failure_streak: int = 0  # deliveries failing in a row for the channel's sake
    created_at: datetime
    updated_at: datetime


class ChannelOut(BaseModel):
    id: str
    brand: str
    kind: str
    name: str
    base_url: str
    credentials_set: list[str] = Field(description="Which credentials are stored (not values).")
    cadence: CadenceRule | None
    health: ChannelHealth
    health_reason: str | None
    health_changed_at: datetime | None
    failure_streak: int = Field(description="Deliveries failing in a row for the channel's sake.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, channel: Channel) -> ChannelOut:
        data = channel.model_dump(
            exclude={"credentials", "health_previous", "health_seq", "health_announced"}
        )
        return cls(**data, credentials_set=sorted(channel.credentials))


class ChannelPage(BaseModel):
    items: list[ChannelOut]


def new_channel(body: ChannelIn, now: datetime) -> Channel:
    base = str(body.base_url) if body.base_url else DEFAULT_BASE_URLS[body.kind]
    return Channel(
        id="ch_" + secrets.token_hex(8),
        brand=body.brand,
        kind=body.kind,
        name=body.name,
        base_url=base,
        credentials={k: v.get_secret_value() for k, v in body.credentials.items()},
        cadence=body.cadence,
        created_at=now,
        updated_at=now,
    )


def patched(channel: Channel, patch: ChannelPatch, now: datetime) -> Channel:
    update: dict[str, Any] = {"updated_at": now}
    if patch.name is not None:
        update["name"] = patch.name
    if patch.base_url is not None:
        update["base_url"] = str(patch.base_url)
    if patch.cadence is not None:
        update["cadence"] = patch.cadence
    if patch.credentials is not None:
        creds = {k: v.get_secret_value() for k, v in patch.credentials.items()}
        check_credentials(channel.kind, creds)
        update |= {
            "credentials": creds,
            "health": ChannelHealth.HEALTHY,
            "health_reason": "credentials replaced",
            "health_changed_at": now,
            "failure_streak": 0,
        }
        if channel.health is not ChannelHealth.HEALTHY:
            update |= {
                "health_previous": channel.health,
                "health_seq": channel.health_seq + 1,
                "health_announced": False,
            }
    return channel.model_copy(update=update)
