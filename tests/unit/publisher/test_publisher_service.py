"""The publisher's domain without I/O: scheduling, claiming, delivering with retries, settling."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from animo_publisher.adapters import Outcome, sign
from animo_publisher.models import Channel, Post, PostIn, PostStatus
from animo_publisher.service import PublisherService, UnknownChannels
from animo_shared.events import decode_event
from animo_shared.store import Changes

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def channel(cid: str, brand: str = "acme") -> Channel:
    return Channel(
        id=cid,
        brand=brand,
        kind="webhook",
        name=cid,
        url="http://h/x",
        secret="s" * 20,
        created_at=NOW,
    )


class FakePosts:
    def __init__(self, *channels: Channel) -> None:
        self._channels = {c.id: c for c in channels}
        self.posts: dict[str, Post] = {}
        self.commits: list[Changes] = []

    async def channels(self, ids: list[str]) -> dict[str, Channel]:
        return {i: self._channels[i] for i in ids if i in self._channels}

    async def add_channel(self, c: Channel) -> None:
        self._channels[c.id] = c

    async def add_post(self, post: Post) -> None:
        self.posts[post.id] = post

    async def due(self, now: datetime, limit: int) -> list[Post]:
        return [
            p
            for p in self.posts.values()
            if p.status is PostStatus.SCHEDULED and p.publish_at <= now
        ][:limit]

    async def stale(self, before: datetime, limit: int) -> list[Post]:
        return []

    async def claim(self, post: Post, now: datetime) -> bool:
        if self.posts[post.id].status is not PostStatus.SCHEDULED:
            return False
        self.posts[post.id] = post.model_copy(update={"status": PostStatus.PUBLISHING})
        return True

    async def release(self, post: Post) -> None:
        pass

    def stage(self, changes: Changes, post: Post) -> None:
        self.posts[post.id] = post

    async def commit(self, changes: Changes) -> None:
        self.commits.append(changes)


class ScriptedNetwork:
    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[str] = []

    async def deliver(self, c: Channel, post: Post) -> Outcome:
        self.calls.append(c.id)
        return self.outcomes.pop(0)


async def test_posts_may_only_use_the_brands_own_channels() -> None:
    service = PublisherService(
        FakePosts(channel("a"), channel("b", brand="other")), ScriptedNetwork()
    )
    with pytest.raises(UnknownChannels) as refused:
        await service.schedule(PostIn(brand="acme", text="hi", channels=["a", "b", "zz"]), NOW)
    assert refused.value.missing == ["b", "zz"]


async def test_due_posts_are_delivered_once_with_retries_and_reported() -> None:
    posts = FakePosts(channel("a"), channel("b"))
    network = ScriptedNetwork(
        Outcome(ok=False, retryable=True, error="HTTP 503"),
        Outcome(ok=True, external_id="x1"),
        Outcome(ok=False, retryable=False, error="HTTP 401"),
    )
    service = PublisherService(posts, network)
    later = await service.schedule(
        PostIn(brand="acme", text="later", channels=["a"], publish_at=NOW + timedelta(hours=1)),
        NOW,
    )
    post = await service.schedule(PostIn(brand="acme", text="now", channels=["a", "b"]), NOW)
    assert await service.publish_due(NOW) == 1
    assert await service.publish_due(NOW) == 0, "a delivered post is not sent again"
    assert network.calls == ["a", "a", "b"]
    settled = posts.posts[post.id]
    assert settled.status is PostStatus.PARTLY_FAILED
    assert [d.status for d in settled.deliveries] == ["published", "failed"]
    events = [decode_event(m.topic, m.value) for m in posts.commits[0].outbox]
    assert [e.type for e in events] == ["post.published", "post.failed"]
    assert events[1].data.reason == "HTTP 401" and events[1].data.retryable is False
    assert posts.posts[later.id].status is PostStatus.SCHEDULED


def test_webhook_signature_is_hmac_sha256_over_timestamp_and_body() -> None:
    body = b'{"text": "hello"}'
    expected = hmac.new(b"k" * 16, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("k" * 16, "1700000000", body) == f"sha256={expected}"
    assert sign("k" * 16, "1700000001", body) != f"sha256={expected}"
