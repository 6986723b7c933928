"""Hostile and odd input over real HTTP: zero-width and bidi controls, emoji sequences, combining
marks, lone surrogates, a 1 MB single line, `$` keys and operators. Each is either kept intact
(NFC) or refused with a precise 4xx; never a 5xx, never stored half-way."""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from animo_dev.inprocess import serve
from animo_ingest.config import Settings as IngestSettings
from animo_ingest.main import create_app as ingest_app
from animo_moderation.config import Settings as ModerationSettings
from animo_moderation.main import create_app as moderation_app
from animo_shared.settings import CommonSettings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]
KEY = "integration-key-" + "u" * 16
ODD = {
    "zero-width": "quel c\u200bo\u200cn\u200dn\ufeffa\u2060r\u00add ce livreur",
    "bidi": "\u202eecivres\u202c \u2067\u0645\u0631\u062d\u0628\u0627\u2069 livraison",
    "emoji": "👩\u200d👩\u200d👧\u200d👦 🇫🇷 👍🏽 colis reçu ❤️",
    "combining": "livraiso\u0301n tre\u0300s lente",  # NFC composes what it can
    "controls": "ligne\u0000un\u0007deux\u001bdix",
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def apis(
    broker: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    data: Path = tmp_path_factory.mktemp("edges")
    common = CommonSettings(kafka_bootstrap=broker, data_dir=data, admin_key=KEY)
    headers = {"Authorization": f"Bearer {KEY}"}
    async with (
        serve(ingest_app(IngestSettings(common=common, scheduler_tick_seconds=3600))) as ingest,
        serve(moderation_app(ModerationSettings(common=common))) as moderation,
        httpx.AsyncClient(base_url=ingest, headers=headers, timeout=30) as ingest_api,
        httpx.AsyncClient(base_url=moderation, headers=headers, timeout=30) as moderation_api,
    ):
        yield ingest_api, moderation_api


def mention(brand: str, text: str, n: int = 0) -> dict[str, object]:
    return {
        "brand": brand,
        "source": "forum",
        "external_id": f"edge-{n}",
        "author": {"handle": "edge"},
        "text": text,
    }


async def new_brand(api: httpx.AsyncClient) -> str:
    brand = f"edge-{uuid.uuid4().hex[:8]}"
    made = await api.post("/v1/brands", json={"id": brand, "name": "Edge"})
    assert made.status_code == 201, made.text
    return brand


async def test_odd_unicode_is_kept_in_nfc_and_analysed(
    apis: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    ingest, moderation = apis
    brand = await new_brand(ingest)
    for n, (kind, text) in enumerate(ODD.items()):
        answer = await ingest.post("/v1/mentions", json=mention(brand, text, n))
        assert answer.status_code == 202, (kind, answer.text)
        stored = await ingest.get(f"/v1/mentions/{answer.json()['ids'][0]}")
        assert stored.status_code == 200, (kind, stored.text)
        kept = stored.json()["text"]
        assert kept == unicodedata.normalize("NFC", kept), kind
        verdict = await moderation.post("/v1/moderate", json={"text": text})
        assert verdict.status_code == 200, (kind, verdict.text)
    # Zero-width characters do not hide an insult from moderation.
    verdict = (await moderation.post("/v1/moderate", json={"text": ODD["zero-width"]})).json()
    assert "insult" in {c["name"] for c in verdict["categories"]}


async def test_a_lone_surrogate_is_a_422_not_a_crash(
    apis: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    ingest, moderation = apis
    brand = await new_brand(ingest)
    raw = json.dumps(mention(brand, "colis \ud83d perdu")).encode()  # "\ud83d" escaped, unpaired
    for api, path, body in (
        (ingest, "/v1/mentions", raw),
        (moderation, "/v1/moderate", json.dumps({"text": "idiot \udc00"}).encode()),
        (moderation, "/v1/moderate", b'{"text": "idiot \xff\xfe"}'),  # not UTF-8 at all
    ):
        answer = await api.post(path, content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 422, (path, answer.status_code, answer.text)
    listed = await ingest.get("/v1/mentions", params={"brand": brand})
    assert listed.status_code == 200 and listed.json()["items"] == []


async def test_a_megabyte_on_one_line_is_refused_precisely_and_nothing_is_kept(
    apis: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    ingest, moderation = apis
    brand = await new_brand(ingest)
    line = "é" * 500_000  # 1 MB of UTF-8, no newline
    answer = await ingest.post("/v1/mentions", json=mention(brand, line))
    assert answer.status_code in (413, 422), answer.text
    if answer.status_code == 422:
        assert answer.json()["detail"][0]["loc"][-1] == "text"
    over = await ingest.post("/v1/mentions", json=mention(brand, "a" * 1_100_000))
    assert over.status_code == 413
    verdict = await moderation.post("/v1/moderate", json={"text": line})
    assert verdict.status_code in (413, 422)
    listed = await ingest.get("/v1/mentions", params={"brand": brand})
    assert listed.json()["items"] == []


async def test_dollar_keys_and_operators_never_reach_the_store(
    apis: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    ingest, _ = apis
    brand = await new_brand(ingest)
    body = mention(brand, "hello")
    body["author"] = {"handle": {"$gt": ""}}
    answer = await ingest.post("/v1/mentions", json=body)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "author", "handle", "$gt"]
    for params in ({"brand": '{"$ne": null}'}, {"brand[$ne]": "x"}, {"brand": "a.b"}):
        listed = await ingest.get("/v1/mentions", params=params)
        assert listed.status_code == 422, (params, listed.text)
