"""The CRM's domain: one member per (brand, source, handle), counted from mentions and decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from animo_shared.bus import to_message
from animo_shared.events import (
    Envelope,
    MemberCreated,
    MentionModerated,
    MentionReceived,
    derive_id,
    make_event,
)
from animo_shared.store import Changes

ACTION_COUNTER = {
    "allow": "allowed",
    "hide": "hidden",
    "review": "reviewed",
    "escalate": "escalated",
}


def member_id(brand: str, source: str, handle: str) -> str:
    return derive_id("member", brand, source, handle)


class MemberStore(Protocol):
    async def existing(self, ids: Sequence[str]) -> set[str]: ...
    def count_mention(self, changes: Changes, member_id: str, mention: MentionReceived) -> None: ...
    def count_decision(
        self, changes: Changes, member_id: str, decision: MentionModerated, counter: str
    ) -> None: ...


class CrmService:
    def __init__(self, members: MemberStore) -> None:
        self.members = members

    async def apply(self, events: Sequence[Envelope[Any]], now: datetime) -> Changes:
        """Count each mention and decision on its author's member; announce members seen first now."""
        changes = Changes()
        ids = {
            e.id: member_id(e.brand, e.data.source, _handle(e.data))
            for e in events
            if isinstance(e.data, MentionReceived | MentionModerated)
        }
        known = await self.members.existing(sorted(set(ids.values())))
        for event in events:
            data = event.data
            if isinstance(data, MentionReceived):
                mid = ids[event.id]
                self.members.count_mention(changes, mid, data)
                if mid not in known:
                    known.add(mid)
                    created = MemberCreated(
                        member_id=mid,
                        brand=data.brand,
                        source=data.source,
                        handle=data.author.handle,
                        first_seen=data.published_at,
                    )
                    envelope = make_event(
                        created,
                        event_id=derive_id("member.created", mid),
                        source="animo/crm",
                        brand=data.brand,
                        subject=mid,
                        correlation_id=event.correlationid,
                        time=now,
                    )
                    changes.publish(to_message(envelope, f"{data.brand}:{mid}"))
            elif isinstance(data, MentionModerated):
                counter = ACTION_COUNTER[data.action.value]
                self.members.count_decision(changes, ids[event.id], data, counter)
        return changes


def _handle(data: MentionReceived | MentionModerated) -> str:
    return data.author.handle if isinstance(data, MentionReceived) else data.author_handle
