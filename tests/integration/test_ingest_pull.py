"""Pulled sources end to end in one process: a local site serves recorded feeds, the scheduler pulls, brands' queries decide."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from animo_dev.inprocess import serve
from animo_ingest.config import Settings
from animo_ingest.main import create_app
from animo_shared.events import Topic
from animo_shared.settings import CommonSettings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

KEY = "integration-key-" + "p" * 16
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "connectors"
ETAG = '"blog-v1"'


@dataclass
class Site:
    """Recorded payloads on loopback, and every request's path and headers."""

    base: str = ""
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    async def endpoint(self, request: Request) -> Response:
        self.seen.append((request.url.path, dict(request.headers)))
        path = request.url.path
        if path == "/blog/rss":
            if request.headers.get("if-none-match") == ETAG:
                return Response(status_code=304, headers={"ETag": ETAG})
            body = (FIXTURES / "rss_google_blog.xml").read_bytes()
            return Response(body, media_type="application/rss+xml", headers={"ETag": ETAG})
        if path == "/forum/posts.json":
            body = (FIXTURES / "discourse_posts_latest.json").read_bytes()
            return Response(body, media_type="application/json")
        return Response(status_code=404)

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [headers for seen, headers in self.seen if seen == path]


@dataclass
class World:
    api: httpx.AsyncClient
    site: Site
    gadget: str
    rival: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(broker: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    site = Site()
    common = CommonSettings(
        kafka_bootstrap=broker, data_dir=tmp_path_factory.mktemp("pull"), admin_key=KEY
    )
    app = create_app(Settings(common=common, scheduler_tick_seconds=0.2, pull_concurrency=2))
    async with (
        serve(Starlette(routes=[Route("/{path:path}", site.endpoint)])) as site_base,
        serve(app) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as api,
    ):
        site.base = site_base
        suffix = uuid.uuid4().hex[:8]
        world = World(api, site, gadget=f"gadget-{suffix}", rival=f"rival-{suffix}")
        for brand, queries in (
            (world.gadget, [{"query": "Ukraine"}, {"query": "bullhonky"}]),
            (world.rival, [{"query": "Google", "kind": "competitor", "competitor": "Google"}]),
        ):
            await api.post("/v1/brands", json={"id": brand, "name": brand})
            for body in queries:
                added = await api.post(f"/v1/brands/{brand}/queries", json={"name": "q", **body})
                assert added.status_code == 201
        yield world


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 20) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert asyncio.get_running_loop().time() < deadline, "not seen in time"
        await asyncio.sleep(0.1)


async def brand_events(bootstrap: str, brand: str, count: int) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(
        Topic.MENTIONS, bootstrap_servers=bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while len(found) < count and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                found.extend(
                    json.loads(r.value)["data"]
                    for r in batch
                    if dict(r.headers).get("ce_brand") == brand.encode()
                )
    finally:
        await consumer.stop()
    return found


async def test_the_scheduler_pulls_new_sources_and_files_items_under_the_brands_they_match(
    world: World, broker: str
) -> None:
    api, site = world.api, world.site
    for body in (
        {"id": "blog", "kind": "rss", "url": f"{site.base}/blog/rss"},
        {"id": "forum", "kind": "discourse", "url": f"{site.base}/forum"},
    ):
        assert (await api.post("/v1/sources", json=body)).status_code == 201

    async def healthy() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = (await api.get("/v1/sources")).json()["items"]
        return items if all(s["health"]["status"] == "healthy" for s in items) else None

    sources = {s["id"]: s for s in await until(healthy)}
    assert sources["blog"]["health"]["items_seen"] == 2
    assert sources["forum"]["health"]["items_seen"] == 4

    gadget = await brand_events(broker, world.gadget, 2)
    rival = await brand_events(broker, world.rival, 2)
    assert sorted(e["source"] for e in gadget) == ["blog", "forum"]
    assert sorted(e["source"] for e in rival) == ["blog", "blog"]
    ukraine = next(e for e in gadget if e["source"] == "blog")
    assert ukraine["text"].startswith("Investing in Ukraine\u2019s AI leadership")
    assert "<" not in ukraine["text"], "HTML stripped"
    assert ukraine["lang"] == "en"
    assert ukraine["author"]["handle"] == "annette kroeber-riel"
    forum = next(e for e in gadget if e["source"] == "forum")
    assert (forum["text"], forum["author"]["handle"]) == ("holla bullhonky.", "johndoe")
    listed = (await api.get("/v1/mentions", params={"brand": world.rival})).json()
    assert listed["total"] == 2 and all(len(m["query_ids"]) == 1 for m in listed["items"])

    metrics = (await api.get("/metrics")).text
    assert 'animo_ingest_unmatched_items_total{source_id="forum"} 3.0' in metrics
    assert 'animo_ingest_source_up{kind="rss",source_id="blog"} 1.0' in metrics


async def test_a_second_pull_is_conditional_and_repeats_nothing(world: World) -> None:
    api, site = world.api, world.site
    # Disabled: the scheduler leaves them alone, so only the manual polls below run.
    for body in (
        {"id": "blog-manual", "kind": "rss", "url": f"{site.base}/blog/rss", "enabled": False},
        {"id": "forum-manual", "kind": "discourse", "url": f"{site.base}/forum", "enabled": False},
    ):
        assert (await api.post("/v1/sources", json=body)).status_code == 201
    first = (await api.post("/v1/sources/blog-manual:poll")).json()
    # Three mentions (one item matches both brands); already kept if another source saw them.
    assert (first["items"], first["accepted"] + first["duplicates"]) == (2, 3)
    assert "if-none-match" not in site.requests_to("/blog/rss")[-1]
    second = (await api.post("/v1/sources/blog-manual:poll")).json()
    assert (second["items"], second["accepted"], second["duplicates"]) == (0, 0, 0)
    assert site.requests_to("/blog/rss")[-1]["if-none-match"] == ETAG
    assert (await api.post("/v1/sources/forum-manual:poll")).json()["unmatched"] == 3
    again = (await api.post("/v1/sources/forum-manual:poll")).json()
    assert again["items"] == 0, "the stored cursor remembers the posts already seen"
    health = (await api.get("/v1/sources/blog-manual/health")).json()
    assert health["status"] == "healthy" and health["items_seen"] == 2


async def test_a_failing_source_shows_in_its_health_and_can_be_removed(world: World) -> None:
    api, site = world.api, world.site
    added = await api.post(
        "/v1/sources",
        json={
            "id": "gone",
            "kind": "json",
            "url": f"{site.base}/missing.json",
            "options": {
                "fields": {"external_id": "id", "text": "text", "author": "user"},
                "headers": {"Api-Key": "do-not-show-me"},
            },
        },
    )
    assert added.status_code == 201 and "do-not-show-me" not in added.text

    async def failed() -> dict[str, Any] | None:
        health: dict[str, Any] = (await api.get("/v1/sources/gone/health")).json()
        return health if health["status"] != "pending" else None

    health = await until(failed)
    assert health["status"] == "failing", "a 404 will not fix itself"
    assert health["last_error"].startswith("HTTP 404")
    assert site.requests_to("/missing.json")[0]["api-key"] == "do-not-show-me"
    listed = (await api.get("/v1/sources")).json()["items"]
    assert "do-not-show-me" not in json.dumps(listed)
    assert (await api.delete("/v1/sources/gone")).status_code == 204
    assert (await api.get("/v1/sources/gone")).status_code == 404
    assert (await api.get("/v1/sources/gone/health")).status_code == 404
    assert (await api.post("/v1/sources/gone:poll")).status_code == 404


async def test_sources_are_validated_when_added(world: World) -> None:
    api = world.api
    answers = [
        await api.post("/v1/sources", json={"kind": "rss", "url": "file:///etc/passwd"}),
        await api.post("/v1/sources", json={"kind": "gopher", "url": "https://x.example"}),
        await api.post(
            "/v1/sources", json={"kind": "rss", "url": "https://x.example", "interval_seconds": 5}
        ),
        await api.post(
            "/v1/sources", json={"kind": "json", "url": "https://x.example", "options": {}}
        ),
    ]
    assert [a.status_code for a in answers] == [422] * 4
    assert answers[3].json()["detail"][0]["loc"] == ["body", "options"]
    duplicate = await api.post(
        "/v1/sources", json={"id": "forum", "kind": "rss", "url": "https://x.example"}
    )
    assert duplicate.status_code == 409
