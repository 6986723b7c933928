"""Bad sources over real HTTP: hostile payloads refused with a reason, failing sources backed off and shown unhealthy, and the other sources unharmed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from animo_dev.broker import free_port
from animo_dev.inprocess import serve
from animo_ingest.connectors import (
    MAX_BYTES,
    Cursor,
    Poller,
    SourceConfig,
    SourceKind,
    new_client,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "connectors"
Handler = Callable[[Request], Awaitable[Response]]
T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@dataclass
class Site:
    """A local server's routes (path -> handler) and how many requests each path got."""

    base: str = ""
    routes: dict[str, Handler] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            self.hits[request.url.path] = self.hits.get(request.url.path, 0) + 1
            handler = self.routes.get(request.url.path)
            return await handler(request) if handler else Response(status_code=404)

        return Starlette(routes=[Route("/{path:path}", endpoint)])


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    server = Site()
    async with serve(server.app()) as base:
        server.base = base
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with new_client(timeout=5.0) as http:
        yield http


def fixture(name: str, media_type: str) -> Handler:
    async def handler(request: Request) -> Response:
        return Response((FIXTURES / name).read_bytes(), media_type=media_type)

    return handler


def status(code: int, headers: dict[str, str] | None = None) -> Handler:
    async def handler(request: Request) -> Response:
        return Response(b"", status_code=code, headers=headers)

    return handler


class Endless:
    """A body that never ends, streamed without a length; counts what it managed to send."""

    def __init__(self, chunk: bytes) -> None:
        self.chunk = chunk
        self.sent = 0

    async def handler(self, request: Request) -> Response:
        async def body() -> AsyncIterator[bytes]:
            while self.sent < 50 * MAX_BYTES:
                self.sent += len(self.chunk)
                yield self.chunk

        return StreamingResponse(body(), media_type="application/rss+xml")


async def declared_huge(request: Request) -> Response:
    # Only the header: a client trusting it would wait for 6 GB.
    return Response(b"{}", media_type="application/json", headers={"Content-Length": "6000000000"})


JSON_MAPPING = {
    "items": "data.posts",
    "fields": {"external_id": "id", "text": "body", "author": "user"},
}


async def test_hostile_payloads_are_refused_and_the_good_sources_still_work(
    site: Site, client: httpx.AsyncClient
) -> None:
    endless = Endless(b"<rss><channel>" + b"<item>" * 8192)
    site.routes |= {
        "/laughs.xml": fixture("hostile_billion_laughs.xml", "application/rss+xml"),
        "/xxe.xml": fixture("hostile_xxe.xml", "application/atom+xml"),
        "/broken.xml": fixture("hostile_broken_truncated.xml", "application/rss+xml"),
        "/deep.json": fixture("hostile_deep.json", "application/json"),
        "/endless.xml": endless.handler,
        "/declared.json": declared_huge,
        "/atom.xml": fixture("atom_tonsky_blog.xml", "application/atom+xml"),
        "/forum/posts.json": fixture("discourse_posts_latest.json", "application/json"),
    }
    bad: dict[str, tuple[SourceKind, str, dict[str, Any], str]] = {
        "laughs": ("rss", "/laughs.xml", {}, "DTD internal subset refused"),
        "xxe": ("rss", "/xxe.xml", {}, "DTD internal subset refused"),
        "broken": ("rss", "/broken.xml", {}, "malformed XML"),
        "deep": ("json", "/deep.json", JSON_MAPPING, "nested deeper than 64 levels"),
        "endless": ("rss", "/endless.xml", {}, f"over the {MAX_BYTES} bytes cap"),
        "declared": ("json", "/declared.json", JSON_MAPPING, "6000000000 bytes over the"),
    }
    configs = [
        SourceConfig(id=name, kind=kind, url=site.base + path, options=options)
        for name, (kind, path, options, _) in bad.items()
    ] + [
        SourceConfig(id="tonsky", kind="rss", url=f"{site.base}/atom.xml"),
        SourceConfig(id="forum", kind="discourse", url=f"{site.base}/forum"),
    ]
    poller = Poller(client, clock=lambda: T0)

    outcomes = await asyncio.gather(*(poller.poll(c, None, None) for c in configs))

    by_id = {config.id: outcome for config, outcome in zip(configs, outcomes, strict=True)}
    for name, (*_, reason) in bad.items():
        items, cursor, health = by_id[name]
        assert items == [] and cursor == Cursor(), name
        assert health.status in ("backing_off", "failing"), name
        assert health.last_error is not None and reason in health.last_error, health.last_error
        assert health.next_attempt_at is not None and health.next_attempt_at > T0
    # Entity declarations and oversize bodies are not transient: straight to "failing".
    assert {by_id[n].health.status for n in ("laughs", "xxe", "deep", "endless")} == {"failing"}
    assert endless.sent < 2 * MAX_BYTES  # the connection was dropped at the cap
    assert len(by_id["tonsky"].items) == 1 and by_id["tonsky"].health.status == "healthy"
    assert len(by_id["forum"].items) == 4 and by_id["forum"].health.items_seen == 4


async def test_a_lenient_feed_recovers_what_feedparser_can_but_never_entities(
    site: Site, client: httpx.AsyncClient
) -> None:
    site.routes["/broken.xml"] = fixture("hostile_broken_truncated.xml", "application/rss+xml")
    site.routes["/laughs.xml"] = fixture("hostile_billion_laughs.xml", "application/rss+xml")
    poller = Poller(client, clock=lambda: T0)
    options: dict[str, Any] = {"lenient": True}

    broken = await poller.poll(
        SourceConfig(id="b", kind="rss", url=f"{site.base}/broken.xml", options=options), None, None
    )
    laughs = await poller.poll(
        SourceConfig(id="l", kind="rss", url=f"{site.base}/laughs.xml", options=options), None, None
    )

    assert [i.text.split("\n")[0] for i in broken.items] == [
        "Investing in Ukraine\u2019s AI leadership and economic future"
    ]
    assert laughs.health.status == "failing"


async def test_a_source_that_keeps_failing_backs_off_longer_then_recovers(
    site: Site, client: httpx.AsyncClient
) -> None:
    site.routes["/atom.xml"] = status(503)
    now = [T0]
    poller = Poller(client, clock=lambda: now[0], rng=lambda: 1.0)
    config = SourceConfig(id="flaky", kind="rss", url=f"{site.base}/atom.xml", interval_seconds=300)
    cursor, health = Cursor(position="kept"), None
    delays, statuses = [], []

    for _ in range(6):
        _, cursor, health = await poller.poll(config, cursor, health)
        assert health.next_attempt_at is not None
        delays.append((health.next_attempt_at - now[0]).total_seconds())
        statuses.append(health.status)
        now[0] = health.next_attempt_at  # the scheduler waits until the source is due

    assert delays == [300, 600, 1200, 2400, 3600, 3600]  # doubling, capped at an hour
    assert statuses == ["backing_off", "backing_off", "failing", "failing", "failing", "failing"]
    assert health is not None and health.consecutive_failures == 6
    assert health.last_error == f"HTTP 503 from {site.base}/atom.xml"
    assert cursor == Cursor(position="kept")  # a failed pull moves nothing
    assert site.hits["/atom.xml"] == 6

    site.routes["/atom.xml"] = fixture("atom_tonsky_blog.xml", "application/atom+xml")
    items, cursor, health = await poller.poll(config, cursor, health)

    assert len(items) == 1
    assert health.status == "healthy" and health.consecutive_failures == 0
    assert health.last_success == now[0] and health.last_error is not None  # history kept
    assert health.next_attempt_at == now[0] + timedelta(seconds=270)  # interval less jitter


async def test_retry_after_and_permanent_errors_set_the_next_attempt(
    site: Site, client: httpx.AsyncClient
) -> None:
    site.routes["/limited.json"] = status(429, {"Retry-After": "7200"})
    site.routes["/gone.json"] = status(404)
    poller = Poller(client, clock=lambda: T0, rng=lambda: 0.0)
    limited = SourceConfig(
        id="l", kind="json", url=f"{site.base}/limited.json", options=JSON_MAPPING
    )
    gone = SourceConfig(id="g", kind="json", url=f"{site.base}/gone.json", options=JSON_MAPPING)

    _, _, limited_health = await poller.poll(limited, None, None)
    _, _, gone_health = await poller.poll(gone, None, None)

    assert limited_health.status == "backing_off"
    assert limited_health.next_attempt_at == T0 + timedelta(hours=2)
    assert gone_health.status == "failing"  # a 404 needs a human, not a quick retry
    assert gone_health.next_attempt_at == T0 + timedelta(minutes=30)  # half the cap, rng 0


async def test_unreachable_and_slow_sources_fail_without_raising(site: Site) -> None:
    release = asyncio.Event()

    async def slow(request: Request) -> Response:
        await asyncio.wait_for(release.wait(), timeout=10)
        return Response(b"[]", media_type="application/json")

    site.routes["/api/v1/timelines/public"] = slow
    async with new_client(timeout=10.0) as http:
        poller = Poller(http, deadline_seconds=0.5, clock=lambda: T0)
        closed = SourceConfig(id="closed", kind="rss", url=f"http://127.0.0.1:{free_port()}/feed")
        stuck = SourceConfig(id="stuck", kind="mastodon", url=site.base)

        refused = await poller.poll(closed, None, None)
        timed_out = await poller.poll(stuck, None, None)
        release.set()  # lets the server shut down without waiting out the handler

    assert refused.health.status == "backing_off"
    assert refused.health.last_error is not None and "ConnectError" in refused.health.last_error
    assert timed_out.health.status == "backing_off"
    assert timed_out.health.last_error == "pull took over 0.5 s"
