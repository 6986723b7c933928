"""A service over real HTTP that starts before its broker: not ready, accepts and keeps, then catches up."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from animo_dev.broker import free_port, start_broker, stop_process
from animo_dev.inprocess import serve
from animo_ingest.config import Settings
from animo_ingest.main import create_app
from animo_shared.events import Topic
from animo_shared.settings import CommonSettings

from helpers.factories import mention_body
from helpers.kafka import read_all

pytestmark = pytest.mark.integration

KEY = "integration-key-" + "x" * 16


def ingest_app(bootstrap: str, data_dir: Path) -> Any:
    common = CommonSettings(kafka_bootstrap=bootstrap, data_dir=data_dir, admin_key=KEY)
    return create_app(Settings(common=common))


async def test_ingest_keeps_mentions_while_the_broker_is_away_and_publishes_them_after(
    tmp_path: Path,
) -> None:
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    async with (
        serve(ingest_app(bootstrap, tmp_path)) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as api,
    ):
        assert (await api.get("/healthz")).status_code == 200
        ready = await api.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"broker": False, "database": True, "consumers": False}
        posted = await api.post("/v1/mentions", json=mention_body("outage", external_id="o-1"))
        assert posted.status_code == 202

        broker = start_broker(port)
        try:
            for _ in range(200):
                if (await api.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert (await api.get("/readyz")).json()["status"] == "ready"
            records = await read_all(bootstrap, Topic.MENTIONS, expect=1, timeout=20)
            assert [dict(r.headers)["ce_brand"] for r in records] == [b"outage"]
            assert records[0].key == b"outage:twitter:marie_l"
        finally:
            stop_process(broker)
