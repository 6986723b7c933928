"""The publisher's channels, posts and API shapes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr

from animo_shared.events import BrandId
from animo_shared.store import Document


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ChannelIn(_Strict):
    brand: BrandId
    kind: Literal["webhook"] = "webhook"
    name: str = Field(min_length=1, max_length=100)
    url: AnyHttpUrl = Field(description="Where the signed POST goes.")
    secret: SecretStr = Field(
        min_length=16, max_length=200, description="HMAC key; never returned."
    )


class Channel(Document):
    """A place the brand publishes to. The secret is stored, never returned by the API."""

    brand: str
    kind: str
    name: str
    url: str
    secret: str
    created_at: datetime


class ChannelOut(BaseModel):
    id: str
    brand: str
    kind: str
    name: str
    url: str
    created_at: datetime

    @classmethod
    def of(cls, channel: Channel) -> ChannelOut:
        return cls.model_validate(channel.model_dump(exclude={"secret"}))


class PostIn(_Strict):
    brand: BrandId
    text: str = Field(min_length=1, max_length=63_206)
    channels: list[str] = Field(min_length=1, max_length=20, description="Channel ids.")
    publish_at: datetime | None = Field(default=None, description="Default: now.")


class PostStatus(StrEnum):
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    PARTLY_FAILED = "partly_failed"
    FAILED = "failed"


class Delivery(BaseModel):
    channel_id: str
    status: Literal["pending", "published", "failed"] = "pending"
    at: datetime | None = None
    external_id: str | None = None
    error: str | None = None


class Post(Document):
    brand: str
    text: str
    publish_at: datetime
    status: PostStatus
    deliveries: list[Delivery]
    created_at: datetime
    claimed_at: datetime | None = None


class PostPage(BaseModel):
    items: list[Post]
    total: int


class ChannelPage(BaseModel):
    items: list[ChannelOut]
