"""Ingest's storage of what it listens with: brands, their queries, pulled sources and their state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from animo_shared.runtime import Runtime
from animo_shared.store import Changes, Collection, Document, Index

from .brands import BrandRecord, QueryRecord
from .sources import SourceRecord, SourceState

D = TypeVar("D", bound=Document)
_PAGE = 500


async def find_all(collection: Collection[D], where: Mapping[str, Any] | None = None) -> list[D]:
    """All matching documents, read a page at a time in id order."""
    found: list[D] = []
    while True:
        page = await collection.find(where, order_by="id", limit=_PAGE, offset=len(found))
        found.extend(page)
        if len(page) < _PAGE:
            return found


class BrandRepository:
    """Brands and queries; also the catalog's `QuerySource`."""

    def __init__(self, runtime: Runtime) -> None:
        store = runtime.store
        self._brands = store.collection("brands", BrandRecord)
        self._queries = store.collection(
            "queries", QueryRecord, [Index(("brand", "enabled")), Index(("enabled",))]
        )

    async def get_brand(self, brand: str) -> BrandRecord | None:
        return await self._brands.get(brand)

    async def insert_brand(self, record: BrandRecord) -> bool:
        return await self._brands.insert(record)

    async def put_brand(self, record: BrandRecord) -> None:
        await self._brands.put(record)

    async def page_brands(self, limit: int, offset: int) -> tuple[list[BrandRecord], int]:
        items = await self._brands.find(order_by="id", limit=limit, offset=offset)
        return items, await self._brands.count()

    async def get_query(self, query_id: str) -> QueryRecord | None:
        return await self._queries.get(query_id)

    async def put_query(self, record: QueryRecord) -> None:
        await self._queries.put(record)

    async def delete_query(self, query_id: str) -> bool:
        return await self._queries.delete(query_id)

    async def brand_queries(self, brand: str) -> list[QueryRecord]:
        found = await find_all(self._queries, {"brand": brand})
        return sorted(found, key=lambda q: (q.created_at, q.id))

    async def count_queries(self, brand: str) -> int:
        return await self._queries.count({"brand": brand})

    async def enabled_queries(self, brand: str | None) -> list[QueryRecord]:
        where: dict[str, Any] = {"enabled": True}
        if brand is not None:
            where["brand"] = brand
        return await find_all(self._queries, where)


class SourceRepository:
    def __init__(self, runtime: Runtime) -> None:
        store = runtime.store
        self._sources = store.collection("sources", SourceRecord)
        self._states = store.collection("source_states", SourceState)

    async def get_source(self, source_id: str) -> SourceRecord | None:
        return await self._sources.get(source_id)

    async def insert_source(self, record: SourceRecord) -> bool:
        return await self._sources.insert(record)

    async def delete_source(self, source_id: str) -> bool:
        deleted = await self._sources.delete(source_id)
        await self._states.delete(source_id)
        return deleted

    async def all_sources(self) -> list[SourceRecord]:
        return await find_all(self._sources)

    async def states(self, ids: list[str]) -> dict[str, SourceState]:
        return await self._states.get_many(ids)

    def stage_state(self, changes: Changes, state: SourceState) -> None:
        changes.put(self._states, state)
