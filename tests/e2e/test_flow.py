"""End to end with real processes: broker + five services; a mention flows from ingest to every reader."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from animo_dev.broker import free_port
from animo_dev.stack import SERVICES, Stack

from helpers.factories import T0, mention_body

pytestmark = pytest.mark.e2e


def brand() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"


def poll(check: Callable[[], Any], timeout: float) -> Any:
    """Call `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {timeout} s")
        time.sleep(0.1)


def totals(stack: Stack, api: httpx.Client, name: str) -> dict[str, Any]:
    report = api.get(
        stack.url("reporting") + "/v1/reports/volume",
        params={
            "brand": name,
            "from": "2026-11-01T00:00:00Z",
            "to": "2026-12-01T00:00:00Z",
            "interval": "day",
        },
    )
    report.raise_for_status()
    result: dict[str, Any] = report.json()["totals"]
    return result


def members(stack: Stack, api: httpx.Client, name: str) -> list[dict[str, Any]]:
    page = api.get(stack.url("crm") + "/v1/members", params={"brand": name, "limit": 500})
    page.raise_for_status()
    items: list[dict[str, Any]] = page.json()["items"]
    return items


def test_a_mention_reaches_moderation_crm_and_reporting_within_5_seconds(
    stack: Stack, api: httpx.Client
) -> None:
    name = brand()
    body = mention_body(name, text="Bande de connards, rendez-moi mon argent")
    started = time.monotonic()
    posted = api.post(stack.url("ingest") + "/v1/mentions", json=body)
    assert posted.status_code == 202
    mention_id = posted.json()["ids"][0]

    def decided() -> dict[str, Any] | None:
        got = api.get(stack.url("moderation") + f"/v1/decisions/{mention_id}")
        return got.json() if got.status_code == 200 else None

    decision = poll(decided, 5)
    poll(lambda: members(stack, api, name), 5 - (time.monotonic() - started))
    poll(lambda: totals(stack, api, name)["mentions"] == 1, 5 - (time.monotonic() - started))
    assert decision["action"] == "hide" and "insult" in decision["categories"]
    member = members(stack, api, name)[0]
    assert member["handle"] == "marie_l" and member["mentions"] == 1
    poll(lambda: members(stack, api, name)[0]["hidden"] == 1, 5)
    listed = api.get(
        stack.url("moderation") + "/v1/decisions", params={"brand": name, "action": "hide"}
    ).json()
    assert [d["id"] for d in listed["items"]] == [mention_id]


def test_the_same_mention_posted_twice_counts_once(stack: Stack, api: httpx.Client) -> None:
    name = brand()
    body = mention_body(name, external_id="same-1")
    first = api.post(stack.url("ingest") + "/v1/mentions", json=body).json()
    second = api.post(stack.url("ingest") + "/v1/mentions", json={"mentions": [body, body]}).json()
    assert first["accepted"] == 1 and second["accepted"] == 0 and second["duplicates"] == 2
    assert set(second["ids"]) == set(first["ids"])
    poll(lambda: totals(stack, api, name)["mentions"] == 1, 5)
    time.sleep(1.5)
    assert totals(stack, api, name)["mentions"] == 1
    assert [m["mentions"] for m in members(stack, api, name)] == [1]


def test_consumers_killed_mid_stream_lose_nothing_and_count_nothing_twice(
    stack: Stack, api: httpx.Client
) -> None:
    name = brand()
    items = [
        mention_body(
            name,
            external_id=f"k-{n}",
            author={"handle": f"fan{n % 25}"},
            text=f"Message {n} pour la marque",
            published_at=T0.isoformat(),
        )
        for n in range(1000)
    ]
    for start in range(0, 400, 100):
        api.post(
            stack.url("ingest") + "/v1/mentions", json={"mentions": items[start : start + 100]}
        )
    # Kill while they are working through the stream: no shutdown hook runs.
    poll(lambda: totals(stack, api, name)["mentions"] > 0, 10)
    stack.kill("reporting")
    stack.kill("crm")
    for start in range(400, 1000, 100):
        api.post(
            stack.url("ingest") + "/v1/mentions", json={"mentions": items[start : start + 100]}
        )
    stack.start_service("reporting")
    stack.start_service("crm")
    stack.wait_ready(["reporting", "crm"], timeout=60)

    def settled() -> bool:
        t = totals(stack, api, name)
        crm_total = sum(m["mentions"] for m in members(stack, api, name))
        return t["mentions"] >= 1000 and sum(t["by_action"].values()) >= 1000 and crm_total >= 1000

    poll(settled, 60)
    time.sleep(2)
    t = totals(stack, api, name)
    assert t["mentions"] == 1000
    assert sum(t["by_action"].values()) == 1000
    crm = members(stack, api, name)
    assert len(crm) == 25
    assert sum(m["mentions"] for m in crm) == 1000
    assert sum(m["allowed"] + m["hidden"] + m["reviewed"] for m in crm) == 1000


def test_bad_input_is_refused_precisely_and_nothing_is_stored(
    stack: Stack, api: httpx.Client
) -> None:
    name = brand()
    ingest = stack.url("ingest") + "/v1/mentions"
    cases: list[tuple[dict[str, Any], int, list[Any]]] = [
        (mention_body("Bad Brand"), 422, ["body", "single", "brand"]),
        (mention_body(name, author={"handle": "x", "$gt": ""}), 422, ["body", "author", "$gt"]),
        (
            {"mentions": [mention_body(name), {**mention_body(name), "text": 5}]},
            422,
            ["body", "batch", "mentions", 1, "text"],
        ),
        (
            {**mention_body(name), "published_at": "yesterday"},
            422,
            ["body", "single", "published_at"],
        ),
    ]
    for body, status, loc in cases:
        answer = api.post(ingest, json=body)
        assert answer.status_code == status, answer.text
        assert answer.json()["detail"][0]["loc"] == loc
    huge = api.post(
        ingest,
        content=b'{"text": "' + b"a" * (1024 * 1024) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413
    malformed = api.post(
        ingest, content=b'{"brand": ', headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422 and malformed.json()["detail"][0]["type"] == "json_invalid"
    listed = api.get(ingest, params={"brand": name}).json()
    assert listed["total"] == 0


def test_v1_routes_need_the_key_and_operations_routes_do_not(stack: Stack) -> None:
    with httpx.Client(timeout=5) as anonymous:
        for service in SERVICES:
            base = stack.url(service)
            assert anonymous.get(base + "/healthz").status_code == 200
            assert anonymous.get(base + "/readyz").json()["status"] == "ready"
            assert "animo_http_requests_total" in anonymous.get(base + "/metrics").text
            paths = anonymous.get(base + "/openapi.json").json()["paths"]
            for path, methods in paths.items():
                if not path.startswith("/v1"):
                    continue
                for method in methods:
                    url = base + path.replace("{", "").replace("}", "")
                    answer = anonymous.request(method, url, params={"brand": "x"})
                    assert answer.status_code == 401, (service, method, path)
                    wrong = anonymous.request(method, url, headers={"Authorization": "Bearer no"})
                    assert wrong.status_code == 401


def test_the_demo_runner_counts_the_demo_end_to_end(tmp_path: Path) -> None:
    """`make run`'s own code path, with --exit-when-ready, on ports of its own."""
    import subprocess
    import sys

    env = {
        "ANIMO_BROKER_PORT": str(free_port()),
        "ANIMO_DEMO_WEBHOOK_PORT": str(free_port()),
        **{f"ANIMO_{s.upper()}_PORT": str(free_port()) for s in SERVICES},
    }
    import os

    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "animo_dev.cli",
            "run",
            "--home",
            str(tmp_path),
            "--exit-when-ready",
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "demo counted end to end" in done.stdout, done.stdout + done.stderr
    assert time.monotonic() - started < 120, done.stdout
    assert "velo-lumen" in done.stdout, done.stdout
    assert "/docs" in done.stdout, done.stdout
