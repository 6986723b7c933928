"""Channel health as events, and alerts for deliveries failed for good, without I/O: the
dispatcher with a fake store, scripted networks and a hand-turned clock."""

from __future__ import annotations

from datetime import timedelta

from animo_publisher.health import ChannelWatch, step
from animo_publisher.models import PostStatus
from animo_publisher.networks import ChannelHealth, Delivery
from animo_publisher.networks import ChannelHealth as H
from animo_shared.store import StoreError
from unit.publisher.test_publisher_service import (
    T0,
    Clock,
    FakeStore,
    Scripted,
    channel,
    dispatcher,
    post,
    run_due,
)

DOWN = Delivery(ok=False, retryable=True, status=503, error="Mastodon answered HTTP 503")
EXPIRED = Delivery(
    ok=False, auth_failed=True, status=401, error="X answered HTTP 401: Unauthorized"
)


def test_the_steps_of_a_channels_health() -> None:
    assert step(H.HEALTHY, 0, H.DEGRADED, 3) == (H.HEALTHY, 1)
    assert step(H.HEALTHY, 2, H.DEGRADED, 3) == (H.DEGRADED, 3)
    assert step(H.DEGRADED, 3, H.HEALTHY, 3) == (H.HEALTHY, 0)
    assert step(H.HEALTHY, 2, H.NEEDS_REAUTH, 3) == (H.NEEDS_REAUTH, 0)
    assert step(H.NEEDS_REAUTH, 0, H.DEGRADED, 3) == (H.NEEDS_REAUTH, 1), "stays for a person"
    assert step(H.DEGRADED, 4, None, 3) == (H.DEGRADED, 4), "no verdict, no change"


async def test_failures_finishing_together_announce_the_change_once() -> None:
    a = channel("a", "mastodon")
    store, clock = FakeStore(a), Clock()
    for n in range(4):
        store.posts[f"p{n}"] = post(f"p{n}", a)
    networks = Scripted(a=[DOWN] * 4)
    d = dispatcher(store, networks, clock, degraded_after=2)
    await run_due(d, clock)  # four posts at once, each with the same copy of the channel
    health = [m for m in store.messages if m.type == "channel.health_changed"]
    assert [(m.data.previous.value, m.data.health.value) for m in health] == [
        ("healthy", "degraded")
    ]
    assert store.by_id["a"].failure_streak == 4, "no failure lost to a race"
    assert store.by_id["a"].health_seq == 1 and store.by_id["a"].health_announced


async def test_a_degraded_channel_is_announced_with_the_reason_and_its_recovery_too() -> None:
    a = channel("a", "mastodon")
    store, clock = FakeStore(a), Clock()
    networks = Scripted(a=[DOWN, DOWN])
    d = dispatcher(store, networks, clock, degraded_after=2)
    store.posts["p0"], store.posts["p1"] = post("p0", a), post("p1", a)
    await run_due(d, clock)
    assert store.by_id["a"].health is ChannelHealth.DEGRADED
    clock.now += timedelta(minutes=20)
    await run_due(d, clock)  # both retries go through
    assert {p.status for p in store.posts.values()} == {PostStatus.PUBLISHED}
    events = [m for m in store.messages if m.type == "channel.health_changed"]
    assert [(e.data.previous.value, e.data.health.value) for e in events] == [
        ("healthy", "degraded"),
        ("degraded", "healthy"),
    ]
    assert events[0].data.reason == "Mastodon answered HTTP 503"
    assert events[1].data.reason == "a delivery went through"
    assert {e.brand for e in events} == {"acme"} and events[0].data.channel_id == "a"


async def test_an_expired_token_is_one_health_event_and_one_channel_alert() -> None:
    x = channel("x", "x")
    store, clock = FakeStore(x), Clock()
    store.posts["p1"] = post("p1", x)
    store.posts["p2"] = post("p2", x)
    networks = Scripted(x=[EXPIRED, EXPIRED])
    d = dispatcher(store, networks, clock)
    await run_due(d, clock)
    store.posts["p3"] = post("p3", x).model_copy(update={"dispatch_at": clock.now})
    await run_due(d, clock)  # fails at once, without a request: the channel needs new credentials
    assert len(networks.calls) == 2
    health = [m for m in store.messages if m.type == "channel.health_changed"]
    assert [(m.data.previous.value, m.data.health.value) for m in health] == [
        ("healthy", "expired")
    ]
    assert "401" in (health[0].data.reason or "")
    alerts = [m for m in store.messages if m.type == "alert.raised"]
    assert len(alerts) == 3, "every failed post says so…"
    assert {a.id for a in alerts} == {alerts[0].id}, "…as one alert about the channel"
    alert = alerts[0].data
    assert (alert.kind, alert.observed, alert.baseline) == ("channel_expired", 1, 0)
    assert "needs re-authorisation" in alert.message and "401" in alert.message
    assert sorted(store.events) == ["post.failed:x"] * 3


async def test_a_permanent_failure_raises_a_delivery_failed_alert_with_the_reason() -> None:
    forum = channel("f", "discourse")
    store, clock = FakeStore(forum), Clock()
    store.posts["p"] = post("p", forum)
    taken = Delivery(ok=False, status=422, error="Discourse answered HTTP 422: Title taken")
    await run_due(dispatcher(store, Scripted(f=[taken]), clock), clock)
    (alert,) = [m for m in store.messages if m.type == "alert.raised"]
    assert alert.data.kind == "delivery_failed" and alert.brand == "acme"
    assert "Title taken" in alert.data.message and "p" in alert.data.message
    assert [m.type for m in store.messages if m.type == "channel.health_changed"] == []
    assert store.by_id["f"].health is ChannelHealth.HEALTHY, "the post's fault, not the channel's"


async def test_retries_that_run_out_alert_once_and_success_raises_nothing() -> None:
    m, w = channel("m", "mastodon"), channel("w")
    store, clock = FakeStore(m, w), Clock()
    store.posts["p"] = post("p", m, w)
    d = dispatcher(store, Scripted(m=[DOWN, DOWN, DOWN]), clock, degraded_after=10)
    for _ in range(4):
        await run_due(d, clock)
        clock.now += timedelta(minutes=5)
    alerts = [e for e in store.messages if e.type == "alert.raised"]
    assert [a.data.kind for a in alerts] == ["delivery_failed"]
    assert "gave up after 3 attempts" in alerts[0].data.message
    assert store.by_id["m"].failure_streak == 3 and store.by_id["m"].health is H.HEALTHY


async def test_a_change_stored_but_not_announced_is_announced_by_the_sweep() -> None:
    a = channel("a", "x")
    store, clock = FakeStore(a), Clock()

    class Unreachable(FakeStore):
        async def commit(self, changes: object) -> None:
            raise StoreError("the database went away (or the process died here)")

    dying = Unreachable(a)
    assert await ChannelWatch(dying).observe(a, EXPIRED, T0) is not None
    stored = dying.by_id["a"]
    assert stored.health is H.NEEDS_REAUTH and stored.health_announced is False
    store.by_id["a"] = stored
    d = dispatcher(store, Scripted(), clock)
    clock.now += timedelta(seconds=10)
    await d.recover(clock())
    assert [m.type for m in store.messages] == [], "a change in progress is given its time"
    clock.now += timedelta(minutes=1)
    await d.recover(clock())
    await d.recover(clock())
    (event,) = [m for m in store.messages if m.type == "channel.health_changed"]
    assert event.data.health.value == "expired" and store.by_id["a"].health_announced
