"""GDPR: everything the CRM keeps about a member as one document, and erasure in one batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from animo_shared.events import Identity, MemberErased, derive_id
from animo_shared.store import Changes

from .announce import announce
from .erasure import ErasureParticipant, ExportParticipant
from .members import MemberAdmin
from .models import Account, ErasureRecord, Member

# Erasing a member with a longer timeline than this is refused rather than done in part.
MAX_ENTRIES = 1_000_000


class Gdpr:
    def __init__(self, admin: MemberAdmin, participants: Sequence[ErasureParticipant]) -> None:
        self.admin = admin
        self.repository = admin.repository
        self.participants = participants

    async def _parts(self, member_id: str) -> tuple[Member, list[str], list[Account]]:
        member = await self.admin.get(member_id)
        aliases = [member.id, *(i for i in member.identity_ids if i != member.id)]
        return member, aliases, member.accounts

    async def export(self, member_id: str) -> dict[str, Any]:
        """The profile, identities, verified emails, merges and the whole timeline."""
        member, aliases, identities = await self._parts(member_id)
        size = await self.repository.timeline_size(aliases)
        timeline = await self.repository.member_timeline(aliases, limit=max(size, 1))
        merges = []
        for alias in aliases:
            merges.extend(await self.repository.merge_history(alias))
        profiles = await self.repository.profiles.get_many(aliases)
        found: dict[str, Any] = {
            "member": member.model_dump(mode="json"),
            "profiles": [p.model_dump(mode="json") for p in profiles.values()],
            "identities": [a.model_dump(mode="json") for a in identities],
            "merges": [m.model_dump(mode="json") for m in {m.id: m for m in merges}.values()],
            "timeline": [e.model_dump(mode="json") for e in timeline],
        }
        for participant in self.participants:
            if isinstance(participant, ExportParticipant):
                for key, value in (await participant.export(aliases)).items():
                    found.setdefault(key, value)
        return found

    async def erase(self, member_id: str) -> ErasureRecord:
        """Delete every document naming the person, keep anonymous counts, announce the erasure."""
        async with self.admin.service.gate.exclusive():
            return await self._erase(member_id)

    async def _erase(self, member_id: str) -> ErasureRecord:
        member, aliases, identities = await self._parts(member_id)
        now = self.admin.clock()
        changes = Changes()
        entries = 0
        for alias in aliases:
            for source in (self.repository.timeline, self.repository.notes):
                for entry in await source.find({"member_id": alias}, limit=MAX_ENTRIES):
                    changes.delete(source, entry.id)
                    entries += 1
        for link in await self.repository.emails_of(aliases):
            changes.delete(self.repository.emails, link.id)
        for alias in aliases:
            for merge in await self.repository.merge_history(alias):
                changes.delete(self.repository.merges, merge.id)
            changes.delete(self.repository.identities, alias)
            changes.delete(self.repository.profiles, alias)
            changes.delete(self.repository.members, alias)
        record = ErasureRecord(
            id=derive_id("erasure", member.id, now.isoformat()),
            brand=member.brand,
            erased_at=now,
            aliases=len(aliases),
            mentions=member.mentions,
            engagements=member.engagements,
            timeline_entries=entries,
        )
        changes.put(self.repository.erasures, record)
        erased = MemberErased(
            member_id=member.id,
            brand=member.brand,
            identities=tuple(Identity(source=a.source, handle=a.handle) for a in identities),
            erased_at=now,
        )
        # What is still on its way about the person (a backlog) must not bring them back.
        self.repository.forgotten.remember(changes, erased)
        for participant in self.participants:
            await participant.erase(changes, member.brand, aliases)
        announce(
            changes,
            erased,
            event_id=derive_id("member.erased", record.id),
            brand=member.brand,
            member=member.id,
            at=now,
        )
        await self.admin.commit(changes)
        return record
