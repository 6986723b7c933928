"""Ingest's request, response and stored shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Discriminator, Field, Tag

from animo_shared.events import BrandId, SourceName
from animo_shared.store import Document


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AuthorIn(_Strict):
    handle: str = Field(min_length=1, max_length=200, examples=["marie_l"])
    name: str | None = Field(default=None, max_length=200)
    followers: int | None = Field(default=None, ge=0)


class MentionIn(_Strict):
    """One mention of a brand, as a source or a brand-side system reports it."""

    brand: BrandId = Field(examples=["velo-lumen"])
    source: SourceName = Field(examples=["twitter"], description="twitter, facebook, forum, …")
    external_id: str = Field(min_length=1, max_length=200, description="The source's own id.")
    author: AuthorIn
    text: str = Field(min_length=1, max_length=100_000)
    url: AnyHttpUrl | None = None
    published_at: datetime | None = Field(
        default=None, description="When it was said; defaults to the time it is received."
    )
    lang: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$", examples=["fr"])


class MentionBatch(_Strict):
    mentions: list[MentionIn] = Field(min_length=1, max_length=1000)


def _shape(value: Any) -> str:
    return "batch" if isinstance(value, dict) and "mentions" in value else "single"


MentionsBody = Annotated[
    Annotated[MentionBatch, Tag("batch")] | Annotated[MentionIn, Tag("single")],
    Discriminator(_shape),
]


class MentionResult(BaseModel):
    id: str
    status: Literal["accepted", "duplicate"]


class AcceptedMentions(BaseModel):
    accepted: int = Field(description="New mentions stored and published.")
    duplicates: int = Field(description="Repeats of a known (brand, source, external_id).")
    ids: list[str] = Field(description="The mention id of each item, in the order given.")
    results: list[MentionResult]


class MentionRecord(Document):
    """A mention as ingest keeps it: the dedup index and what was published."""

    brand: str
    source: str
    external_id: str
    author_handle: str
    author_name: str | None = None
    author_followers: int | None = None
    text: str
    url: str | None = None
    lang: str | None = None
    published_at: datetime
    received_at: datetime


class MentionPage(BaseModel):
    items: list[MentionRecord]
    total: int
