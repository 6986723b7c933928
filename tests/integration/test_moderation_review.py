"""The review queue over real HTTP and a real broker: claim races, verdicts, events, audit."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from animo_dev.inprocess import serve
from animo_moderation.config import Settings
from animo_moderation.main import create_app
from animo_shared.bus import to_message
from animo_shared.events import Author, MentionReceived, Topic, derive_id, make_event
from animo_shared.settings import CommonSettings

from helpers.factories import T0
from helpers.kafka import produce, read_all

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

KEY = "integration-key-" + "r" * 16
LEASE_SECONDS = 2


@dataclass
class Moderation:
    api: httpx.AsyncClient
    bootstrap: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def moderation(
    broker: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Moderation]:
    common = CommonSettings(
        kafka_bootstrap=broker,
        data_dir=tmp_path_factory.mktemp("moderation-review"),
        admin_key=KEY,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    app = create_app(Settings(common=common, review_claim_seconds=LEASE_SECONDS))
    async with (
        serve(app) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as client,
    ):
        for _ in range(600):  # ready once the mentions consumer has joined its group
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert (await client.get("/readyz")).json()["checks"]["consumers"] is True
        yield Moderation(client, broker)


async def post_mentions(bootstrap: str, brand: str, texts: list[str]) -> list[str]:
    """Mentions as ingest publishes them; their ids, in order."""
    ids = [uuid.uuid4().hex for _ in texts]
    for mid, text in zip(ids, texts, strict=True):
        payload = MentionReceived(
            mention_id=mid,
            brand=brand,
            source="twitter",
            external_id=mid,
            author=Author(handle="bob"),
            text=text,
            published_at=T0,
            received_at=T0,
            lang="fr",
        )
        event = make_event(
            payload, event_id=derive_id("mention.received", mid), source="tests", brand=brand
        )
        message = to_message(event, f"{brand}:twitter:bob")
        await produce(bootstrap, Topic.MENTIONS.value, [message.value], key=message.key.encode())
    return ids


async def queued(api: httpx.AsyncClient, brand: str, count: int) -> list[dict[str, Any]]:
    for _ in range(300):
        page = (await api.get("/v1/review", params={"brand": brand})).json()
        # Wait on the items, not `total`: the list and the count are two reads, and a
        # decision committed between them makes `total` run one ahead of `items`.
        items: list[dict[str, Any]] = page["items"]
        if len(items) >= count:
            return items
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} items not queued for {brand}")


async def reviewed_events(bootstrap: str, brand: str, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for _ in range(20):
        records = await read_all(bootstrap, Topic.MODERATION.value, expect=10**9, timeout=1)
        found = [
            body
            for body in (json.loads(r.value) for r in records)
            if body["brand"] == brand and body["type"] == "decision.reviewed"
        ]
        if len(found) >= count:
            break
    return found


def brand() -> str:
    return f"rev-{uuid.uuid4().hex[:8]}"


async def test_two_concurrent_claims_one_wins_the_other_gets_409(moderation: Moderation) -> None:
    api, name = moderation.api, brand()
    await post_mentions(moderation.bootstrap, name, ["t'es un idiot"])
    [item] = await queued(api, name, 1)
    assert (item["proposed_action"], item["status"]) == ("review", "pending")
    url = f"/v1/review/{item['id']}:claim"
    answers = await asyncio.gather(
        *(api.post(url, headers={"X-Animo-Actor": who}) for who in ("alice", "bob", "carol"))
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409, 409]
    [winner] = [a.json()["claimed_by"] for a in answers if a.status_code == 200]
    for lost in (a for a in answers if a.status_code == 409):
        assert lost.json()["detail"]["claimed_by"] == winner
    again = await api.post(url, json={"reviewer": winner})
    assert again.status_code == 200  # the holder renews
    loser = next(n for n in ("alice", "bob", "carol") if n != winner)
    refused = await api.post(f"/v1/review/{item['id']}:approve", json={"reviewer": loser})
    assert refused.status_code == 409
    await asyncio.sleep(LEASE_SECONDS + 0.2)
    taken = await api.post(url, json={"reviewer": loser})  # the lease ran out
    assert (taken.status_code, taken.json()["claimed_by"]) == (200, loser)


async def test_an_approval_updates_the_decision_audits_it_and_publishes_decision_reviewed(
    moderation: Moderation,
) -> None:
    api, name = moderation.api, brand()
    [mention_id] = await post_mentions(moderation.bootstrap, name, ["Je vais te tuer"])
    [item] = await queued(api, name, 1)
    assert item["proposed_action"] == "escalate"
    headers = {"X-Animo-Actor": "dana"}
    assert (await api.post(f"/v1/review/{item['id']}:claim", headers=headers)).status_code == 200
    done = await api.post(
        f"/v1/review/{item['id']}:approve", json={"reason": "a real threat"}, headers=headers
    )
    assert done.status_code == 200
    result = done.json()
    assert (result["item"]["status"], result["item"]["final_action"]) == ("approved", "escalate")
    decision = (await api.get(f"/v1/decisions/{mention_id}")).json()
    assert decision["action"] == "escalate"
    assert (decision["review"]["reviewer"], decision["review"]["reason"]) == (
        "dana",
        "a real threat",
    )
    audit = (await api.get(f"/v1/decisions/{mention_id}/audit")).json()
    assert [(e["kind"], e["actor"]) for e in audit["entries"]] == [
        ("decided", "animo/moderation"),
        ("claimed", "dana"),
        ("approved", "dana"),
    ]
    assert audit["entries"][0]["policy_version"] == "default"
    twice = await api.post(f"/v1/review/{item['id']}:approve", headers=headers)
    assert (twice.status_code, twice.json()["detail"]["status"]) == (409, "approved")
    [event] = await reviewed_events(moderation.bootstrap, name, 1)
    data = event["data"]
    assert (data["decision_id"], data["mention_id"]) == (item["id"], mention_id)
    assert (data["previous_action"], data["action"], data["reviewer"]) == (
        "escalate",
        "escalate",
        "dana",
    )
    assert event["id"] == derive_id("decision.reviewed", data["review_id"])


async def test_a_false_positive_is_rejected_and_its_term_allowed_in_a_new_version(
    moderation: Moderation,
) -> None:
    api, name = moderation.api, brand()
    [mention_id] = await post_mentions(moderation.bootstrap, name, ["t'es un idiot"])
    [item] = await queued(api, name, 1)
    wrong = await api.post(
        f"/v1/review/{item['id']}:reject", json={"action": "hide", "reason": "rude"}
    )
    assert wrong.status_code == 422  # hiding is what approving gives
    assert wrong.json()["detail"][0]["loc"] == ["body", "action"]
    body = {"action": "allow", "reason": "friends joking", "allow_list": True}
    done = await api.post(f"/v1/review/{item['id']}:reject", json=body)
    assert done.status_code == 200
    assert (done.json()["decision"]["action"], done.json()["policy_version"]) == ("allow", "v1")
    policy = (await api.get(f"/v1/brands/{name}/policy")).json()
    assert policy["policy"]["allow_list"] == [{"term": "idiot", "category": "insult"}]
    assert policy["created_by"] == "admin"
    check = {"text": "t'es un idiot", "lang": "fr", "brand": name}
    assert (await api.post("/v1/moderate", json=check)).json()["action"] == "allow"
    kinds = [
        e["kind"] for e in (await api.get(f"/v1/decisions/{mention_id}/audit")).json()["entries"]
    ]
    assert kinds == ["decided", "rejected", "allow_listed"]
    [event] = await reviewed_events(moderation.bootstrap, name, 1)
    assert (event["data"]["previous_action"], event["data"]["action"]) == ("review", "allow")


async def test_the_queue_lists_oldest_first_pages_and_filters(moderation: Moderation) -> None:
    api, name = moderation.api, brand()
    bootstrap = moderation.bootstrap
    ids = await post_mentions(bootstrap, name, ["t'es un idiot", "J'adore ce vélo"])
    [first] = await queued(api, name, 1)
    assert first["mention_id"] == ids[0]
    later = await post_mentions(bootstrap, name, ["Je vais te tuer", "espèce d'imbécile"])
    items = await queued(api, name, 3)
    assert items[0]["mention_id"] == ids[0]  # decided first, listed first
    assert {i["mention_id"] for i in items[1:]} == set(later)
    page = (await api.get("/v1/review", params={"brand": name, "limit": 2, "offset": 2})).json()
    assert (page["total"], page["items"]) == (3, items[2:])
    old = await api.get("/v1/review", params={"brand": name, "older_than": "1h"})
    assert old.json()["total"] == 0  # decided just now
    future = {"brand": name, "older_than": "2999-01-01T00:00:00Z"}
    assert (await api.get("/v1/review", params=future)).json()["total"] == 3
    assert (await api.post(f"/v1/review/{items[0]['id']}:approve")).status_code == 200
    settled = (await api.get("/v1/review", params={"brand": name, "status": "approved"})).json()
    assert [i["mention_id"] for i in settled["items"]] == [ids[0]]
    assert (await api.get("/v1/review", params={"brand": name})).json()["total"] == 2
    assert (await api.get("/v1/review/nope")).status_code == 404
    assert (await api.post("/v1/review/nope:claim")).status_code == 404
    claim = f"/v1/review/{items[1]['id']}:claim"
    assert (await api.post(claim, headers={"X-Animo-Actor": "a b"})).status_code == 422


async def test_the_openapi_reject_example_works_as_documented(moderation: Moderation) -> None:
    api, name = moderation.api, brand()
    schema = (await api.get("/openapi.json")).json()["components"]["schemas"]
    [example] = schema["RejectBody"]["examples"]
    await post_mentions(moderation.bootstrap, name, ["t'es un con"])
    [item] = await queued(api, name, 1)
    done = await api.post(f"/v1/review/{item['id']}:reject", json=example)
    assert done.status_code == 200
    assert (done.json()["decision"]["action"], done.json()["policy_version"]) == ("allow", "v1")
    policy = (await api.get(f"/v1/brands/{name}/policy")).json()["policy"]
    assert policy["allow_list"] == [{"term": "con", "category": "insult"}]
