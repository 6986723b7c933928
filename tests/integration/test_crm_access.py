"""The crm under API keys, over real HTTP and a real broker: a brand's key reads, lists, edits,
merges, exports, erases, redeems and grants in its brand only (another brand's members and
segments answer as unknown ids), a read key changes nothing, and GDPR takes its own scope."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from animo_crm.config import Settings
from animo_crm.identity import member_id
from animo_crm.main import create_app
from animo_dev.inprocess import serve
from animo_shared.bus import to_message
from animo_shared.events import EngagementKind, Envelope, utcnow
from animo_shared.settings import CommonSettings

from helpers.crm_members import engagement, mention
from helpers.kafka import produce

pytestmark = pytest.mark.integration
KEY = "integration-key-" + "x" * 16
HANDLES = ("ann", "bob", "carl")
POINTS = 100  # what ann earns in each brand, from one purchase


@dataclass
class World:
    """Two brands with the same three people; ann holds points and both brands sell a gift."""

    api: httpx.AsyncClient  # the operator's key
    a: str
    b: str
    gifts: dict[str, str]  # brand: reward id

    def member(self, brand: str, handle: str) -> str:
        return member_id(brand, "twitter", handle)

    async def issue(self, scopes: list[str], brands: list[str] | None = None) -> dict[str, str]:
        """A new key's Authorization header."""
        spec = {"name": "t", "scopes": scopes, "brands": brands or []}
        answer = await self.api.post("/v1/admin/keys", json=spec)
        assert answer.status_code == 201, answer.text
        return {"Authorization": f"Bearer {answer.json()['secret']}"}

    async def balance(self, member: str) -> int:
        answer = await self.api.get(f"/v1/members/{member}/loyalty")
        assert answer.status_code == 200, answer.text
        found: int = answer.json()["balance"]
        return found


async def until(check: Callable[[], Any], timeout: float = 40) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not seen in time")
        await asyncio.sleep(0.2)


def events(brand: str) -> list[Envelope[Any]]:
    when = utcnow() - timedelta(hours=1)
    tag = uuid.uuid4().hex[:8]
    found = [mention(f"{tag}{i}", h, when, brand=brand) for i, h in enumerate(HANDLES)]
    purchase = engagement(tag, "ann", EngagementKind.PURCHASE, when, brand=brand, source="twitter")
    return [*found, purchase]


@pytest.fixture
async def world(broker: str, tmp_path: Path) -> AsyncIterator[World]:
    common = CommonSettings(
        kafka_bootstrap=broker,
        data_dir=tmp_path,
        admin_key=KEY,
        key_cache_seconds=0,
        key_rate_per_second=10_000,
    )
    run = uuid.uuid4().hex[:8]
    a, b = f"acc-a-{run}", f"acc-b-{run}"
    async with (
        serve(create_app(Settings(common=common))) as base,
        httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=30
        ) as api,
    ):
        gifts = {}
        for brand in (a, b):
            rules = {"rules": {"purchase": {"points": POINTS}}}
            put = await api.put(f"/v1/brands/{brand}/loyalty/rules", json=rules)
            assert put.status_code == 201, put.text
            gift = {"kind": "gift", "title": "mug", "points_cost": 10}
            made = await api.post(f"/v1/brands/{brand}/loyalty/rewards", json=gift)
            assert made.status_code == 201, made.text
            gifts[brand] = made.json()["id"]
        for event in [*events(a), *events(b)]:
            message = to_message(event, event.brand)
            await produce(broker, message.topic, [message.value])
        found = World(api, a, b, gifts)

        async def ready() -> bool:
            for brand in (a, b):
                page = await api.get("/v1/members", params={"brand": brand})
                wallet = await api.get(f"/v1/members/{found.member(brand, 'ann')}/loyalty")
                if page.json()["total"] != 3 or wallet.json().get("balance") != POINTS:
                    return False
            return True

        await until(ready)
        for brand in (a, b):
            for handle in ("ann", "bob"):
                consent = {"consents": {"rewards": True}}
                edited = await api.patch(f"/v1/members/{found.member(brand, handle)}", json=consent)
                assert edited.status_code == 200, edited.text
        yield found


def not_for(brand: str) -> dict[str, str]:
    return {"detail": f"this API key may not act for brand {brand!r}"}


def lacks(scope: str) -> dict[str, str]:
    return {"detail": f"this API key lacks the scope {scope!r}"}


async def test_a_brand_key_reads_and_changes_its_brands_members_only(world: World) -> None:
    key = await world.issue(["crm:read", "crm:write", "crm:gdpr"], [world.a])
    api, a, b = world.api, world.a, world.b
    theirs, their_bob, their_carl = (world.member(b, h) for h in HANDLES)
    ours, our_bob, our_carl = (world.member(a, h) for h in HANDLES)
    merged = await api.post(f"/v1/members/{theirs}/merge", json={"member_id": their_carl})
    assert merged.status_code == 200, merged.text

    # Lists name their brand (required), which the key must hold.
    listed = await api.get("/v1/members", params={"brand": b}, headers=key)
    assert (listed.status_code, listed.json()) == (403, not_for(b))
    unnamed = await api.get("/v1/members", headers=key)
    assert unnamed.status_code == 403 and "must name its brand" in unnamed.text
    press = await api.get("/v1/press", params={"brand": b}, headers=key)
    assert (press.status_code, press.json()) == (403, not_for(b))
    assert (await api.get(f"/v1/brands/{b}/tiers", headers=key)).status_code == 403
    tiers = (await api.get(f"/v1/brands/{b}/tiers")).json()
    assert (await api.put(f"/v1/brands/{b}/tiers", json=tiers, headers=key)).status_code == 403

    # Another brand's member answers exactly as an unknown id, whatever the route.
    unknown = await api.get("/v1/members/nobody", headers=key)
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "no member 'nobody'"})
    for alias in (theirs, their_carl):
        profile = await api.get(f"/v1/members/{alias}", headers=key)
        assert (profile.status_code, profile.json()) == (404, {"detail": f"no member {alias!r}"})
    for path in ("timeline", "merges", "export"):
        got = await api.get(f"/v1/members/{theirs}/{path}", headers=key)
        assert got.status_code == 404, (path, got.text)
    changes = [
        ("PATCH", f"/v1/members/{theirs}", {"tags": ["stolen"]}),
        ("POST", f"/v1/members/{theirs}/notes", {"text": "seen by the wrong brand"}),
        ("PUT", f"/v1/members/{theirs}/outreach", {"kind": "press"}),
        ("DELETE", f"/v1/members/{theirs}/outreach", None),
        ("POST", f"/v1/members/{theirs}/merge", {"member_id": their_bob}),
        ("POST", f"/v1/members/{ours}/merge", {"member_id": their_bob}),  # not 422 "brands"
        ("POST", f"/v1/members/{theirs}/unmerge", {"member_id": their_carl}),
        ("DELETE", f"/v1/members/{theirs}", None),
    ]
    for method, path, body in changes:
        answer = await api.request(method, path, json=body, headers=key)
        assert answer.status_code == 404, (method, path, answer.text)
    # ... and nothing of theirs changed.
    profile = (await api.get(f"/v1/members/{theirs}")).json()
    assert profile["member"]["tags"] == [] and profile["member"]["outreach"] is None
    assert profile["notes"] == [] and sorted(profile["aliases"]) == sorted([theirs, their_carl])
    assert (await api.get(f"/v1/members/{their_bob}")).json()["member"]["id"] == their_bob

    # Its own brand, the key does all of it.
    page = await api.get("/v1/members", params={"brand": a}, headers=key)
    assert page.status_code == 200 and page.json()["total"] == 3
    assert (await api.get(f"/v1/members/{ours}", headers=key)).status_code == 200
    for path in ("timeline", "merges", "export"):
        got = await api.get(f"/v1/members/{ours}/{path}", headers=key)
        assert got.status_code == 200, (path, got.text)
    done = [
        ("PATCH", f"/v1/members/{ours}", {"tags": ["vip"]}, 200),
        ("POST", f"/v1/members/{ours}/notes", {"text": "met at the fair"}, 201),
        ("PUT", f"/v1/members/{ours}/outreach", {"kind": "press"}, 200),
        ("DELETE", f"/v1/members/{ours}/outreach", None, 200),
        ("POST", f"/v1/members/{ours}/merge", {"member_id": our_bob}, 200),
        ("POST", f"/v1/members/{ours}/unmerge", {"member_id": our_bob}, 200),
        ("DELETE", f"/v1/members/{our_carl}", None, 200),
    ]
    for method, path, body, status in done:
        answer = await api.request(method, path, json=body, headers=key)
        assert answer.status_code == status, (method, path, answer.text)
    assert (await api.get("/v1/press", params={"brand": a}, headers=key)).status_code == 200


async def test_a_brand_key_sees_its_brands_segments_only(world: World) -> None:
    key = await world.issue(["crm:read", "crm:write"], [world.a])
    api, a, b = world.api, world.a, world.b
    spec = {"name": "everyone", "filter": "mentions >= 1"}
    theirs = (await api.post("/v1/segments", json={"brand": b, **spec})).json()["segment"]["id"]

    made = await api.post("/v1/segments", json={"brand": b, **spec}, headers=key)
    assert (made.status_code, made.json()) == (403, not_for(b))
    preview = {"brand": b, "filter": "mentions >= 1"}
    sized = await api.post("/v1/segments/preview", json=preview, headers=key)
    assert (sized.status_code, sized.json()) == (403, not_for(b))
    listed = await api.get("/v1/segments", params={"brand": b}, headers=key)
    assert (listed.status_code, listed.json()) == (403, not_for(b))
    for path in ("", "/members", "/export.csv"):
        got = await api.get(f"/v1/segments/{theirs}{path}", headers=key)
        assert (got.status_code, got.json()) == (404, {"detail": f"no segment {theirs!r}"}), path
    deleted = await api.delete(f"/v1/segments/{theirs}", headers=key)
    assert deleted.status_code == 404
    kept = (await api.get("/v1/segments", params={"brand": b})).json()
    assert [s["id"] for s in kept] == [theirs]  # still there, and nothing saved by the key

    made = await api.post("/v1/segments", json={"brand": a, **spec}, headers=key)
    assert made.status_code == 201 and made.json()["size"] == 3
    ours = made.json()["segment"]["id"]
    sized = await api.post("/v1/segments/preview", json={**preview, "brand": a}, headers=key)
    assert sized.status_code == 200 and sized.json()["total"] == 3
    listed = await api.get("/v1/segments", params={"brand": a}, headers=key)
    assert [s["id"] for s in listed.json()] == [ours]
    for path in ("", "/members", "/export.csv"):
        got = await api.get(f"/v1/segments/{ours}{path}", headers=key)
        assert got.status_code == 200, (path, got.text)
    assert (await api.delete(f"/v1/segments/{ours}", headers=key)).status_code == 204


async def test_a_brand_key_redeems_and_grants_in_its_brand_only(world: World) -> None:
    key = await world.issue(["crm:read", "crm:write"], [world.a])
    api, a, b = world.api, world.a, world.b
    theirs, their_bob = world.member(b, "ann"), world.member(b, "bob")
    ours = world.member(a, "ann")
    replayed = {"reward_id": world.gifts[b], "request_id": "first"}
    first = await api.post(f"/v1/members/{theirs}/loyalty/redemptions", json=replayed)
    assert first.status_code == 201, first.text
    spent = POINTS - 10

    unknown = {"type": "unknown_member", "msg": f"no member {theirs!r}"}
    for path in ("loyalty", "loyalty/grants"):
        got = await api.get(f"/v1/members/{theirs}/{path}", headers=key)
        assert (got.status_code, got.json()) == (404, {"detail": unknown}), path
    nobody = await api.get("/v1/members/nobody/loyalty/grants", headers=key)
    assert nobody.status_code == 404  # an empty page would tell it from another brand's member
    redemptions = f"/v1/members/{theirs}/loyalty/redemptions"
    for body in (replayed, {"reward_id": world.gifts[b]}, {"reward_id": world.gifts[a]}):
        refused = await api.post(redemptions, json=body, headers=key)
        assert (refused.status_code, refused.json()) == (404, {"detail": unknown}), body
    grant = {"points": 5, "request_id": "g1"}
    refused = await api.post(
        f"/v1/members/{theirs}/loyalty/grants", json={"brand": b, **grant}, headers=key
    )
    assert (refused.status_code, refused.json()) == (403, not_for(b))
    for member in (theirs, their_bob):  # bob has no wallet yet: no brand to compare with
        refused = await api.post(
            f"/v1/members/{member}/loyalty/grants", json={"brand": a, **grant}, headers=key
        )
        assert refused.status_code == 404, (member, refused.text)
    # Even the operator cannot credit a member under another brand's name.
    crossed = await api.post(f"/v1/members/{their_bob}/loyalty/grants", json={"brand": a, **grant})
    assert crossed.status_code == 404, crossed.text
    assert await world.balance(theirs) == spent
    assert (await api.get(f"/v1/members/{their_bob}/loyalty")).json()["total"] == 0
    assert (await api.get(f"/v1/members/{theirs}/loyalty/grants")).json()["total"] == 1

    redeemed = await api.post(
        f"/v1/members/{ours}/loyalty/redemptions", json={"reward_id": world.gifts[a]}, headers=key
    )
    assert redeemed.status_code == 201, redeemed.text
    given = await api.post(
        f"/v1/members/{ours}/loyalty/grants", json={"brand": a, **grant}, headers=key
    )
    assert given.status_code == 201, given.text
    assert given.json()["balance"] == POINTS - 10 + 5
    view = await api.get(f"/v1/members/{ours}/loyalty", headers=key)
    assert view.status_code == 200 and view.json()["balance"] == POINTS - 5
    grants = await api.get(f"/v1/members/{ours}/loyalty/grants", headers=key)
    assert grants.status_code == 200 and grants.json()["total"] == 1
    rewards = await api.get(f"/v1/brands/{b}/loyalty/rewards", headers=key)
    assert (rewards.status_code, rewards.json()) == (403, not_for(b))


async def test_a_read_key_changes_nothing_and_gdpr_takes_its_own_scope(world: World) -> None:
    reader = await world.issue(["crm:read"])
    writer = await world.issue(["crm:read", "crm:write"])
    officer = await world.issue(["crm:gdpr"])
    api, a = world.api, world.a
    ann, bob, carl = (world.member(a, h) for h in HANDLES)
    segment = await api.post(
        "/v1/segments", json={"brand": a, "name": "all", "filter": "mentions >= 1"}
    )
    segment_id = segment.json()["segment"]["id"]
    brand, gift = f"/v1/brands/{a}", world.gifts[a]

    sized = await api.post(
        "/v1/segments/preview", json={"brand": a, "filter": "mentions >= 1"}, headers=reader
    )
    assert sized.status_code == 200 and sized.json()["total"] == 3  # it stores nothing
    writes: list[tuple[str, str, Any]] = [
        ("PATCH", f"/v1/members/{ann}", {"tags": ["vip"]}),
        ("POST", f"/v1/members/{ann}/notes", {"text": "x"}),
        ("POST", f"/v1/members/{ann}/merge", {"member_id": bob}),
        ("POST", f"/v1/members/{ann}/unmerge", {"member_id": bob}),
        ("PUT", f"/v1/members/{ann}/outreach", {"kind": "press"}),
        ("DELETE", f"/v1/members/{ann}/outreach", None),
        ("PUT", f"{brand}/tiers", (await api.get(f"{brand}/tiers")).json()),
        ("POST", "/v1/segments", {"brand": a, "name": "x", "filter": "mentions >= 1"}),
        ("DELETE", f"/v1/segments/{segment_id}", None),
        ("POST", f"/v1/members/{ann}/loyalty/redemptions", {"reward_id": gift}),
        ("POST", f"/v1/members/{ann}/loyalty/grants", {"brand": a, "points": 1, "request_id": "r"}),
        ("PUT", f"{brand}/loyalty/rules", {"rules": {"like": {"points": 1}}}),
        ("POST", f"{brand}/loyalty/rewards", {"kind": "gift", "title": "t", "points_cost": 1}),
        ("PATCH", f"{brand}/loyalty/rewards/{gift}", {"active": False}),
        ("POST", f"{brand}/loyalty/rewards/{gift}/pool", {"codes": ["C1"]}),
        ("PUT", f"{brand}/loyalty/program", {"goodwill_reward_id": gift}),
        ("POST", f"{brand}/loyalty/top-advocates/2026-10", None),
    ]
    for method, path, body in writes:
        answer = await api.request(method, path, json=body, headers=reader)
        assert (answer.status_code, answer.json()) == (403, lacks("crm:write")), (method, path)
    profile = (await api.get(f"/v1/members/{ann}")).json()
    assert (profile["member"]["tags"], profile["notes"]) == ([], [])
    assert await world.balance(ann) == POINTS

    # Export and erasure: neither a read nor a write key; the GDPR key alone (or the operator).
    for key in (reader, writer):
        exported = await api.get(f"/v1/members/{ann}/export", headers=key)
        assert (exported.status_code, exported.json()) == (403, lacks("crm:gdpr"))
        erased = await api.delete(f"/v1/members/{carl}", headers=key)
        assert (erased.status_code, erased.json()) == (403, lacks("crm:gdpr"))
    assert (await api.get(f"/v1/members/{carl}")).status_code == 200
    exported = await api.get(f"/v1/members/{ann}/export", headers=officer)
    assert exported.status_code == 200 and exported.json()["member"]["id"] == ann
    erased = await api.delete(f"/v1/members/{carl}", headers=officer)
    assert erased.status_code == 200, erased.text
    assert (await api.get(f"/v1/members/{carl}")).status_code == 404
    profile_read = await api.get(f"/v1/members/{ann}", headers=officer)
    assert (profile_read.status_code, profile_read.json()) == (403, lacks("crm:read"))
