"""Ingest's HTTP edge without a lifespan: correlation ids in and out, request metrics by route, the key check."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from animo_ingest.config import Settings
from animo_ingest.main import create_app
from animo_shared.settings import CommonSettings

KEY = "unit-key-" + "h" * 24


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(common=CommonSettings(data_dir=tmp_path, admin_key=KEY)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as made:
        yield made


async def test_a_well_formed_correlation_id_is_echoed_and_a_missing_one_made(
    client: httpx.AsyncClient,
) -> None:
    given = await client.get("/healthz", headers={"x-correlation-id": "req-42"})
    assert given.status_code == 200
    assert given.headers["x-correlation-id"] == "req-42"
    made = await client.get("/healthz")
    assert uuid.UUID(made.headers["x-correlation-id"]).version == 4
    refused = await client.get("/healthz", headers={"x-correlation-id": "not ok; <script>"})
    assert refused.headers["x-correlation-id"] != "not ok; <script>"
    assert uuid.UUID(refused.headers["x-correlation-id"]).version == 4
    assert len(made.headers.get_list("x-correlation-id")) == 1


async def test_requests_are_counted_by_route_template_and_status(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/healthz")
    await client.get("/no/such/route")
    missing_key = await client.post("/v1/mentions", json={})
    assert missing_key.status_code == 401
    assert "x-correlation-id" in missing_key.headers
    wrong_key = await client.post("/v1/mentions", json={}, headers={"Authorization": "Bearer nope"})
    assert wrong_key.status_code == 401
    metrics = (await client.get("/metrics")).text
    assert 'route="/healthz",service="ingest",status="200"' in metrics
    assert 'route="unmatched",service="ingest",status="404"' in metrics
    assert 'method="POST",route="/v1/mentions",service="ingest",status="401"' in metrics
