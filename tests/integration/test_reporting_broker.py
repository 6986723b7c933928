"""Reporting on a real Tansu broker: a synthetic spike raises exactly one alert (event, API,
signed webhook), and a replay of every event changes no count."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from animo_dev.inprocess import serve
from animo_reporting.config import Settings
from animo_reporting.main import create_app
from animo_shared.bus import to_message
from animo_shared.events import (
    Author,
    MentionModerated,
    MentionReceived,
    ModerationAction,
    PostPublished,
    Topic,
    derive_id,
    make_event,
    utcnow,
)
from animo_shared.settings import CommonSettings
from animo_shared.store import OutboxMessage

from helpers.kafka import produce, read_all

pytestmark = pytest.mark.integration
KEY = "integration-key-" + "r" * 16
SECRET = "spike-webhook-secret-0123456789"


def mention(brand: str, mid: str, when: datetime, **over: Any) -> OutboxMessage:
    payload = MentionReceived(
        mention_id=mid,
        brand=brand,
        source=over.pop("source", "twitter"),
        external_id=mid,
        author=Author(handle=over.pop("handle", "fan")),
        text=over.pop("text", "bof"),
        published_at=when,
        received_at=when,
        lang="fr",
        **over,
    )
    event = make_event(payload, event_id=derive_id("t.mention", mid), source="t", brand=brand)
    return to_message(event, f"{brand}:twitter:fan")


def decision(brand: str, mid: str, when: datetime, sentiment: str = "negative") -> OutboxMessage:
    payload = MentionModerated(
        decision_id=f"d-{mid}",
        mention_id=mid,
        brand=brand,
        source="twitter",
        author_handle="fan",
        action=ModerationAction.ALLOW,
        published_at=when,
        decided_at=when,
        ruleset="r",
        sentiment=sentiment,  # type: ignore[arg-type]
    )
    event = make_event(payload, event_id=derive_id("t.decision", mid), source="t", brand=brand)
    return to_message(event, f"{brand}:twitter:fan")


async def send(broker: str, messages: list[OutboxMessage]) -> None:
    by_topic: dict[str, list[OutboxMessage]] = {}
    for message in messages:
        by_topic.setdefault(message.topic, []).append(message)
    for topic, found in by_topic.items():
        await produce(broker, topic, [m.value for m in found], key=found[0].key.encode())


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 60) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"not seen within {timeout} s (last: {result!r})")
        await asyncio.sleep(0.2)


@asynccontextmanager
async def reporting(broker: str, data_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    common = CommonSettings(
        kafka_bootstrap=broker,
        data_dir=data_dir,
        admin_key=KEY,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    settings = Settings(common=common, spike_check_seconds=0.3, gauge_refresh_seconds=0.5)
    async with (
        serve(create_app(settings)) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as api,
    ):

        async def ready() -> bool:
            return (await api.get("/readyz")).status_code == 200

        await eventually(ready)
        yield api


async def test_a_synthetic_spike_raises_exactly_one_alert(broker: str, tmp_path: Path) -> None:
    brand = f"spike-{uuid.uuid4().hex[:8]}"
    hooks: list[tuple[dict[str, str], bytes]] = []
    receiver = FastAPI()

    @receiver.post("/hook")
    async def hook(request: Request) -> dict[str, bool]:
        hooks.append((dict(request.headers), await request.body()))
        return {"ok": True}

    async with serve(receiver) as hook_base, reporting(broker, tmp_path) as api:
        put = await api.put(
            f"/v1/brands/{brand}/settings",
            json={"webhook_url": hook_base + "/hook", "webhook_secret": SECRET},
        )
        assert put.status_code == 200, put.text
        assert put.json()["webhook_secret_set"] is True and "webhook_secret" not in put.json()
        now = utcnow()
        # The baseline: one negative mention an hour for the previous 12 hours...
        calm = [now - timedelta(hours=h, minutes=20) for h in range(1, 13)]
        # ...then 30 in the last ten minutes.
        burst = [now - timedelta(seconds=20 * n) for n in range(30)]
        messages = []
        for n, when in enumerate(calm + burst):
            mid = f"{brand}-{n}"
            messages += [mention(brand, mid, when), decision(brand, mid, when)]
        await send(broker, messages)

        async def listed() -> list[Any]:
            found: list[Any] = (await api.get("/v1/alerts", params={"brand": brand})).json()[
                "items"
            ]
            return found

        (alert,) = await eventually(listed)
        await asyncio.sleep(3)  # ten more checks see the same spike
        (again,) = await listed()
        assert again["id"] == alert["id"]
        assert (alert["kind"], alert["status"], alert["observed"]) == (
            "negative_mentions",
            "open",
            30,
        )
        assert alert["baseline"] == 1.0
        assert "30 negative mentions" in alert["message"]

        events = [
            json.loads(r.value)
            for r in await read_all(broker, Topic.ALERTS, expect=10_000, timeout=5)
            if dict(r.headers).get("ce_brand") == brand.encode()
        ]
        assert [(e["type"], e["data"]["alert_id"]) for e in events] == [
            ("alert.raised", alert["id"])
        ]

        await eventually(lambda: asyncio.sleep(0, result=hooks), timeout=20)
        (headers, body) = hooks[0]
        expected = hmac.new(
            SECRET.encode(), headers["x-animo-timestamp"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        assert headers["x-animo-signature"] == f"sha256={expected}"
        assert headers["idempotency-key"] == events[0]["id"]
        assert json.loads(body)["data"]["alert_id"] == alert["id"]
        await asyncio.sleep(1)
        assert len(hooks) == 1

        metrics = (await api.get("/metrics")).text
        assert f'animo_reporting_open_alerts{{brand="{brand}"}} 1.0' in metrics


async def test_a_replay_of_every_event_changes_no_count(broker: str, tmp_path: Path) -> None:
    brand = f"replay-{uuid.uuid4().hex[:8]}"
    now = utcnow().replace(minute=30, second=0, microsecond=0) - timedelta(hours=1)
    messages: list[OutboxMessage] = []
    for n in range(40):
        mid = f"{brand}-{n}"
        messages.append(mention(brand, mid, now, competitors=("rival",) if n % 4 == 0 else ()))
        messages.append(decision(brand, mid, now, "positive" if n % 2 else "negative"))
    reply = PostPublished(
        post_id="p1",
        brand=brand,
        channel_id="c",
        channel_kind="webhook",
        published_at=now + timedelta(minutes=5),
        in_reply_to=f"{brand}-1",
    )
    messages.append(
        to_message(make_event(reply, event_id="post-p1", source="t", brand=brand), brand)
    )
    window = {"brand": brand, "from": (now - timedelta(hours=1)).isoformat(), "interval": "day"}

    async with reporting(broker, tmp_path) as api:
        await send(broker, messages)

        async def counted() -> dict[str, Any] | None:
            totals: dict[str, Any] = (await api.get("/v1/reports/volume", params=window)).json()[
                "totals"
            ]
            return totals if sum(totals["by_action"].values()) == 40 else None

        first = await eventually(counted)
        assert (first["mentions"], first["own"], first["competitors"]) == (40, 30, 10)
        voice = (await api.get("/v1/reports/share_of_voice", params=window)).json()["totals"]
        assert (voice["brand"], voice["competitors"], voice["share"]) == (30, {"rival": 10}, 0.75)

        await send(broker, messages)  # the whole stream again: same event ids

        async def replayed() -> bool:
            text = (await api.get("/metrics")).text
            lines = [
                line
                for line in text.splitlines()
                if line.startswith("animo_events_duplicate_total{")
            ]
            return sum(float(line.rsplit(" ", 1)[1]) for line in lines) >= len(messages)

        await eventually(replayed)
        again = (await api.get("/v1/reports/volume", params=window)).json()["totals"]
        assert again == first
        posts = (await api.get("/v1/reports/posts", params=window)).json()["totals"]
        assert (posts["published"], posts["replies"]) == (1, 1)
