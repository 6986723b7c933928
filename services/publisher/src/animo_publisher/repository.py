"""The publisher's storage: channels and posts, with a compare-and-set claim on due posts."""

from __future__ import annotations

from datetime import datetime

from animo_shared.runtime import Runtime
from animo_shared.store import Changes, Index, Range

from .models import Channel, Post, PostStatus


class PostRepository:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        store = runtime.store
        self._channels = store.collection("channels", Channel, [Index(("brand", "created_at"))])
        self._posts = store.collection(
            "posts",
            Post,
            [
                Index(("status", "publish_at")),
                Index(("status", "claimed_at")),
                Index(("brand", "created_at")),
                Index(("brand", "status", "created_at")),
            ],
        )

    async def channels(self, ids: list[str]) -> dict[str, Channel]:
        return await self._channels.get_many(ids)

    async def list_channels(self, brand: str) -> list[Channel]:
        return await self._channels.find({"brand": brand}, order_by="created_at", limit=500)

    async def add_channel(self, channel: Channel) -> None:
        await self._channels.insert(channel)

    async def add_post(self, post: Post) -> None:
        await self._posts.insert(post)

    async def get(self, post_id: str) -> Post | None:
        return await self._posts.get(post_id)

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
            {"status": PostStatus.SCHEDULED},
            range=Range("publish_at", None, now),
            order_by="publish_at",
            limit=limit,
        )

    async def stale(self, before: datetime, limit: int) -> list[Post]:
        return await self._posts.find(
            {"status": PostStatus.PUBLISHING},
            range=Range("claimed_at", None, before),
            limit=limit,
        )

    async def claim(self, post: Post, now: datetime) -> bool:
        return await self._posts.update_if(
            post.id,
            {"status": PostStatus.SCHEDULED},
            {"status": PostStatus.PUBLISHING.value, "claimed_at": now},
        )

    async def release(self, post: Post) -> None:
        await self._posts.update_if(
            post.id, {"status": PostStatus.PUBLISHING}, {"status": PostStatus.SCHEDULED.value}
        )

    def stage(self, changes: Changes, post: Post) -> None:
        changes.put(self._posts, post)

    async def commit(self, changes: Changes) -> None:
        await self._runtime.publish(changes)
