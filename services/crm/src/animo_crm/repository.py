"""The CRM's storage: the only module that declares collections and queries them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from animo_shared.store import Changes, Index, Range, Store

from .models import (
    BrandTiers,
    EmailLink,
    ErasureRecord,
    IdentityDoc,
    Member,
    MergeRecord,
    Segment,
    TimelineEntry,
)
from .scoring import TierSettings

# Leaderboard sorts: the API name and the stored field that orders like it.
SORT_FIELDS = {
    "influence": "influence",
    "reach": "reach",
    "love": "love_rank",
    "sentiment": "sentiment",
    "mentions": "mentions",
    "last_seen": "last_seen",
}

# Fields the consumer owns on a member; API writes touch the others only.
ACTIVITY_FIELDS = (
    "source",
    "handle",
    "name",
    "identity_ids",
    "identities",
    "followers",
    "languages",
    "emails",
    "first_seen",
    "last_seen",
    "mentions",
    "allowed",
    "hidden",
    "reviewed",
    "escalated",
    "engagements",
    "echoes",
    "reach",
    "love",
    "love_at",
    "love_rank",
    "love_level",
    "sentiment",
    "sentiment_count",
    "engagement",
    "relevance",
    "influence",
    "tier",
    "tier_since",
    "status",
    "merged_into",
    "separate_from",
)


class CrmRepository:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.members = store.collection(
            "members",
            Member,
            [Index(("brand", "status", SORT_FIELDS[name])) for name in SORT_FIELDS]
            + [Index(("brand", "status", "tier")), Index(("brand", "outreach_kind"))],
        )
        self.identities = store.collection("identities", IdentityDoc, [Index(("owner",))])
        self.timeline = store.collection(
            "timeline",
            TimelineEntry,
            [Index(("member_id", "at")), Index(("member_id", "kind", "at"))],
        )
        self.emails = store.collection("emails", EmailLink, [Index(("identity_id",))])
        self.merges = store.collection(
            "merges", MergeRecord, [Index(("member_id", "merged_at")), Index(("merged_id",))]
        )
        self.erasures = store.collection("erasures", ErasureRecord, [Index(("brand", "erased_at"))])
        self.tiers = store.collection("tiers", BrandTiers)
        self.segments = store.collection("segments", Segment, [Index(("brand", "created_at"))])

    # --- reads --------------------------------------------------------------

    async def member(self, member_id: str) -> Member | None:
        return await self.members.get(member_id)

    async def members_by_id(self, ids: Sequence[str]) -> dict[str, Member]:
        return await self.members.get_many(sorted(set(ids))) if ids else {}

    async def identities_by_id(self, ids: Sequence[str]) -> dict[str, IdentityDoc]:
        return await self.identities.get_many(sorted(set(ids))) if ids else {}

    async def email_links(self, ids: Sequence[str]) -> dict[str, EmailLink]:
        return await self.emails.get_many(sorted(set(ids))) if ids else {}

    async def timeline_entries(self, ids: Sequence[str]) -> dict[str, TimelineEntry]:
        return await self.timeline.get_many(sorted(set(ids))) if ids else {}

    async def ranked(
        self,
        brand: str,
        sort: str,
        *,
        limit: int,
        offset: int = 0,
        descending: bool = True,
    ) -> list[Member]:
        return await self.members.find(
            {"brand": brand, "status": "active"},
            order_by=SORT_FIELDS[sort],
            descending=descending,
            limit=limit,
            offset=offset,
        )

    async def scan(
        self, brand: str, sort: str, *, descending: bool = True, page: int = 500
    ) -> AsyncIterator[Member]:
        """Every active member of a brand, ordered by `sort`, read a page at a time."""
        offset = 0
        while True:
            chunk = await self.ranked(brand, sort, limit=page, offset=offset, descending=descending)
            for member in chunk:
                yield member
            if len(chunk) < page:
                return
            offset += page

    async def count_active(self, brand: str) -> int:
        return await self.members.count({"brand": brand, "status": "active"})

    async def outreach(self, brand: str, kind: str, limit: int) -> list[Member]:
        return await self.members.find(
            {"brand": brand, "outreach_kind": kind}, order_by="outreach_kind", limit=limit
        )

    async def member_timeline(
        self,
        member_ids: Sequence[str],
        *,
        limit: int,
        offset: int = 0,
        kind: str | None = None,
        before: datetime | None = None,
    ) -> list[TimelineEntry]:
        """Newest first across a member's aliases: each alias's head, merged, then sliced."""
        entries: list[TimelineEntry] = []
        for alias in member_ids:
            where: dict[str, Any] = {"member_id": alias}
            if kind is not None:
                where["kind"] = kind
            entries.extend(
                await self.timeline.find(
                    where,
                    range=Range("at", end=before) if before else None,
                    order_by="at",
                    descending=True,
                    limit=limit + offset,
                )
            )
        entries.sort(key=lambda e: (e.at, e.id), reverse=True)
        return entries[offset : offset + limit]

    async def timeline_size(self, member_ids: Sequence[str]) -> int:
        return sum([await self.timeline.count({"member_id": alias}) for alias in member_ids])

    async def merge_history(self, member_id: str) -> list[MergeRecord]:
        made = await self.merges.find({"member_id": member_id}, order_by="merged_at", limit=1000)
        undergone = await self.merges.find({"merged_id": member_id}, limit=1000)
        return sorted([*made, *undergone], key=lambda m: m.merged_at)

    async def emails_of(self, identity_ids: Sequence[str]) -> list[EmailLink]:
        found: list[EmailLink] = []
        for identity_id in identity_ids:
            found.extend(await self.emails.find({"identity_id": identity_id}, limit=1000))
        return found

    async def tier_settings(self, brands: Sequence[str]) -> dict[str, TierSettings]:
        found = await self.tiers.get_many(sorted(set(brands)))
        return {
            brand: TierSettings.model_validate(found[brand].settings)
            if brand in found
            else TierSettings()
            for brand in brands
        }

    async def save_tier_settings(self, brand: str, settings: TierSettings) -> None:
        await self.tiers.put(BrandTiers(id=brand, settings=settings.model_dump()))

    # --- writes (into a batch) ----------------------------------------------

    def save_identity(self, changes: Changes, identity: IdentityDoc) -> None:
        changes.put(self.identities, identity)

    def save_activity(self, changes: Changes, member: Member) -> None:
        """Write the consumer-owned fields only (creating the member if new)."""
        values = member.model_dump(mode="python", include=set(ACTIVITY_FIELDS))
        changes.increment(self.members, member.id, set=values, on_insert={"brand": member.brand})

    def set_fields(self, changes: Changes, member_id: str, values: dict[str, Any]) -> None:
        changes.increment(self.members, member_id, set=values)

    def add_timeline(self, changes: Changes, entry: TimelineEntry) -> None:
        changes.insert_if_absent(self.timeline, entry)

    def link_email(self, changes: Changes, link: EmailLink) -> None:
        changes.insert_if_absent(self.emails, link)

    def save_merge(self, changes: Changes, record: MergeRecord) -> None:
        changes.put(self.merges, record)
