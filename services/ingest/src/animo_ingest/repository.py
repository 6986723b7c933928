"""Ingest's storage of what it accepted: mentions (the dedup index), text fingerprints, engagement ids."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from animo_shared.runtime import Runtime
from animo_shared.store import Changes, Index, Range

from .coalesce import GroupCommit, SharedReads
from .models import EngagementRecord, FingerprintRecord, MentionRecord
from .repository_listening import find_all


class MentionRepository:
    """The `Ledger` of the service: every read it needs to deduplicate, every write staged in a batch."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        store = runtime.store
        self._mentions = store.collection(
            "mentions",
            MentionRecord,
            [
                Index(("brand", "published_at")),
                Index(("received_at",)),
                # Erasure finds a person's mentions by the identity crm names.
                Index(("brand", "source", "author_handle")),
            ],
        )
        self._fingerprints = store.collection("fingerprints", FingerprintRecord)
        self._engagement = store.collection(
            "engagement",
            EngagementRecord,
            [Index(("brand", "occurred_at")), Index(("brand", "source", "handle"))],
        )
        # Concurrent requests share their dedup lookups and their transaction.
        self._known_mentions = SharedReads(self._mentions.get_many)
        self._known_prints = SharedReads(self._fingerprints.get_many)
        self._group = GroupCommit(runtime.publish)

    async def mentions(self, ids: Sequence[str]) -> dict[str, MentionRecord]:
        return await self._known_mentions.get_many(ids)

    async def fingerprints(self, ids: Sequence[str]) -> dict[str, FingerprintRecord]:
        return await self._known_prints.get_many(ids)

    async def known_engagements(self, ids: Sequence[str]) -> set[str]:
        return set(await self._engagement.get_many(ids))

    def stage_mention(self, changes: Changes, record: MentionRecord) -> None:
        changes.insert_if_absent(self._mentions, record)

    def stage_fingerprint(self, changes: Changes, record: FingerprintRecord) -> None:
        changes.put(self._fingerprints, record)

    def stage_engagement(self, changes: Changes, record: EngagementRecord) -> None:
        changes.insert_if_absent(self._engagement, record)

    async def commit(self, changes: Changes) -> None:
        """Store a request's changes, in one transaction with those of concurrent requests."""
        await self._group.commit(changes)

    # --- erasure ----------------------------------------------------------------

    async def mentions_by(self, brand: str, source: str, handle: str) -> list[MentionRecord]:
        """Every mention of a brand by one author on one source."""
        where = {"brand": brand, "source": source, "author_handle": handle}
        return await find_all(self._mentions, where)

    async def engagements_by(self, brand: str, source: str, handle: str) -> list[EngagementRecord]:
        """Every engagement event of a brand by one member identity."""
        return await find_all(
            self._engagement, {"brand": brand, "source": source, "handle": handle}
        )

    def stage_replace_mention(self, changes: Changes, record: MentionRecord) -> None:
        changes.put(self._mentions, record)

    def stage_forget_fingerprint(self, changes: Changes, fingerprint_id: str) -> None:
        changes.delete(self._fingerprints, fingerprint_id)

    def stage_replace_engagement(self, changes: Changes, record: EngagementRecord) -> None:
        changes.put(self._engagement, record)

    # --- reads for the API --------------------------------------------------------

    async def get(self, mention_id: str) -> MentionRecord | None:
        return await self._mentions.get(mention_id)

    async def recent(self, limit: int) -> list[MentionRecord]:
        """The last `limit` mentions received, newest first (to warm the near-duplicate index)."""
        found: list[MentionRecord] = []
        while len(found) < limit:
            page = await self._mentions.find(
                order_by="received_at",
                descending=True,
                limit=min(500, limit - len(found)),
                offset=len(found),
            )
            found.extend(page)
            if len(page) < 500:
                break
        return found

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
