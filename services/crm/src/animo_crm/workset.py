"""A working set of members (with the accounts they own) loaded for one batch or one request,
changed in memory, written once: a member's figures are recomputed from its accounts, so merges
and splits stay exact."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from animo_shared.events import MemberScores
from animo_shared.store import Changes

from . import scoring
from .identity import member_id
from .models import Account, Activity, EmailLink, IdentityDoc, Member, MergeRecord
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


def combine(activities: Sequence[Activity]) -> Activity:
    """One activity from several accounts' (counters add, love decays to the latest)."""
    if len(activities) == 1:
        return activities[0]
    counters = dict.fromkeys(_COUNTERS, 0)
    sentiment_sum = 0.0
    love, love_at = 0.0, None
    for a in activities:
        for name in _COUNTERS:
            counters[name] += getattr(a, name)
        sentiment_sum += a.sentiment_sum
        if a.love_at is not None:
            love, love_at = scoring.add_love(love, love_at, a.love, a.love_at)
    return Activity(**counters, sentiment_sum=sentiment_sum, love=love, love_at=love_at)


class WorkSet:
    def __init__(self, repository: CrmRepository) -> None:
        self.repository = repository
        self.links: dict[str, IdentityDoc] = {}
        self.accounts: dict[str, Account] = {}
        self.members: dict[str, Member] = {}
        self.emails: dict[str, EmailLink | None] = {}
        self.new_members: set[str] = set()
        self.originals: dict[str, str] = {}  # timeline id of a copied mention -> its author
        self._dirty_links: set[str] = set()
        self._dirty_members: set[str] = set()
        self._missing: set[str] = set()

    # --- loading ------------------------------------------------------------

    async def load_links(self, ids: Iterable[str]) -> None:
        wanted = [i for i in set(ids) if i not in self.links and i not in self._missing]
        found = await self.repository.identities_by_id(wanted)
        self.links.update(found)
        self._missing.update(i for i in wanted if i not in found)

    async def load_members(self, ids: Iterable[str]) -> None:
        wanted = [i for i in set(ids) if i not in self.members]
        found = await self.repository.members_by_id(wanted)
        self.members.update(found)
        for member in found.values():
            for account in member.accounts:
                self.accounts[account.id] = account
        # Their links come too: a merge moves every account of a member.
        await self.load_links(a.id for m in found.values() for a in m.accounts)

    async def load_emails(self, keys: Iterable[str]) -> None:
        wanted = [k for k in set(keys) if k not in self.emails]
        found = await self.repository.email_links(wanted)
        for key in wanted:
            self.emails[key] = found.get(key)
        await self.load_links(link.identity_id for link in found.values())

    async def load_owners(self) -> None:
        await self.load_members(link.owner for link in self.links.values())

    # --- access -------------------------------------------------------------

    def known(self, brand: str, source: str, handle: str) -> Account | None:
        return self.accounts.get(member_id(brand, source, handle))

    def identity(self, brand: str, source: str, handle: str, at: datetime) -> Account:
        """The account (created with a member of its own when first seen); preloaded by the caller."""
        iid = member_id(brand, source, handle)
        found = self.accounts.get(iid)
        if found is None:
            found = Account(id=iid, source=source, handle=handle, first_seen=at, last_seen=at)
            self.accounts[iid] = found
            self.links[iid] = IdentityDoc(id=iid, brand=brand, owner=iid)
            self._missing.discard(iid)
            self._dirty_links.add(iid)
            self.members[iid] = Member(
                id=iid, brand=brand, source=source, handle=handle, accounts=[found]
            )
            self.new_members.add(iid)
        self._dirty_members.add(self.links[iid].owner)
        return found

    def owner(self, account: Account) -> Member:
        return self.members[self.links[account.id].owner]

    def touch(self, member: Member) -> None:
        self._dirty_members.add(member.id)

    def seen(self, member: Member) -> tuple[datetime | None, datetime | None]:
        """When a member was first and last seen, across its accounts."""
        firsts = [a.first_seen for a in member.accounts if a.first_seen is not None]
        lasts = [a.last_seen for a in member.accounts if a.last_seen is not None]
        return (min(firsts) if firsts else None, max(lasts) if lasts else None)

    # --- aggregation --------------------------------------------------------

    def score_values(self, member: Member) -> tuple[tuple[float, float, float, float], int]:
        """A member's (reach, love, sentiment, influence) now, and its scored mentions; the
        member is marked for a full refresh when the batch is written."""
        activity = combine([a.activity for a in member.accounts])
        followers = sum(a.followers or 0 for a in member.accounts)
        self._dirty_members.add(member.id)
        return scoring.score_values(activity, followers), activity.sentiment_count

    def refresh(self, member: Member) -> MemberScores:
        """Recompute a member's profile and scores from its accounts."""
        own = member.accounts
        activity = combine([a.activity for a in own])
        followers: dict[str, int] = {}
        for a in own:
            if a.followers is not None:
                followers[a.source] = followers.get(a.source, 0) + a.followers
        r, love, feeling, influence = scoring.score_values(activity, sum(followers.values()))
        primary = next((a for a in own if a.id == member.id), own[0] if own else None)
        firsts = [a.first_seen for a in own if a.first_seen is not None]
        lasts = [a.last_seen for a in own if a.last_seen is not None]
        values: dict[str, Any] = {
            "name": next((a.name for a in [*([primary] if primary else []), *own] if a.name), None),
            "followers": followers,
            "languages": sorted({lang for a in own for lang in a.languages}),
            "emails": sorted({e for a in own for e in a.emails}),
            "first_seen": min(firsts) if firsts else None,
            "last_seen": max(lasts) if lasts else None,
            "mentions": activity.mentions,
            "allowed": activity.allowed,
            "hidden": activity.hidden,
            "reviewed": activity.reviewed,
            "escalated": activity.escalated,
            "engagements": activity.engagements,
            "echoes": activity.echoes,
            "sentiment_count": activity.sentiment_count,
            "love_at": activity.love_at,
            "love_rank": round(scoring.love_rank(activity.love, activity.love_at), 9),
            "love_level": scoring.love_level(activity.love),
            "reach": r,
            "love": love,
            "sentiment": feeling,
            "influence": influence,
            "engagement": round(scoring.engagement(activity), 4),
            "relevance": round(scoring.relevance(activity), 4),
        }
        if primary is not None:
            values["source"], values["handle"] = primary.source, primary.handle
        # Plain values of the declared types: set without a validating __setattr__ per field
        # (the hot path recomputes every touched member once per batch).
        member.__dict__.update(values)
        self.touch(member)
        return MemberScores(reach=r, love=love, sentiment=feeling, influence=influence)

    # --- merging ------------------------------------------------------------

    def _move(self, accounts: list[Account], to: Member) -> None:
        for account in accounts:
            self.links[account.id].owner = to.id
            self._dirty_links.add(account.id)

    def merge(
        self, survivor: Member, merged: Member, reason: str, at: datetime, record_id: str
    ) -> MergeRecord:
        """Move every account of `merged` into `survivor`; `merged` stays as an alias."""
        moved = list(merged.accounts)
        self._move(moved, survivor)
        survivor.accounts = [*survivor.accounts, *moved]
        merged.accounts = []
        merged.status, merged.merged_into = "merged", survivor.id
        self.refresh(survivor)
        self.touch(merged)
        return MergeRecord(
            id=record_id,
            brand=survivor.brand,
            member_id=survivor.id,
            merged_id=merged.id,
            identity_ids=[a.id for a in moved],
            reason="email" if reason == "email" else "link",
            merged_at=at,
        )

    def unmerge(self, survivor: Member, restored: Member, record: MergeRecord) -> list[str]:
        """Give back to `restored` the accounts it brought in that merge; both stay apart after."""
        back = [a for a in survivor.accounts if a.id in record.identity_ids]
        self._move(back, restored)
        survivor.accounts = [a for a in survivor.accounts if a.id not in record.identity_ids]
        restored.accounts = back
        restored.status, restored.merged_into = "active", None
        survivor.separate_from = sorted({*survivor.separate_from, restored.id})
        restored.separate_from = sorted({*restored.separate_from, survivor.id})
        self.refresh(survivor)
        self.refresh(restored)
        return [a.id for a in back]

    # --- writing ------------------------------------------------------------

    def dirty_members(self) -> Sequence[Member]:
        return [self.members[i] for i in sorted(self._dirty_members)]

    def flush(self, changes: Changes) -> None:
        for iid in sorted(self._dirty_links):
            self.repository.save_identity(changes, self.links[iid])
        for member in self.dirty_members():
            if member.status == "active":
                self.refresh(member)
            self.repository.save_member(changes, member)
        self._dirty_links.clear()
        self._dirty_members.clear()
