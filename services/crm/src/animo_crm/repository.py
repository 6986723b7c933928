"""The CRM's storage: members, updated in place with counters so replays and batches stay cheap."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from animo_shared.events import MentionModerated, MentionReceived
from animo_shared.store import Changes, Index, Store

from .models import Member


class MemberRepository:
    def __init__(self, store: Store) -> None:
        self._members = store.collection(
            "members",
            Member,
            [
                Index(("brand", "mentions")),
                Index(("brand", "last_seen")),
                Index(("brand", "source", "handle")),
            ],
        )

    async def existing(self, ids: Sequence[str]) -> set[str]:
        return set(await self._members.get_many(ids))

    def count_mention(self, changes: Changes, member_id: str, mention: MentionReceived) -> None:
        latest: dict[str, Any] = {}
        if mention.author.name is not None:
            latest["name"] = mention.author.name
        if mention.author.followers is not None:
            latest["followers"] = mention.author.followers
        changes.increment(
            self._members,
            member_id,
            inc={"mentions": 1},
            set=latest,
            minimum={"first_seen": mention.published_at},
            maximum={"last_seen": mention.published_at},
            on_insert={
                "brand": mention.brand,
                "source": mention.source,
                "handle": mention.author.handle,
            },
        )

    def count_decision(
        self, changes: Changes, member_id: str, decision: MentionModerated, counter: str
    ) -> None:
        changes.increment(
            self._members,
            member_id,
            inc={counter: 1},
            on_insert={
                "brand": decision.brand,
                "source": decision.source,
                "handle": decision.author_handle,
            },
        )

    async def get(self, member_id: str) -> Member | None:
        return await self._members.get(member_id)

    async def page(
        self, brand: str, sort: str, limit: int, offset: int
    ) -> tuple[list[Member], int]:
        items = await self._members.find(
            {"brand": brand}, order_by=sort, descending=True, limit=limit, offset=offset
        )
        return items, await self._members.count({"brand": brand})
