"""The CRM's domain without I/O: members counted from mentions and decisions, announced once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from animo_crm.service import CrmService, member_id
from animo_shared.events import (
    Author,
    MentionModerated,
    MentionReceived,
    ModerationAction,
    decode_event,
    derive_id,
    make_event,
)
from animo_shared.store import Changes

T = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


class FakeMembers:
    def __init__(self, known: set[str] | None = None) -> None:
        self.known = known or set()
        self.mentions: list[tuple[str, str]] = []
        self.decisions: list[tuple[str, str]] = []

    async def existing(self, ids: Sequence[str]) -> set[str]:
        return {i for i in ids if i in self.known}

    def count_mention(self, changes: Changes, mid: str, mention: MentionReceived) -> None:
        self.mentions.append((mid, mention.mention_id))

    def count_decision(
        self, changes: Changes, mid: str, decision: MentionModerated, counter: str
    ) -> None:
        self.decisions.append((mid, counter))


def mention(n: int, handle: str, at: datetime = T) -> Any:
    payload = MentionReceived(
        mention_id=f"m{n}",
        brand="acme",
        source="twitter",
        external_id=str(n),
        author=Author(handle=handle),
        text="x",
        published_at=at,
        received_at=at,
    )
    return make_event(payload, event_id=f"e{n}", source="t", brand="acme", correlation_id="c")


def decision(n: int, handle: str, action: ModerationAction) -> Any:
    payload = MentionModerated(
        decision_id=f"d{n}",
        mention_id=f"m{n}",
        brand="acme",
        source="twitter",
        author_handle=handle,
        action=action,
        published_at=T,
        decided_at=T,
        ruleset="r",
    )
    return make_event(payload, event_id=f"de{n}", source="t", brand="acme")


async def test_new_members_are_announced_once_and_known_ones_not_at_all() -> None:
    old = member_id("acme", "twitter", "old")
    members = FakeMembers(known={old})
    events = [mention(1, "ann"), mention(2, "ann", T + timedelta(hours=1)), mention(3, "old")]
    changes = await CrmService(members).apply(events, T)
    created = [decode_event(m.topic, m.value) for m in changes.outbox]
    assert [e.data.handle for e in created] == ["ann"]
    ann = member_id("acme", "twitter", "ann")
    assert created[0].id == derive_id("member.created", ann), "replays yield the same event id"
    assert created[0].correlationid == "c"
    assert changes.outbox[0].key == f"acme:{member_id('acme', 'twitter', 'ann')}"
    assert len(members.mentions) == 3


async def test_decisions_count_on_the_author_even_before_their_mention() -> None:
    members = FakeMembers()
    events = [
        decision(1, "zed", ModerationAction.HIDE),
        decision(2, "zed", ModerationAction.REVIEW),
    ]
    changes = await CrmService(members).apply(events, T)
    zed = member_id("acme", "twitter", "zed")
    assert members.decisions == [(zed, "hidden"), (zed, "reviewed")]
    assert changes.outbox == [], "only a mention introduces a member"
