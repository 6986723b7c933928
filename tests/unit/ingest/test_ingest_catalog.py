"""The query catalog without I/O: per-brand indexes, invalidation, reloads; and the query tester."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from animo_ingest.brands import QueryRecord, SampleText
from animo_ingest.catalog import QueryCatalog, try_query
from animo_ingest.query import Document, QuerySyntaxError, prepare

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def record(query_id: str, brand: str, text: str, minute: int = 0, **over: object) -> QueryRecord:
    return QueryRecord.model_validate(
        {
            "id": query_id,
            "brand": brand,
            "name": query_id,
            "query": text,
            "kind": "own",
            "created_at": T0 + timedelta(minutes=minute),
            "updated_at": T0,
            **over,
        }
    )


class Source:
    def __init__(self, *records: QueryRecord) -> None:
        self.records = list(records)
        self.reads: list[str | None] = []

    async def enabled_queries(self, brand: str | None) -> list[QueryRecord]:
        self.reads.append(brand)
        return [r for r in self.records if r.enabled and brand in (None, r.brand)]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def text(value: str, **fields: str) -> object:
    return prepare(Document(value, **fields))  # type: ignore[arg-type]


async def test_a_brand_gets_the_ids_of_its_matching_queries_in_creation_order() -> None:
    source = Source(
        record("z-late", "acme", "vélo", minute=5),
        record("a-early", "acme", "velo OR bike", minute=1),
        record("other", "colibri", "vélo"),
        record("off", "acme", "vélo", enabled=False),
    )
    catalog = QueryCatalog(source, ttl_seconds=60)
    prepared = prepare(Document("Mon VÉLO est arrivé"))
    assert await catalog.match("acme", prepared) == ["a-early", "z-late"]
    assert await catalog.match("nobody", prepared) == []
    assert await catalog.match_all(prepared) == {
        "acme": ["a-early", "z-late"],
        "colibri": ["other"],
    }
    assert await catalog.brands() == ["acme", "colibri"]
    assert source.reads == [None], "loaded once, then served from the cache"


async def test_invalidating_a_brand_reloads_that_brand_only() -> None:
    source = Source(record("q1", "acme", "vélo"), record("q2", "colibri", "vélo"))
    catalog = QueryCatalog(source, ttl_seconds=60)
    prepared = prepare(Document("vélo colis"))
    await catalog.match("acme", prepared)
    source.records[0] = record("q1", "acme", "colis")
    source.records.append(record("q3", "acme", "vélo", minute=1))
    assert await catalog.match("acme", prepared) == ["q1"], "not invalidated: still cached"
    catalog.invalidate("acme")
    assert await catalog.match("acme", prepared) == ["q1", "q3"]
    assert source.reads == [None, "acme"]
    source.records = [r for r in source.records if r.brand != "acme"]
    catalog.invalidate("acme")
    assert await catalog.match_all(prepared) == {"colibri": ["q2"]}


async def test_changes_made_elsewhere_arrive_when_the_cache_expires() -> None:
    clock = Clock()
    source = Source(record("q1", "acme", "vélo"))
    catalog = QueryCatalog(source, ttl_seconds=30, clock=clock)
    prepared = prepare(Document("vélo"))
    assert await catalog.match("acme", prepared) == ["q1"]
    source.records.append(record("q2", "acme", "vélo", minute=1))
    clock.now = 29
    assert await catalog.match("acme", prepared) == ["q1"]
    clock.now = 30
    assert await catalog.match("acme", prepared) == ["q1", "q2"]


async def test_a_stored_query_that_no_longer_parses_is_skipped_not_fatal() -> None:
    source = Source(record("broken", "acme", "colis AND"), record("ok", "acme", "colis"))
    catalog = QueryCatalog(source, ttl_seconds=60)
    assert await catalog.match("acme", prepare(Document("colis"))) == ["ok"]


def test_the_tester_answers_the_documented_example() -> None:
    results = try_query(
        '(livr* OR "colis perdu" OR @colibri_fr) NOT (#promo OR soldes) lang:fr',
        [
            SampleText(
                text="Toujours pas de livraison, mon colis perdu depuis lundi @Colibri_FR 😡",
                lang="fr",
                source="twitter",
                author="marie_l",
            ),
            SampleText(text="Livraison offerte ce week-end ! #promo", lang="fr"),
            SampleText(text="My parcel never arrived", lang="en"),
        ],
    )
    assert [(r.matched, r.terms) for r in results.results] == [
        (True, ["livr*", '"colis perdu"', "@colibri_fr", "lang:fr"]),
        (False, []),
        (False, []),
    ]
    assert results.canonical.startswith("((livr* OR")


def test_the_tester_normalises_like_ingest_html_aliases_and_detected_language() -> None:
    results = try_query(
        "livraison lang:fr source:twitter author:marie_l",
        [
            "<p>La <b>livraison</b> est encore en retard, quelle déception</p>",
            SampleText(
                text="<p>La <b>livraison</b> est encore en retard, quelle déception</p>",
                source="X",
                author="@Marie_L",
            ),
        ],
    )
    assert [r.matched for r in results.results] == [False, True]


def test_the_tester_refuses_a_query_with_its_position() -> None:
    with pytest.raises(QuerySyntaxError) as refused:
        try_query("livraison AND (retard OR", ["x"])
    assert (refused.value.position, refused.value.reason) == (22, "'OR' needs a term on its right")
