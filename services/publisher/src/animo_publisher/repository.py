"""The publisher's storage: channels, posts (with their delivery log), slots, audit and plans.

Posts change by compare-and-set on their `version`, so an edit, an approval and the
dispatcher's claim can never overwrite one another; what must be atomic with an event
(a delivery's outcome and its `post.*` event) goes through one `Changes` batch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from animo_shared.store import Changes, Index, Range, Store
from animo_shared.store.port import plain

from .activity import ActivityHour, hour_id
from .channels import Channel
from .models import AuditEntry, Post, PostStatus, Slot
from .plans import BrandSettings, Campaign, Queue
from .replies import ReplyTemplate

Commit = Callable[[Changes], Awaitable[None]]
_TICK = timedelta(microseconds=1)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # a lower bound that leaves out posts not waiting


def slot_id(post_id: str, channel_id: str) -> str:
    return f"{post_id}:{channel_id}"


class Repository:
    def __init__(self, store: Store, commit: Commit) -> None:
        self._commit = commit
        by_brand = [Index(("brand", "created_at"))]
        self._channels = store.collection(
            "channels", Channel, [*by_brand, Index(("health_announced", "health_changed_at"))]
        )
        self._posts = store.collection(
            "posts",
            Post,
            [
                Index(("dispatch_at",)),
                Index(("status", "claimed_at")),
                Index(("status", "updated_at")),
                Index(("brand", "created_at")),
                Index(("brand", "status", "created_at")),
            ],
        )
        self._slots = store.collection(
            "slots", Slot, [Index(("channel_id", "at")), Index(("queue_id", "at"))]
        )
        self._audit = store.collection("audit", AuditEntry, [Index(("post_id", "at"))])
        self._brands = store.collection("brands", BrandSettings)
        self._queues = store.collection("queues", Queue, by_brand)
        self._campaigns = store.collection("campaigns", Campaign, by_brand)
        self._activity = store.collection("activity", ActivityHour, [Index(("brand", "hour"))])
        self._templates = store.collection(
            "reply_templates",
            ReplyTemplate,
            [Index(("brand", "created_at")), Index(("brand", "topic", "created_at"))],
        )

    async def commit(self, changes: Changes) -> None:
        await self._commit(changes)

    # --- channels -------------------------------------------------------------

    async def add_channel(self, channel: Channel) -> None:
        await self._channels.insert(channel)

    async def delete_channel(self, channel_id: str) -> bool:
        return await self._channels.delete(channel_id)

    async def channel(self, channel_id: str) -> Channel | None:
        return await self._channels.get(channel_id)

    async def channels(self, ids: Sequence[str]) -> dict[str, Channel]:
        return await self._channels.get_many(list(dict.fromkeys(ids)))

    async def list_channels(self, brand: str) -> list[Channel]:
        return await self._channels.find({"brand": brand}, order_by="created_at", limit=500)

    def stage_channel(self, changes: Changes, channel: Channel) -> None:
        changes.put(self._channels, channel)

    async def update_channel_if(
        self, channel_id: str, expect: Mapping[str, object], values: Mapping[str, Any]
    ) -> bool:
        """Set these fields of a channel if its current ones equal `expect` (compare-and-set):
        new credentials must never be marked expired by an answer to an older request."""
        return await self._channels.update_if(channel_id, expect, plain(dict(values)))

    async def unannounced(self, before: datetime, limit: int) -> list[Channel]:
        """Channels whose last health change has no event in the outbox yet."""
        return await self._channels.find(
            {"health_announced": False},
            range=Range("health_changed_at", None, before),
            order_by="health_changed_at",
            limit=limit,
        )

    # --- posts ----------------------------------------------------------------

    async def add_post(self, post: Post) -> None:
        await self._posts.insert(post)

    async def post(self, post_id: str) -> Post | None:
        return await self._posts.get(post_id)

    async def posts(self, ids: Sequence[str]) -> dict[str, Post]:
        return await self._posts.get_many(list(dict.fromkeys(ids)))

    async def replace_if(
        self, post: Post, expected_version: int, fields: Sequence[str] | None = None
    ) -> bool:
        """Store `post` (or only these fields of it) if the stored one is still at
        `expected_version`: a compare-and-set."""
        values: dict[str, Any] = self._posts.to_storage(post)
        values.pop("id")
        if fields is not None:
            values = {name: values[name] for name in fields}
        return await self._posts.update_if(post.id, {"version": expected_version}, values)

    async def page(
        self, brand: str, status: PostStatus | None, limit: int, offset: int
    ) -> tuple[list[Post], int]:
        where: dict[str, object] = {"brand": brand}
        if status is not None:
            where["status"] = status
        items = await self._posts.find(
            where, order_by="created_at", descending=True, limit=limit, offset=offset
        )
        return items, await self._posts.count(where)

    async def due(self, now: datetime, limit: int) -> list[Post]:
        return await self._posts.find(
            range=Range("dispatch_at", None, now + _TICK), order_by="dispatch_at", limit=limit
        )

    async def next_dispatch_at(self) -> datetime | None:
        found = await self._posts.find(
            range=Range("dispatch_at", _EPOCH, None),
            order_by="dispatch_at",
            limit=1,
        )
        return found[0].dispatch_at if found else None

    async def stale(self, before: datetime, limit: int) -> list[Post]:
        return await self._posts.find(
            {"status": PostStatus.PUBLISHING},
            range=Range("claimed_at", None, before),
            order_by="claimed_at",
            limit=limit,
        )

    async def unchecked(self, before: datetime, limit: int) -> list[Post]:
        """Submitted posts last touched before `before`: moderation is due again."""
        return await self._posts.find(
            {"status": PostStatus.SUBMITTED},
            range=Range("updated_at", None, before),
            order_by="updated_at",
            limit=limit,
        )

    async def published(self, brand: str, limit: int) -> list[Post]:
        found: list[Post] = []
        for status in (PostStatus.PUBLISHED, PostStatus.PARTLY_FAILED):
            found += await self._posts.find(
                {"brand": brand, "status": status},
                order_by="created_at",
                descending=True,
                limit=limit,
            )
        return found

    def stage_post(self, changes: Changes, post: Post) -> None:
        changes.put(self._posts, post)

    # --- slots (what the cadence counts) ----------------------------------------

    async def slots_on(self, channel_id: str, start: datetime, end: datetime) -> list[Slot]:
        return await self._slots.find(
            {"channel_id": channel_id}, range=Range("at", start, end), order_by="at", limit=5000
        )

    async def queue_slots(self, queue_id: str, start: datetime, end: datetime) -> list[Slot]:
        return await self._slots.find(
            {"queue_id": queue_id}, range=Range("at", start, end), order_by="at", limit=5000
        )

    def stage_slots(self, changes: Changes, post: Post) -> None:
        assert post.scheduled_for is not None
        for channel_id in post.channels:
            slot = Slot(
                id=slot_id(post.id, channel_id),
                brand=post.brand,
                channel_id=channel_id,
                post_id=post.id,
                queue_id=post.queue_id,
                at=post.scheduled_for,
            )
            changes.put(self._slots, slot)

    def unstage_slots(self, changes: Changes, post: Post) -> None:
        for channel_id in post.channels:
            changes.delete(self._slots, slot_id(post.id, channel_id))

    # --- audit ----------------------------------------------------------------

    def stage_audit(self, changes: Changes, entry: AuditEntry) -> None:
        changes.put(self._audit, entry)

    async def audit(self, post_id: str, limit: int = 1000) -> list[AuditEntry]:
        return await self._audit.find({"post_id": post_id}, order_by="at", limit=limit)

    # --- brands, queues, campaigns, templates ------------------------------------

    async def brand(self, brand: str) -> BrandSettings | None:
        return await self._brands.get(brand)

    async def save_brand(self, settings: BrandSettings) -> None:
        await self._brands.put(settings)

    async def add_queue(self, queue: Queue) -> None:
        await self._queues.insert(queue)

    async def queue(self, queue_id: str) -> Queue | None:
        return await self._queues.get(queue_id)

    async def queues(self, brand: str) -> list[Queue]:
        return await self._queues.find({"brand": brand}, order_by="created_at", limit=500)

    async def delete_queue(self, queue_id: str) -> bool:
        return await self._queues.delete(queue_id)

    async def add_campaign(self, campaign: Campaign) -> None:
        await self._campaigns.insert(campaign)

    async def campaign(self, campaign_id: str) -> Campaign | None:
        return await self._campaigns.get(campaign_id)

    async def campaigns(self, brand: str) -> list[Campaign]:
        return await self._campaigns.find({"brand": brand}, order_by="created_at", limit=500)

    async def delete_campaign(self, campaign_id: str) -> bool:
        return await self._campaigns.delete(campaign_id)

    async def save_template(self, template: ReplyTemplate) -> None:
        await self._templates.put(template)

    async def template(self, template_id: str) -> ReplyTemplate | None:
        return await self._templates.get(template_id)

    async def templates(self, brand: str, topic: str | None) -> list[ReplyTemplate]:
        where: dict[str, object] = {"brand": brand}
        if topic is not None:
            where["topic"] = topic
        return await self._templates.find(where, order_by="created_at", limit=500)

    async def delete_template(self, template_id: str) -> bool:
        return await self._templates.delete(template_id)

    # --- the community's activity (engagement events, by hour) -----------------

    def stage_activity(self, changes: Changes, brand: str, hour: datetime, score: float) -> None:
        changes.increment(
            self._activity,
            hour_id(brand, hour),
            inc={"score": score, "events": 1},
            on_insert={"brand": brand, "hour": hour},
        )

    async def activity(self, brand: str, start: datetime, end: datetime) -> list[ActivityHour]:
        hours = int((end - start).total_seconds() // 3600) + 1
        return await self._activity.find(
            {"brand": brand}, range=Range("hour", start, end), order_by="hour", limit=hours
        )

    async def brand_posts(self, brand: str, limit: int, offset: int) -> list[Post]:
        """A brand's posts, oldest first, a page at a time (erasure reads them all)."""
        return await self._posts.find(
            {"brand": brand}, order_by="created_at", limit=limit, offset=offset
        )
