"""What a network's answer makes of a delivery: sent, retried later, failed for good, or unknown.

Also the `post.*` event each final outcome becomes, the crash recovery of a delivery left
`sending`, and the publisher's delivery metrics.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram

from animo_shared.bus import to_message
from animo_shared.events import AlertRaised, PostFailed, PostPublished, derive_id, make_event
from animo_shared.store import OutboxMessage

from .channels import IDEMPOTENT_KINDS, Channel
from .models import Attempt, ChannelDelivery, DeliveryState, Post
from .networks import Delivery

D = DeliveryState
HISTORY = 20  # attempts kept per delivery


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with "equal jitter": between half and all of base·2ⁿ, capped, and
    never sooner than the network's Retry-After."""

    base_seconds: float = 2.0
    cap_seconds: float = 900.0
    max_attempts: int = 6

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        ceiling = min(self.cap_seconds, self.base_seconds * float(2 ** max(0, attempt - 1)))
        jittered: float = ceiling / 2 + rng.uniform(0, ceiling / 2)
        return max(jittered, retry_after or 0.0)


def maybe_live(result: Delivery) -> bool:
    """The request may have published although no id came back: a success status without an
    id, or a transport failure after the request left (the adapters say "may be live")."""
    if result.status is not None and 200 <= result.status < 300:
        return True
    return result.status is None and bool(result.error) and "may be live" in (result.error or "")


def _history(d: ChannelDelivery, attempt: Attempt) -> list[Attempt]:
    return [*d.history, attempt][-HISTORY:]


def apply_result(
    d: ChannelDelivery,
    result: Delivery,
    now: datetime,
    backoff: Backoff,
    rng: random.Random,
    idempotent: bool | None = None,
) -> ChannelDelivery:
    """The delivery after one attempt; `d` is `sending`."""
    if idempotent is None:
        idempotent = d.kind in IDEMPOTENT_KINDS
    common = {
        "external_ids": [*d.external_ids, *result.external_ids],
        "status_code": result.status,
        "body_excerpt": result.body_excerpt,
    }
    if result.ok:
        attempt = Attempt(at=now, outcome="sent", status=result.status)
        return d.model_copy(
            update={
                **common,
                "state": D.SENT,
                "error": None,
                "done_at": now,
                "history": _history(d, attempt),
            }
        )
    error = result.error or "the network refused the post"
    live = maybe_live(result)
    if result.retryable or (live and idempotent):
        if d.attempts >= backoff.max_attempts:
            attempt = Attempt(at=now, outcome="failed", status=result.status, error=error)
            return d.model_copy(
                update={
                    **common,
                    "state": D.FAILED,
                    "transient": True,
                    "error": f"gave up after {d.attempts} attempts: {error}",
                    "done_at": now,
                    "history": _history(d, attempt),
                }
            )
        wait = backoff.delay(d.attempts, result.retry_after_seconds, rng)
        attempt = Attempt(
            at=now,
            outcome="retrying",
            status=result.status,
            error=error,
            retry_after_seconds=result.retry_after_seconds,
        )
        return d.model_copy(
            update={
                **common,
                "state": D.RETRYING,
                "error": error,
                "next_attempt_at": now + timedelta(seconds=wait),
                "history": _history(d, attempt),
            }
        )
    if live:
        attempt = Attempt(at=now, outcome="unknown", status=result.status, error=error)
        return d.model_copy(
            update={
                **common,
                "state": D.UNKNOWN,
                "error": f"{error}: check the network, then resolve this delivery",
                "history": _history(d, attempt),
            }
        )
    attempt = Attempt(at=now, outcome="failed", status=result.status, error=error)
    return d.model_copy(
        update={
            **common,
            "state": D.FAILED,
            "error": error,
            "done_at": now,
            "history": _history(d, attempt),
        }
    )


def recovered(post: Post, now: datetime, idempotent_kinds: Iterable[str]) -> Post:
    """A post whose publisher died mid-send: `sending` is resent on idempotent networks (same
    key, so at most one post) and `unknown` elsewhere, for a human to check."""
    idempotent = frozenset(idempotent_kinds)
    deliveries: list[ChannelDelivery] = []
    for d in post.deliveries:
        if d.state is not D.SENDING:
            deliveries.append(d)
            continue
        since = f"{d.sending_at:%Y-%m-%d %H:%M:%S} UTC" if d.sending_at else "an unknown time"
        if d.kind in idempotent:
            note = f"the publisher stopped while sending (since {since}); resent with the same key"
            attempt = Attempt(at=now, outcome="retrying", error=note)
            deliveries.append(
                d.model_copy(
                    update={
                        "state": D.RETRYING,
                        "next_attempt_at": now,
                        "error": note,
                        "history": _history(d, attempt),
                    }
                )
            )
        else:
            note = (
                f"the publisher stopped while sending attempt {d.attempts} (since {since}); "
                f"the post may be live on {d.kind}: check, then resolve this delivery"
            )
            attempt = Attempt(at=now, outcome="unknown", error=note)
            deliveries.append(
                d.model_copy(
                    update={"state": D.UNKNOWN, "error": note, "history": _history(d, attempt)}
                )
            )
    return post.model_copy(update={"deliveries": deliveries})


def event_for(post: Post, d: ChannelDelivery, now: datetime) -> OutboxMessage:
    """The event of a final outcome; its id derives from (post, channel), so a replay dedupes."""
    payload: PostPublished | PostFailed
    if d.state is D.SENT:
        payload = PostPublished(
            post_id=post.id,
            brand=post.brand,
            channel_id=d.channel_id,
            channel_kind=d.kind,
            published_at=d.done_at or now,
            external_id=d.external_ids[0] if d.external_ids else None,
            # Reporting measures the delay from a complaint to the brand's reply on it.
            in_reply_to=post.reply_to_mention,
        )
    else:
        payload = PostFailed(
            post_id=post.id,
            brand=post.brand,
            channel_id=d.channel_id,
            channel_kind=d.kind,
            failed_at=d.done_at or now,
            reason=d.error or "unknown",
            retryable=d.transient,
        )
    envelope = make_event(
        payload,
        event_id=derive_id(payload.__class__.__name__, post.id, d.channel_id),
        source="animo/publisher",
        brand=post.brand,
        subject=post.id,
        time=now,
    )
    return to_message(envelope, f"{post.brand}:{post.id}")


def alert_for(
    post: Post, d: ChannelDelivery, channel: Channel | None, expired: bool, now: datetime
) -> OutboxMessage:
    """The `alert.raised` of a delivery failed for good, beside its `post.failed`.

    `channel_expired` when the channel's credentials are the cause: one alert per channel and
    credentials (its id derives from them, so every post failing on them repeats the same
    event and consumers keep one); otherwise `delivery_failed`, one per (post, channel).
    observed=1 failure against a baseline of 0: not a metric's spike.
    """
    name = f"{d.kind} channel {channel.name!r}" if channel else f"deleted channel {d.channel_id}"
    reason = d.error or "unknown"
    if expired and channel is not None:
        kind = "channel_expired"
        alert_id = derive_id("alert", kind, channel.id, channel.updated_at.isoformat())
        message = (
            f"The {name} needs re-authorisation ({reason}); its posts fail until it is given "
            "new credentials."
        )
    else:
        kind = "delivery_failed"
        alert_id = derive_id("alert", kind, post.id, d.channel_id)
        message = f"Post {post.id} could not be published on the {name}: {reason}"
    payload = AlertRaised(
        alert_id=alert_id,
        brand=post.brand,
        kind=kind,
        observed=1,
        baseline=0,
        started_at=d.done_at or now,
        message=message[:2000],
    )
    envelope = make_event(
        payload,
        event_id=derive_id("alert.raised", alert_id),
        source="animo/publisher",
        brand=post.brand,
        subject=alert_id,
        time=now,
    )
    return to_message(envelope, post.brand)


class DeliveryMetrics:
    """`animo_publisher_*`: deliveries by outcome, dispatch lateness, channel health changes."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.deliveries = Counter(
            "animo_publisher_deliveries_total",
            "Delivery attempts by network kind and resulting state.",
            ["kind", "state"],
            registry=registry,
        )
        self.lateness = Histogram(
            "animo_publisher_dispatch_lateness_seconds",
            "From a post's scheduled time to its first request.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
            registry=registry,
        )
        self.health_changes = Counter(
            "animo_publisher_channel_health_changes_total",
            "Channel health changes by network kind and new state.",
            ["kind", "health"],
            registry=registry,
        )

    def observe(
        self, post: Post, sending: Sequence[ChannelDelivery], after: Sequence[ChannelDelivery]
    ) -> None:
        sent = {d.channel_id for d in sending}
        for d in after:
            if d.channel_id not in sent:
                continue
            self.deliveries.labels(d.kind, d.state.value).inc()
            if d.attempts == 1 and post.scheduled_for and d.sending_at:
                late = (d.sending_at - post.scheduled_for).total_seconds()
                self.lateness.observe(max(0.0, late))
