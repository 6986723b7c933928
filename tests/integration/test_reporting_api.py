"""Reporting's HTTP API over real HTTP, fed through a real broker: JSON, CSV, HTML, errors."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from animo_dev.inprocess import serve
from animo_reporting.config import Settings
from animo_reporting.main import create_app
from animo_shared.bus import to_message
from animo_shared.events import (
    Author,
    MentionModerated,
    MentionReceived,
    ModerationAction,
    derive_id,
    make_event,
    utcnow,
)
from animo_shared.settings import CommonSettings

from helpers.kafka import produce

pytestmark = pytest.mark.integration
KEY = "integration-key-" + "a" * 16


async def test_reports_answer_json_csv_and_html_and_refuse_bad_input_precisely(
    broker: str, tmp_path: Path
) -> None:
    brand = f"api-{uuid.uuid4().hex[:8]}"
    when = utcnow() - timedelta(hours=2)
    mentions, decisions = [], []
    for n, source in enumerate(("twitter", "twitter", "forum")):
        mid = f"{brand}-{n}"
        mentions.append(
            to_message(
                make_event(
                    MentionReceived(
                        mention_id=mid,
                        brand=brand,
                        source=source,
                        external_id=mid,
                        author=Author(handle=f"fan{n}", followers=100 * n),
                        text="Livraison <rapide>",
                        published_at=when,
                        received_at=when,
                        lang="fr",
                    ),
                    event_id=derive_id("api.m", mid),
                    source="t",
                    brand=brand,
                ),
                brand,
            ).value
        )
        decisions.append(
            to_message(
                make_event(
                    MentionModerated(
                        decision_id=mid,
                        mention_id=mid,
                        brand=brand,
                        source=source,
                        author_handle="x",
                        action=ModerationAction.HIDE if n == 2 else ModerationAction.ALLOW,
                        published_at=when,
                        decided_at=when,
                        ruleset="r",
                        sentiment="positive",
                    ),
                    event_id=derive_id("api.d", mid),
                    source="t",
                    brand=brand,
                ),
                brand,
            ).value
        )
    common = CommonSettings(kafka_bootstrap=broker, data_dir=tmp_path, admin_key=KEY)
    async with (
        serve(create_app(Settings(common=common))) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as api,
    ):
        assert (
            await api.get(
                "/v1/reports/volume", headers={"Authorization": ""}, params={"brand": brand}
            )
        ).status_code == 401
        await produce(broker, "animo.mentions.v1", mentions)
        await produce(broker, "animo.moderation.v1", decisions)
        params = {"brand": brand, "interval": "day"}
        for _ in range(300):
            volume = (await api.get("/v1/reports/volume", params=params)).json()
            if sum(volume["totals"]["by_action"].values()) == 3:
                break
            await asyncio.sleep(0.2)
        assert {"brand", "interval", "from", "to", "buckets", "totals"} <= set(volume)
        assert volume["totals"]["mentions"] == 3
        assert volume["totals"]["by_source"] == {"forum": 1, "twitter": 2}
        assert volume["totals"]["by_action"] == {"allow": 2, "hide": 1}

        as_csv = await api.get("/v1/reports/volume", params=params, headers={"Accept": "text/csv"})
        assert as_csv.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert sum(int(r["mentions"]) for r in rows) == 3
        grouped = await api.get(
            "/v1/reports/volume", params={**params, "group_by": "source,action", "format": "csv"}
        )
        assert {
            (r["source"], r["action"], r["mentions"])
            for r in csv.DictReader(io.StringIO(grouped.text))
        } == {("twitter", "allow", "2"), ("forum", "hide", "1")}

        top = await api.get("/v1/reports/influencers", params={**params, "sort": "followers"})
        assert [a["handle"] for a in top.json()["items"]] == ["fan2", "fan1", "fan0"]

        summary = await api.get("/v1/reports/summary", params={"brand": brand, "period": "week"})
        assert summary.status_code == 200
        assert summary.headers["content-type"].startswith("text/html")
        assert summary.text.count("<svg") == 6

        for path, query, status, message in [
            ("/v1/reports/reach", params, 404, "unknown metric 'reach'"),
            ("/v1/reports/sentiment", {"brand": "nobody"}, 404, "unknown brand 'nobody'"),
            ("/v1/reports/summary", {"brand": "nobody"}, 404, "unknown brand 'nobody'"),
            (
                "/v1/reports/volume",
                {**params, "from": "2026-11-20T00:00:00Z", "to": "2026-11-10T00:00:00Z"},
                422,
                "must be after",
            ),
            (
                "/v1/reports/sentiment",
                {
                    **params,
                    "interval": "minute",
                    "from": "2026-01-01T00:00:00Z",
                    "to": "2026-02-01T00:00:00Z",
                },
                422,
                "the limit is 5000 points",
            ),
            ("/v1/reports/moderation", {**params, "group_by": "source"}, 422, "has no group_by"),
            ("/v1/alerts/nope", {}, 404, "no alert 'nope'"),
        ]:
            answer = await api.get(path, params=query)
            assert answer.status_code == status, (path, answer.text)
            assert message in answer.json()["detail"], answer.text
        bad_interval = await api.get("/v1/reports/volume", params={**params, "interval": "year"})
        assert bad_interval.status_code == 422

        settings = f"/v1/brands/{brand}/settings"
        no_secret = await api.put(settings, json={"webhook_url": "https://hooks.example/a"})
        assert no_secret.status_code == 422 and "webhook_secret" in no_secret.text
        bad_zone = await api.put(settings, json={"business_hours": {"timezone": "Mars/Base"}})
        assert bad_zone.status_code == 422 and "unknown time zone" in bad_zone.text
        hours = {
            "timezone": "Europe/Paris",
            "days": ["mon", "tue"],
            "opens": "08:30",
            "closes": "17:00",
        }
        saved = await api.put(settings, json={"business_hours": hours, "sensitivity": "strict"})
        assert saved.json()["business_hours"] == "mon,tue 08:30-17:00 Europe/Paris"
        assert (saved.json()["sensitivity"], saved.json()["z_raise"]) == ("strict", 5.0)
        alerts = await api.get("/v1/alerts", params={"brand": brand, "status": "open"})
        assert alerts.json() == {"items": []}
