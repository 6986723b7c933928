"""Ingest's request, response and stored shapes for mentions and engagement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Discriminator, Field, Tag

from animo_shared.events import MAX_FOLLOWERS, BrandId, EngagementKind, SourceName
from animo_shared.store import Document


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AuthorIn(_Strict):
    handle: str = Field(min_length=1, max_length=200, examples=["marie_l"])
    name: str | None = Field(default=None, max_length=200)
    followers: int | None = Field(default=None, ge=0, le=MAX_FOLLOWERS)


class MentionIn(_Strict):
    """One mention of a brand, as a source or a brand-side system reports it."""

    brand: BrandId = Field(examples=["velo-lumen"])
    source: SourceName = Field(examples=["twitter"], description="twitter, facebook, forum, …")
    external_id: str = Field(min_length=1, max_length=200, description="The source's own id.")
    author: AuthorIn
    text: str = Field(
        min_length=1, max_length=100_000, description="Plain text or HTML (markup is stripped)."
    )
    url: AnyHttpUrl | None = None
    published_at: datetime | None = Field(
        default=None, description="When it was said; defaults to the time it is received."
    )
    lang: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z]{2}$",
        examples=["fr"],
        description="ISO 639-1; detected from the text when not given.",
    )


class MentionBatch(_Strict):
    mentions: list[MentionIn] = Field(min_length=1, max_length=1000)


def _shape(key: str) -> Callable[[Any], str]:
    def shape(value: Any) -> str:
        return "batch" if isinstance(value, dict) and key in value else "single"

    return shape


MentionsBody = Annotated[
    Annotated[MentionBatch, Tag("batch")] | Annotated[MentionIn, Tag("single")],
    Discriminator(_shape("mentions")),
]


class MentionResult(BaseModel):
    id: str = Field(description="The mention's id; for an exact duplicate, the kept original's.")
    status: Literal["accepted", "duplicate"]
    query_ids: list[str] = Field(
        default_factory=list, description="The brand's listening queries it matched."
    )
    duplicate_of: str | None = Field(
        default=None,
        description="Accepted: the original it near-duplicates (a retweet, a copy). "
        "Duplicate: the kept mention it repeats.",
    )


class AcceptedMentions(BaseModel):
    accepted: int = Field(description="New mentions stored and published.")
    duplicates: int = Field(
        description="Repeats of a known (brand, source, external_id), or the same text by the "
        "same author on the same source within the exact-duplicate window."
    )
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
    query_ids: list[str] = Field(default_factory=list)
    competitors: list[str] = Field(
        default_factory=list, description="Competitors whose queries matched (share of voice)."
    )
    hashtags: list[str] = Field(default_factory=list)
    handles: list[str] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list)
    duplicate_of: str | None = None
    fingerprint: str | None = Field(default=None, description="Exact-duplicate key of the text.")
    simhash: str | None = Field(default=None, description="64-bit SimHash, hex (16 digits).")
    erased_at: datetime | None = Field(
        default=None,
        description="Set when the author asked to be forgotten (`member.erased`): the text, "
        "author and links are blanked; the mention still counts and still dedupes a replay.",
    )


class MentionPage(BaseModel):
    items: list[MentionRecord]
    total: int


class FingerprintRecord(Document):
    """The last kept mention of one text by one author on one source: the exact-duplicate index."""

    brand: str
    mention_id: str
    published_at: datetime


# --- engagement ----------------------------------------------------------------


class EngagementIn(_Strict):
    """Something a member did, as a brand-side system (shop, newsletter, app) reports it."""

    brand: BrandId = Field(examples=["velo-lumen"])
    kind: EngagementKind = Field(examples=["purchase"])
    source: SourceName = Field(
        examples=["shop"], description="Where the member is known: shop, newsletter, twitter…"
    )
    handle: str = Field(
        min_length=1, max_length=200, examples=["marie_l"], description="The member on `source`."
    )
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(
        default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$", examples=["marie@example.com"]
    )
    email_verified: bool = False
    occurred_at: datetime | None = Field(
        default=None, description="When it happened; defaults to the time it is received."
    )
    value: float | None = Field(
        default=None, description="Amount of a purchase, stars of a review…", examples=[89.9]
    )
    event_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The sender's id for this event, unique per brand: a retry with the same id "
        "is a duplicate. Without it, an event with the same content is one.",
    )


class EngagementBatch(_Strict):
    events: list[EngagementIn] = Field(min_length=1, max_length=1000)


EngagementBody = Annotated[
    Annotated[EngagementBatch, Tag("batch")] | Annotated[EngagementIn, Tag("single")],
    Discriminator(_shape("events")),
]


class EngagementResult(BaseModel):
    id: str
    status: Literal["accepted", "duplicate"]


class AcceptedEngagement(BaseModel):
    accepted: int = Field(description="New events stored and published.")
    duplicates: int = Field(description="Repeats of a known event.")
    ids: list[str] = Field(description="The engagement id of each event, in the order given.")
    results: list[EngagementResult]


class EngagementRecord(Document):
    """An engagement event ingest accepted: the dedup index (no e-mail kept here)."""

    brand: str
    kind: str
    source: str
    handle: str
    occurred_at: datetime
    received_at: datetime
    erased_at: datetime | None = Field(
        default=None, description="Set when the member was forgotten: the handle is blanked."
    )
