"""Delivery never double-posts: the publisher dies after the networks answered but before it
recorded anything; after a restart, idempotent networks get the same key again (one post
each) and the others are never resent: their delivery waits, `unknown`, for a human."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from animo_dev.inprocess import serve
from animo_publisher.delivery import Dispatcher
from animo_shared.events import Topic, decode_event
from animo_shared.store import Changes
from integration.test_publisher_api import (
    Moderation,
    Networks,
    World,
    add_channel,
    approved,
    publisher,
    wait_for,
)

from helpers.kafka import read_all

pytestmark = pytest.mark.integration
KINDS = ("mastodon", "webhook", "x", "discourse")
PATHS = {
    "mastodon": "/api/v1/statuses",
    "webhook": "/hook",
    "x": "/2/tweets",
    "discourse": "/posts.json",
}


class Killed(Exception):
    """Stands for the process dying: nothing after this point runs."""


async def until(condition: object, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_crash_between_send_and_record_posts_once_per_channel(
    tmp_path: Path, broker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    networks, moderation = Networks(), Moderation()
    record = Dispatcher._commit

    async def die_before_recording(self: Dispatcher, changes: Changes) -> None:
        if changes.outbox:  # the outcome of a delivery, with its post.* events
            raise Killed("the publisher died after the networks answered")
        await record(self, changes)

    async with serve(networks.app()) as net, serve(moderation.app()) as mod:
        networks.base = net
        monkeypatch.setattr(Dispatcher, "_commit", die_before_recording)
        async with publisher(tmp_path, mod, broker, claim_lease_seconds=1) as api:
            w = World(api, networks, moderation)
            channels = {kind: await add_channel(w, kind) for kind in KINDS}
            post = await approved(
                w, list(channels.values()), "Lancement ce soir sur tous nos réseaux !"
            )
            await until(lambda: len(networks.seen) == len(KINDS))
            await asyncio.sleep(0.3)
            stuck = (await api.get(f"/v1/posts/{post}")).json()
            assert stuck["status"] == "publishing"
            assert {d["state"] for d in stuck["deliveries"]} == {"sending"}
        monkeypatch.undo()
        first = {kind: networks.paths(PATHS[kind]) for kind in KINDS}
        assert all(len(seen) == 1 for seen in first.values())

        async with publisher(tmp_path, mod, broker, claim_lease_seconds=1) as api:
            w = World(api, networks, moderation)
            done = await wait_for(w, post, "needs_attention", timeout=15)
            await until(lambda: len(networks.paths("/hook")) == 2)
            done = await wait_for(w, post, "needs_attention")
            state = {d["channel_id"]: d for d in done["deliveries"]}
            for kind in ("mastodon", "webhook"):
                again = networks.paths(PATHS[kind])
                assert len(again) == 2, f"{kind}: resent once, with the same key"
                keys = {s.headers["idempotency-key"] for s in again}
                assert len(keys) == 1
                assert state[channels[kind]]["state"] == "sent"
                # One object on the network: the repeat returned the first one's id.
                assert state[channels[kind]]["external_ids"] == [networks.by_key[keys.pop()]]
            for kind in ("x", "discourse"):
                assert len(networks.paths(PATHS[kind])) == 1, f"{kind} was never resent"
                assert state[channels[kind]]["state"] == "unknown"
                assert "may be live" in state[channels[kind]]["error"]

            resolved = await api.post(
                f"/v1/posts/{post}/deliveries/{channels['x']}:resolve",
                json={"outcome": "published", "external_id": "1001", "note": "seen on X"},
            )
            assert resolved.json()["status"] == "needs_attention"
            final = await api.post(
                f"/v1/posts/{post}/deliveries/{channels['discourse']}:resolve",
                json={"outcome": "failed", "note": "not on the forum"},
            )
            assert final.json()["status"] == "partly_failed"
            audit = [
                e["action"] for e in (await api.get(f"/v1/posts/{post}/audit")).json()["items"]
            ]
            assert audit.count("recovered_unknown") == 2 and audit.count("recovered_retrying") == 2
            assert audit.count("resolved") == 2

    records = await read_all(broker, Topic.POSTS, expect=10_000, timeout=3)
    mine = [
        e
        for r in records
        if getattr((e := decode_event(r.topic, r.value)).data, "post_id", None) == post
    ]
    outcomes = sorted((e.data.channel_kind, e.type) for e in mine)
    assert outcomes == [
        ("discourse", "post.failed"),
        ("mastodon", "post.published"),
        ("webhook", "post.published"),
        ("x", "post.published"),
    ]


async def test_a_graceful_stop_waits_for_the_requests_in_flight(
    tmp_path: Path, broker: str
) -> None:
    networks, moderation = Networks(), Moderation()
    networks.gate = asyncio.Event()
    async with serve(networks.app()) as net, serve(moderation.app()) as mod:
        networks.base = net
        async with publisher(tmp_path, mod, broker) as api:
            w = World(api, networks, moderation)
            x = await add_channel(w, "x")
            post = await approved(w, [x], "Bientôt")
            await until(lambda: len(networks.seen) == 1)
            asyncio.get_running_loop().call_later(0.5, networks.gate.set)
        async with publisher(tmp_path, mod, broker) as api:
            after = (await api.get(f"/v1/posts/{post}")).json()
    assert after["status"] == "published" and len(networks.seen) == 1


async def test_scheduled_posts_survive_a_restart(tmp_path: Path, broker: str) -> None:
    networks, moderation = Networks(), Moderation()
    async with serve(networks.app()) as net, serve(moderation.app()) as mod:
        networks.base = net
        async with publisher(tmp_path, mod, broker) as api:
            w = World(api, networks, moderation)
            hook = await add_channel(w)
            at = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
            post = await approved(w, [hook], "Demain", publish_at=at)
        assert networks.seen == []
        async with publisher(tmp_path, mod, broker) as api:
            done = await wait_for(World(api, networks, moderation), post, "published")
    assert len(networks.seen) == 1
    assert datetime.fromisoformat(done["deliveries"][0]["sending_at"]) >= datetime.fromisoformat(at)
