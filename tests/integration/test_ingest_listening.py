"""Brands, listening queries and tags over real HTTP with a real broker: what the API says is what is published."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer

from animo_dev.inprocess import serve
from animo_ingest.config import Settings
from animo_ingest.main import create_app
from animo_shared.events import Topic
from animo_shared.settings import CommonSettings

from helpers.factories import mention_body

# One service for the module: each test works on brands of its own.
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

KEY = "integration-key-" + "l" * 16


def ingest_settings(broker: str, data_dir: Path, **over: Any) -> Settings:
    common = CommonSettings(
        kafka_bootstrap=broker,
        data_dir=data_dir,
        admin_key=KEY,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    return Settings(common=common, **over)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(
    broker: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    # No pulls here: the scheduler looks once at start, then sleeps.
    data = tmp_path_factory.mktemp("ingest")
    app = create_app(ingest_settings(broker, data, scheduler_tick_seconds=3600))
    async with (
        serve(app) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as client,
    ):
        yield client


async def brand_events(
    bootstrap: str, topic: str, brand: str, count: int, timeout: float = 30
) -> list[dict[str, Any]]:
    """The events of one brand on a topic, read from the start until `count` arrived."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,  # no group to join: reads every partition from the start at once
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found) < count and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                found.extend(
                    json.loads(r.value)
                    for r in batch
                    if dict(r.headers).get("ce_brand") == brand.encode()
                )
    finally:
        await consumer.stop()
    return found


def new_brand() -> str:
    return f"it-{uuid.uuid4().hex[:10]}"


async def add_query(api: httpx.AsyncClient, brand: str, **body: Any) -> str:
    created = await api.post(f"/v1/brands/{brand}/queries", json={"name": "q", **body})
    assert created.status_code == 201, created.text
    query_id: str = created.json()["id"]
    return query_id


async def test_mentions_are_tagged_with_the_brand_s_own_and_competitor_queries(
    api: httpx.AsyncClient, broker: str
) -> None:
    brand = new_brand()
    created = await api.post("/v1/brands", json={"id": brand, "name": "Colibri"})
    assert created.status_code == 201
    assert (await api.post("/v1/brands", json={"id": brand, "name": "x"})).status_code == 409
    delivery = await add_query(api, brand, query='livr* OR "colis perdu"')
    ondine = await add_query(
        api, brand, query="Ondine NEAR/5 (sav OR rembours*)", kind="competitor", competitor="Ondine"
    )
    listed = (await api.get(f"/v1/brands/{brand}/queries")).json()["items"]
    assert [(q["id"], q["kind"]) for q in listed] == [(delivery, "own"), (ondine, "competitor")]
    assert listed[1]["canonical"] == "(Ondine NEAR/5 (sav OR rembours*))"

    posted = await api.post(
        "/v1/mentions",
        json={
            "mentions": [
                mention_body(
                    brand,
                    text="<p>Ma livraison est perdue, le SAV d'Ondine rembourse mieux #colere</p>",
                ),
                mention_body(brand, text="Rien à signaler aujourd'hui"),
            ]
        },
    )
    assert posted.status_code == 202
    tagged, untagged = posted.json()["results"]
    assert (tagged["query_ids"], untagged["query_ids"]) == ([delivery, ondine], [])
    stored = (await api.get(f"/v1/mentions/{tagged['id']}")).json()
    assert stored["query_ids"] == [delivery, ondine]
    assert stored["text"] == "Ma livraison est perdue, le SAV d'Ondine rembourse mieux #colere"
    assert stored["hashtags"] == ["colere"]

    events = await brand_events(broker, Topic.MENTIONS, brand, 2)
    by_id = {e["data"]["mention_id"]: e["data"] for e in events}
    assert by_id[tagged["id"]]["query_ids"] == [delivery, ondine]
    assert by_id[tagged["id"]]["hashtags"] == ["colere"]
    assert by_id[untagged["id"]]["query_ids"] == []


async def test_changing_or_deleting_a_query_changes_the_tags_at_once(
    api: httpx.AsyncClient, broker: str
) -> None:
    brand = new_brand()
    await api.post("/v1/brands", json={"id": brand, "name": "Colibri"})
    query = await add_query(api, brand, query="livraison")

    async def tags(text: str) -> list[str]:
        posted = await api.post("/v1/mentions", json=mention_body(brand, text=text))
        result: list[str] = posted.json()["results"][0]["query_ids"]
        return result

    assert await tags("livraison rapide") == [query]
    replaced = await api.put(
        f"/v1/brands/{brand}/queries/{query}", json={"name": "q", "query": "retard"}
    )
    assert replaced.status_code == 200 and replaced.json()["query"] == "retard"
    assert await tags("livraison encore rapide") == []
    assert await tags("livraison en retard") == [query]
    disabled = await api.put(
        f"/v1/brands/{brand}/queries/{query}",
        json={"name": "q", "query": "retard", "enabled": False},
    )
    assert disabled.json()["enabled"] is False
    assert await tags("encore un retard") == []
    assert (await api.delete(f"/v1/brands/{brand}/queries/{query}")).status_code == 204
    assert (await api.get(f"/v1/brands/{brand}/queries/{query}")).status_code == 404
    assert (await api.delete(f"/v1/brands/{brand}/queries/{query}")).status_code == 404


@pytest.mark.parametrize(
    ("query", "position", "reason"),
    [
        ("livraison AND (retard OR", 22, "'OR' needs a term on its right"),
        ("colis)", 5, "')' has no matching '('"),
        (
            "NOT promo",
            0,
            "the query only excludes: add a term to look for, e.g. livraison NOT promo",
        ),
    ],
)
async def test_a_query_that_does_not_parse_is_refused_with_its_position(
    api: httpx.AsyncClient, query: str, position: int, reason: str
) -> None:
    brand = new_brand()
    await api.post("/v1/brands", json={"id": brand, "name": "Colibri"})
    kept = await add_query(api, brand, query="colis")
    answers = [
        await api.post(f"/v1/brands/{brand}/queries", json={"name": "q", "query": query}),
        await api.put(f"/v1/brands/{brand}/queries/{kept}", json={"name": "q", "query": query}),
        await api.post("/v1/queries:test", json={"query": query, "texts": ["colis"]}),
    ]
    for answer in answers:
        assert answer.status_code == 422
        assert answer.json() == {
            "detail": [
                {
                    "type": "query_syntax",
                    "loc": ["body", "query"],
                    "msg": f"at position {position}: {reason}",
                    "position": position,
                    "reason": reason,
                }
            ]
        }
    listed = (await api.get(f"/v1/brands/{brand}/queries")).json()["items"]
    assert [q["query"] for q in listed] == ["colis"]


async def test_queries_need_a_registered_brand_and_validate_their_kind(
    api: httpx.AsyncClient,
) -> None:
    missing = await api.post("/v1/brands/nobody-here/queries", json={"name": "q", "query": "x"})
    assert missing.status_code == 404
    brand = new_brand()
    await api.post("/v1/brands", json={"id": brand, "name": "Colibri"})
    refused = await api.post(
        f"/v1/brands/{brand}/queries",
        json={"name": "q", "query": "Ondine", "kind": "competitor"},
    )
    assert refused.status_code == 422
    assert "needs `competitor`" in refused.json()["detail"][0]["msg"]
    assert (await api.get("/v1/brands/Bad_Brand")).status_code == 422
    assert (await api.get("/v1/brands/nobody-here")).status_code == 404


async def test_the_query_tester_answers_in_order(api: httpx.AsyncClient) -> None:
    tested = await api.post(
        "/v1/queries:test",
        json={
            "query": '(livr* OR "colis perdu" OR @colibri_fr) NOT (#promo OR soldes) lang:fr',
            "texts": [
                {
                    "text": "Toujours pas de livraison, mon colis perdu depuis lundi @Colibri_FR 😡",
                    "lang": "fr",
                    "source": "twitter",
                    "author": "marie_l",
                },
                {"text": "Livraison offerte ce week-end ! #promo", "lang": "fr"},
                "My parcel never arrived",
            ],
        },
    )
    assert tested.status_code == 200
    assert tested.json()["results"] == [
        {"matched": True, "terms": ["livr*", '"colis perdu"', "@colibri_fr", "lang:fr"]},
        {"matched": False, "terms": []},
        {"matched": False, "terms": []},
    ]


async def test_every_request_example_in_the_openapi_document_is_accepted(
    api: httpx.AsyncClient,
) -> None:
    """The examples users copy from /docs work as shown (on a fresh database)."""
    document = (await api.get("/openapi.json")).json()
    await api.post("/v1/brands", json={"id": "velo-lumen", "name": "Vélo Lumen"})
    query_id = await add_query(api, "velo-lumen", query="Lumen")
    tried = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            for name, example in (content or {}).get("examples", {}).items():
                url = path.replace("{brand}", "velo-lumen").replace("{query_id}", query_id)
                answer = await api.request(method, url, json=example["value"])
                assert answer.status_code < 300 or (
                    answer.status_code == 409 and "brands" in url
                ), f"{method} {path} example {name}: {answer.status_code} {answer.text}"
                tried += 1
    assert tried >= 12
    brand = (await api.get("/v1/brands/velo-lumen")).json()
    assert set(brand) == {"id", "name", "webhook_secret_set", "created_at", "updated_at"}
