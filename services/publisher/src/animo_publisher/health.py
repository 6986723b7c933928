"""Channel health: what deliveries say about a channel, its changes, and their events.

A channel needs re-authorisation at the first refused token (401, or the network's own way
of saying so), is `refused` at a 403, `degraded` once `degraded_after` deliveries in a row
failed for the channel's sake (429, 5xx, unreachable, garbage), and `healthy` again at the
first delivery that goes through or when it gets new credentials. Every change is a
compare-and-set on the channel's `health_seq`, so deliveries finishing together announce it
once; `channel.health_changed` leaves through the outbox with an id derived from (channel,
seq), and a change stored but not yet announced (the process died between the two writes)
is announced by the dispatcher's sweep: never a silent change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from animo_shared.bus import to_message
from animo_shared.events import ChannelHealth as Public
from animo_shared.events import ChannelHealthChanged, derive_id, make_event
from animo_shared.store import Changes, OutboxMessage, StoreError

from .channels import Channel
from .networks import ChannelHealth, Delivery, evidence

log = logging.getLogger(__name__)
H = ChannelHealth
# The event speaks the catalogue's words: a refused token and a refused account both need a
# person to reconnect the channel ("expired"); the channel's own `health` keeps the nuance.
PUBLIC: dict[ChannelHealth, Public] = {
    H.HEALTHY: Public.HEALTHY,
    H.DEGRADED: Public.DEGRADED,
    H.REFUSED: Public.EXPIRED,
    H.NEEDS_REAUTH: Public.EXPIRED,
}
RECOVERED = "a delivery went through"


class HealthStore(Protocol):
    async def channel(self, channel_id: str) -> Channel | None: ...
    async def update_channel_if(
        self, channel_id: str, expect: Mapping[str, object], values: Mapping[str, Any]
    ) -> bool: ...
    async def unannounced(self, before: datetime, limit: int) -> list[Channel]: ...
    async def commit(self, changes: Changes) -> None: ...


def step(
    health: ChannelHealth, streak: int, verdict: ChannelHealth | None, degraded_after: int
) -> tuple[ChannelHealth, int]:
    """The channel's (health, failure streak) after one delivery's verdict."""
    if verdict is None:
        return health, streak
    if verdict is H.HEALTHY:
        return H.HEALTHY, 0
    if verdict is H.DEGRADED:
        streak += 1
        if health is H.HEALTHY and streak >= degraded_after:
            return H.DEGRADED, streak
        return health, streak  # a channel needing a person stays so until it gets one
    return verdict, 0


def changed(channel: Channel, health: ChannelHealth, reason: str | None, at: datetime) -> Channel:
    """The channel after a change of health: announced once its event is in the outbox."""
    return channel.model_copy(
        update={
            "health": health,
            "health_reason": reason,
            "health_changed_at": at,
            "health_previous": channel.health,
            "health_seq": channel.health_seq + 1,
            "health_announced": False,
        }
    )


def health_event(channel: Channel) -> OutboxMessage | None:
    """The `channel.health_changed` of the channel's last change; None when the catalogue's
    words do not change (refused → needs re-authorisation is "expired" both times)."""
    previous = PUBLIC[channel.health_previous or H.HEALTHY]
    current = PUBLIC[channel.health]
    if previous is current or channel.health_changed_at is None:
        return None
    payload = ChannelHealthChanged(
        channel_id=channel.id,
        brand=channel.brand,
        channel_kind=channel.kind,
        previous=previous,
        health=current,
        reason=(channel.health_reason or "")[:2000] or None,
        changed_at=channel.health_changed_at,
    )
    envelope = make_event(
        payload,
        event_id=derive_id("channel.health_changed", channel.id, str(channel.health_seq)),
        source="animo/publisher",
        brand=channel.brand,
        subject=channel.id,
        time=channel.health_changed_at,
    )
    return to_message(envelope, f"{channel.brand}:{channel.id}")


class ChannelWatch:
    """Turns delivery answers into health changes, each stored once and announced."""

    def __init__(
        self,
        store: HealthStore,
        *,
        degraded_after: int = 3,
        on_change: Callable[[Channel], None] | None = None,
    ) -> None:
        self.store = store
        self.degraded_after = degraded_after
        self.on_change = on_change
        # Channels this process saw failing: their copy in a dispatch batch may be older than
        # the stored one, so a success on them is checked against the store, not skipped.
        self._troubled: set[str] = set()

    async def observe(self, channel: Channel, result: Delivery, now: datetime) -> Channel | None:
        """Record what one delivery, sent with `channel` as read, says; the channel if its
        health changed. An answer about credentials replaced meanwhile changes nothing."""
        verdict = evidence(result)
        if verdict is None or (
            verdict is H.HEALTHY
            and channel.health is H.HEALTHY
            and channel.failure_streak == 0
            and channel.id not in self._troubled
        ):
            return None  # the common case costs no read and no write
        current: Channel | None = channel
        for _ in range(8):
            if current is None or current.updated_at != channel.updated_at:
                self._troubled.discard(channel.id)
                return None  # deleted, edited or re-authorised since the request left
            health, streak = step(
                current.health, current.failure_streak, verdict, self.degraded_after
            )
            if health is current.health and streak == current.failure_streak:
                return None
            after = current.model_copy(update={"failure_streak": streak})
            if health is not current.health:
                reason = result.error if health is not H.HEALTHY else RECOVERED
                after = changed(after, health, reason, now)
            values = {
                name: getattr(after, name)
                for name in (
                    "failure_streak",
                    "health",
                    "health_reason",
                    "health_changed_at",
                    "health_previous",
                    "health_seq",
                    "health_announced",
                )
            }
            expect = {
                "updated_at": channel.updated_at,
                "health_seq": current.health_seq,
                "failure_streak": current.failure_streak,
            }
            if await self.store.update_channel_if(channel.id, expect, values):
                if health is H.HEALTHY and streak == 0:
                    self._troubled.discard(channel.id)
                else:
                    self._troubled.add(channel.id)
                if health is current.health:
                    return None
                log.warning(
                    "channel health changed",
                    extra={"channel_id": channel.id, "kind": channel.kind, "health": health.value},
                )
                if self.on_change is not None:
                    self.on_change(after)
                await self.announce(after)
                return after
            current = await self.store.channel(channel.id)  # another delivery won: read again
        return None

    async def announce(self, channel: Channel) -> None:
        """Put the change's event in the outbox, then mark it announced (the event id derives
        from the change, so announcing twice publishes one event downstream)."""
        message = health_event(channel)
        if message is not None:
            changes = Changes()
            changes.publish(message)
            try:
                await self.store.commit(changes)
            except StoreError:
                log.warning("channel health event not stored yet; the sweep will retry")
                return
        await self.store.update_channel_if(
            channel.id, {"health_seq": channel.health_seq}, {"health_announced": True}
        )

    async def sweep(self, now: datetime, grace: timedelta = timedelta(seconds=30)) -> int:
        """Announce the changes a stopped publisher stored but did not announce."""
        found = await self.store.unannounced(now - grace, 100)
        for channel in found:
            await self.announce(channel)
        return len(found)
