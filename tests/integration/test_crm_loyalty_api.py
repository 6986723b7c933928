"""Loyalty through the crm's real HTTP API (uvicorn) fed by a real broker: points earned from
engagement events, a voucher pool, many concurrent redemptions at one member (never an overdraw,
never a code twice), precise refusals, `reward.granted` on the bus, and erasure."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from animo_crm.config import Settings
from animo_crm.identity import member_id
from animo_crm.main import create_app
from animo_dev.inprocess import serve
from animo_shared.bus import to_message
from animo_shared.events import (
    EngagementKind,
    EngagementRecorded,
    MentionModerated,
    ModerationAction,
    PostPublished,
    Topic,
    make_event,
    utcnow,
)
from animo_shared.settings import CommonSettings

from helpers.kafka import produce

pytestmark = pytest.mark.integration
KEY = "integration-key-" + "l" * 16
AUTH = {"Authorization": f"Bearer {KEY}"}


def purchase(brand: str, n: int, handle: str, value: float) -> bytes:
    when = utcnow() - timedelta(minutes=10 - n)
    payload = EngagementRecorded(
        engagement_id=f"{brand}-{n}",
        brand=brand,
        kind=EngagementKind.PURCHASE,
        source="shop",
        handle=handle,
        occurred_at=when,
        value=value,
    )
    event = make_event(payload, event_id=f"{brand}-eng-{n}", source="t", brand=brand, time=when)
    return to_message(event, f"{brand}:shop:{handle}").value


def complaint(brand: str, handle: str) -> bytes:
    when = utcnow() - timedelta(minutes=5)
    payload = MentionModerated(
        decision_id=f"{brand}-d1",
        mention_id=f"{brand}-m1",
        brand=brand,
        source="shop",
        author_handle=handle,
        action=ModerationAction.ALLOW,
        published_at=when,
        decided_at=when,
        ruleset="t",
        complaint_topic="delivery",
    )
    event = make_event(payload, event_id=f"{brand}-mod-1", source="t", brand=brand)
    return to_message(event, f"{brand}:shop:{handle}").value


def answer(brand: str) -> bytes:
    payload = PostPublished(
        post_id=f"{brand}-p1",
        brand=brand,
        channel_id="c1",
        channel_kind="mastodon",
        published_at=utcnow(),
        in_reply_to=f"{brand}-m1",
    )
    event = make_event(payload, event_id=f"{brand}-post-1", source="t", brand=brand)
    return to_message(event, f"{brand}:c1").value


async def until(check: Any, timeout: float = 40) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await check()
        if found or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.2)


async def granted_events(broker: str, brand: str, expect: int, timeout: float = 20) -> list[Any]:
    consumer = AIOKafkaConsumer(
        Topic.CRM.value,
        bootstrap_servers=broker,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found) < expect and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                for record in batch:
                    event = json.loads(record.value)
                    if event["type"] == "reward.granted" and event["brand"] == brand:
                        found.append(event)
    finally:
        await consumer.stop()
    return found


async def test_concurrent_redemptions_over_http_never_overdraw_and_draw_each_code_once(
    broker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANIMO_CRM_LOYALTY_HOLD_WAIT_SECONDS", "60")
    brand = f"loy-{uuid.uuid4().hex[:8]}"
    alice = member_id(brand, "shop", "alice")
    common = CommonSettings(kafka_bootstrap=broker, data_dir=tmp_path, admin_key=KEY)
    async with (
        serve(create_app(Settings(common=common))) as base,
        httpx.AsyncClient(base_url=base, headers=AUTH, timeout=90) as http,
    ):
        rules = {"rules": {"purchase": {"points": 0, "per_unit": 1}}, "changed_by": "ops"}
        put = await http.put(f"/v1/brands/{brand}/loyalty/rules", json=rules)
        assert put.status_code == 201, put.text
        assert put.json()["version"] == 1
        await produce(
            broker,
            Topic.ENGAGEMENT.value,
            [purchase(brand, 1, "alice", 600.9), purchase(brand, 2, "alice", 400)],
        )

        async def credited() -> bool:
            answer = await http.get(f"/v1/members/{alice}/loyalty")
            return answer.status_code == 200 and answer.json()["balance"] == 1000

        assert await until(credited), (await http.get(f"/v1/members/{alice}/loyalty")).text

        made = await http.post(
            f"/v1/brands/{brand}/loyalty/rewards",
            json={"kind": "voucher", "title": "-20 %", "points_cost": 100},
        )
        assert made.status_code == 201, made.text
        reward = made.json()["id"]
        pool = f"/v1/brands/{brand}/loyalty/rewards/{reward}/pool"
        twice = await http.post(pool, json={"codes": ["X1", "X2", "X1", "X3", "X3"]})
        assert twice.status_code == 422
        assert twice.json()["detail"]["duplicates"] == ["X1", "X3"]
        codes = [f"CODE-{i:02d}" for i in range(15)]
        uploaded = await http.post(pool, json={"codes": codes})
        assert uploaded.status_code == 201, uploaded.text
        assert uploaded.json()["available"] == 15  # the refused upload stored nothing

        redeem = f"/v1/members/{alice}/loyalty/redemptions"
        answers = await asyncio.gather(
            *(http.post(redeem, json={"reward_id": reward}) for _ in range(40))
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201] * 10 + [409] * 30, [a.text for a in answers if a.status_code > 409]
        refusals = {a.json()["detail"]["type"] for a in answers if a.status_code == 409}
        assert refusals == {"insufficient_points"}
        drawn = [a.json()["code"] for a in answers if a.status_code == 201]
        assert len(set(drawn)) == 10
        assert set(drawn) <= set(codes)

        view = (await http.get(f"/v1/members/{alice}/loyalty", params={"limit": 500})).json()
        assert (view["balance"], view["earned"], view["spent"]) == (0, 1000, 1000)
        assert view["total"] == 12
        assert sum(e["points"] for e in view["entries"]) == 0
        assert [e["points"] for e in view["entries"]][-2:] == [400, 600]  # the oldest last
        left = (await http.get(f"/v1/brands/{brand}/loyalty/rewards/{reward}")).json()
        assert left["available"] == 5

        refused = await http.post(redeem, json={"reward_id": reward})
        assert refused.status_code == 409
        assert refused.json()["detail"] == {
            "type": "insufficient_points",
            "msg": "the reward costs 100 points; the balance is 0",
            "balance": 0,
            "cost": 100,
            "missing": 100,
        }
        unknown = await http.post(redeem, json={"reward_id": "nope"})
        assert unknown.status_code == 404

        # A free gift with 3 in stock, 12 at once: 3 given, 9 refused, never below 0.
        made = await http.post(
            f"/v1/brands/{brand}/loyalty/rewards",
            json={"kind": "gift", "title": "sticker", "points_cost": 0, "stock": 3},
        )
        sticker = made.json()["id"]
        answers = await asyncio.gather(
            *(http.post(redeem, json={"reward_id": sticker}) for _ in range(12))
        )
        assert sorted(a.status_code for a in answers) == [201] * 3 + [409] * 9
        assert {a.json()["detail"]["type"] for a in answers if a.status_code == 409} == {
            "out_of_stock"
        }
        left = (await http.get(f"/v1/brands/{brand}/loyalty/rewards/{sticker}")).json()
        assert (left["stock"], left["available"]) == (0, 0)

        events = await granted_events(broker, brand, 13)
        vouchers = [e["data"] for e in events if e["data"]["kind"] == "voucher"]
        assert sorted(v["code"] for v in vouchers) == sorted(drawn)
        assert {v["points_spent"] for v in vouchers} == {100}
        assert len(events) == 13


async def test_grants_need_consent_and_erasure_removes_the_members_points(
    broker: str, tmp_path: Path
) -> None:
    brand = f"loy-{uuid.uuid4().hex[:8]}"
    bob = member_id(brand, "shop", "bob")
    common = CommonSettings(kafka_bootstrap=broker, data_dir=tmp_path, admin_key=KEY)
    async with (
        serve(create_app(Settings(common=common))) as base,
        httpx.AsyncClient(base_url=base, headers=AUTH, timeout=30) as http,
    ):
        rules = {"rules": {"purchase": {"points": 5}}}
        assert (await http.put(f"/v1/brands/{brand}/loyalty/rules", json=rules)).status_code == 201
        await produce(broker, Topic.ENGAGEMENT.value, [purchase(brand, 1, "bob", 10)])

        async def known() -> bool:
            member = await http.get(f"/v1/members/{bob}")
            wallet = await http.get(f"/v1/members/{bob}/loyalty")
            return member.status_code == 200 and wallet.json().get("balance") == 5

        assert await until(known)
        # The same event again (a replay) and a new one: only the new one earns.
        await produce(
            broker,
            Topic.ENGAGEMENT.value,
            [purchase(brand, 1, "bob", 10), purchase(brand, 2, "bob", 10)],
        )

        async def sentinel() -> bool:
            view = (await http.get(f"/v1/members/{bob}/loyalty")).json()
            return bool(view["total"] == 2)

        assert await until(sentinel)
        view = (await http.get(f"/v1/members/{bob}/loyalty")).json()
        assert (view["balance"], [e["cause"] for e in view["entries"]]) == (
            10,
            [f"{brand}-eng-2", f"{brand}-eng-1"],
        )
        gift = await http.post(
            f"/v1/brands/{brand}/loyalty/rewards",
            json={"kind": "gift", "title": "mug", "points_cost": 50, "stock": 2},
        )
        grant = {"brand": brand, "reward_id": gift.json()["id"], "points": 20, "request_id": "r1"}
        grants = f"/v1/members/{bob}/loyalty/grants"
        refused = await http.post(grants, json=grant)
        assert refused.status_code == 409
        assert refused.json()["detail"]["type"] == "no_rewards_consent"
        consent = await http.patch(f"/v1/members/{bob}", json={"consents": {"rewards": True}})
        assert consent.status_code == 200, consent.text
        given = await http.post(grants, json=grant)
        assert given.status_code == 201, given.text
        assert (given.json()["balance"], given.json()["grant"]["reason"]) == (30, "manual")
        again = await http.post(grants, json=grant)  # the same request id: nothing more
        assert again.json()["balance"] == 30
        listed = (await http.get(grants)).json()
        assert listed["total"] == 1

        # Goodwill: bob complains, the brand answers; the programme's voucher is offered once.
        voucher = await http.post(
            f"/v1/brands/{brand}/loyalty/rewards",
            json={"kind": "voucher", "title": "sorry", "points_cost": 0},
        )
        sorry = voucher.json()["id"]
        pool = f"/v1/brands/{brand}/loyalty/rewards/{sorry}/pool"
        assert (await http.post(pool, json={"codes": ["S1"]})).status_code == 201
        program = {
            "goodwill_reward_id": sorry,
            "top_advocates": {"reward_id": gift.json()["id"], "count": 5, "sort": "love"},
        }
        put = await http.put(f"/v1/brands/{brand}/loyalty/program", json=program)
        assert put.status_code == 200, put.text
        await produce(broker, Topic.MODERATION.value, [complaint(brand, "bob")])
        await produce(broker, Topic.POSTS.value, [answer(brand)])

        async def offered() -> bool:
            return bool((await http.get(grants)).json()["total"] == 2)

        assert await until(offered)
        newest = (await http.get(grants)).json()["items"][0]
        assert (newest["reason"], newest["code"]) == ("goodwill", "S1")

        # Top advocates of a period, by hand: bob (the only member) gets the mug, once.
        run = f"/v1/brands/{brand}/loyalty/top-advocates/2026-10"
        first = (await http.post(run)).json()
        assert (first["granted"], first["skipped"]) == (1, 0)
        assert (await http.post(run)).json() == first
        assert (
            await http.post(f"/v1/brands/{brand}/loyalty/top-advocates/2026-13")
        ).status_code == 422
        assert (await http.get(grants)).json()["total"] == 3
        events = await granted_events(broker, brand, 3)
        assert sorted(e["data"]["reason"] for e in events) == ["goodwill", "manual", "top_advocate"]

        erased = await http.delete(f"/v1/members/{bob}")
        assert erased.status_code == 200, erased.text
        after = await http.get(f"/v1/members/{bob}/loyalty")
        assert after.status_code == 404
        assert (await http.get(grants)).json()["total"] == 0
        stock = (await http.get(f"/v1/brands/{brand}/loyalty/rewards/{gift.json()['id']}")).json()
        assert stock["available"] == 0  # the mugs handed out are not given back
