"""Factories and a consumer-like harness for the CRM's members side (events in, store committed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from animo_crm.repository import CrmRepository
from animo_crm.service import CrmService
from animo_shared.events import (
    Author,
    EngagementKind,
    EngagementRecorded,
    Envelope,
    MentionModerated,
    MentionReceived,
    ModerationAction,
    decode_event,
    make_event,
)
from animo_shared.store import Store

T = datetime(2026, 11, 1, tzinfo=UTC)


def mention(
    n: str,
    handle: str,
    at: datetime = T,
    *,
    brand: str = "acme",
    source: str = "twitter",
    followers: int | None = None,
    **over: Any,
) -> Envelope[Any]:
    payload = MentionReceived(
        mention_id=f"m-{n}",
        brand=brand,
        source=source,
        external_id=n,
        author=Author(handle=handle, name=handle.title(), followers=followers),
        text=f"Message {n} from {handle}",
        published_at=at,
        received_at=at,
        **over,
    )
    return make_event(payload, event_id=f"em-{n}", source="t", brand=brand, time=at)


def decision(
    n: str,
    handle: str,
    at: datetime = T,
    *,
    brand: str = "acme",
    action: ModerationAction = ModerationAction.ALLOW,
    score: float | None = None,
    source: str = "twitter",
) -> Envelope[Any]:
    payload = MentionModerated(
        decision_id=f"d-{n}",
        mention_id=f"m-{n}",
        brand=brand,
        source=source,
        author_handle=handle,
        action=action,
        published_at=at,
        decided_at=at,
        ruleset="r",
        sentiment_score=score,
        language="fr",
    )
    return make_event(payload, event_id=f"ed-{n}", source="t", brand=brand, time=at)


def engagement(
    n: str,
    handle: str,
    kind: EngagementKind,
    at: datetime = T,
    *,
    brand: str = "acme",
    source: str = "shop",
    email: str | None = None,
    verified: bool = True,
) -> Envelope[Any]:
    payload = EngagementRecorded(
        engagement_id=f"g-{n}",
        brand=brand,
        kind=kind,
        source=source,
        handle=handle,
        email=email,
        email_verified=verified,
        occurred_at=at,
    )
    return make_event(payload, event_id=f"eg-{n}", source="t", brand=brand, time=at)


class Harness:
    """What the batch consumer does around the handler: skip applied ids, apply, commit."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.repository = CrmRepository(store)
        self.service = CrmService(self.repository)
        self.published: list[Envelope[Any]] = []

    async def feed(self, events: Sequence[Envelope[Any]], now: datetime = T) -> None:
        done = await self.store.already_processed([e.id for e in events])
        fresh = [e for e in events if e.id not in done]
        changes = await self.service.apply(fresh, now)
        changes.mark_processed(e.id for e in fresh)
        await self.store.commit(changes)
        self.published.extend(decode_event(m.topic, m.value) for m in changes.outbox)

    def types(self, member: str | None = None) -> list[str]:
        return [e.type for e in self.published if member is None or e.subject == member]
