"""The CRM's stored documents: identities (the unit that events count on), members, timeline, links."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from animo_shared.store import Document


class Consents(BaseModel):
    """What the member agreed to; nothing is assumed (both default to False)."""

    marketing: bool = False
    rewards: bool = False


class Activity(BaseModel):
    """What one identity did, kept as additive counters so identities can be merged and split."""

    mentions: int = 0
    own_mentions: int = 0  # about the brand itself, not only a competitor
    allowed: int = 0
    hidden: int = 0
    reviewed: int = 0
    escalated: int = 0
    engagements: int = 0
    echoes: int = 0  # copies of their mentions and @-mentions of them by others
    love: float = 0.0  # weighted activity, decayed to `love_at`
    love_at: datetime | None = None
    sentiment_sum: float = 0.0
    sentiment_count: int = 0


class Account(BaseModel):
    """One identity (a handle on a source) and what it did, kept inside the member that owns it
    now; `id` is `member_id(brand, source, handle)`, the member it was first seen as."""

    id: str
    source: str
    handle: str
    name: str | None = None
    followers: int | None = None
    followers_at: datetime | None = None
    languages: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list, description="Verified emails seen on it.")
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    activity: Activity = Field(default_factory=Activity)


class IdentityDoc(Document):
    """Which member an identity belongs to now (`id` as its account's): one read resolves it."""

    brand: str
    owner: str


class OutreachStatus(StrEnum):
    TO_CONTACT = "to_contact"
    CONTACTED = "contacted"
    REPLIED = "replied"
    PARTNER = "partner"
    DECLINED = "declined"


class Outreach(BaseModel):
    """Press-attaché follow-up of a journalist or blogger."""

    kind: Literal["press", "blogger"]
    status: OutreachStatus = OutreachStatus.TO_CONTACT
    outlet: str | None = Field(default=None, max_length=200)
    updated_at: datetime


class Member(Document):
    """A person in a brand's community: identities, counters and scores, written whole by the
    consumer; what people set through the API lives in `MemberProfile`, so neither writer
    overwrites the other."""

    brand: str
    status: Literal["active", "merged"] = "active"
    merged_into: str | None = None
    source: str
    handle: str
    name: str | None = None
    accounts: list[Account] = Field(default_factory=list)
    followers: dict[str, int] = Field(default_factory=dict)
    languages: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    separate_from: list[str] = Field(
        default_factory=list, description="Members a person split from this one: never auto-merged."
    )
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    mentions: int = 0
    allowed: int = 0
    hidden: int = 0
    reviewed: int = 0
    escalated: int = 0
    engagements: int = 0
    echoes: int = 0
    reach: float = 0.0
    love: float = 0.0
    love_at: datetime | None = None
    love_rank: float = Field(
        default=-1e9,
        description="log2(love) + love_at in half-lives: sorts like love decayed to now.",
    )
    love_level: int = 0
    sentiment: float = 0.0
    sentiment_count: int = 0
    engagement: float = 1.0
    relevance: float = 0.0
    influence: float = 0.0
    tier: str = "newcomer"
    tier_since: datetime | None = None

    @property
    def identity_ids(self) -> list[str]:
        """Its identities' ids: the member ids merged into it (its own first when it has one)."""
        return [a.id for a in self.accounts]


class MemberProfile(Document):
    """What people set about a member through the API (`id` is the member's)."""

    brand: str
    tags: list[str] = Field(default_factory=list)
    consents: Consents = Field(default_factory=Consents)
    outreach: Outreach | None = None
    outreach_kind: str | None = None
    notes: int = 0


class MemberView(Member):
    """A member as the API shows it: scores and identities with the profile people keep."""

    tags: list[str] = Field(default_factory=list)
    consents: Consents = Field(default_factory=Consents)
    outreach: Outreach | None = None
    notes: int = 0

    @classmethod
    def of(cls, member: Member, profile: MemberProfile | None) -> MemberView:
        view = cls.model_construct(**dict(member))
        if profile is not None:
            view.tags, view.consents = profile.tags, profile.consents
            view.outreach, view.notes = profile.outreach, profile.notes
        else:
            view.tags, view.consents, view.outreach, view.notes = [], Consents(), None, 0
        return view


class TimelineEntry(Document):
    """Something that happened to or was noted about a member; `member_id` is the alias it came in on."""

    brand: str
    member_id: str
    kind: str
    at: datetime
    summary: dict[str, Any] = Field(default_factory=dict)


class EmailLink(Document):
    """A verified email, seen first on `identity_id`; the same email elsewhere merges into its owner."""

    brand: str
    identity_id: str


class MergeRecord(Document):
    """One merge, kept after an unmerge for the history."""

    brand: str
    member_id: str
    merged_id: str
    identity_ids: list[str]
    reason: Literal["link", "email"]
    merged_at: datetime
    unmerged_at: datetime | None = None


class BrandTiers(Document):
    """A brand's tier thresholds (`id` is the brand)."""

    settings: dict[str, Any] = Field(default_factory=dict)


class ErasureRecord(Document):
    """What is left of an erased member: no identity, only when and the anonymous counts."""

    brand: str
    erased_at: datetime
    aliases: int
    mentions: int
    engagements: int
    timeline_entries: int


class Segment(Document):
    """A saved audience: a brand's members matching a filter in the segment language."""

    brand: str
    name: str
    filter: str
    created_at: datetime
