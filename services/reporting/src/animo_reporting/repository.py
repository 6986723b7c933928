"""Reporting's metric storage: bucket documents incremented in place, the join state, responses.

Layout (cheap reads): one totals document per brand x resolution x bucket start holds every
counter of that bucket, so a 90-day hourly report reads 2,160 documents; one slice document
per brand x resolution x start x source holds the language x sentiment x action x subject
cells for `group_by`. One in-place update may carry at most 63 fields on SQLite (its
`json_set` takes 127 arguments), so a batch that touches more counters of one bucket writes
them into extra `part` documents of that bucket; readers sum the parts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from animo_shared.events import MemberErased, derive_id
from animo_shared.forget import Author, Forgotten
from animo_shared.store import Changes, Collection, Index, Range, Store

from .aggregation import Counts, Effects
from .documents import (
    BrandSeen,
    MentionState,
    RankingBucket,
    ResponseRecord,
    SliceBucket,
    TotalsBucket,
)
from .timeframe import EPOCH

MAX_FIELDS = 60


def slot(brand: str, kind: str, moment: datetime) -> str:
    """A ranking bucket's sortable key; ranges of it are ranges of time for one brand and kind."""
    return f"{brand}|{kind}|{moment.astimezone(UTC):%Y-%m-%dT%H:%M}"


# Reads are bounded: more than this many documents for one report is a bug or an abuse.
MAX_READ = 1_000_000
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def chunks(names: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(names), size):
        yield names[start : start + size]


def spread(
    changes: Changes,
    collection: Collection[Any],
    id_parts: tuple[str, ...],
    key: Mapping[str, Any],
    inc: Counts,
    maxima: Counts | None = None,
) -> None:
    """One bucket's increments as one update per part of at most MAX_FIELDS fields."""
    maxima = maxima or {}
    names = sorted(name for name, amount in inc.items() if amount) + sorted(maxima)
    for part, chunk in enumerate(chunks(names, MAX_FIELDS)):
        changes.increment(
            collection,
            derive_id(*id_parts, str(part)),
            inc={name: inc[name] for name in chunk if name in inc},
            maximum={name: maxima[name] for name in chunk if name in maxima},
            on_insert={**key, "part": part},
        )


class BucketRepository:
    """The metric collections of reporting's store (the name predates the slices)."""

    def __init__(self, store: Store) -> None:
        self.totals = store.collection(
            "totals", TotalsBucket, [Index(("brand", "res", "start")), Index(("res", "start"))]
        )
        self.slices = store.collection(
            "slices", SliceBucket, [Index(("brand", "res", "start")), Index(("res", "start"))]
        )
        self.rankings = store.collection("rankings", RankingBucket, [Index(("slot",))])
        self.forgotten = Forgotten(store)
        self.brands = store.collection(
            "brands", BrandSeen, [Index(("brand",)), Index(("last_seen",))]
        )
        self.states = store.collection("mention_states", MentionState, [Index(("seen_at",))])
        self.responses = store.collection(
            "responses",
            ResponseRecord,
            [Index(("brand", "complained_at")), Index(("complained_at",))],
        )

    # -- writes -----------------------------------------------------------------

    def record(self, changes: Changes, effects: Effects) -> None:
        """A batch's effects as updates: one per bucket (per part), then the rewritten docs."""
        for (brand, res, start), counts in effects.totals.items():
            key = {"brand": brand, "res": res, "start": start}
            spread(changes, self.totals, ("totals", brand, res, start.isoformat()), key, counts)
        for (brand, res, start, source), counts in effects.slices.items():
            key = {"brand": brand, "res": res, "start": start, "source": source}
            spread(
                changes, self.slices, ("slice", brand, res, start.isoformat(), source), key, counts
            )
        for rank_key in effects.rank_inc.keys() | effects.rank_max.keys():
            brand, kind, hour, shard = rank_key
            spread(
                changes,
                self.rankings,
                ("rank", brand, kind, hour.isoformat(), str(shard)),
                {
                    "brand": brand,
                    "kind": kind,
                    "hour": hour,
                    "shard": shard,
                    "slot": slot(brand, kind, hour),
                },
                effects.rank_inc.get(rank_key, {}),
                effects.rank_max.get(rank_key),
            )
        for brand, (first, last) in effects.seen.items():
            changes.increment(
                self.brands,
                brand,
                minimum={"first_seen": first},
                maximum={"last_seen": last},
                on_insert={"brand": brand},
            )
        # Puts last and together: the embedded store writes consecutive puts in one statement.
        for state in effects.states.values():
            changes.put(self.states, state)
        for mention_id in effects.dropped:
            changes.delete(self.states, mention_id)
        for response in effects.responses:
            changes.put(self.responses, response)

    async def erased_authors(self, authors: Iterable[Author]) -> dict[Author, datetime]:
        return await self.forgotten.erased_at(authors)

    def remember_erased(self, changes: Changes, erased: MemberErased) -> None:
        self.forgotten.remember(changes, erased)

    async def erase_authors(self, changes: Changes, erased: Mapping[str, set[str]]) -> int:
        """Rewrite, without the erased members' counters, every stored author ranking of the
        brand that holds one; returns how many documents. Runs before `record` in the same
        batch: its puts are read before the batch, the batch's increments then apply on top
        (one reporting writer, so nothing else changes them in between)."""
        rewritten = 0
        for brand, names in erased.items():
            span = Range("slot", slot(brand, "authors", EPOCH), slot(brand, "authors", FAR_FUTURE))
            for doc in await self.rankings.find(range=span, limit=MAX_READ):
                counters = doc.counters()
                if names.isdisjoint(counters):
                    continue
                kept = {k: v for k, v in doc.model_dump().items() if k not in names}
                changes.put(self.rankings, RankingBucket.model_validate(kept))
                rewritten += 1
        return rewritten

    # -- reads ------------------------------------------------------------------

    async def load_states(self, ids: Iterable[str]) -> dict[str, MentionState]:
        return await self.states.get_many(sorted(ids))

    async def totals_between(
        self, brand: str, res: str, start: datetime, end: datetime
    ) -> list[TotalsBucket]:
        return await self.totals.find(
            {"brand": brand, "res": res},
            range=Range("start", start, end),
            order_by="start",
            limit=MAX_READ,
        )

    async def between(self, brand: str, start: datetime, end: datetime) -> list[TotalsBucket]:
        """Hourly totals buckets of a brand (what the first reports read)."""
        return await self.totals_between(brand, "hour", start, end)

    async def lifetime(self, brand: str) -> list[TotalsBucket]:
        return await self.totals.find({"brand": brand, "res": "all"}, limit=MAX_READ)

    async def slices_between(
        self, brand: str, res: str, start: datetime, end: datetime, limit: int
    ) -> list[SliceBucket]:
        return await self.slices.find(
            {"brand": brand, "res": res},
            range=Range("start", start, end),
            order_by="start",
            limit=limit,
        )

    async def rankings_between(
        self, brand: str, kind: str, start: datetime, end: datetime
    ) -> list[RankingBucket]:
        span = Range("slot", slot(brand, kind, start), slot(brand, kind, end))
        return await self.rankings.find(range=span, limit=MAX_READ)

    async def responses_between(
        self, brand: str, start: datetime, end: datetime
    ) -> list[ResponseRecord]:
        return await self.responses.find(
            {"brand": brand},
            range=Range("complained_at", start, end),
            order_by="complained_at",
            limit=MAX_READ,
        )

    async def brand(self, brand: str) -> BrandSeen | None:
        return await self.brands.get(brand)

    async def brands_seen_since(self, since: datetime | None, limit: int) -> list[BrandSeen]:
        return await self.brands.find(
            range=Range("last_seen", since, None), order_by="last_seen", limit=limit
        )

    # -- retention --------------------------------------------------------------

    async def expired(self, what: str, cutoff: datetime, limit: int) -> list[str]:
        """Ids of documents older than the cutoff, for one kind of data (see `EXPIRING`)."""
        if what == "rankings":  # indexed by slot only: brand by brand
            ids: list[str] = []
            for seen in await self.brands_seen_since(None, MAX_READ):
                for kind in ("authors", "terms"):
                    span = Range(
                        "slot", slot(seen.brand, kind, EPOCH), slot(seen.brand, kind, cutoff)
                    )
                    found = await self.rankings.find(range=span, limit=limit - len(ids))
                    ids += [doc.id for doc in found]
                    if len(ids) >= limit:
                        return ids
            return ids
        collection, where, field = self._expiring(what)
        found = await collection.find(where, range=Range(field, None, cutoff), limit=limit)
        return [doc.id for doc in found]

    def delete(self, changes: Changes, what: str, ids: Iterable[str]) -> None:
        collection = self.rankings if what == "rankings" else self._expiring(what)[0]
        for doc_id in ids:
            changes.delete(collection, doc_id)

    def _expiring(self, what: str) -> tuple[Collection[Any], dict[str, str], str]:
        res = what.split(":", 1)[1] if ":" in what else ""
        table: dict[str, tuple[Collection[Any], dict[str, str], str]] = {
            "totals": (self.totals, {"res": res}, "start"),
            "slices": (self.slices, {"res": res}, "start"),
            "states": (self.states, {}, "seen_at"),
            "responses": (self.responses, {}, "complained_at"),
        }
        return table[what.split(":", 1)[0]]


EXPIRING = (
    "totals:minute",
    "totals:hour",
    "totals:day",
    "slices:hour",
    "slices:day",
    "rankings",
    "states",
    "responses",
)
