"""A working set of identities and members loaded for one batch (or one request), changed in memory,
written once: members are recomputed from their identities, so merges and splits stay exact."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from animo_shared.events import MemberScores
from animo_shared.store import Changes

from . import scoring
from .identity import member_id
from .models import (
    Activity,
    EmailLink,
    IdentityDoc,
    IdentityView,
    Member,
    MergeRecord,
)
from .repository import CrmRepository

_COUNTERS = (
    "mentions",
    "own_mentions",
    "allowed",
    "hidden",
    "reviewed",
    "escalated",
    "engagements",
    "echoes",
    "sentiment_count",
)


def combine(activities: Iterable[Activity]) -> Activity:
    total = Activity()
    for a in activities:
        for name in _COUNTERS:
            setattr(total, name, getattr(total, name) + getattr(a, name))
        total.sentiment_sum += a.sentiment_sum
        if a.love_at is not None:
            total.love, total.love_at = scoring.add_love(
                total.love, total.love_at, a.love, a.love_at
            )
    return total


class WorkSet:
    def __init__(self, repository: CrmRepository) -> None:
        self.repository = repository
        self.identities: dict[str, IdentityDoc] = {}
        self.members: dict[str, Member] = {}
        self.emails: dict[str, EmailLink | None] = {}
        self.new_members: set[str] = set()
        self.originals: dict[str, str] = {}  # timeline id of a copied mention -> its author
        self._dirty_identities: set[str] = set()
        self._dirty_members: set[str] = set()
        self._missing: set[str] = set()

    # --- loading ------------------------------------------------------------

    async def load_identities(self, ids: Iterable[str]) -> None:
        wanted = [i for i in set(ids) if i not in self.identities and i not in self._missing]
        found = await self.repository.identities_by_id(wanted)
        self.identities.update(found)
        self._missing.update(i for i in wanted if i not in found)

    async def load_members(self, ids: Iterable[str]) -> None:
        wanted = [i for i in set(ids) if i not in self.members]
        self.members.update(await self.repository.members_by_id(wanted))
        # A member's identities come with it: its scores are computed from all of them.
        await self.load_identities(i for m in self.members.values() for i in m.identity_ids)

    async def load_emails(self, keys: Iterable[str]) -> None:
        wanted = [k for k in set(keys) if k not in self.emails]
        found = await self.repository.email_links(wanted)
        for key in wanted:
            self.emails[key] = found.get(key)
        await self.load_identities(link.identity_id for link in found.values())

    async def load_owners(self) -> None:
        await self.load_members(i.owner for i in self.identities.values())

    # --- access -------------------------------------------------------------

    def known(self, brand: str, source: str, handle: str) -> IdentityDoc | None:
        return self.identities.get(member_id(brand, source, handle))

    def identity(self, brand: str, source: str, handle: str, at: datetime) -> IdentityDoc:
        """The identity (created with a member of its own when first seen); preloaded by the caller."""
        iid = member_id(brand, source, handle)
        found = self.identities.get(iid)
        if found is None:
            found = IdentityDoc(id=iid, brand=brand, source=source, handle=handle, owner=iid)
            found.first_seen = found.last_seen = at
            self.identities[iid] = found
            self._missing.discard(iid)
            self.members[iid] = Member(
                id=iid, brand=brand, source=source, handle=handle, identity_ids=[iid]
            )
            self.new_members.add(iid)
            self._dirty_members.add(iid)
        self._dirty_identities.add(iid)
        return found

    def owner(self, identity: IdentityDoc) -> Member:
        return self.members[identity.owner]

    def touch(self, member: Member) -> None:
        self._dirty_members.add(member.id)

    # --- aggregation --------------------------------------------------------

    def refresh(self, member: Member) -> MemberScores:
        """Recompute a member's profile and scores from its identities."""
        own = [self.identities[i] for i in member.identity_ids if i in self.identities]
        activity = combine(i.activity for i in own)
        followers: dict[str, int] = {}
        for i in own:
            if i.followers is not None:
                followers[i.source] = followers.get(i.source, 0) + i.followers
        s = scoring.scores(activity, sum(followers.values()))
        primary = next((i for i in own if i.id == member.id), own[0] if own else None)
        if primary is not None:
            member.source, member.handle = primary.source, primary.handle
        member.name = next(
            (i.name for i in [*([primary] if primary else []), *own] if i.name), None
        )
        member.identities = [
            IdentityView(
                source=i.source, handle=i.handle, name=i.name, followers=i.followers, member_id=i.id
            )
            for i in own
        ]
        member.followers = followers
        member.languages = sorted({lang for i in own for lang in i.languages})
        member.emails = sorted({e for i in own for e in i.emails})
        firsts = [i.first_seen for i in own if i.first_seen is not None]
        lasts = [i.last_seen for i in own if i.last_seen is not None]
        member.first_seen = min(firsts) if firsts else None
        member.last_seen = max(lasts) if lasts else None
        for name in ("mentions", "allowed", "hidden", "reviewed", "escalated", "engagements"):
            setattr(member, name, getattr(activity, name))
        member.echoes = activity.echoes
        member.sentiment_count = activity.sentiment_count
        member.love_at = activity.love_at
        member.love_rank = round(scoring.love_rank(activity.love, activity.love_at), 9)
        member.love_level = scoring.love_level(activity.love)
        member.reach, member.love = s.reach, s.love
        member.sentiment, member.influence = s.sentiment, s.influence
        member.engagement = round(scoring.engagement(activity), 4)
        member.relevance = round(scoring.relevance(activity), 4)
        self.touch(member)
        return s

    # --- merging ------------------------------------------------------------

    def merge(
        self, survivor: Member, merged: Member, reason: str, at: datetime, record_id: str
    ) -> MergeRecord:
        """Move every identity of `merged` into `survivor`; `merged` stays as an alias."""
        moved = list(merged.identity_ids)
        for iid in moved:
            self.identities[iid].owner = survivor.id
            self._dirty_identities.add(iid)
        survivor.identity_ids = [*survivor.identity_ids, *moved]
        merged.identity_ids = []
        merged.status, merged.merged_into = "merged", survivor.id
        self.refresh(survivor)
        self.touch(merged)
        return MergeRecord(
            id=record_id,
            brand=survivor.brand,
            member_id=survivor.id,
            merged_id=merged.id,
            identity_ids=moved,
            reason="email" if reason == "email" else "link",
            merged_at=at,
        )

    def unmerge(self, survivor: Member, restored: Member, record: MergeRecord) -> list[str]:
        """Give back to `restored` the identities it brought in that merge; both stay apart after."""
        back = [i for i in record.identity_ids if i in survivor.identity_ids]
        for iid in back:
            self.identities[iid].owner = restored.id
            self._dirty_identities.add(iid)
        survivor.identity_ids = [i for i in survivor.identity_ids if i not in back]
        restored.identity_ids = back
        restored.status, restored.merged_into = "active", None
        survivor.separate_from = sorted({*survivor.separate_from, restored.id})
        restored.separate_from = sorted({*restored.separate_from, survivor.id})
        self.refresh(survivor)
        self.refresh(restored)
        return back

    # --- writing ------------------------------------------------------------

    def dirty_members(self) -> Sequence[Member]:
        return [self.members[i] for i in sorted(self._dirty_members)]

    def flush(self, changes: Changes) -> None:
        for iid in sorted(self._dirty_identities):
            self.repository.save_identity(changes, self.identities[iid])
        for member in self.dirty_members():
            self.repository.save_activity(changes, member)
        self._dirty_identities.clear()
        self._dirty_members.clear()
