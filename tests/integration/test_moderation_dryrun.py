"""Mentions from the broker decided under the brand's policy, then a draft policy replayed on them."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
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

KEY = "integration-key-" + "d" * 16
WINDOW = {"from": "2026-11-21T00:00:00Z", "to": "2026-11-22T00:00:00Z"}
TEXTS = [
    "t'es un idiot",  # review -> hide under the strict draft
    "espèce d'imbécile",  # review -> hide
    "T'es vraiment un connard.",  # hide -> hide
    "Mon colis n'est jamais arrivé",  # allow (a complaint)
    "J'adore ce vélo",  # allow
]


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
        data_dir=tmp_path_factory.mktemp("moderation-dryrun"),
        admin_key=KEY,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    async with (
        serve(create_app(Settings(common=common))) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as client,
    ):
        for _ in range(600):  # ready once the mentions consumer has joined its group
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert (await client.get("/readyz")).json()["checks"]["consumers"] is True
        yield Moderation(client, broker)


async def decided(moderation: Moderation, brand: str, texts: list[str]) -> list[dict[str, Any]]:
    """Publish mentions as ingest does (a minute apart) and wait for their decisions."""
    ids = [uuid.uuid4().hex for _ in texts]
    values = []
    for minute, (mid, text) in enumerate(zip(ids, texts, strict=True)):
        payload = MentionReceived(
            mention_id=mid,
            brand=brand,
            source="forum",
            external_id=mid,
            author=Author(handle="zoe"),
            text=text,
            published_at=T0 + timedelta(minutes=minute),
            received_at=T0,
            lang="fr",
        )
        event = make_event(
            payload, event_id=derive_id("mention.received", mid), source="tests", brand=brand
        )
        values.append(to_message(event, f"{brand}:forum:zoe").value)
    await produce(
        moderation.bootstrap, Topic.MENTIONS.value, values, key=f"{brand}:forum:zoe".encode()
    )
    found: list[dict[str, Any]] = []
    for _ in range(300):
        got = [await moderation.api.get(f"/v1/decisions/{mid}") for mid in ids]
        if all(g.status_code == 200 for g in got):
            found = [g.json() for g in got]
            break
        await asyncio.sleep(0.1)
    assert len(found) == len(texts), "the mentions were not all decided"
    return found


async def alerts_for(bootstrap: str, brand: str) -> list[dict[str, Any]]:
    for _ in range(20):
        records = await read_all(bootstrap, Topic.ALERTS.value, expect=10**9, timeout=1)
        bodies = [json.loads(r.value) for r in records]
        mine = [b for b in bodies if b["brand"] == brand]
        if mine:
            return mine
    return []


def brand() -> str:
    return f"dry-{uuid.uuid4().hex[:8]}"


async def test_the_consumer_applies_the_brand_policy_and_routes_complaints(
    moderation: Moderation,
) -> None:
    api, name = moderation.api, brand()
    body = {"custom_terms": [{"term": "vélo", "category": "spam", "severity": 2}]}
    assert (await api.put(f"/v1/brands/{name}/policy", json=body)).status_code == 201
    decisions = await decided(moderation, name, TEXTS)
    actions = [(d["action"], d["policy_version"]) for d in decisions]
    assert actions == [
        ("review", "v1"),
        ("review", "v1"),
        ("hide", "v1"),
        ("allow", "v1"),
        ("hide", "v1"),  # "vélo" is spam for this brand
    ]
    complaint = decisions[3]
    assert (complaint["complaint_topic"], complaint["sentiment"], complaint["text"]) == (
        "delivery",
        "negative",
        TEXTS[3],
    )
    [alert] = await alerts_for(moderation.bootstrap, name)
    assert alert["type"] == "complaint.detected"
    assert alert["data"]["mention_id"] == complaint["id"]
    assert alert["data"]["topic"] == "delivery"


async def test_a_dry_run_reports_what_a_draft_would_change_and_changes_nothing(
    moderation: Moderation,
) -> None:
    api, name = moderation.api, brand()
    decisions = await decided(moderation, name, TEXTS)
    before = (await api.get("/v1/decisions", params={"brand": name})).json()
    draft = {"categories": {"insult": {"action": "hide", "min_severity": 1}}}
    url = f"/v1/brands/{name}/policy:dry-run"
    got = await api.post(url, json=draft, params={**WINDOW, "examples": 1})
    assert got.status_code == 200
    report = got.json()
    assert (report["scanned"], report["changed"], report["truncated"]) == (5, 2, False)
    assert (report["from"], report["to"]) == ("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z")
    assert report["transitions"] == [
        {"current": "allow", "draft": "allow", "count": 2},
        {"current": "hide", "draft": "hide", "count": 1},
        {"current": "review", "draft": "hide", "count": 2},
    ]
    assert report["categories"] == [
        {"name": "insult", "mentions": 3, "changed": 2, "draft_actions": {"hide": 3}}
    ]
    [example] = report["examples"]
    assert (example["mention_id"], example["current_action"], example["draft_action"]) == (
        decisions[0]["id"],
        "review",
        "hide",
    )
    [evidence] = example["categories"][0]["evidence"]
    assert evidence["term"] == "idiot"

    limited = (await api.post(url, json=draft, params={**WINDOW, "limit": 2})).json()
    assert (limited["scanned"], limited["truncated"]) == (2, True)
    empty = {"from": "2026-11-22T00:00:00Z", "to": "2026-11-23T00:00:00Z"}
    assert (await api.post(url, json=draft, params=empty)).json()["scanned"] == 0

    assert (await api.get("/v1/decisions", params={"brand": name})).json() == before
    assert (await api.get(f"/v1/brands/{name}/policy")).json()["version"] == "default"
    assert (await api.get(f"/v1/brands/{name}/policy/versions")).json()["total"] == 0
    assert (await api.get("/v1/review", params={"brand": name})).json()["total"] == 2


@pytest.mark.parametrize(
    ("body", "params", "where"),
    [
        ({}, {**WINDOW, "limit": 10_001}, ["query", "limit"]),
        ({}, {"from": "yesterday"}, ["query", "from"]),
        (
            {"categories": {"spam": {"action": "nuke"}}},
            WINDOW,
            ["body", "categories", "spam", "action"],
        ),
        (
            {"custom_terms": [{"term": "a", "category": "spam"}] * 2},
            WINDOW,
            ["body", "custom_terms", 1, "term"],
        ),
    ],
)
async def test_a_bad_dry_run_is_refused_with_its_field_path(
    moderation: Moderation, body: dict[str, Any], params: dict[str, Any], where: list[Any]
) -> None:
    got = await moderation.api.post(
        f"/v1/brands/{brand()}/policy:dry-run", json=body, params=params
    )
    assert got.status_code == 422
    assert got.json()["detail"][0]["loc"] == where


async def test_a_window_that_ends_before_it_starts_is_refused(moderation: Moderation) -> None:
    params = {"from": WINDOW["to"], "to": WINDOW["from"]}
    got = await moderation.api.post(f"/v1/brands/{brand()}/policy:dry-run", json={}, params=params)
    assert got.status_code == 422
    assert got.json()["detail"] == [
        {"type": "value_error", "loc": ["query", "to"], "msg": "`to` must be after `from`"}
    ]
