"""The CRM's storage: the only module that declares collections and queries them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from animo_shared.forget import Forgotten
from animo_shared.store import Changes, Collection, Index, Range, Store
from animo_shared.store.port import InsertIfAbsent, Put

from .models import (
    BrandTiers,
    EmailLink,
    ErasureRecord,
    IdentityDoc,
    Member,
    MemberProfile,
    MemberView,
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


def _plain_dump(doc: Member | IdentityDoc) -> dict[str, Any]:
    """Members and identities hold no enums or tuples: their dump is already what both
    backends store, so the hot path skips the store's generic conversion walk."""
    return doc.model_dump(mode="python")


class CrmRepository:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.members = store.collection(
            "members",
            Member,
            [Index(("brand", "status", SORT_FIELDS[name])) for name in SORT_FIELDS],
        )
        self.profiles = store.collection(
            "profiles", MemberProfile, [Index(("brand", "outreach_kind"))]
        )
        self.identities = store.collection("identities", IdentityDoc, [Index(("owner",))])
        self.timeline = store.collection(
            "timeline",
            TimelineEntry,
            [Index(("member_id", "at"))],
        )
        # Notes apart from the busy timeline: the profile shows the latest without a scan.
        self.notes = store.collection("notes", TimelineEntry, [Index(("member_id", "at"))])
        self.emails = store.collection("emails", EmailLink, [Index(("identity_id",))])
        self.merges = store.collection(
            "merges", MergeRecord, [Index(("member_id", "merged_at")), Index(("merged_id",))]
        )
        self.erasures = store.collection("erasures", ErasureRecord, [Index(("brand", "erased_at"))])
        self.forgotten = Forgotten(store)
        self.tiers = store.collection("tiers", BrandTiers)
        self.segments = store.collection("segments", Segment, [Index(("brand", "created_at"))])

    # --- reads --------------------------------------------------------------

    async def member(self, member_id: str) -> Member | None:
        return await self.members.get(member_id)

    async def profile(self, member_id: str) -> MemberProfile | None:
        return await self.profiles.get(member_id)

    async def view(self, member: Member) -> MemberView:
        return MemberView.of(member, await self.profiles.get(member.id))

    async def views(self, members: Sequence[Member]) -> list[MemberView]:
        profiles = await self.profiles.get_many([m.id for m in members]) if members else {}
        return [MemberView.of(m, profiles.get(m.id)) for m in members]

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
    ) -> AsyncIterator[MemberView]:
        """Every active member of a brand with its profile, ordered by `sort`, a page at a time."""
        offset = 0
        while True:
            chunk = await self.ranked(brand, sort, limit=page, offset=offset, descending=descending)
            for member in await self.views(chunk):
                yield member
            if len(chunk) < page:
                return
            offset += page

    async def count_active(self, brand: str) -> int:
        return await self.members.count({"brand": brand, "status": "active"})

    async def outreach(self, brand: str, kind: str, limit: int) -> list[MemberView]:
        profiles = await self.profiles.find(
            {"brand": brand, "outreach_kind": kind}, order_by="outreach_kind", limit=limit
        )
        members = await self.members_by_id([p.id for p in profiles])
        return [
            MemberView.of(members[p.id], p)
            for p in profiles
            if p.id in members and members[p.id].status == "active"
        ]

    async def member_timeline(
        self,
        member_ids: Sequence[str],
        *,
        limit: int,
        offset: int = 0,
        kind: str | None = None,
        before: datetime | None = None,
    ) -> list[TimelineEntry]:
        """Newest first across a member's aliases and notes: each source's head, merged, sliced."""
        sources = [self.notes] if kind == "note" else [self.timeline, self.notes]
        entries: list[TimelineEntry] = []
        for alias in member_ids:
            for source in sources:
                entries.extend(await self._head(source, alias, limit + offset, kind, before))
        entries.sort(key=lambda e: (e.at, e.id), reverse=True)
        return entries[offset : offset + limit]

    async def _head(
        self,
        source: Collection[TimelineEntry],
        alias: str,
        wanted: int,
        kind: str | None,
        before: datetime | None,
    ) -> list[TimelineEntry]:
        """The newest `wanted` entries of one alias in one source (of one kind: read in pages)."""
        found: list[TimelineEntry] = []
        offset = 0
        page = wanted if kind is None else max(wanted, 500)
        while True:
            chunk = await source.find(
                {"member_id": alias},
                range=Range("at", end=before) if before else None,
                order_by="at",
                descending=True,
                limit=page,
                offset=offset,
            )
            found.extend(e for e in chunk if kind is None or e.kind == kind)
            if len(found) >= wanted or len(chunk) < page:
                return found[:wanted]
            offset += page

    async def timeline_size(self, member_ids: Sequence[str]) -> int:
        total = 0
        for alias in member_ids:
            total += await self.timeline.count({"member_id": alias})
            total += await self.notes.count({"member_id": alias})
        return total

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

    def save_member(self, changes: Changes, member: Member) -> None:
        changes.operations.append(Put(self.members.name, member.id, _plain_dump(member)))

    def save_identity(self, changes: Changes, identity: IdentityDoc) -> None:
        changes.operations.append(Put(self.identities.name, identity.id, _plain_dump(identity)))

    def set_profile(
        self,
        changes: Changes,
        member: Member,
        values: dict[str, Any],
        inc: dict[str, int] | None = None,
    ) -> None:
        changes.increment(
            self.profiles, member.id, set=values, inc=inc, on_insert={"brand": member.brand}
        )

    def add_timeline(self, changes: Changes, entry: TimelineEntry) -> None:
        changes.insert_if_absent(self.timeline, entry)

    def record(
        self,
        changes: Changes,
        entry_id: str,
        brand: str,
        member_id: str,
        kind: str,
        at: datetime,
        summary: dict[str, Any],
    ) -> None:
        """A consumer's timeline entry, written once per id; `summary` holds plain JSON values
        (the hot path skips building and dumping a model per event)."""
        doc = {"brand": brand, "member_id": member_id, "kind": kind, "at": at, "summary": summary}
        changes.operations.append(InsertIfAbsent(self.timeline.name, entry_id, doc))

    def link_email(self, changes: Changes, link: EmailLink) -> None:
        changes.insert_if_absent(self.emails, link)

    def save_merge(self, changes: Changes, record: MergeRecord) -> None:
        changes.put(self.merges, record)
