"""End to end with real processes: a brand's own and competitor queries tag what it hears, on the API and the event."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from animo_dev.stack import Stack
from animo_shared.events import Topic

from helpers.factories import mention_body

pytestmark = pytest.mark.e2e


def mention_events(bootstrap: str, brand: str, count: int, timeout: float = 15) -> list[Any]:
    async def read() -> list[Any]:
        consumer = AIOKafkaConsumer(
            Topic.MENTIONS, bootstrap_servers=bootstrap, auto_offset_reset="earliest"
        )
        await consumer.start()
        found: list[Any] = []
        try:
            deadline = asyncio.get_running_loop().time() + timeout
            while len(found) < count and asyncio.get_running_loop().time() < deadline:
                for batch in (await consumer.getmany(timeout_ms=300)).values():
                    found.extend(
                        json.loads(r.value)["data"]
                        for r in batch
                        if dict(r.headers).get("ce_brand") == brand.encode()
                    )
        finally:
            await consumer.stop()
        return found

    return asyncio.run(read())


def test_own_and_competitor_queries_tag_mentions_on_the_api_and_the_event(
    stack: Stack, api: httpx.Client
) -> None:
    ingest = stack.url("ingest")
    brand = f"e2e-{uuid.uuid4().hex[:10]}"
    secret = "e2e-webhook-secret-" + uuid.uuid4().hex
    created = api.post(
        ingest + "/v1/brands", json={"id": brand, "name": "Colibri", "webhook_secret": secret}
    )
    assert created.status_code == 201
    own = api.post(
        ingest + f"/v1/brands/{brand}/queries",
        json={"name": "Livraison", "query": 'Colibri (livr* OR "colis perdu" OR retard*)'},
    ).json()["id"]
    rival = api.post(
        ingest + f"/v1/brands/{brand}/queries",
        json={
            "name": "Ondine SAV",
            "query": 'Ondine NEAR/5 ("service client" OR sav OR rembours*)',
            "kind": "competitor",
            "competitor": "Ondine",
        },
    ).json()["id"]

    text = "Colibri : colis perdu depuis lundi, alors qu'Ondine m'a remboursé en deux jours"
    posted = api.post(
        ingest + "/v1/mentions",
        json={
            "mentions": [
                mention_body(brand, external_id="m-1", text=text),
                mention_body(brand, external_id="m-2", text="Le SAV d'Ondine est injoignable"),
                mention_body(brand, external_id="m-3", text="Rien à voir avec les marques"),
            ]
        },
    )
    assert posted.status_code == 202
    assert [r["query_ids"] for r in posted.json()["results"]] == [[own, rival], [rival], []]

    # A retweet through the signed webhook: kept, tagged, linked to its original.
    body = json.dumps(
        {
            **mention_body(brand, external_id="m-4", text=f"RT @marie_l: {text}"),
            "author": {"handle": "paul"},
        }
    ).encode()
    stamp = str(int(time.time()))
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    hooked = httpx.post(
        ingest + f"/v1/hooks/{brand}/mentions",
        content=body,
        headers={
            "X-Animo-Timestamp": stamp,
            "X-Animo-Signature": f"sha256={mac}",
            "Content-Type": "application/json",
        },
    )
    assert hooked.status_code == 202, hooked.text
    retweet = hooked.json()["results"][0]
    original = posted.json()["ids"][0]
    assert (retweet["query_ids"], retweet["duplicate_of"]) == ([own, rival], original)

    stored = api.get(ingest + f"/v1/mentions/{original}").json()
    assert stored["query_ids"] == [own, rival] and stored["lang"] == "fr"
    events = {e["external_id"]: e for e in mention_events(stack.bootstrap, brand, 4)}
    assert events["m-1"]["query_ids"] == [own, rival]
    assert events["m-2"]["query_ids"] == [rival]
    assert events["m-3"]["query_ids"] == []
    # Share of voice: which competitors a mention names travels with it.
    assert [events[m]["competitors"] for m in ("m-1", "m-2", "m-3")] == [["Ondine"], ["Ondine"], []]
    assert stored["competitors"] == ["Ondine"]
    assert (events["m-4"]["query_ids"], events["m-4"]["duplicate_of"]) == ([own, rival], original)
    assert events["m-4"]["handles"] == ["marie_l"]

    # Downstream services read the tagged events like any other.
    def decided() -> bool:
        return api.get(stack.url("moderation") + f"/v1/decisions/{original}").status_code == 200

    deadline = time.monotonic() + 10
    while not decided():
        assert time.monotonic() < deadline, "moderation never decided on the tagged mention"
        time.sleep(0.2)
