"""Ingest's routes under scoped, brand-restricted API keys, over real HTTP: a key of brand A
reads, lists, changes and pushes A's data, and nothing of brand B's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from animo_dev.inprocess import serve
from animo_ingest.config import Settings
from animo_ingest.main import create_app
from animo_shared.settings import CommonSettings

from helpers.factories import mention_body

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

KEY = "integration-key-" + "a" * 16
SOURCES_REFUSED = (
    "sources serve every brand (each pull is matched against every brand's queries): "
    "a brand-restricted API key may not read or manage them"
)


@dataclass
class World:
    admin: httpx.AsyncClient
    brand_a: str
    brand_b: str
    spare_a: str  # a brand key A may act for, not registered yet
    mention_a: str
    mention_b: str
    query_b: str
    source: str
    key_a: dict[str, str]  # ingest:read + ingest:write, restricted to brand A (and spare_a)
    reader_a: dict[str, str]  # ingest:read only, restricted to brand A

    async def as_(self, key: dict[str, str], method: str, url: str, **kw: Any) -> httpx.Response:
        return await self.admin.request(method, url, headers=key, **kw)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def new_brand() -> str:
    return f"acc-{uuid.uuid4().hex[:10]}"


async def issue(admin: httpx.AsyncClient, scopes: list[str], brands: list[str]) -> dict[str, str]:
    made = await admin.post(
        "/v1/admin/keys", json={"name": "t", "scopes": scopes, "brands": brands}
    )
    assert made.status_code == 201, made.text
    return bearer(made.json()["secret"])


async def push(admin: httpx.AsyncClient, brand: str) -> str:
    posted = await admin.post("/v1/mentions", json=mention_body(brand, text=f"Salut {brand}"))
    assert posted.status_code == 202, posted.text
    mention_id: str = posted.json()["ids"][0]
    return mention_id


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(broker: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    common = CommonSettings(
        kafka_bootstrap=broker,
        data_dir=tmp_path_factory.mktemp("ingest-access"),
        admin_key=KEY,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    app = create_app(Settings(common=common, scheduler_tick_seconds=3600))
    async with (
        serve(app) as base,
        httpx.AsyncClient(base_url=base, headers=bearer(KEY)) as admin,
    ):
        brand_a, brand_b, spare_a = new_brand(), new_brand(), new_brand()
        for brand in (brand_a, brand_b):
            made = await admin.post("/v1/brands", json={"id": brand, "name": brand.upper()})
            assert made.status_code == 201, made.text
        query = await admin.post(f"/v1/brands/{brand_b}/queries", json={"name": "q", "query": "x"})
        assert query.status_code == 201, query.text
        # Disabled, and the scheduler sleeps an hour: nothing ever pulls it.
        source = await admin.post(
            "/v1/sources",
            json={"kind": "rss", "url": "http://127.0.0.1:9/rss", "enabled": False},
        )
        assert source.status_code == 201, source.text
        yield World(
            admin=admin,
            brand_a=brand_a,
            brand_b=brand_b,
            spare_a=spare_a,
            mention_a=await push(admin, brand_a),
            mention_b=await push(admin, brand_b),
            query_b=query.json()["id"],
            source=source.json()["id"],
            key_a=await issue(admin, ["ingest:read", "ingest:write"], [brand_a, spare_a]),
            reader_a=await issue(admin, ["ingest:read"], [brand_a]),
        )


def refused_for(brand: str) -> str:
    return f"this API key may not act for brand {brand!r}"


async def mention_count(world: World, brand: str) -> int:
    listed = await world.admin.get("/v1/mentions", params={"brand": brand})
    assert listed.status_code == 200, listed.text
    total: int = listed.json()["total"]
    return total


async def test_a_brand_key_pushes_mentions_of_its_brand_and_no_other(world: World) -> None:
    a, b = world.brand_a, world.brand_b
    before_a, before_b = await mention_count(world, a), await mention_count(world, b)
    mixed = {"mentions": [mention_body(a, text="un"), mention_body(b, text="deux")]}
    refused = await world.as_(world.key_a, "POST", "/v1/mentions", json=mixed)
    assert refused.status_code == 403
    assert refused.json()["detail"] == refused_for(b)
    single_b = await world.as_(world.key_a, "POST", "/v1/mentions", json=mention_body(b))
    assert single_b.status_code == 403
    assert refused_for(b) == single_b.json()["detail"]
    # Refused whole: not even the batch's item of brand A was stored.
    assert (await mention_count(world, a), await mention_count(world, b)) == (before_a, before_b)

    own = await world.as_(world.key_a, "POST", "/v1/mentions", json=mention_body(a, text="trois"))
    assert own.status_code == 202, own.text
    assert await mention_count(world, a) == before_a + 1


async def test_a_brand_key_pushes_engagement_of_its_brand_and_no_other(world: World) -> None:
    def event(brand: str) -> dict[str, Any]:
        return {
            "brand": brand,
            "kind": "purchase",
            "source": "shop",
            "handle": "marie_l",
            "event_id": f"order-{brand}",
        }

    a, b = world.brand_a, world.brand_b
    batch = {"events": [event(a), event(b)]}
    refused = await world.as_(world.key_a, "POST", "/v1/engagement", json=batch)
    assert refused.status_code == 403
    assert refused.json()["detail"] == refused_for(b)
    own = await world.as_(world.key_a, "POST", "/v1/engagement", json=event(a))
    assert own.status_code == 202, own.text
    # Same event id as the batch's item of A: new, so the refused batch stored nothing.
    assert own.json()["accepted"] == 1


async def test_another_brand_s_mention_is_not_found_by_id(world: World) -> None:
    other = await world.as_(world.key_a, "GET", f"/v1/mentions/{world.mention_b}")
    unknown = await world.as_(world.key_a, "GET", "/v1/mentions/no-such-mention")
    assert other.status_code == 404 == unknown.status_code
    assert other.json()["detail"] == f"no mention {world.mention_b!r}"
    assert world.brand_b not in other.text
    own = await world.as_(world.reader_a, "GET", f"/v1/mentions/{world.mention_a}")
    assert own.status_code == 200 and own.json()["brand"] == world.brand_a
    # The operator's key still reads every brand.
    assert (await world.admin.get(f"/v1/mentions/{world.mention_b}")).status_code == 200


async def test_mentions_are_listed_only_for_a_brand_the_key_may_see(world: World) -> None:
    key = world.reader_a
    other = await world.as_(key, "GET", "/v1/mentions", params={"brand": world.brand_b})
    assert other.status_code == 403 and other.json()["detail"] == refused_for(world.brand_b)
    unnamed = await world.as_(key, "GET", "/v1/mentions")
    assert unnamed.status_code == 403 and "must name its brand" in unnamed.json()["detail"]
    own = await world.as_(key, "GET", "/v1/mentions", params={"brand": world.brand_a})
    assert own.status_code == 200
    assert {m["brand"] for m in own.json()["items"]} == {world.brand_a}


async def test_brands_are_listed_and_registered_only_within_the_key_s_brands(
    world: World,
) -> None:
    listed = await world.as_(world.reader_a, "GET", "/v1/brands")
    assert listed.status_code == 200
    assert [b["id"] for b in listed.json()["items"]] == [world.brand_a]
    assert listed.json()["total"] == 1
    everything = (await world.admin.get("/v1/brands")).json()
    assert {world.brand_a, world.brand_b} <= {b["id"] for b in everything["items"]}

    stranger = new_brand()
    refused = await world.as_(world.key_a, "POST", "/v1/brands", json={"id": stranger, "name": "S"})
    assert refused.status_code == 403 and refused.json()["detail"] == refused_for(stranger)
    assert (await world.admin.get(f"/v1/brands/{stranger}")).status_code == 404
    taken = await world.as_(
        world.key_a, "POST", "/v1/brands", json={"id": world.brand_b, "name": "B"}
    )
    assert taken.status_code == 403, "not 409: B's existence is not confirmed"

    made = await world.as_(
        world.key_a, "POST", "/v1/brands", json={"id": world.spare_a, "name": "A2"}
    )
    assert made.status_code == 201, made.text
    listed = await world.as_(world.key_a, "GET", "/v1/brands", params={"limit": 1, "offset": 1})
    assert [b["id"] for b in listed.json()["items"]] == sorted([world.brand_a, world.spare_a])[1:]
    assert listed.json()["total"] == 2


async def test_another_brand_s_settings_and_queries_are_out_of_reach(world: World) -> None:
    b, key = world.brand_b, world.key_a
    attempts = [
        ("GET", f"/v1/brands/{b}", None),
        ("PATCH", f"/v1/brands/{b}", {"name": "taken over"}),
        ("POST", f"/v1/brands/{b}/webhook-secret", None),
        ("GET", f"/v1/brands/{b}/queries", None),
        ("GET", f"/v1/brands/{b}/queries/{world.query_b}", None),
        ("POST", f"/v1/brands/{b}/queries", {"name": "q", "query": "y"}),
        ("PUT", f"/v1/brands/{b}/queries/{world.query_b}", {"name": "q", "query": "z"}),
        ("DELETE", f"/v1/brands/{b}/queries/{world.query_b}", None),
    ]
    for method, url, body in attempts:
        answer = await world.as_(key, method, url, json=body)
        assert (answer.status_code, answer.json()["detail"]) == (403, refused_for(b)), url
    # Through A's URL, B's query is not A's: not found.
    through_a = f"/v1/brands/{world.brand_a}/queries/{world.query_b}"
    assert (await world.as_(key, "GET", through_a)).status_code == 404
    assert (await world.as_(key, "DELETE", through_a)).status_code == 404
    kept = (await world.admin.get(f"/v1/brands/{b}/queries/{world.query_b}")).json()
    assert kept["query"] == "x"
    assert (await world.admin.get(f"/v1/brands/{b}")).json()["name"] == b.upper()

    own = await world.as_(
        key, "POST", f"/v1/brands/{world.brand_a}/queries", json={"name": "q", "query": "un"}
    )
    assert own.status_code == 201, own.text


async def test_sources_serve_every_brand_so_a_brand_key_may_not_touch_them(world: World) -> None:
    src = world.source
    attempts = [
        ("GET", "/v1/sources", None),
        ("GET", f"/v1/sources/{src}", None),
        ("GET", f"/v1/sources/{src}/health", None),
        ("GET", "/v1/sources/no-such-source", None),
        ("POST", f"/v1/sources/{src}:poll", None),
        ("DELETE", f"/v1/sources/{src}", None),
        ("POST", "/v1/sources", {"kind": "rss", "url": "http://127.0.0.1:9/b", "enabled": False}),
    ]
    for method, url, body in attempts:
        answer = await world.as_(world.key_a, method, url, json=body)
        assert (answer.status_code, answer.json()["detail"]) == (403, SOURCES_REFUSED), url
    listed = (await world.admin.get("/v1/sources")).json()["items"]
    assert [s["id"] for s in listed] == [src], "none removed, none added"


async def test_a_read_only_key_tests_queries_but_pushes_nothing(world: World) -> None:
    key = world.reader_a
    tried = await world.as_(
        key, "POST", "/v1/queries:test", json={"query": "livr*", "texts": ["Ma livraison", "Rien"]}
    )
    assert tried.status_code == 200, tried.text
    assert [r["matched"] for r in tried.json()["results"]] == [True, False]

    lacking = "this API key lacks the scope 'ingest:write'"
    for url, body in [
        ("/v1/mentions", mention_body(world.brand_a)),
        (
            "/v1/engagement",
            {"brand": world.brand_a, "kind": "purchase", "source": "shop", "handle": "m"},
        ),
        ("/v1/brands", {"id": new_brand(), "name": "N"}),
    ]:
        answer = await world.as_(key, "POST", url, json=body)
        assert (answer.status_code, answer.json()["detail"]) == (403, lacking), url
