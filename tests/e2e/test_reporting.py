"""Reporting end to end: mentions posted to ingest, moderated, and measured by reporting."""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from animo_dev.stack import Stack

from helpers.factories import mention_body

pytestmark = pytest.mark.e2e

TEXTS = (
    "J'adore mon nouveau vélo, merci pour tout !",
    "Mon colis n'est jamais arrivé, livraison catastrophique",
    "Bande de connards, rendez-moi mon argent",
    "Super service, très rapide, bravo",
)


def poll(check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {timeout} s")
        time.sleep(0.2)


def test_reports_measure_what_ingest_and_moderation_saw(stack: Stack, api: httpx.Client) -> None:
    name = f"e2e-rep-{uuid.uuid4().hex[:8]}"
    when = datetime.now(UTC) - timedelta(minutes=30)
    mentions = [
        mention_body(
            name,
            text=text,
            published_at=when.isoformat(),
            author={"handle": f"fan{n}", "followers": 1000 * (n + 1)},
        )
        for n, text in enumerate(TEXTS)
    ]
    api.post(stack.url("ingest") + "/v1/mentions", json={"mentions": mentions}).raise_for_status()
    reporting = stack.url("reporting") + "/v1/reports/"
    window = {
        "brand": name,
        "from": (when - timedelta(hours=1)).isoformat(),
        "to": (when + timedelta(hours=1)).isoformat(),
        "interval": "hour",
    }

    def joined() -> dict[str, Any] | None:
        totals: dict[str, Any] = api.get(reporting + "volume", params=window).json()["totals"]
        return totals if sum(totals["by_action"].values()) == len(TEXTS) else None

    volume = poll(joined, 15)
    assert (volume["mentions"], volume["own"], volume["pending"]) == (4, 4, 0)
    assert volume["by_action"].get("hide", 0) >= 1

    mood = api.get(reporting + "sentiment", params=window).json()["totals"]
    assert mood["analysed"] + mood["unknown"] == 4
    assert mood["negative"] >= 1 and mood["positive"] >= 1
    moderation = api.get(reporting + "moderation", params=window).json()["totals"]
    assert "insult" in moderation["by_category"]
    complaints = api.get(reporting + "response_time", params=window).json()["totals"]
    assert complaints["complaints"] >= 1 and complaints["answered"] == 0
    top = api.get(reporting + "influencers", params={**window, "sort": "followers"}).json()
    assert [a["handle"] for a in top["items"]] == ["fan3", "fan2", "fan1", "fan0"]

    exported = api.get(reporting + "sentiment", params={**window, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sum(int(r["negative"]) for r in rows) == mood["negative"]

    page = api.get(reporting + "summary", params={"brand": name, "period": "day"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"<h1>{name} — community report</h1>" in page.text
    assert page.text.count("<svg") == 6
    alerts = api.get(stack.url("reporting") + "/v1/alerts", params={"brand": name}).json()
    assert alerts == {"items": []}  # four mentions are no crisis
