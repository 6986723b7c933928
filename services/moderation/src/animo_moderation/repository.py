"""Moderation's storage: one decision per mention."""

from __future__ import annotations

from animo_shared.events import ModerationAction
from animo_shared.store import Changes, Index, Store

from .models import Decision


class DecisionRepository:
    def __init__(self, store: Store) -> None:
        self._decisions = store.collection(
            "decisions",
            Decision,
            [Index(("brand", "decided_at")), Index(("brand", "action", "decided_at"))],
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
