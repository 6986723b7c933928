"""A real Prometheus, run with the committed scrape config, scrapes every service's /metrics."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from animo_dev.broker import free_port
from animo_dev.stack import SERVICES, Stack

from helpers.factories import mention_body

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = shutil.which("prometheus")


def loopback_config(stack: Stack) -> dict[str, Any]:
    """The committed compose config, with each `service:port` target pointed at this stack."""
    config: dict[str, Any] = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    config["global"]["scrape_interval"] = "1s"
    config["scrape_configs"] = [
        job for job in config["scrape_configs"] if job["job_name"].startswith("animo-")
    ]
    for job in config["scrape_configs"]:
        for static in job["static_configs"]:
            static["targets"] = [
                f"127.0.0.1:{stack.ports[target.split(':')[0]]}" for target in static["targets"]
            ]
    return config


def query(client: httpx.Client, expr: str) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/query", params={"query": expr}).raise_for_status().json()
    result: list[dict[str, Any]] = answer["data"]["result"]
    return result


@pytest.mark.skipif(
    PROMETHEUS is None and not os.environ.get("CI"),
    reason="prometheus not installed (make test installs it)",
)
def test_prometheus_scrapes_every_service(stack: Stack, api: httpx.Client, tmp_path: Path) -> None:
    assert PROMETHEUS is not None, "CI must have prometheus: make test installs it"
    api.post(stack.url("ingest") + "/v1/mentions", json=mention_body("scraped")).raise_for_status()
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(loopback_config(stack)))
    port = free_port()
    process = subprocess.Popen(
        [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    up = {r["metric"]["job"]: r["value"][1] for r in query(client, "up")}
                    consumed = query(client, "sum by (service) (animo_events_consumed_total)")
                except httpx.HTTPError:
                    up, consumed = {}, []
                if len(up) == len(SERVICES) and set(up.values()) == {"1"} and len(consumed) == 3:
                    break
                assert time.monotonic() < deadline, f"up={up} consumed={consumed}"
                time.sleep(0.5)
            assert set(up) == {f"animo-{s}" for s in SERVICES}
            assert {r["metric"]["service"] for r in consumed} == {"moderation", "crm", "reporting"}
            requests = query(client, 'animo_http_requests_total{route="/v1/mentions"}')
            assert any(r["metric"]["service"] == "ingest" for r in requests)
    finally:
        process.terminate()
        process.wait(10)
