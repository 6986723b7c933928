"""Matching many queries on one prepared mention: the index must agree with evaluating every query."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from animo_ingest.query import (
    Document,
    Query,
    QueryIndex,
    fold,
    match_many,
    parse,
    prepare,
)
from animo_ingest.query.bench import main as run_benchmark
from animo_ingest.query.matcher import _index
from animo_ingest.query.samples import BRANDS, Brand
from animo_ingest.query.samples import mentions as sample_mentions
from animo_ingest.query.samples import queries as sample_queries
from animo_ingest.query.text import SOURCE_ALIASES
from animo_ingest.service import SOURCE_ALIASES as SERVICE_SOURCE_ALIASES


def brand_queries(brand: Brand) -> list[tuple[str, Query]]:
    return [(f"{brand.slug}-{n}", parse(text)) for n, text in enumerate(sample_queries(brand))]


def test_fold_strips_accents_and_case_and_spells_out_ligatures() -> None:
    assert fold("LIVRAISÓN Œuvre Æther Straße") == "livraison oeuvre aether strasse"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "livraison")  # from some IMEs
    assert fold(full_width) == "livraison"


def test_prepare_tokenises_once_into_words_tags_handles_and_fields() -> None:
    prepared = prepare(
        Document(
            "L'envoi #Black_Friday pour @Acme.FR, mail: sav@acme.fr",
            lang="FR_ca",
            source="X",
            author="@Marie_L",
            url="https://Forum.Example.com:443/t/1",
        )
    )
    assert prepared.words == (
        "l",
        "envoi",
        "black",
        "friday",
        "pour",
        "acme",
        "fr",
        "mail",
        "sav",
        "acme",
        "fr",
    )
    assert prepared.hashtags == {"black_friday": [(2, 3)]}
    assert prepared.handles == {"acme.fr": [(5, 6)]}
    assert (prepared.author, prepared.lang, prepared.source) == ("marie_l", "fr-ca", "twitter")
    assert prepared.hosts == {"forum.example.com", "example.com", "com"}


def test_a_document_without_optional_fields_matches_no_filter() -> None:
    prepared = prepare(Document("colis"))
    for query in ("colis lang:fr", "colis source:twitter", "colis author:a", "colis site:a.com"):
        assert not parse(query).match(prepared).matched
    assert parse("colis NOT lang:fr").match(prepared).matched


def test_match_many_returns_matching_ids_in_the_order_given() -> None:
    queries = [
        ("late", parse("livraison NEAR/3 retard")),
        ("praise", parse("génial OR merci")),
        ("promo", parse("#promo")),
        ("delivery", parse("livr*")),
    ]
    prepared = prepare(Document("Merci, livraison en retard mais tout va bien"))
    assert match_many(queries, prepared) == ["late", "praise", "delivery"]
    assert match_many(list(reversed(queries)), prepared) == ["delivery", "praise", "late"]


def test_queries_the_index_cannot_anchor_are_still_evaluated() -> None:
    queries = [("any-acme", parse("@acme*")), ("word", parse("colis"))]
    assert all(q.anchor is None for _, q in queries[:1])
    assert match_many(queries, prepare(Document("bonjour", author="acme_support"))) == ["any-acme"]


def test_anchors_follow_and_or_and_skip_negations() -> None:
    anchor = parse("lang:fr AND colis NOT promo").anchor
    assert anchor is not None
    assert anchor.keys == {"colis"}  # the most selective positive term
    anchor = parse("colis OR livr* OR #promo").anchor
    assert anchor is not None
    assert anchor.keys == {"colis", "#promo"}
    assert anchor.prefixes == {"livr"}
    assert parse("colis OR @acme*").anchor is None  # one side has no anchor: evaluate always


def test_the_index_for_a_list_of_queries_is_built_once() -> None:
    queries = brand_queries(BRANDS[0])
    prepared = prepare(Document("Lumen"))
    match_many(queries, prepared)
    before = _index.cache_info()
    match_many(list(queries), prepared)
    assert _index.cache_info().hits == before.hits + 1


@pytest.mark.parametrize("brand", BRANDS, ids=lambda b: b.slug)
def test_the_index_agrees_with_evaluating_every_query(brand: Brand) -> None:
    queries = brand_queries(brand)
    index = QueryIndex(queries)
    docs = sample_mentions(brand, 300, seed=11) + sample_mentions(BRANDS[0], 50, seed=3)
    matched = 0
    for doc in docs:
        prepared = prepare(doc)
        expected = [qid for qid, query in queries if query.match(prepared).matched]
        assert index.match(prepared) == expected, doc.text
        matched += len(expected)
    assert matched > len(docs)  # the corpus does exercise the queries


def test_sample_queries_all_parse_and_are_realistic() -> None:
    for brand in BRANDS:
        texts = sample_queries(brand)
        assert len(set(texts)) == 100
        assert any("NEAR/" in t for t in texts)
        assert any("*" in t for t in texts)
        assert any(" NOT " in t for t in texts)


def test_source_aliases_mirror_the_ingest_service() -> None:
    assert SOURCE_ALIASES == SERVICE_SOURCE_ALIASES


def test_the_benchmark_writes_per_core_throughput_and_latency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "query-matching.json"
    argv = ["bench", "--mentions-per-brand", "10", "--rounds", "1", "--out", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    run_benchmark()
    results = json.loads(out.read_text())
    assert results["corpus"]["mentions"] == 30
    assert results["corpus"]["queries_per_brand"] == 100
    assert results["evaluations_per_second_per_core"] > 0
    assert set(results["per_mention_100_queries_us"]) == {"p50", "p99", "max"}
