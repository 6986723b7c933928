"""`member.erased` on a real broker: moderation forgets the member's texts, keeps the counts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from animo_dev.inprocess import serve
from animo_moderation.config import Settings
from animo_moderation.main import create_app
from animo_shared.bus import to_message
from animo_shared.events import (
    Author,
    Identity,
    MemberCreated,
    MemberErased,
    MentionReceived,
    Topic,
    derive_id,
    make_event,
)
from animo_shared.settings import CommonSettings

from helpers.factories import T0
from helpers.kafka import produce

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

KEY = "integration-key-" + "e" * 16


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(broker: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    common = CommonSettings(
        kafka_bootstrap=broker,
        data_dir=tmp_path_factory.mktemp("moderation-erasure"),
        admin_key=KEY,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    async with (
        serve(create_app(Settings(common=common))) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as client,
    ):
        for _ in range(600):  # ready once both consumers have joined their groups
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert (await client.get("/readyz")).json()["checks"]["consumers"] is True
        yield client


async def post_mention(
    bootstrap: str, brand: str, handle: str, text: str, at: datetime = T0
) -> str:
    mid = uuid.uuid4().hex
    payload = MentionReceived(
        mention_id=mid,
        brand=brand,
        source="twitter",
        external_id=mid,
        author=Author(handle=handle),
        text=text,
        published_at=at,
        received_at=at,
        lang="fr",
    )
    event = make_event(
        payload, event_id=derive_id("mention.received", mid), source="tests", brand=brand
    )
    message = to_message(event, f"{brand}:twitter:{handle}")
    await produce(bootstrap, Topic.MENTIONS.value, [message.value], key=message.key.encode())
    return mid


async def decision(api: httpx.AsyncClient, mid: str, until: Any = None) -> dict[str, Any]:
    for _ in range(300):
        answer = await api.get(f"/v1/decisions/{mid}")
        if answer.status_code == 200 and (until is None or until(answer.json())):
            body: dict[str, Any] = answer.json()
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"no decision on {mid} as expected")


async def publish_crm(bootstrap: str, payload: Any, brand: str, event_id: str) -> None:
    message = to_message(make_event(payload, event_id=event_id, source="tests", brand=brand), brand)
    await produce(bootstrap, Topic.CRM.value, [message.value], key=message.key.encode())


async def test_member_erased_blanks_texts_handles_and_excerpts_and_keeps_counts(
    api: httpx.AsyncClient, broker: str
) -> None:
    brand = f"era-{uuid.uuid4().hex[:8]}"
    insult = await post_mention(broker, brand, "bob", "t'es un idiot")
    complaint = await post_mention(broker, brand, "bob", "Mon colis n'est jamais arrivé")
    kept = await post_mention(broker, brand, "alice", "t'es un idiot")
    for mid in (insult, complaint, kept):
        await decision(api, mid)
    before = (await api.get("/v1/decisions", params={"brand": brand})).json()
    queue = (await api.get("/v1/review", params={"brand": brand})).json()
    assert before["total"] == 3 and queue["total"] == 2

    # Another crm event first: the erasure consumer takes only what it is for.
    created = MemberCreated(
        member_id="member-bob", brand=brand, source="twitter", handle="bob", first_seen=T0
    )
    await publish_crm(broker, created, brand, derive_id("member.created", brand, "bob"))
    erased = MemberErased(
        member_id="member-bob",
        brand=brand,
        identities=(Identity(source="twitter", handle="bob"),),
        erased_at=T0,
    )
    await publish_crm(broker, erased, brand, derive_id("member.erased", brand, "bob"))

    gone = await decision(api, insult, until=lambda d: d["text"] == "")
    assert (gone["author_handle"], gone["terms"], gone["action"]) == ("", [], "review")
    assert gone["categories"] == ["insult"]
    assert all(f["term"] == "" for f in gone["findings"]) and gone["findings"]
    assert gone["erased_at"] is not None
    quiet = await decision(api, complaint, until=lambda d: d["text"] == "")
    assert (quiet["complaint_topic"], quiet["complaint_evidence"]) == ("delivery", [])
    other = await decision(api, kept)
    assert (other["text"], other["author_handle"]) == ("t'es un idiot", "alice")

    after = (await api.get("/v1/decisions", params={"brand": brand})).json()
    assert after["total"] == 3
    assert sorted(d["action"] for d in after["items"]) == sorted(
        d["action"] for d in before["items"]
    )
    pending = (await api.get("/v1/review", params={"brand": brand})).json()
    assert [i["mention_id"] for i in pending["items"]] == [kept]
    erased_items = (
        await api.get("/v1/review", params={"brand": brand, "status": "erased"})
    ).json()["items"]
    assert [(i["mention_id"], i["excerpt"], i["author_handle"]) for i in erased_items] == [
        (insult, "", "")
    ]

    # Late: bob's insult of before the erasure reaches moderation only now (a backlog). It is
    # judged, but kept blank and out of the queue; what bob writes afterwards is new.
    late = await post_mention(broker, brand, "bob", "t'es un idiot")
    stored = await decision(api, late)
    assert (stored["action"], stored["text"], stored["author_handle"]) == ("review", "", "")
    assert stored["erased_at"] is not None
    fresh = await post_mention(broker, brand, "bob", "t'es un idiot", at=T0 + timedelta(days=1))
    assert (await decision(api, fresh))["author_handle"] == "bob"
    pending = (await api.get("/v1/review", params={"brand": brand})).json()
    assert sorted(i["mention_id"] for i in pending["items"]) == sorted([kept, fresh])
