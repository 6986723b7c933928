"""`member.erased` on a real broker: ingest's erasure consumer blanks the person's mentions, counts stay."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio

from animo_dev.inprocess import serve
from animo_ingest.config import Settings
from animo_ingest.main import create_app
from animo_shared.bus import to_message
from animo_shared.events import Identity, MemberErased, Topic, make_event
from animo_shared.settings import CommonSettings

from helpers.factories import mention_body
from helpers.kafka import produce

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

KEY = "integration-key-" + "e" * 16
BRAND = "erasure-brand"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(
    broker: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    common = CommonSettings(
        kafka_bootstrap=broker,
        data_dir=tmp_path_factory.mktemp("erasure"),
        admin_key=KEY,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    app = create_app(Settings(common=common, scheduler_tick_seconds=3600))
    async with (
        serve(app) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as client,
    ):
        for _ in range(600):  # ready once both consumers (inbound, erasure) joined their groups
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert (await client.get("/readyz")).json()["checks"]["consumers"] is True
        yield client


async def test_member_erased_blanks_the_mentions_of_its_identities(
    api: httpx.AsyncClient, broker: str
) -> None:
    bodies = [
        mention_body(BRAND, "t-1", author={"handle": "@Marie_L", "name": "Marie"}),
        mention_body(BRAND, "t-2", author={"handle": "marie_l"}, text="Livraison en retard"),
        mention_body(BRAND, "t-3", author={"handle": "bob"}, text="Très bon service"),
    ]
    answer = (await api.post("/v1/mentions", json={"mentions": bodies})).json()
    assert answer["accepted"] == 3
    marie, _, bob = answer["ids"]
    before = (await api.get("/v1/mentions", params={"brand": BRAND})).json()["total"]

    event = make_event(
        MemberErased(
            member_id="m-marie",
            brand=BRAND,
            identities=(Identity(source="twitter", handle="marie_l"),),
            erased_at=datetime.now(UTC),
        ),
        event_id="erasure-of-marie",
        source="animo/crm",
        brand=BRAND,
    )
    message = to_message(event, "erasure-brand:m-marie")
    await produce(broker, Topic.CRM.value, [message.value], key=message.key.encode())

    for _ in range(300):
        record = (await api.get(f"/v1/mentions/{marie}")).json()
        if record["erased_at"] is not None:
            break
        await asyncio.sleep(0.1)
    assert record["erased_at"] is not None
    assert (record["text"], record["author_handle"], record["author_name"]) == ("", "", None)
    page = (await api.get("/v1/mentions", params={"brand": BRAND})).json()
    assert page["total"] == before == 3
    assert all(item["text"] == "" for item in page["items"] if item["id"] != bob)
    assert (await api.get(f"/v1/mentions/{bob}")).json()["text"] == "Très bon service"

    # The erased mention pushed again is a duplicate, not a fresh copy of the text.
    again = (await api.post("/v1/mentions", json=bodies[0])).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    assert (await api.get(f"/v1/mentions/{marie}")).json()["text"] == ""
