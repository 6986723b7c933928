"""Inbound Kafka topics on a real broker: a librdkafka producer's raw JSON is accepted like HTTP input, bad items dead-lettered."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer
from confluent_kafka import Producer

from animo_dev.inprocess import serve
from animo_ingest.config import Settings
from animo_ingest.main import create_app
from animo_shared.events import Topic
from animo_shared.settings import CommonSettings

from helpers.factories import mention_body

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

KEY = "integration-key-" + "i" * 16


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(
    broker: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    common = CommonSettings(
        kafka_bootstrap=broker,
        data_dir=tmp_path_factory.mktemp("inbound"),
        admin_key=KEY,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    app = create_app(Settings(common=common, scheduler_tick_seconds=3600))
    async with (
        serve(app) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as client,
    ):
        for _ in range(600):  # ready once the inbound consumer has joined its group
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert (await client.get("/readyz")).json()["checks"]["consumers"] is True
        yield client


def produce(bootstrap: str, topic: str, messages: list[tuple[str, bytes]]) -> None:
    """Produce with librdkafka (confluent-kafka), as a brand-side system would."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    for key, value in messages:
        producer.produce(topic, value=value, key=key)
    assert producer.flush(15) == 0, "not every message was delivered"


async def read(
    bootstrap: str, topic: str, wanted: Any, count: int, timeout: float = 40
) -> list[Any]:
    """Records of a topic for which `wanted(record)` holds, from the start, until `count` arrived."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    found: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found) < count and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                found.extend(r for r in batch if wanted(r))
    finally:
        await consumer.stop()
    return found


def of_brand(brand: str) -> Any:
    return lambda record: dict(record.headers).get("ce_brand") == brand.encode()


async def test_raw_mentions_become_tagged_events_and_a_bad_one_is_dead_lettered(
    api: httpx.AsyncClient, broker: str
) -> None:
    brand = f"in-{uuid.uuid4().hex[:10]}"
    await api.post("/v1/brands", json={"id": brand, "name": "Inbound"})
    query = await api.post(f"/v1/brands/{brand}/queries", json={"name": "q", "query": "vélo"})
    bad_key = f"{brand}:bad"
    good = [mention_body(brand, external_id=f"k-{n}", text=f"Mon vélo numéro {n}") for n in (1, 2)]
    bad = {**mention_body(brand, external_id="k-3"), "author": {"followers": 3}}
    produce(
        broker,
        Topic.INBOUND_MENTIONS,
        [
            (f"{brand}:1", json.dumps(good[0]).encode()),
            (bad_key, json.dumps(bad).encode()),
            (f"{brand}:2", json.dumps(good[1]).encode()),
            (f"{brand}:1", json.dumps(good[0]).encode()),  # delivered twice: one mention
        ],
    )

    events = await read(broker, Topic.MENTIONS, of_brand(brand), 2)
    payloads = sorted((json.loads(r.value)["data"] for r in events), key=lambda d: d["external_id"])
    assert [p["external_id"] for p in payloads] == ["k-1", "k-2"]
    assert all(p["query_ids"] == [query.json()["id"]] for p in payloads)
    assert events[0].key == f"{brand}:twitter:marie_l".encode()

    dead = await read(broker, Topic.DEAD_LETTER, lambda r: r.key == bad_key.encode(), 1)
    headers = dict(dead[0].headers)
    assert (
        headers["x-animo-dlq-reason"] == b"inbound.mention invalid: author.handle: Field required"
    )
    assert headers["x-animo-dlq-topic"] == Topic.INBOUND_MENTIONS.value.encode()
    assert headers["x-animo-dlq-group"] == b"animo-ingest-inbound"
    assert json.loads(dead[0].value) == bad, "the original bytes, unchanged"

    listed = (await api.get("/v1/mentions", params={"brand": brand})).json()
    assert listed["total"] == 2


async def test_raw_engagement_events_are_published_and_junk_is_dead_lettered(
    api: httpx.AsyncClient, broker: str
) -> None:
    brand = f"in-{uuid.uuid4().hex[:10]}"
    junk_key = f"{brand}:junk"
    event = {
        "brand": brand,
        "kind": "signed_up",
        "source": "app",
        "handle": "Lea",
        "event_id": "u-1",
    }
    produce(
        broker,
        Topic.INBOUND_ENGAGEMENT,
        [(junk_key, b"not json at all"), (f"{brand}:lea", json.dumps(event).encode())],
    )
    published = await read(broker, Topic.ENGAGEMENT, of_brand(brand), 1)
    data = json.loads(published[0].value)["data"]
    assert (data["kind"], data["handle"]) == ("signed_up", "lea")
    assert published[0].key == f"{brand}:app:lea".encode()
    dead = await read(broker, Topic.DEAD_LETTER, lambda r: r.key == junk_key.encode(), 1)
    reason = dict(dead[0].headers)["x-animo-dlq-reason"].decode()
    assert reason.startswith("inbound.engagement invalid: (root): Invalid JSON")
