"""The publisher's domain: schedule posts, deliver them when due, and report each delivery as an event."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Protocol

from animo_shared.bus import to_message
from animo_shared.events import PostFailed, PostPublished, derive_id, make_event
from animo_shared.store import Changes

from .adapters import Outcome
from .models import Channel, ChannelIn, Delivery, Post, PostIn, PostStatus

# A claim older than this is a publisher that died mid-delivery: the post is retried.
STALE_CLAIM = timedelta(minutes=5)
MAX_ATTEMPTS = 3


class UnknownChannels(ValueError):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"unknown channels for this brand: {', '.join(missing)}")
        self.missing = missing


class PostStore(Protocol):
    async def channels(self, ids: list[str]) -> dict[str, Channel]: ...
    async def add_channel(self, channel: Channel) -> None: ...
    async def add_post(self, post: Post) -> None: ...
    async def due(self, now: datetime, limit: int) -> list[Post]: ...
    async def stale(self, before: datetime, limit: int) -> list[Post]: ...
    async def claim(self, post: Post, now: datetime) -> bool: ...
    async def release(self, post: Post) -> None: ...
    def stage(self, changes: Changes, post: Post) -> None: ...
    async def commit(self, changes: Changes) -> None: ...


class Deliverer(Protocol):
    async def deliver(self, channel: Channel, post: Post) -> Outcome: ...


def new_channel(body: ChannelIn, now: datetime) -> Channel:
    return Channel(
        id="ch_" + secrets.token_hex(8),
        brand=body.brand,
        kind=body.kind,
        name=body.name,
        url=str(body.url),
        secret=body.secret.get_secret_value(),
        created_at=now,
    )


def settle(post: Post) -> PostStatus:
    states = {d.status for d in post.deliveries}
    if states == {"published"}:
        return PostStatus.PUBLISHED
    if "published" in states:
        return PostStatus.PARTLY_FAILED
    return PostStatus.FAILED


class PublisherService:
    def __init__(self, posts: PostStore, deliverer: Deliverer) -> None:
        self.posts = posts
        self.deliverer = deliverer

    async def schedule(self, body: PostIn, now: datetime) -> Post:
        found = await self.posts.channels(body.channels)
        missing = [c for c in body.channels if c not in found or found[c].brand != body.brand]
        if missing:
            raise UnknownChannels(missing)
        post = Post(
            id="post_" + secrets.token_hex(8),
            brand=body.brand,
            text=body.text,
            publish_at=body.publish_at or now,
            status=PostStatus.SCHEDULED,
            deliveries=[Delivery(channel_id=c) for c in dict.fromkeys(body.channels)],
            created_at=now,
        )
        await self.posts.add_post(post)
        return post

    async def publish_due(self, now: datetime, limit: int = 20) -> int:
        """Deliver what is due; a post is claimed first so two publishers never send it twice."""
        for stuck in await self.posts.stale(now - STALE_CLAIM, limit):
            await self.posts.release(stuck)
        done = 0
        for post in await self.posts.due(now, limit):
            if await self.posts.claim(post, now):
                await self._deliver(post, now)
                done += 1
        return done

    async def _deliver(self, post: Post, now: datetime) -> None:
        channels = await self.posts.channels([d.channel_id for d in post.deliveries])
        changes = Changes()
        deliveries: list[Delivery] = []
        for delivery in post.deliveries:
            channel = channels.get(delivery.channel_id)
            if delivery.status == "published" or channel is None:
                deliveries.append(
                    delivery
                    if channel
                    else delivery.model_copy(
                        update={"status": "failed", "error": "channel deleted"}
                    )
                )
                continue
            outcome = Outcome(ok=False, retryable=True)
            for _ in range(MAX_ATTEMPTS):
                outcome = await self.deliverer.deliver(channel, post)
                if outcome.ok or not outcome.retryable:
                    break
            deliveries.append(
                Delivery(
                    channel_id=channel.id,
                    status="published" if outcome.ok else "failed",
                    at=now,
                    external_id=outcome.external_id,
                    error=outcome.error,
                )
            )
            payload: PostPublished | PostFailed
            if outcome.ok:
                payload = PostPublished(
                    post_id=post.id,
                    brand=post.brand,
                    channel_id=channel.id,
                    channel_kind=channel.kind,
                    published_at=now,
                    external_id=outcome.external_id,
                )
            else:
                payload = PostFailed(
                    post_id=post.id,
                    brand=post.brand,
                    channel_id=channel.id,
                    channel_kind=channel.kind,
                    failed_at=now,
                    reason=outcome.error or "unknown",
                    retryable=outcome.retryable,
                )
            envelope = make_event(
                payload,
                event_id=derive_id(payload.__class__.__name__, post.id, channel.id),
                source="animo/publisher",
                brand=post.brand,
                subject=post.id,
                time=now,
            )
            changes.publish(to_message(envelope, f"{post.brand}:{post.id}"))
        settled = post.model_copy(update={"deliveries": deliveries})
        self.posts.stage(changes, settled.model_copy(update={"status": settle(settled)}))
        await self.posts.commit(changes)
