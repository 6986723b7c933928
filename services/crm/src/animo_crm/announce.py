"""What the crm says on `animo.crm.v1`: events about members, through the outbox, keyed by member."""

from __future__ import annotations

from datetime import datetime

from animo_shared.bus import to_message
from animo_shared.events import (
    Envelope,
    MemberBecameDetractor,
    MemberCreated,
    MemberInfluencerIdentified,
    MemberMerged,
    MemberScores,
    MemberTierChanged,
    Payload,
    derive_id,
    make_event,
)
from animo_shared.store import Changes

from .models import Member

# pydantic caches parametrised generics weakly: without a strong reference, `Envelope[X]` is
# rebuilt (schema and all, ~1 ms) whenever the collector has dropped it, on the hot path.
ENVELOPES = tuple(
    Envelope[model]  # type: ignore[valid-type]
    for model in (
        MemberCreated,
        MemberMerged,
        MemberTierChanged,
        MemberInfluencerIdentified,
        MemberBecameDetractor,
    )
)


def announce(
    changes: Changes,
    payload: Payload,
    *,
    event_id: str,
    brand: str,
    member: str,
    at: datetime,
    correlation_id: str | None = None,
) -> None:
    """Publish an event about a member through the outbox, keyed by member so order holds."""
    envelope = make_event(
        payload,
        event_id=event_id,
        source="animo/crm",
        brand=brand,
        subject=member,
        correlation_id=correlation_id,
        time=at,
    )
    changes.publish(to_message(envelope, f"{brand}:{member}"))


def publish_tier(
    changes: Changes,
    member: Member,
    previous: str | None,
    tier: str,
    s: MemberScores,
    cause: str,
    now: datetime,
) -> None:
    """A tier crossing, and what it means; ids derive from the event that caused it."""
    at = member.tier_since or now

    def say(payload: Payload, event_type: str) -> None:
        event_id = derive_id(event_type, member.id, cause)
        announce(changes, payload, event_id=event_id, brand=member.brand, member=member.id, at=now)

    changed = MemberTierChanged(
        member_id=member.id,
        brand=member.brand,
        previous=previous,
        tier=tier,
        scores=s,
        changed_at=at,
    )
    say(changed, "member.tier_changed")
    if tier == "influencer":
        identified = MemberInfluencerIdentified(
            member_id=member.id, brand=member.brand, scores=s, identified_at=at
        )
        say(identified, "member.influencer_identified")
    elif tier == "detractor_at_risk":
        detractor = MemberBecameDetractor(
            member_id=member.id, brand=member.brand, scores=s, changed_at=at
        )
        say(detractor, "member.became_detractor")
