"""Delivery that never double-posts: claim a due post, log `sending`, send, record; recover crashes.

The claim (a compare-and-set on the post's version) writes each channel's delivery as
`sending`, with its idempotency key, before any request leaves. The outcome and its
`post.*` event are then stored in one batch. A publisher that dies in between leaves
`sending` behind: once its claim's lease is over, the delivery is resent where the network
is idempotent (Mastodon, webhook: same key, no second post) and otherwise marked `unknown`
for a human, never resent blindly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from animo_shared.events import utcnow
from animo_shared.store import Changes, StoreError

from .audit import SYSTEM, entry
from .channels import IDEMPOTENT_KINDS, Channel
from .gateway import Networks
from .health import ChannelWatch
from .models import Attempt, AuditEntry, ChannelDelivery, DeliveryState, Post, PostStatus
from .networks import ChannelHealth, Delivery
from .outcomes import (
    Backoff,
    DeliveryMetrics,
    alert_for,
    apply_result,
    event_for,
    recovered,
)
from .workflow import settle

log = logging.getLogger(__name__)
D = DeliveryState


class DeliveryStore(Protocol):
    async def due(self, now: datetime, limit: int) -> list[Post]: ...
    async def next_dispatch_at(self) -> datetime | None: ...
    async def stale(self, before: datetime, limit: int) -> list[Post]: ...
    async def channels(self, ids: Sequence[str]) -> dict[str, Channel]: ...
    async def replace_if(
        self, post: Post, expected_version: int, fields: Sequence[str] | None = None
    ) -> bool: ...
    async def channel(self, channel_id: str) -> Channel | None: ...
    async def update_channel_if(
        self, channel_id: str, expect: Mapping[str, object], values: Mapping[str, Any]
    ) -> bool: ...
    async def unannounced(self, before: datetime, limit: int) -> list[Channel]: ...
    def stage_post(self, changes: Changes, post: Post) -> None: ...
    def stage_audit(self, changes: Changes, entry: AuditEntry) -> None: ...
    async def commit(self, changes: Changes) -> None: ...


def _needs_reauth(channel: Channel) -> str:
    since = (
        f" since {channel.health_changed_at:%Y-%m-%d %H:%M} UTC"
        if channel.health_changed_at
        else ""
    )
    why = f" ({channel.health_reason})" if channel.health_reason else ""
    return (
        f"channel {channel.name!r} needs re-authorisation{since}{why}: give it new "
        "credentials, then schedule the post again"
    )


CLAIM_FIELDS = ("deliveries", "status", "version", "claimed_at", "dispatch_at", "updated_at")


def claim(post: Post, channels: dict[str, Channel], now: datetime) -> Post:
    """The post as claimed: due deliveries `sending` (or failed at once, with the reason,
    when their channel is gone or needs re-authorisation)."""
    deliveries: list[ChannelDelivery] = []
    for d in post.deliveries:
        due = d.state in (D.PENDING, D.RETRYING) and (
            d.next_attempt_at is None or d.next_attempt_at <= now
        )
        channel = channels.get(d.channel_id)
        if not due:
            deliveries.append(d)
        elif channel is None:
            deliveries.append(_failed(d, now, "the channel was deleted"))
        elif channel.health is ChannelHealth.NEEDS_REAUTH:
            deliveries.append(_failed(d, now, _needs_reauth(channel)))
        else:
            deliveries.append(
                d.model_copy(
                    update={
                        "state": D.SENDING,
                        "attempts": d.attempts + 1,
                        "sending_at": now,
                        "next_attempt_at": None,
                    }
                )
            )
    return post.model_copy(
        update={
            "deliveries": deliveries,
            "status": PostStatus.PUBLISHING,
            "version": post.version + 1,
            "claimed_at": now,
            "dispatch_at": None,
            "updated_at": now,
        }
    )


def _failed(d: ChannelDelivery, now: datetime, reason: str) -> ChannelDelivery:
    attempt = Attempt(at=now, outcome="failed", error=reason)
    return d.model_copy(
        update={
            "state": D.FAILED,
            "error": reason,
            "done_at": now,
            "next_attempt_at": None,
            "history": [*d.history, attempt],
        }
    )


def settled(post: Post, now: datetime) -> Post:
    outcome = settle(post.deliveries)
    waits = [d.next_attempt_at for d in post.deliveries if d.state is D.RETRYING]
    return post.model_copy(
        update={
            "status": outcome.status,
            "dispatch_at": min(w for w in waits if w is not None) if waits else None,
            "claimed_at": None,
            "updated_at": now,
        }
    )


def newly_done(
    before: Iterable[ChannelDelivery], after: Iterable[ChannelDelivery]
) -> list[ChannelDelivery]:
    done = {D.SENT, D.FAILED}
    was = {d.channel_id: d.state for d in before}
    return [d for d in after if d.state in done and was.get(d.channel_id) not in done]


class Dispatcher:
    """Finds due posts, claims them, sends each claimed one in its own task (bounded)."""

    def __init__(
        self,
        store: DeliveryStore,
        networks: Networks,
        *,
        backoff: Backoff,
        concurrency: int = 32,
        lease: timedelta = timedelta(minutes=2),
        batch: int = 200,
        min_wait: float = 0.02,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        metrics: DeliveryMetrics | None = None,
        degraded_after: int = 3,
    ) -> None:
        self.store = store
        self.networks = networks
        self.backoff = backoff
        self.lease = lease
        self.batch = batch
        self.min_wait = min_wait  # a floor between passes: posts due together go together
        self.clock = clock
        self.rng = rng or random.Random()
        self.metrics = metrics
        self.watch = ChannelWatch(store, degraded_after=degraded_after, on_change=self._counted)
        self._slots = asyncio.Semaphore(concurrency)
        self._inflight: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A post was scheduled: look again now rather than at the next tick."""
        self._wake.set()

    async def run(self, tick: float) -> None:
        """Dispatch until cancelled, waking for the next due post, a new one, or the tick."""
        next_sweep = self.clock()
        try:
            while True:
                try:
                    if self.clock() >= next_sweep:
                        await self.recover(self.clock())
                        next_sweep = self.clock() + min(self.lease / 4, timedelta(seconds=30))
                    self._wake.clear()
                    if await self.dispatch_due(self.clock()) >= self.batch:
                        continue
                    delay = await self._idle(tick)
                except Exception:
                    # The store may be down: nothing is lost (claims are leased), try again.
                    log.exception("dispatch pass failed; retrying")
                    delay = tick
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
        finally:
            await self.drain()

    async def _idle(self, tick: float) -> float:
        following = await self.store.next_dispatch_at()
        if following is None:
            return tick
        return min(tick, max(self.min_wait, (following - self.clock()).total_seconds()))

    async def drain(self, wait_seconds: float = 30) -> None:
        """Let the deliveries in flight finish and record (a graceful stop leaves no `sending`)."""
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=wait_seconds)

    async def dispatch_due(self, now: datetime) -> int:
        posts = await self.store.due(now, self.batch)
        if not posts:
            return 0
        channels = await self.store.channels([c for p in posts for c in p.channels])
        started = 0
        for post in posts:
            if post.embargo_until is not None and self.clock() < post.embargo_until:
                # Belt and braces: scheduling never sets a time before the embargo.
                held = post.model_copy(
                    update={"dispatch_at": post.embargo_until, "version": post.version + 1}
                )
                await self.store.replace_if(held, post.version)
                continue
            await self._slots.acquire()
            claimed = claim(post, channels, self.clock())
            if not await self.store.replace_if(claimed, post.version, CLAIM_FIELDS):
                self._slots.release()  # edited, cancelled or claimed elsewhere meanwhile
                continue
            started += 1
            task = asyncio.create_task(self._finish(post, claimed, channels))
            self._inflight.add(task)
            task.add_done_callback(self._done)
        return started

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery task failed", exc_info=task.exception())

    async def _finish(self, before: Post, post: Post, channels: dict[str, Channel]) -> None:
        sending = [d for d in post.deliveries if d.state is D.SENDING]
        results = await asyncio.gather(
            *(self._send(post, d, channels[d.channel_id]) for d in sending)
        )
        now = self.clock()
        outcome = dict(zip((d.channel_id for d in sending), results, strict=True))
        deliveries = [
            apply_result(d, outcome[d.channel_id], now, self.backoff, self.rng)
            if d.channel_id in outcome
            else d
            for d in post.deliveries
        ]
        done = settled(post.model_copy(update={"deliveries": deliveries}), now)
        changes = Changes()
        self.store.stage_post(changes, done)
        self._record(changes, before, post, done, now)
        for d in newly_done(before.deliveries, done.deliveries):
            if d.state is D.FAILED:
                channel = channels.get(d.channel_id)
                # Failed for the channel's credentials: refused now, or needing new ones already.
                result = outcome.get(d.channel_id)
                expired = (result is not None and result.auth_failed) or (
                    channel is not None and channel.health is ChannelHealth.NEEDS_REAUTH
                )
                changes.publish(alert_for(done, d, channel, expired, now))
        await self._commit(changes)
        for d in sending:
            await self.watch.observe(channels[d.channel_id], outcome[d.channel_id], now)
        if self.metrics:
            self.metrics.observe(post, sending, deliveries)

    async def _send(self, post: Post, d: ChannelDelivery, channel: Channel) -> Delivery:
        variant = next((v for v in post.variants if v.channel_id == d.channel_id), None)
        if variant is None:
            return Delivery(ok=False, error="no variant for this channel")
        parts = variant.parts[len(d.external_ids) :]  # resume a half-posted thread
        reply_to = d.external_ids[-1] if d.external_ids else post.in_reply_to
        return await self.networks.publish(
            channel,
            parts,
            reply_to=reply_to,
            idempotency_key=d.idempotency_key,
            image_url=post.image_url,
        )

    def _record(
        self, changes: Changes, before: Post, claimed: Post, after: Post, now: datetime
    ) -> None:
        for d in newly_done(before.deliveries, after.deliveries):
            changes.publish(event_for(after, d, now))
        was = {d.channel_id: d.state for d in before.deliveries}
        tried = {d.channel_id for d in claimed.deliveries if d.state is D.SENDING}
        for d in after.deliveries:
            if d.channel_id in tried or d.state is not was.get(d.channel_id):
                self.store.stage_audit(
                    changes,
                    entry(
                        after.id,
                        after.brand,
                        SYSTEM,
                        d.state.value,
                        now,
                        channel_id=d.channel_id,
                        attempt=d.attempts,
                        external_ids=d.external_ids or None,
                        error=d.error if d.state is not D.SENT else None,
                        next_attempt_at=d.next_attempt_at,
                    ),
                )

    async def _commit(self, changes: Changes) -> None:
        for attempt in range(3):
            try:
                await self.store.commit(changes)
                return
            except StoreError:
                if attempt == 2:
                    raise  # left `sending`: recovered once the claim's lease is over
                await asyncio.sleep(0.2 * 2**attempt)

    def _counted(self, channel: Channel) -> None:
        if self.metrics:
            self.metrics.health_changes.labels(channel.kind, channel.health.value).inc()

    async def recover(self, now: datetime) -> int:
        """Posts whose claim outlived its lease: their publisher died while sending; and
        channel health changes it stored without announcing them."""
        await self.watch.sweep(now)
        count = 0
        for post in await self.store.stale(now - self.lease, self.batch):
            fixed = recovered(post, now, IDEMPOTENT_KINDS)
            done = settled(fixed, now).model_copy(update={"version": post.version + 1})
            if await self.store.replace_if(done, post.version):
                changes = Changes()
                stopped = {d.channel_id for d in post.deliveries if d.state is D.SENDING}
                for d in done.deliveries:
                    if d.channel_id in stopped:
                        self.store.stage_audit(
                            changes,
                            entry(
                                post.id,
                                post.brand,
                                SYSTEM,
                                f"recovered_{d.state.value}",
                                now,
                                channel_id=d.channel_id,
                                error=d.error,
                            ),
                        )
                await self._commit(changes)
                count += 1
        if count:
            log.warning("recovered %d post(s) left publishing by a stopped publisher", count)
            self.wake()
        return count
