"""A real Prometheus, run with the committed scrape config, scrapes every service's /metrics;
every metric the committed Grafana dashboards query is one the running services export."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
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
DASHBOARDS = ROOT / "deploy" / "grafana" / "dashboards"
PROMETHEUS = shutil.which("prometheus")

# PromQL words that look like metric names but are not (functions are told apart by the
# parenthesis that follows them; these are the keywords and constants).
KEYWORDS = frozenset(
    {
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "offset",
        "and",
        "or",
        "unless",
        "inf",
        "nan",
        "atan2",
    }
)
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_VARIABLES = re.compile(r"\$\{[^}]*\}|\$\w+")
_LABEL_VALUES = re.compile(r"\blabel_values\(\s*([^,()]+?)\s*,\s*\w+\s*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)(\s*\()?")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression (or a Grafana `label_values` query) selects."""
    text = _LABEL_VALUES.sub(r"\1", expr)
    for pattern in (_STRINGS, _MATCHERS, _RANGES, _GROUPING, _VARIABLES):
        text = pattern.sub(" ", text)
    return {name for name, call in _IDENTIFIER.findall(text) if not call and name not in KEYWORDS}


def dashboard_exprs() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(DASHBOARDS.glob("*.json")):
        board = json.loads(path.read_text(encoding="utf-8"))
        exprs = [t["expr"] for panel in board["panels"] for t in panel.get("targets", [])]
        exprs += [v["query"]["query"] for v in board["templating"]["list"]]
        found[path.name] = exprs
    return found


def test_metric_names_are_parsed_out_of_promql() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (service, le) (rate(animo_x_seconds_bucket{service=~"$s",'
        ' status="5.."}[$__rate_interval]))) / on(service) group_left max(up) offset 5m '
        "and sum without (a) (increase(animo_y_total[1h:5m]))"
    )
    assert metric_names(expr) == {"animo_x_seconds_bucket", "up", "animo_y_total"}
    assert metric_names("label_values(animo_reporting_mentions_total, brand)") == {
        "animo_reporting_mentions_total"
    }


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


@pytest.fixture(scope="module")
def prometheus(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """Prometheus scraping the stack every second, once every service is up and consuming."""
    if PROMETHEUS is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have prometheus: make test installs it")
        pytest.skip("prometheus not installed (make test installs it)")
    with httpx.Client(headers={"Authorization": f"Bearer {stack.admin_key}"}, timeout=10) as api:
        api.post(
            stack.url("ingest") + "/v1/mentions", json=mention_body("scraped")
        ).raise_for_status()
    home = tmp_path_factory.mktemp("prometheus")
    config = home / "prometheus.yml"
    config.write_text(yaml.safe_dump(loopback_config(stack)))
    port = free_port()
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={home / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    up = {r["metric"]["job"]: r["value"][1] for r in query(client, "up")}
                    consumed = query(client, "sum by (service) (animo_events_consumed_total)")
                except httpx.HTTPError:
                    up, consumed = {}, []
                consumers = {r["metric"]["service"] for r in consumed}
                if (
                    len(up) == len(SERVICES)
                    and set(up.values()) == {"1"}
                    and consumers >= {"moderation", "crm", "reporting"}
                ):
                    break
                assert time.monotonic() < deadline, f"up={up} consumed={consumed}"
                time.sleep(0.5)
            yield client
    finally:
        process.terminate()
        process.wait(10)


def test_prometheus_scrapes_every_service(prometheus: httpx.Client) -> None:
    up = {r["metric"]["job"]: r["value"][1] for r in query(prometheus, "up")}
    assert set(up) == {f"animo-{s}" for s in SERVICES}
    consumed = query(prometheus, "sum by (service) (animo_events_consumed_total)")
    # The mention's consumers at least (ingest and publisher consume crm and engagement events).
    assert {r["metric"]["service"] for r in consumed} >= {"moderation", "crm", "reporting"}
    requests = query(prometheus, 'animo_http_requests_total{route="/v1/mentions"}')
    assert any(r["metric"]["service"] == "ingest" for r in requests)


def exported(client: httpx.Client) -> set[str]:
    """Every series name Prometheus holds, and every family the targets declared
    (`# TYPE` lines: a labelled family with no sample yet still counts), with the
    sample names each family type implies."""
    names = set(client.get("/api/v1/label/__name__/values").raise_for_status().json()["data"])
    metadata = client.get("/api/v1/metadata").raise_for_status().json()["data"]
    suffixes = {
        "histogram": ("_bucket", "_sum", "_count"),
        "summary": ("_sum", "_count"),
        "counter": ("_total",),
    }
    for family, entries in metadata.items():
        names.add(family)
        for entry in entries:
            names.update(family + suffix for suffix in suffixes.get(entry["type"], ()))
    return names


def test_every_dashboard_query_names_an_exported_metric(prometheus: httpx.Client) -> None:
    boards = dashboard_exprs()
    assert set(boards) == {"animo-overview.json", "animo-community.json"}
    wanted = {
        (board, name)
        for board, exprs in boards.items()
        for expr in exprs
        for name in metric_names(expr)
    }
    assert {name for _, name in wanted} >= {
        "up",
        "animo_consumer_lag_messages",
        "animo_reporting_mentions_total",
        "animo_reporting_share_of_voice_ratio",
    }
    deadline = time.monotonic() + 45
    while True:
        names = exported(prometheus)
        missing = sorted(f"{board}: {name}" for board, name in wanted if name not in names)
        # The business gauges carry the brand the mention was posted for, once refreshed.
        series = query(prometheus, "animo_reporting_mentions_total")
        brands = {r["metric"].get("brand") for r in series}
        if (not missing and "scraped" in brands) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert not missing, f"dashboards query metrics no service exports: {missing}"
    assert "scraped" in brands
