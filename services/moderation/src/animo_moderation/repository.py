"""Moderation's storage: one decision per mention, the review queue, and the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from animo_shared.events import ModerationAction
from animo_shared.store import Changes, Index, Range, Store

from .models import AuditEntry, Decision, ReviewItem, ReviewStatus


class DecisionRepository:
    def __init__(self, store: Store) -> None:
        self._decisions = store.collection(
            "decisions",
            Decision,
            [
                Index(("brand", "decided_at")),
                Index(("brand", "action", "decided_at")),
                Index(("brand", "published_at")),
                Index(("brand", "source", "author_handle")),
            ],
        )

    def stage(self, changes: Changes, decision: Decision) -> None:
        changes.put(self._decisions, decision)

    async def get(self, mention_id: str) -> Decision | None:
        return await self._decisions.get(mention_id)

    async def page(
        self, brand: str, action: ModerationAction | None, limit: int, offset: int
    ) -> tuple[list[Decision], int]:
        where: dict[str, object] = {"brand": brand}
        if action is not None:
            where["action"] = action
        items = await self._decisions.find(
            where, order_by="decided_at", descending=True, limit=limit, offset=offset
        )
        return items, await self._decisions.count(where)

    async def by_author(
        self, brand: str, source: str, handle: str, limit: int, offset: int = 0
    ) -> list[Decision]:
        """A brand's decisions on one account's mentions (to forget them), in id order."""
        return await self._decisions.find(
            {"brand": brand, "source": source, "author_handle": handle},
            limit=limit,
            offset=offset,
        )

    async def published_between(
        self, brand: str, start: datetime, end: datetime, limit: int, offset: int
    ) -> list[Decision]:
        """A brand's decisions on mentions published in [start, end), oldest first."""
        return await self._decisions.find(
            {"brand": brand},
            range=Range("published_at", start, end),
            order_by="published_at",
            limit=limit,
            offset=offset,
        )


class ReviewRepository:
    def __init__(self, store: Store) -> None:
        self._items = store.collection(
            "review_items",
            ReviewItem,
            [
                Index(("brand", "status", "created_at")),
                Index(("status", "created_at")),
                Index(("brand", "source", "author_handle")),
            ],
        )
        self._audit = store.collection(
            "audit", AuditEntry, [Index(("mention_id", "at")), Index(("brand", "at"))]
        )

    def enqueue(self, changes: Changes, item: ReviewItem) -> None:
        # Never over a settled item: a replayed decision does not reopen its review.
        changes.insert_if_absent(self._items, item)

    def stage(self, changes: Changes, item: ReviewItem) -> None:
        changes.put(self._items, item)

    def record(self, changes: Changes, entry: AuditEntry) -> None:
        changes.insert_if_absent(self._audit, entry)

    async def add_audit(self, entry: AuditEntry) -> None:
        await self._audit.insert(entry)

    async def by_author(
        self, brand: str, source: str, handle: str, limit: int, offset: int = 0
    ) -> list[ReviewItem]:
        """A brand's review items on one account's mentions (to forget them), in id order."""
        return await self._items.find(
            {"brand": brand, "source": source, "author_handle": handle},
            limit=limit,
            offset=offset,
        )

    async def get(self, decision_id: str) -> ReviewItem | None:
        return await self._items.get(decision_id)

    async def swap(self, item: ReviewItem, values: Mapping[str, Any]) -> bool:
        """Change an item only if nobody changed it since it was read (its revision)."""
        return await self._items.update_if(
            item.id,
            {"revision": item.revision, "status": item.status.value},
            {**values, "revision": item.revision + 1},
        )

    async def page(
        self,
        brand: str | None,
        status: ReviewStatus,
        older_than: datetime | None,
        limit: int,
        offset: int,
    ) -> tuple[list[ReviewItem], int]:
        where: dict[str, object] = {"status": status}
        if brand is not None:
            where["brand"] = brand
        window = Range("created_at", None, older_than) if older_than else None
        items = await self._items.find(
            where, range=window, order_by="created_at", limit=limit, offset=offset
        )
        return items, await self._items.count(where, range=window)

    async def audit(self, mention_id: str, limit: int = 500) -> list[AuditEntry]:
        return await self._audit.find({"mention_id": mention_id}, order_by="at", limit=limit)
