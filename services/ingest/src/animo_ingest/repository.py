"""Ingest's storage: the mentions it accepted, which double as the dedup index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from animo_shared.runtime import Runtime
from animo_shared.store import Changes, Index, Range

from .models import MentionRecord


class MentionRepository:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._mentions = runtime.store.collection(
            "mentions", MentionRecord, [Index(("brand", "published_at"))]
        )

    async def known_ids(self, ids: Sequence[str]) -> set[str]:
        return set(await self._mentions.get_many(ids))

    def stage(self, changes: Changes, record: MentionRecord) -> None:
        changes.insert_if_absent(self._mentions, record)

    async def commit(self, changes: Changes) -> None:
        await self._runtime.publish(changes)

    async def get(self, mention_id: str) -> MentionRecord | None:
        return await self._mentions.get(mention_id)

    async def page(
        self, brand: str, start: datetime | None, end: datetime | None, limit: int, offset: int
    ) -> tuple[list[MentionRecord], int]:
        window = Range("published_at", start, end)
        items = await self._mentions.find(
            {"brand": brand},
            range=window,
            order_by="published_at",
            descending=True,
            limit=limit,
            offset=offset,
        )
        return items, await self._mentions.count({"brand": brand}, range=window)
