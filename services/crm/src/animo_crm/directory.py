"""Who is who, for the rest of the service (loyalty too): identities resolved through merges,
aliases, consents, the top members by score, and timeline entries written into a batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from animo_shared.store import Changes, Store

from .identity import member_id
from .models import Consents, TimelineEntry
from .repository import SORT_FIELDS, CrmRepository


class MemberDirectory:
    def __init__(self, store: Store | CrmRepository) -> None:
        self.repository = store if isinstance(store, CrmRepository) else CrmRepository(store)

    async def resolve(self, brand: str, source: str, handle: str) -> str | None:
        """The member an identity belongs to now (following merges); None if never seen."""
        identity = await self.repository.identities.get(member_id(brand, source, handle))
        return None if identity is None else identity.owner

    async def resolve_many(
        self, keys: Sequence[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], str | None]:
        """`resolve` for many (brand, source, handle) keys in one read."""
        ids = {key: member_id(*key) for key in keys}
        found = await self.repository.identities_by_id(list(ids.values()))
        return {key: found[i].owner if i in found else None for key, i in ids.items()}

    async def current(self, any_id: str) -> str | None:
        """The surviving member id for a member id or one of its merged aliases."""
        member = await self.repository.member(any_id)
        if member is None:
            return None
        if member.status == "merged" and member.merged_into is not None:
            return member.merged_into
        return member.id

    async def aliases(self, member_id: str) -> list[str]:
        """The ids merged into this member, itself first ([] if unknown)."""
        member = await self.repository.member(member_id)
        if member is None:
            return []
        return [member.id, *(i for i in member.identity_ids if i != member.id)]

    async def consents(self, member_id: str) -> Consents:
        profile = await self.repository.profile(member_id)
        return Consents() if profile is None else profile.consents

    async def exists(self, member_id: str) -> bool:
        member = await self.repository.member(member_id)
        return member is not None and member.status == "active"

    async def top(self, brand: str, sort: str, limit: int) -> list[str]:
        """Active member ids of a brand, best first by `sort` (influence, reach, love, sentiment)."""
        if sort not in SORT_FIELDS:
            raise ValueError(f"unknown sort {sort!r}; one of {', '.join(SORT_FIELDS)}")
        return [m.id for m in await self.repository.ranked(brand, sort, limit=limit)]

    def add_timeline(
        self,
        changes: Changes,
        member_id: str,
        entry_id: str,
        kind: str,
        at: datetime,
        summary: dict[str, Any],
        *,
        brand: str = "",
    ) -> None:
        """Add an entry to a member's timeline in the batch; the same `entry_id` is written once."""
        entry = TimelineEntry(
            id=entry_id, brand=brand, member_id=member_id, kind=kind, at=at, summary=summary
        )
        self.repository.add_timeline(changes, entry)
