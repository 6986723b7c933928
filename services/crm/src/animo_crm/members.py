"""What people do to members through the API: tags, consents, notes, outreach, link and unlink."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from animo_shared.events import Identity, MemberMerged, MemberUnmerged, derive_id
from animo_shared.store import Changes

from .announce import announce
from .identity import timeline_id
from .models import Consents, Member, MergeRecord, Outreach, TimelineEntry
from .repository import CrmRepository
from .service import CrmService
from .workset import WorkSet

Commit = Callable[[Changes], Awaitable[None]]
Clock = Callable[[], datetime]


class UnknownMember(LookupError):
    """No member has this id (or it was erased)."""


class Refused(ValueError):
    """The operation makes no sense for these members; the message says why."""


class MemberAdmin:
    def __init__(
        self, repository: CrmRepository, service: CrmService, commit: Commit, clock: Clock
    ) -> None:
        self.repository = repository
        self.service = service
        self.commit = commit
        self.clock = clock

    async def get(self, any_id: str) -> Member:
        """The member, or the one it was merged into."""
        member = await self.repository.member(any_id)
        for _ in range(32):
            if member is None or member.status == "active" or member.merged_into is None:
                break
            member = await self.repository.member(member.merged_into)
        if member is None or member.status != "active":
            raise UnknownMember(f"no member {any_id!r}")
        return member

    async def update(
        self, member_id: str, *, tags: list[str] | None, consents: dict[str, bool] | None
    ) -> Member:
        member = await self.get(member_id)
        now = self.clock()
        changes = Changes()
        values: dict[str, Any] = {}
        profile = await self.repository.profile(member.id)
        if tags is not None:
            values["tags"] = sorted(set(tags))
        if consents is not None:
            before = profile.consents if profile else Consents()
            merged = Consents.model_validate({**before.model_dump(), **consents})
            values["consents"] = merged.model_dump()
            # Consent changes stay on the timeline: who may be contacted is audited.
            self._entry(changes, member, "consent", now, {"consents": values["consents"]})
        if values:
            self.repository.set_profile(changes, member, values)
            await self.commit(changes)
        return member

    async def add_note(self, member_id: str, text: str, author: str | None) -> TimelineEntry:
        member = await self.get(member_id)
        now = self.clock()
        changes = Changes()
        entry = TimelineEntry(
            id=timeline_id("note", member.id, str(uuid.uuid4())),
            brand=member.brand,
            member_id=member.id,
            kind="note",
            at=now,
            summary={"text": text, "author": author},
        )
        changes.insert_if_absent(self.repository.notes, entry)
        self.repository.set_profile(changes, member, {}, inc={"notes": 1})
        await self.commit(changes)
        return entry

    async def set_outreach(self, member_id: str, outreach: Outreach | None) -> Member:
        member = await self.get(member_id)
        changes = Changes()
        self.repository.set_profile(
            changes,
            member,
            {
                "outreach": outreach.model_dump() if outreach else None,
                "outreach_kind": outreach.kind if outreach else None,
            },
        )
        if outreach is not None:
            summary = {"kind": outreach.kind, "status": outreach.status.value}
            self._entry(changes, member, "outreach", outreach.updated_at, summary)
        await self.commit(changes)
        return member

    def _entry(
        self, changes: Changes, member: Member, kind: str, at: datetime, summary: dict[str, Any]
    ) -> TimelineEntry:
        entry = TimelineEntry(
            id=timeline_id(kind, member.id, str(uuid.uuid4())),
            brand=member.brand,
            member_id=member.id,
            kind=kind,
            at=at,
            summary=summary,
        )
        self.repository.add_timeline(changes, entry)
        return entry

    async def _workset(self, *members: Member) -> WorkSet:
        work = WorkSet(self.repository)
        await work.load_members([m.id for m in members])
        return work

    async def merge(self, survivor_id: str, merged_id: str) -> Member:
        """Link two members known to be one person: the second lives on in the first."""
        async with self.service.gate.exclusive():
            return await self._merge(survivor_id, merged_id)

    async def _merge(self, survivor_id: str, merged_id: str) -> Member:
        if survivor_id == merged_id:
            raise Refused("a member cannot be merged with itself")
        survivor, merged = await self.get(survivor_id), await self.get(merged_id)
        if survivor.id == merged.id:
            raise Refused(f"{merged_id!r} is already merged into {survivor.id!r}")
        if survivor.brand != merged.brand:
            raise Refused("members of different brands cannot be merged")
        now = self.clock()
        work = await self._workset(survivor, merged)
        survivor, merged = work.members[survivor.id], work.members[merged.id]
        cause = derive_id("link", survivor.id, merged.id, now.isoformat())
        changes = Changes()
        record = work.merge(survivor, merged, "link", now, derive_id("merge", cause))
        self.repository.save_merge(changes, record)
        tiers = (await self.repository.tier_settings([survivor.brand]))[survivor.brand]
        self.service.settle(work, changes, survivor, tiers, cause, now)
        announce(
            changes,
            MemberMerged(
                member_id=survivor.id,
                merged_id=merged.id,
                brand=survivor.brand,
                reason="link",
                identities=_identities(survivor),
                merged_at=now,
            ),
            event_id=derive_id("member.merged", cause),
            brand=survivor.brand,
            member=survivor.id,
            at=now,
        )
        self._history(changes, "merge", survivor, merged, now)
        work.flush(changes)
        await self.commit(changes)
        return await self.get(survivor.id)

    async def unmerge(self, survivor_id: str, restored_id: str) -> tuple[Member, Member]:
        """Undo a merge: the identities the other member brought come back to it."""
        async with self.service.gate.exclusive():
            return await self._unmerge(survivor_id, restored_id)

    async def _unmerge(self, survivor_id: str, restored_id: str) -> tuple[Member, Member]:
        if survivor_id == restored_id:
            raise Refused("a member cannot be unmerged from itself")
        survivor = await self.get(survivor_id)
        restored = await self.repository.member(restored_id)
        if restored is None:
            raise UnknownMember(f"no member {restored_id!r}")
        record = await self._open_merge(survivor.id, restored_id)
        now = self.clock()
        work = await self._workset(survivor)
        await work.load_members([restored_id])
        survivor, restored = work.members[survivor.id], work.members[restored_id]
        cause = derive_id("unlink", record.id, now.isoformat())
        changes = Changes()
        work.unmerge(survivor, restored, record)
        record.unmerged_at = now
        self.repository.save_merge(changes, record)
        tiers = (await self.repository.tier_settings([survivor.brand]))[survivor.brand]
        self.service.settle(work, changes, survivor, tiers, cause, now)
        self.service.settle(work, changes, restored, tiers, cause, now)
        announce(
            changes,
            MemberUnmerged(
                member_id=survivor.id,
                restored_id=restored.id,
                brand=survivor.brand,
                identities=_identities(restored),
                unmerged_at=now,
            ),
            event_id=derive_id("member.unmerged", cause),
            brand=survivor.brand,
            member=survivor.id,
            at=now,
        )
        self._history(changes, "unmerge", survivor, restored, now)
        work.flush(changes)
        await self.commit(changes)
        return await self.get(survivor.id), await self.get(restored.id)

    async def _open_merge(self, survivor_id: str, merged_id: str) -> MergeRecord:
        for record in reversed(await self.repository.merges.find({"merged_id": merged_id})):
            if record.member_id == survivor_id and record.unmerged_at is None:
                return record
        raise Refused(f"{merged_id!r} is not merged into {survivor_id!r}")

    def _history(
        self, changes: Changes, kind: str, survivor: Member, other: Member, at: datetime
    ) -> None:
        for member, partner in ((survivor, other), (other, survivor)):
            summary = {"survivor": survivor.id, "merged": other.id, "other": partner.id}
            self._entry(changes, member, kind, at, summary)


def _identities(member: Member) -> tuple[Identity, ...]:
    return tuple(Identity(source=a.source, handle=a.handle) for a in member.accounts)
