"""API keys over real HTTP, on two services sharing one registry: create, scope, brand, rotate,
revoke, expire, rate, and nothing secret stored in clear, logged or echoed."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from animo_dev.inprocess import serve
from animo_ingest.config import Settings as IngestSettings
from animo_ingest.main import create_app as ingest_app
from animo_reporting.config import Settings as ReportingSettings
from animo_reporting.main import create_app as reporting_app
from animo_shared.events import utcnow
from animo_shared.settings import CommonSettings

# One pair of services for the module (stopping them is the slow part); each test its own keys.
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]
KEY = "integration-key-" + "k" * 16


@dataclass
class Stack:
    reporting: httpx.AsyncClient
    ingest: httpx.AsyncClient
    data: Path

    async def issue(self, **spec: Any) -> tuple[str, dict[str, Any]]:
        answer = await self.reporting.post("/v1/admin/keys", json={"name": "t", **spec})
        assert answer.status_code == 201, answer.text
        body = answer.json()
        return body["secret"], body["key"]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(broker: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    tmp_path = tmp_path_factory.mktemp("access")
    common = CommonSettings(
        kafka_bootstrap=broker, data_dir=tmp_path, admin_key=KEY, key_cache_seconds=0
    )
    admin = bearer(KEY)
    async with (
        serve(reporting_app(ReportingSettings(common=common))) as reporting,
        serve(ingest_app(IngestSettings(common=common, scheduler_tick_seconds=3600))) as ingest,
        httpx.AsyncClient(base_url=reporting, headers=admin) as reporting_client,
        httpx.AsyncClient(base_url=ingest, headers=admin) as ingest_client,
    ):
        yield Stack(reporting_client, ingest_client, tmp_path)


async def test_a_key_holds_its_scopes_and_brands_on_every_service(stack: Stack) -> None:
    secret, key = await stack.issue(scopes=["reports:read", "ingest:read"], brands=["acme"])
    as_key = bearer(secret)
    alerts = "/v1/alerts"
    assert (await stack.reporting.get(alerts, params={"brand": "acme"}, headers=as_key)).is_success

    refused = await stack.reporting.get(alerts, params={"brand": "globex"}, headers=as_key)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this API key may not act for brand 'globex'"
    unnamed = await stack.reporting.get(alerts, headers=as_key)
    assert unnamed.status_code == 403 and "must name its brand" in unnamed.json()["detail"]
    path_brand = await stack.ingest.get("/v1/brands/globex", headers=as_key)
    assert path_brand.status_code == 403

    write = await stack.reporting.put(
        "/v1/brands/acme/settings", json={"sensitivity": 3}, headers=as_key
    )
    assert write.status_code == 403
    assert write.json()["detail"] == "this API key lacks the scope 'reports:write'"
    push = await stack.ingest.post("/v1/engagement", json={}, headers=as_key)
    assert push.status_code == 403 and "'ingest:write'" in push.json()["detail"]

    # Made through reporting, listed by ingest: one registry; never the secret or its digest.
    listed = await stack.ingest.get("/v1/admin/keys")
    assert key["id"] in [k["id"] for k in listed.json()["keys"]]
    assert secret not in listed.text and "digest" not in listed.text
    with sqlite3.connect(stack.data / "access.sqlite3") as db:
        stored = "\n".join(str(row) for row in db.execute("SELECT * FROM api_keys"))
    part = secret.split("_", 2)[2]
    assert part not in stored and hashlib.sha256(part.encode()).hexdigest() in stored


async def test_only_an_unrestricted_admin_key_manages_keys(stack: Stack) -> None:
    reader, _ = await stack.issue(scopes=["reports:read"])
    brand_admin, _ = await stack.issue(scopes=["admin"], brands=["acme"])
    spec = {"name": "mine", "scopes": ["admin"]}
    for secret in (reader, brand_admin):
        answer = await stack.reporting.post("/v1/admin/keys", json=spec, headers=bearer(secret))
        assert answer.status_code == 403, answer.text
    bad = await stack.reporting.post(
        "/v1/admin/keys", json={"name": "x", "scopes": ["reports:read", "root"], "brands": ["A!"]}
    )
    assert bad.status_code == 422
    assert [e["msg"] for e in bad.json()["detail"]] == [
        "unknown scope 'root'",
        "not a brand id: 'A!'",
    ]
    # A brand admin acts for its brand on every service, no further.
    as_brand_admin = bearer(brand_admin)
    assert (await stack.ingest.get("/v1/brands/acme", headers=as_brand_admin)).status_code != 403
    assert (await stack.ingest.get("/v1/brands/other", headers=as_brand_admin)).status_code == 403


async def test_missing_bad_rotated_revoked_and_expired_keys_are_told_apart(stack: Stack) -> None:
    alerts = {"brand": "acme"}
    missing = await stack.reporting.get("/v1/alerts", params=alerts, headers={"Authorization": ""})
    assert missing.status_code == 401 and missing.json()["detail"].startswith("missing API key")
    assert missing.headers["www-authenticate"] == "Bearer"

    secret, key = await stack.issue(scopes=["reports:read"])
    forged = secret[:-4] + ("aaaa" if not secret.endswith("aaaa") else "bbbb")
    for token in (forged, "ak_0123456789abcdef_" + "x" * 43, "not-a-key"):
        answer = await stack.reporting.get("/v1/alerts", params=alerts, headers=bearer(token))
        assert answer.status_code == 401 and answer.json()["detail"] == "invalid API key"
        assert token not in answer.text

    rotated = await stack.ingest.post(f"/v1/admin/keys/{key['id']}:rotate")
    assert rotated.status_code == 200 and rotated.json()["key"]["rotated_at"]
    fresh = rotated.json()["secret"]
    assert fresh != secret
    old = await stack.reporting.get("/v1/alerts", params=alerts, headers=bearer(secret))
    assert old.status_code == 401
    assert (
        await stack.reporting.get("/v1/alerts", params=alerts, headers=bearer(fresh))
    ).is_success

    revoked = await stack.reporting.delete(f"/v1/admin/keys/{key['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    for api in (stack.reporting, stack.ingest):
        answer = await api.get("/v1/alerts", params=alerts, headers=bearer(fresh))
        if api is stack.ingest:
            answer = await api.get("/v1/brands/acme", headers=bearer(fresh))
        assert answer.status_code == 401 and answer.json()["detail"] == "revoked API key"
    assert (await stack.reporting.post(f"/v1/admin/keys/{key['id']}:rotate")).status_code == 409
    live = (await stack.reporting.get("/v1/admin/keys")).json()["keys"]
    every = (await stack.reporting.get("/v1/admin/keys", params={"revoked": True})).json()["keys"]
    assert key["id"] not in {k["id"] for k in live} and key["id"] in {k["id"] for k in every}
    assert (await stack.reporting.get("/v1/admin/keys/0123456789abcdef")).status_code == 404

    past = (utcnow() - timedelta(minutes=1)).isoformat()
    expired, _ = await stack.issue(scopes=["reports:read"], expires_at=past)
    answer = await stack.reporting.get("/v1/alerts", params=alerts, headers=bearer(expired))
    assert answer.status_code == 401 and answer.json()["detail"] == "expired API key"


async def test_a_key_over_its_rate_is_told_when_to_come_back(stack: Stack) -> None:
    slow, _ = await stack.issue(scopes=["reports:read"], rate_per_second=0.5)
    other, _ = await stack.issue(scopes=["reports:read"], rate_per_second=0.5)
    alerts = {"brand": "acme"}
    codes = [
        (await stack.reporting.get("/v1/alerts", params=alerts, headers=bearer(slow))).status_code
        for _ in range(2)
    ]
    assert codes == [200, 429]  # a burst of one (two seconds' worth), then wait
    again = await stack.reporting.get("/v1/alerts", params=alerts, headers=bearer(slow))
    assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1
    # Per key: another key is not slowed by the first one's traffic.
    fine = await stack.reporting.get("/v1/alerts", params=alerts, headers=bearer(other))
    assert fine.status_code == 200


async def test_no_key_or_secret_reaches_the_logs(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret, key = await stack.issue(scopes=["reports:read"], brands=["acme"])
    await stack.reporting.get("/v1/alerts", params={"brand": "globex"}, headers=bearer(secret))
    await stack.reporting.get("/v1/alerts", headers=bearer(secret[:-1] + "0"))
    await stack.ingest.post(f"/v1/admin/keys/{key['id']}:rotate")
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    for needle in (KEY, secret, secret.split("_", 2)[2]):
        assert needle not in logged
