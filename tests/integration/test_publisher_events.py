"""The publisher's events on the real broker: channel health changes and alerts out, engagement
and erasures in. Networks and moderation are local doubles; the publisher runs under uvicorn."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from animo_shared.bus import to_message
from animo_shared.events import (
    EngagementKind,
    EngagementRecorded,
    Envelope,
    Identity,
    MemberErased,
    Topic,
    decode_event,
    make_event,
)
from integration.test_publisher_api import (
    Answer,
    add_channel,
    approved,
    draft,
    wait_for,
    world,
)

from helpers.kafka import produce, read_all

pytestmark = pytest.mark.integration
PARIS = ZoneInfo("Europe/Paris")


def brand() -> str:
    return f"pub-{uuid.uuid4().hex[:8]}"


async def events_of(bootstrap: str, topic: Topic, brand: str, expect: int) -> list[Any]:
    """The brand's events on a topic, with their keys, once `expect` arrived (or 20 s)."""
    found: list[Any] = []
    for _ in range(20):
        records = await read_all(bootstrap, topic, expect=10**9, timeout=1)
        found = [
            (r.key.decode(), decode_event(r.topic, r.value))
            for r in records
            if dict(r.headers).get("ce_brand") == brand.encode()
        ]
        if len(found) >= expect:
            break
    return found


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.2)


async def send(bootstrap: str, topic: Topic, events: list[Envelope[Any]]) -> None:
    for event in events:
        message = to_message(event, f"{event.brand}:k")
        await produce(bootstrap, topic.value, [message.value], key=message.key.encode())


async def test_an_expired_token_is_announced_alerted_and_its_renewal_too(
    tmp_path: Path, broker: str
) -> None:
    b = brand()
    async with world(tmp_path, broker) as w:
        x = await add_channel(w, "x", brand=b)
        w.networks.script["/2/tweets"] = [Answer(401, {"title": "Unauthorized", "status": 401})]
        first = await approved(w, [x], "Un", brand=b)
        await wait_for(w, first, "failed")
        second = await approved(w, [x], "Deux", brand=b)
        await wait_for(w, second, "failed")  # at once, without a request
        renewed = await w.api.patch(
            f"/v1/channels/{x}", json={"credentials": {"access_token": "n"}}
        )
        assert renewed.json()["health"] == "healthy"

    health = await events_of(broker, Topic.POSTS, b, expect=4)
    changes = [(k, e.data) for k, e in health if e.type == "channel.health_changed"]
    assert [(k, c.previous.value, c.health.value) for k, c in changes] == [
        (f"{b}:{x}", "healthy", "expired"),
        (f"{b}:{x}", "expired", "healthy"),
    ]
    assert "HTTP 401" in (changes[0][1].reason or "")
    assert changes[1][1].reason == "credentials replaced"
    assert sorted(e.type for _, e in health if e.type.startswith("post.")) == ["post.failed"] * 2

    alerts = await events_of(broker, Topic.ALERTS, b, expect=2)
    raised = [(k, e) for k, e in alerts if e.type == "alert.raised"]
    assert len(raised) == 2 and len({e.id for _, e in raised}) == 1, "one alert, said twice"
    key, alert = raised[0]
    assert (key, alert.source, alert.data.kind) == (b, "animo/publisher", "channel_expired")
    assert (alert.data.observed, alert.data.baseline) == (1, 0)
    assert "needs re-authorisation" in alert.data.message


async def test_failures_in_a_row_degrade_a_channel_and_a_success_heals_it(
    tmp_path: Path, broker: str
) -> None:
    b = brand()
    async with world(tmp_path, broker, degraded_after_failures=2, max_attempts=5) as w:
        masto = await add_channel(w, "mastodon", brand=b)
        w.networks.script["/api/v1/statuses"] = [Answer(503, {"error": "down"})] * 2
        post = await approved(w, [masto], "Bientôt", brand=b)
        await wait_for(w, post, "published")
        channel = (await w.api.get(f"/v1/channels/{masto}")).json()
        assert (channel["health"], channel["failure_streak"]) == ("healthy", 0)
    found = await events_of(broker, Topic.POSTS, b, expect=3)
    changes = [e.data for _, e in found if e.type == "channel.health_changed"]
    assert [(c.previous.value, c.health.value) for c in changes] == [
        ("healthy", "degraded"),
        ("degraded", "healthy"),
    ]
    assert "HTTP 503" in (changes[0].reason or "")
    assert await events_of(broker, Topic.ALERTS, b, expect=0) == [], "retried, not failed"


async def test_a_permanent_failure_raises_a_delivery_failed_alert(
    tmp_path: Path, broker: str
) -> None:
    b = brand()
    async with world(tmp_path, broker) as w:
        forum = await add_channel(w, "discourse", brand=b)
        w.networks.script["/posts.json"] = [
            Answer(422, {"errors": ["Title has already been used"], "error_type": "invalid"})
        ]
        post = await approved(w, [forum], "Annonce importante pour le forum du club", brand=b)
        await wait_for(w, post, "failed")
    ((key, alert),) = await events_of(broker, Topic.ALERTS, b, expect=1)
    assert (key, alert.type, alert.data.kind) == (b, "alert.raised", "delivery_failed")
    assert post in alert.data.message and "Title has already been used" in alert.data.message


async def test_engagement_events_rank_the_best_times_in_the_brands_zone(
    tmp_path: Path, broker: str
) -> None:
    b = brand()
    today = datetime.now(PARIS).replace(second=0, microsecond=0)

    def last(weekday: int, hour: int) -> datetime:
        """The last such local weekday before today, at that local hour (and 20 minutes)."""
        day = today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
        return day.replace(hour=hour, minute=20)

    # (weekday, local hour, kind, how many): the five best hours, and a sixth, quieter one
    # (one like) that the suggestions leave out.
    activity = [(1, 15, "share", 3), (0, 10, "comment", 2), (2, 11, "comment", 2)]
    activity += [(4, 17, "purchase", 1), (5, 12, "comment", 1), (3, 8, "like", 1)]
    events: list[Envelope[Any]] = []
    for weekday, hour, kind, count in activity:
        for _ in range(count):
            data = EngagementRecorded(
                engagement_id=uuid.uuid4().hex,
                brand=b,
                kind=EngagementKind(kind),
                source="shop",
                handle=f"member{len(events)}",
                occurred_at=last(weekday, hour).astimezone(UTC),
            )
            events.append(make_event(data, event_id=str(uuid.uuid4()), source="ingest", brand=b))
    async with world(tmp_path, broker) as w:
        hook = await add_channel(w, brand=b)
        await send(broker, Topic.ENGAGEMENT, events)
        url = f"/v1/brands/{b}/best-times"

        async def ranked() -> bool:
            got = await w.api.get(url, params={"channels": [hook]})
            return bool(got.json()["basis"] == "engagement")

        await eventually(ranked)
        best = (await w.api.get(url, params={"channels": [hook], "count": 10})).json()
    assert best["sources"] == ["engagement_events"] and best["timezone"] == "Europe/Paris"
    local = [datetime.fromisoformat(s["local"]) for s in best["slots"]]
    assert len(local) == 10, "five hours a week over two weeks"
    assert {(t.weekday(), t.hour, t.minute) for t in local} == {
        (1, 15, 0),
        (0, 10, 0),
        (2, 11, 0),
        (4, 17, 0),
        (5, 12, 0),
    }, "the quiet Thursday morning is not among the best hours"


async def test_an_erased_member_leaves_the_posts_but_the_counts_stay(
    tmp_path: Path, broker: str
) -> None:
    b = brand()
    async with world(tmp_path, broker) as w:
        masto = await add_channel(w, "mastodon", brand=b)
        reply = await approved(
            w,
            [masto],
            "Bonjour marie_d, votre demande est transmise au service livraison.",
            brand=b,
            in_reply_to="109",
            reply_to_author="marie_d",
        )
        await wait_for(w, reply, "published")
        liked = await w.api.post(
            f"/v1/posts/{reply}/engagement", json={"channel_id": masto, "likes": 7}
        )
        assert liked.status_code == 200
        other = await draft(w, [masto], "Merci @marie_d et @paul pour vos idées !", brand=b)
        untouched = await draft(w, [masto], "Bonjour à tous", brand=b)
        erased = MemberErased(
            member_id="m1",
            brand=b,
            identities=(Identity(source="mastodon", handle="marie_d"),),
            erased_at=datetime.now(UTC),
        )
        await send(
            broker,
            Topic.CRM,
            [make_event(erased, event_id=str(uuid.uuid4()), source="crm", brand=b)],
        )

        async def gone() -> bool:
            found = (await w.api.get(f"/v1/posts/{other}")).json()
            return "marie" not in found["text"]

        await eventually(gone)
        after = (await w.api.get(f"/v1/posts/{reply}")).json()
        assert after["text"] == (
            "Bonjour [erased], votre demande est transmise au service livraison."
        )
        assert all("marie" not in p for v in after["variants"] for p in v["parts"])
        assert after["reply_to_author"] is None
        assert after["status"] == "published" and after["engagement"][masto]["likes"] == 7
        assert (await w.api.get(f"/v1/posts/{other}")).json()["text"] == (
            "Merci @[erased] et @paul pour vos idées !"
        )
        assert (await w.api.get(f"/v1/posts/{untouched}")).json()["version"] == 0
        audit = (await w.api.get(f"/v1/posts/{reply}/audit")).json()["items"]
        assert audit[-1]["action"] == "personal_data_erased"
        assert audit[-1]["detail"] == {"member_id": "m1"}
