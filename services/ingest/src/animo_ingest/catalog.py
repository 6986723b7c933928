"""Every brand's enabled listening queries, compiled once into a `QueryIndex` per brand and kept fresh."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from .brands import QueryRecord, QueryTestResults, SampleResult, SampleText
from .normalise import handle_of, source_name
from .query import Document, Prepared, Query, QueryIndex, QuerySyntaxError, parse, prepare
from .text import clean

log = logging.getLogger(__name__)


def try_query(query: str, texts: Iterable[str | SampleText]) -> QueryTestResults:
    """Match a query against sample texts, normalised exactly as ingest normalises mentions.

    Raises QuerySyntaxError. A text without `lang` gets the detected language, as a
    mention would, so `lang:fr` is tested the way it will run.
    """
    parsed = parse(query)
    results = []
    for sample in texts:
        given = SampleText(text=sample) if isinstance(sample, str) else sample
        cleaned = clean(given.text, given.lang)
        prepared = prepare(
            Document(
                cleaned.text,
                # A regional tag ("fr-CA") is kept for lang: filters that name the region.
                lang=given.lang or cleaned.lang,
                source=source_name(given.source.strip().lower()) if given.source else None,
                author=handle_of(given.author) if given.author else None,
                url=given.url,
            )
        )
        match = parsed.match(prepared)
        results.append(SampleResult(matched=match.matched, terms=list(match.terms)))
    return QueryTestResults(canonical=parsed.canonical, results=results)


class QuerySource(Protocol):
    async def enabled_queries(self, brand: str | None) -> list[QueryRecord]:
        """The enabled queries of one brand, or of every brand when `brand` is None."""
        ...


class QueryCatalog:
    """A cache of compiled queries per brand.

    A change made through this process invalidates its brand at once (`invalidate`); the
    whole cache is also reloaded every `ttl_seconds`, which is how a change made through
    another ingest process arrives. Parsed queries are reused across reloads, so a reload
    costs a read and index builds, not a re-parse of every query.
    """

    def __init__(
        self,
        source: QuerySource,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._ttl = ttl_seconds
        self._clock = clock
        self._parsed: dict[tuple[str, str], Query] = {}
        self._indexes: dict[str, QueryIndex] = {}
        self._competitor_of: dict[str, str] = {}
        self._loaded_at: float | None = None
        self._stale: set[str] = set()
        self._lock = asyncio.Lock()

    def invalidate(self, brand: str) -> None:
        self._stale.add(brand)

    async def match(self, brand: str, prepared: Prepared) -> list[str]:
        """Ids of the brand's enabled queries that match, in the order they were created."""
        index = (await self._fresh()).get(brand)
        return index.match(prepared) if index else []

    async def match_all(self, prepared: Prepared) -> dict[str, list[str]]:
        """For each brand with at least one matching query, the ids of those queries."""
        found: dict[str, list[str]] = {}
        for brand, index in (await self._fresh()).items():
            ids = index.match(prepared)
            if ids:
                found[brand] = ids
        return found

    def competitors(self, query_ids: Iterable[str]) -> list[str]:
        """The competitors named by these queries (share of voice); own-brand queries name none."""
        return sorted({self._competitor_of[i] for i in query_ids if i in self._competitor_of})

    async def brands(self) -> list[str]:
        """The brands that have at least one enabled query."""
        return sorted(await self._fresh())

    async def _fresh(self) -> dict[str, QueryIndex]:
        async with self._lock:
            now = self._clock()
            if self._loaded_at is None or now - self._loaded_at >= self._ttl:
                self._stale.clear()
                records = await self._source.enabled_queries(None)
                self._indexes = self._build(records, prune=True)
                self._loaded_at = now
            elif self._stale:
                # Taken before awaiting, so an invalidation arriving meanwhile is kept for next time.
                stale, self._stale = self._stale, set()
                for brand in stale:
                    rebuilt = self._build(await self._source.enabled_queries(brand))
                    if brand in rebuilt:
                        self._indexes[brand] = rebuilt[brand]
                    else:
                        self._indexes.pop(brand, None)
            return self._indexes

    def _build(self, records: Iterable[QueryRecord], prune: bool = False) -> dict[str, QueryIndex]:
        by_brand: dict[str, list[tuple[str, Query]]] = {}
        used: set[tuple[str, str]] = set()
        for record in sorted(records, key=lambda r: (r.created_at, r.id)):
            key = (record.id, record.query)
            query = self._parsed.get(key)
            if query is None:
                try:
                    query = self._parsed[key] = parse(record.query)
                except QuerySyntaxError as error:
                    # Stored queries were parsed when saved; one the language no longer
                    # reads must not stop ingestion, so it is skipped and logged.
                    log.error("query %s of %s no longer parses: %s", record.id, record.brand, error)
                    continue
            used.add(key)
            by_brand.setdefault(record.brand, []).append((record.id, query))
            if record.kind == "competitor" and record.competitor:
                self._competitor_of[record.id] = record.competitor
        if prune:
            self._parsed = {key: q for key, q in self._parsed.items() if key in used}
        return {brand: QueryIndex(queries) for brand, queries in by_brand.items()}
