"""Signed webhooks over real HTTP: HMAC with the brand's secret instead of the admin key, replays refused."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import shutil
import subprocess
import time
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

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

KEY = "integration-key-" + "w" * 16
SECRET = "whsec-" + "s" * 24


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def base(broker: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    common = CommonSettings(
        kafka_bootstrap=broker, data_dir=tmp_path_factory.mktemp("hooks"), admin_key=KEY
    )
    async with serve(create_app(Settings(common=common, scheduler_tick_seconds=3600))) as url:
        yield url


@pytest_asyncio.fixture(loop_scope="module")
async def brand(base: str) -> str:
    name = f"hook-{uuid.uuid4().hex[:10]}"
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}) as admin:
        created = await admin.post(
            base + "/v1/brands", json={"id": name, "name": "Hooked", "webhook_secret": SECRET}
        )
    assert created.status_code == 201 and created.json()["webhook_secret_set"] is True
    assert SECRET not in created.text
    return name


def signed(body: bytes, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    """Headers as a brand-side system computes them (the README's recipe, not the service's code)."""
    timestamp = str(int(time.time()) if at is None else at)
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return {
        "X-Animo-Timestamp": timestamp,
        "X-Animo-Signature": "sha256=" + mac.hexdigest(),
        "Content-Type": "application/json",
    }


async def post(base: str, path: str, value: Any, **sign: Any) -> httpx.Response:
    body = json.dumps(value).encode()
    async with httpx.AsyncClient() as client:  # no Authorization header at all
        return await client.post(base + path, content=body, headers=signed(body, **sign))


async def first_event(bootstrap: str, topic: str, subject: str, timeout: float = 20) -> Any:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                for record in batch:
                    # Other tests share the topics, poison included: match on the header first.
                    if dict(record.headers).get("ce_id") and subject.encode() in record.value:
                        return record
    finally:
        await consumer.stop()
    raise AssertionError(f"no event about {subject} on {topic}")


async def test_a_signed_mention_is_accepted_without_the_admin_key(
    base: str, brand: str, broker: str
) -> None:
    item = mention_body(brand, external_id="h-1")
    del item["brand"]  # the URL names the brand
    answer = await post(base, f"/v1/hooks/{brand}/mentions", {"mentions": [item]})
    assert answer.status_code == 202, answer.text
    mention_id = answer.json()["ids"][0]
    record = await first_event(broker, Topic.MENTIONS, mention_id)
    assert dict(record.headers)["ce_brand"] == brand.encode()
    again = await post(base, f"/v1/hooks/{brand}/mentions", item)
    assert again.json()["duplicates"] == 1


async def test_a_signed_engagement_event_is_published_keyed_by_member(
    base: str, brand: str, broker: str
) -> None:
    event = {"kind": "purchase", "source": "shop", "handle": "@Marie_L", "value": 49.5}
    answer = await post(base, f"/v1/hooks/{brand}/engagement", {"events": [event]})
    assert answer.status_code == 202, answer.text
    engagement_id = answer.json()["ids"][0]
    record = await first_event(broker, Topic.ENGAGEMENT, engagement_id)
    assert record.key == f"{brand}:shop:marie_l".encode()
    data = json.loads(record.value)["data"]
    assert (data["kind"], data["handle"], data["value"]) == ("purchase", "marie_l", 49.5)


@pytest.mark.parametrize(
    ("sign", "reason"),
    [
        ({"secret": "not-the-brand-secret-at-all"}, "bad_signature"),
        ({"skew": -301}, "replay"),
        ({"skew": 600}, "replay"),
    ],
)
async def test_a_wrong_or_stale_signature_is_refused(
    base: str, brand: str, sign: dict[str, Any], reason: str
) -> None:
    if "skew" in sign:  # the time of sending, not of collection: a long run must not age it
        sign = {"at": int(time.time()) + sign["skew"]}
    answer = await post(base, f"/v1/hooks/{brand}/mentions", mention_body(brand), **sign)
    assert answer.status_code == 401
    assert answer.json()["detail"]["reason"] == reason


async def test_unsigned_tampered_and_unknown_brand_requests_are_refused(
    base: str, brand: str
) -> None:
    body = json.dumps(mention_body(brand)).encode()
    headers = signed(body)
    async with httpx.AsyncClient(base_url=base) as client:
        unsigned = await client.post(f"/v1/hooks/{brand}/mentions", content=body)
        tampered = await client.post(
            f"/v1/hooks/{brand}/mentions",
            content=body.replace(b"adore", b"deteste"),
            headers=headers,
        )
        elsewhere = await client.post(
            "/v1/hooks/no-such-brand/mentions", content=body, headers=headers
        )
        bearer_route = await client.post("/v1/mentions", content=body, headers=headers)
    assert [r.status_code for r in (unsigned, tampered, elsewhere, bearer_route)] == [401] * 4
    assert unsigned.json()["detail"]["reason"] == "missing_signature"
    assert tampered.json()["detail"]["reason"] == "bad_signature"
    assert elsewhere.json()["detail"]["reason"] == "no_secret"


async def test_an_item_for_another_brand_or_a_bad_field_is_a_precise_422(
    base: str, brand: str
) -> None:
    other = await post(base, f"/v1/hooks/{brand}/mentions", {"mentions": [mention_body("other")]})
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["body", "mentions", 0, "brand"]
    bad = await post(
        base, f"/v1/hooks/{brand}/engagement", {"kind": "hug", "source": "shop", "handle": "m"}
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "single", "kind"]


async def test_rotating_the_secret_retires_the_old_one(base: str, brand: str) -> None:
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}) as admin:
        rotated = await admin.post(base + f"/v1/brands/{brand}/webhook-secret")
    new_secret = rotated.json()["webhook_secret"]
    old = await post(base, f"/v1/hooks/{brand}/mentions", mention_body(brand))
    new = await post(base, f"/v1/hooks/{brand}/mentions", mention_body(brand), secret=new_secret)
    assert (old.status_code, new.status_code) == (401, 202)


README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def readme_block(language: str, containing: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README, re.S)
    return next(b for b in blocks if containing in b)


async def test_the_readme_signing_examples_work_as_written(base: str, brand: str) -> None:
    """The Python and curl recipes of the README, pointed at this server and this brand."""
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}) as admin:
        await admin.patch(
            base + f"/v1/brands/{brand}", json={"webhook_secret": "a-long-random-shared-secret"}
        )
    python = readme_block("python", "X-Animo-Signature").replace(
        "http://127.0.0.1:8001/v1/hooks/velo-lumen", f"{base}/v1/hooks/{brand}"
    )
    python = python.replace("httpx.post(", "answer = httpx.post(", 1)
    scope: dict[str, Any] = {}
    await asyncio.to_thread(exec, python, scope)  # our own README, not input
    assert scope["answer"].status_code == 202, scope["answer"].text
    if not (shutil.which("openssl") and shutil.which("curl")):
        pytest.skip("openssl or curl missing: the shell recipe cannot run here")
    shell = readme_block("sh", "openssl dgst").replace(
        "localhost:8001/v1/hooks/velo-lumen", f"{base}/v1/hooks/{brand}"
    )
    ran = await asyncio.to_thread(
        subprocess.run, ["bash", "-c", shell], capture_output=True, text=True, timeout=30
    )
    assert json.loads(ran.stdout)["accepted"] == 1, ran.stdout + ran.stderr
