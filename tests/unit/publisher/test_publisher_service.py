"""The dispatcher without I/O (a fake store, scripted networks, a hand-turned clock): claiming,
sending once, back-off, re-auth refusals, embargoes, thread resumption and crash recovery."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from animo_publisher.adapters import sign
from animo_publisher.channels import Channel
from animo_publisher.delivery import Dispatcher
from animo_publisher.models import (
    AuditEntry,
    ChannelDelivery,
    DeliveryState,
    Post,
    PostStatus,
    StoredVariant,
)
from animo_publisher.networks import ChannelHealth, Delivery
from animo_publisher.outcomes import Backoff
from animo_shared.events import Envelope, decode_event
from animo_shared.store import Changes

T0 = datetime(2031, 6, 2, 10, 0, tzinfo=UTC)
D = DeliveryState


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def channel(
    cid: str, kind: str = "webhook", health: ChannelHealth = ChannelHealth.HEALTHY
) -> Channel:
    return Channel(
        id=cid,
        brand="acme",
        kind=kind,
        name=cid,
        base_url="http://h",
        credentials={"secret": "s" * 20},
        health=health,
        created_at=T0,
        updated_at=T0,
    )


def post(pid: str, *channels: Channel, parts: Sequence[str] = ("hello",), **extra: object) -> Post:
    return Post(
        id=pid,
        brand="acme",
        text=" ".join(parts),
        channels=[c.id for c in channels],
        variants=[
            StoredVariant(
                channel_id=c.id, kind=c.kind, parts=list(parts), weighted_lengths=[1], problems=[]
            )
            for c in channels
        ],
        deliveries=[
            ChannelDelivery(channel_id=c.id, kind=c.kind, idempotency_key=f"{pid}:{c.id}")
            for c in channels
        ],
        status=PostStatus.SCHEDULED,
        scheduled_for=T0,
        dispatch_at=T0,
        created_by="t",
        created_at=T0,
        updated_at=T0,
        **extra,  # type: ignore[arg-type]
    )


class FakeStore:
    def __init__(self, *channels: Channel) -> None:
        self.by_id = {c.id: c for c in channels}
        self.posts: dict[str, Post] = {}
        self.events: list[str] = []  # post.* outcomes as "type:channel"
        self.messages: list[Envelope[Any]] = []  # every event, alerts and health included
        self.audit: list[AuditEntry] = []
        self._staged: dict[int, list[Post]] = {}

    async def due(self, now: datetime, limit: int) -> list[Post]:
        found = [
            p for p in self.posts.values() if p.dispatch_at is not None and p.dispatch_at <= now
        ]
        return sorted(found, key=lambda p: p.dispatch_at or now)[:limit]

    async def next_dispatch_at(self) -> datetime | None:
        return min((p.dispatch_at for p in self.posts.values() if p.dispatch_at), default=None)

    async def stale(self, before: datetime, limit: int) -> list[Post]:
        return [
            p
            for p in self.posts.values()
            if p.status is PostStatus.PUBLISHING and p.claimed_at and p.claimed_at < before
        ]

    async def channels(self, ids: Sequence[str]) -> dict[str, Channel]:
        return {i: self.by_id[i] for i in ids if i in self.by_id}

    async def replace_if(
        self, post: Post, expected_version: int, fields: Sequence[str] | None = None
    ) -> bool:
        if self.posts[post.id].version != expected_version:
            return False
        self.posts[post.id] = post
        return True

    async def channel(self, channel_id: str) -> Channel | None:
        return self.by_id.get(channel_id)

    async def update_channel_if(
        self, channel_id: str, expect: Mapping[str, object], values: Mapping[str, Any]
    ) -> bool:
        current = self.by_id.get(channel_id)
        if current is None or any(getattr(current, k) != v for k, v in expect.items()):
            return False
        self.by_id[channel_id] = current.model_copy(update=dict(values))
        return True

    async def unannounced(self, before: datetime, limit: int) -> list[Channel]:
        return [
            c
            for c in self.by_id.values()
            if not c.health_announced and c.health_changed_at and c.health_changed_at < before
        ][:limit]

    def stage_post(self, changes: Changes, post: Post) -> None:
        self._staged.setdefault(id(changes), []).append(post)

    def stage_audit(self, changes: Changes, entry: AuditEntry) -> None:
        self.audit.append(entry)

    async def commit(self, changes: Changes) -> None:
        for staged in self._staged.pop(id(changes), []):
            self.posts[staged.id] = staged
        for m in changes.outbox:
            event = decode_event(m.topic, m.value)
            self.messages.append(event)
            if event.type.startswith("post."):
                self.events.append(f"{event.type}:{event.data.channel_id}")


class Scripted:
    """Networks that answer from a script per channel (then success), recording each call."""

    def __init__(self, **script: list[Delivery]) -> None:
        self.script = script
        self.calls: list[tuple[str, tuple[str, ...], str | None, str]] = []

    async def publish(
        self,
        channel: Channel,
        parts: Sequence[str],
        *,
        reply_to: str | None,
        idempotency_key: str,
        image_url: str | None,
    ) -> Delivery:
        self.calls.append((channel.id, tuple(parts), reply_to, idempotency_key))
        answers = self.script.get(channel.id) or []
        return (
            answers.pop(0)
            if answers
            else Delivery(ok=True, external_ids=(f"id-{len(self.calls)}",))
        )


def dispatcher(store: FakeStore, networks: Scripted, clock: Clock, **extra: object) -> Dispatcher:
    return Dispatcher(
        store,
        networks,
        backoff=Backoff(base_seconds=2, cap_seconds=60, max_attempts=3),
        lease=timedelta(seconds=60),
        clock=clock,
        rng=random.Random(1),
        **extra,  # type: ignore[arg-type]
    )


async def run_due(d: Dispatcher, clock: Clock) -> int:
    count = await d.dispatch_due(clock())
    await d.drain()
    return count


async def test_a_due_post_is_sent_once_per_channel_and_reported() -> None:
    a, b = channel("a"), channel("b", "mastodon")
    store, clock = FakeStore(a, b), Clock()
    store.posts["p1"] = post("p1", a, b)
    store.posts["later"] = post("later", a).model_copy(
        update={"dispatch_at": T0 + timedelta(hours=1)}
    )
    networks = Scripted()
    d = dispatcher(store, networks, clock)
    assert await run_due(d, clock) == 1
    assert await run_due(d, clock) == 0, "a delivered post is not sent again"
    assert [(c[0], c[3]) for c in networks.calls] == [("a", "p1:a"), ("b", "p1:b")]
    done = store.posts["p1"]
    assert done.status is PostStatus.PUBLISHED and done.dispatch_at is None
    assert [dl.state for dl in done.deliveries] == [D.SENT, D.SENT]
    assert sorted(store.events) == ["post.published:a", "post.published:b"]
    assert store.posts["later"].status is PostStatus.SCHEDULED


async def test_retryable_failures_wait_their_back_off_then_give_up() -> None:
    a = channel("a", "mastodon")
    store, clock = FakeStore(a), Clock()
    store.posts["p"] = post("p", a)
    throttled = Delivery(
        ok=False, retryable=True, retry_after_seconds=30, status=429, error="slow down"
    )
    down = Delivery(ok=False, retryable=True, status=503, error="Mastodon answered HTTP 503")
    networks = Scripted(a=[throttled, down, down])
    d = dispatcher(store, networks, clock)
    await run_due(d, clock)
    waiting = store.posts["p"]
    assert waiting.status is PostStatus.RETRYING
    assert waiting.dispatch_at == T0 + timedelta(seconds=30), "Retry-After beats the 1-2 s back-off"
    clock.now += timedelta(seconds=29)
    assert await run_due(d, clock) == 0
    clock.now += timedelta(seconds=1)
    await run_due(d, clock)
    second_wait = store.posts["p"].dispatch_at - clock.now  # type: ignore[operator]
    assert timedelta(seconds=2) <= second_wait <= timedelta(seconds=4)
    clock.now += timedelta(seconds=5)
    await run_due(d, clock)
    failed = store.posts["p"]
    assert failed.status is PostStatus.FAILED
    assert failed.deliveries[0].error == "gave up after 3 attempts: Mastodon answered HTTP 503"
    assert store.events == ["post.failed:a"] and len(networks.calls) == 3


async def test_a_channel_needing_reauth_fails_its_posts_without_a_request() -> None:
    a = channel("a", "x", ChannelHealth.NEEDS_REAUTH)
    store, clock = FakeStore(a), Clock()
    store.posts["p"] = post("p", a)
    networks = Scripted()
    await run_due(dispatcher(store, networks, clock), clock)
    assert networks.calls == []
    (dl,) = store.posts["p"].deliveries
    assert dl.state is D.FAILED and "needs re-authorisation" in dl.error  # type: ignore[operator]
    assert store.events == ["post.failed:a"]


async def test_an_auth_failure_marks_the_channel() -> None:
    a = channel("a", "x")
    store, clock = FakeStore(a), Clock()
    store.posts["p"] = post("p", a)
    expired = Delivery(
        ok=False, auth_failed=True, status=401, error="X answered HTTP 401: Unauthorized"
    )
    await run_due(dispatcher(store, Scripted(a=[expired]), clock), clock)
    assert store.by_id["a"].health is ChannelHealth.NEEDS_REAUTH
    assert store.by_id["a"].health_reason == "X answered HTTP 401: Unauthorized"


async def test_nothing_leaves_before_the_embargo_even_if_due() -> None:
    a = channel("a")
    store, clock = FakeStore(a), Clock()
    store.posts["p"] = post("p", a, embargo_until=T0 + timedelta(minutes=5))
    networks = Scripted()
    d = dispatcher(store, networks, clock)
    assert await run_due(d, clock) == 0 and networks.calls == []
    assert store.posts["p"].dispatch_at == T0 + timedelta(minutes=5)
    clock.now += timedelta(minutes=5)
    assert await run_due(d, clock) == 1 and len(networks.calls) == 1


async def test_a_half_posted_thread_resumes_under_its_last_part() -> None:
    a = channel("a", "mastodon")
    store, clock = FakeStore(a), Clock()
    store.posts["p"] = post(
        "p", a, parts=("one (1/3)", "two (2/3)", "three (3/3)"), in_reply_to="m1"
    )
    half = Delivery(ok=False, retryable=True, external_ids=("s1",), status=502, error="part 2 of 3")
    networks = Scripted(a=[half])
    d = dispatcher(store, networks, clock)
    await run_due(d, clock)
    clock.now += timedelta(minutes=1)
    await run_due(d, clock)
    assert [(c[1], c[2]) for c in networks.calls] == [
        (("one (1/3)", "two (2/3)", "three (3/3)"), "m1"),
        (("two (2/3)", "three (3/3)"), "s1"),
    ]
    assert store.posts["p"].deliveries[0].external_ids == ["s1", "id-2"]


async def test_an_unknown_outcome_on_a_non_idempotent_network_waits_for_a_human() -> None:
    a = channel("a", "linkedin")
    store, clock = FakeStore(a), Clock()
    store.posts["p"] = post("p", a)
    timeout = Delivery(ok=False, error="LinkedIn: ReadTimeout after sending; the post may be live")
    await run_due(dispatcher(store, Scripted(a=[timeout]), clock), clock)
    assert store.posts["p"].status is PostStatus.NEEDS_ATTENTION
    assert store.posts["p"].deliveries[0].state is D.UNKNOWN
    assert store.events == [], "no event until someone decides"


async def test_recovery_resends_only_where_the_network_is_idempotent() -> None:
    m, x = channel("m", "mastodon"), channel("x", "x")
    store, clock = FakeStore(m, x), Clock()
    sending = post("p", m, x)
    store.posts["p"] = sending.model_copy(
        update={
            "status": PostStatus.PUBLISHING,
            "claimed_at": T0,
            "dispatch_at": None,
            "deliveries": [
                dl.model_copy(update={"state": D.SENDING, "attempts": 1, "sending_at": T0})
                for dl in sending.deliveries
            ],
        }
    )
    networks = Scripted()
    d = dispatcher(store, networks, clock)
    clock.now += timedelta(seconds=30)
    assert await d.recover(clock()) == 0, "a live claim is left alone"
    clock.now += timedelta(seconds=31)
    assert await d.recover(clock()) == 1
    assert [dl.state for dl in store.posts["p"].deliveries] == [D.RETRYING, D.UNKNOWN]
    await run_due(d, clock)
    assert [(c[0], c[3]) for c in networks.calls] == [("m", "p:m")], "x is never resent"
    assert store.posts["p"].status is PostStatus.NEEDS_ATTENTION
    assert [a.action for a in store.audit][:2] == ["recovered_retrying", "recovered_unknown"]


def test_webhook_signature_is_hmac_sha256_over_timestamp_and_body() -> None:
    body = b'{"text": "hello"}'
    expected = hmac.new(b"k" * 16, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("k" * 16, "1700000000", body) == f"sha256={expected}"
    assert sign("k" * 16, "1700000001", body) != f"sha256={expected}"


async def test_an_answer_about_old_credentials_leaves_a_reauthorised_channel_alone() -> None:
    a = channel("a", "x")
    store, clock = FakeStore(a), Clock()
    store.posts["p"] = post("p", a)

    class Reauthorised(Scripted):
        async def publish(self, channel: Channel, parts: Sequence[str], **_: object) -> Delivery:
            # New credentials arrive while the request with the old ones is in flight.
            store.by_id["a"] = channel.model_copy(update={"updated_at": T0 + timedelta(seconds=1)})
            return Delivery(ok=False, auth_failed=True, status=401, error="X answered HTTP 401")

    await run_due(dispatcher(store, Reauthorised(), clock), clock)
    assert store.posts["p"].status is PostStatus.FAILED
    assert store.by_id["a"].health is ChannelHealth.HEALTHY
