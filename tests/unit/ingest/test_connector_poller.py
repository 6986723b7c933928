"""The poller with fake connectors, and the guarded fetch over an in-memory transport: failures become health, never exceptions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client import CollectorRegistry

from animo_ingest.connectors import (
    CONNECTORS,
    KINDS,
    Cursor,
    Poller,
    PulledItem,
    PullResult,
    SourceConfig,
    SourceError,
    SourceHealth,
)
from animo_ingest.connectors.fetch import fetch
from animo_ingest.connectors.metrics import SourceMetrics

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
CONFIG = SourceConfig(id="blog", kind="rss", url="https://blog.example/feed")


def item(external_id: str) -> PulledItem:
    return PulledItem("blog", external_id, "marie", None, "Bonjour", None, None, None)


class Fake:
    """A connector that returns or raises what it is told, and records the cursors it got."""

    def __init__(self, outcome: PullResult | BaseException, delay: float = 0.0) -> None:
        self.outcome = outcome
        self.delay = delay
        self.cursors: list[Cursor] = []

    async def pull(
        self, client: httpx.AsyncClient, config: SourceConfig, cursor: Cursor
    ) -> PullResult:
        self.cursors.append(cursor)
        await asyncio.sleep(self.delay)
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


def poller(fake: Fake, deadline_seconds: float = 10.0) -> Poller:
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    return Poller(
        client, {"rss": fake}, deadline_seconds=deadline_seconds, clock=lambda: NOW, rng=lambda: 0.0
    )


def test_every_kind_has_a_connector() -> None:
    assert set(CONNECTORS) == set(KINDS)


async def test_a_success_returns_items_cursor_and_healthy_state() -> None:
    cursor = Cursor(etag='"2"', seen_ids=("a", "b"))
    fake = Fake(PullResult([item("a"), item("b")], cursor))
    earlier = SourceHealth(source_id="blog", items_seen=10, consecutive_failures=2)

    items, new_cursor, health = await poller(fake).poll(CONFIG, Cursor(etag='"1"'), earlier)

    assert [i.external_id for i in items] == ["a", "b"]
    assert new_cursor == cursor
    assert fake.cursors == [Cursor(etag='"1"')]
    assert (health.status, health.items_seen, health.consecutive_failures) == ("healthy", 12, 0)
    assert health.next_attempt_at == NOW + timedelta(seconds=300)


async def test_a_first_poll_starts_from_an_empty_cursor_and_pending_health() -> None:
    fake = Fake(PullResult([], Cursor(), not_modified=True))

    _, _, health = await poller(fake).poll(CONFIG, None, None)

    assert fake.cursors == [Cursor()]
    assert health.source_id == "blog" and health.status == "healthy"


@pytest.mark.parametrize(
    ("error", "status", "reason"),
    [
        (SourceError("HTTP 503"), "backing_off", "HTTP 503"),
        (SourceError("HTTP 404", retryable=False), "failing", "HTTP 404"),
        (httpx.ReadError("connection reset"), "backing_off", "ReadError: connection reset"),
        (KeyError("account"), "failing", "unexpected KeyError: 'account'"),
    ],
)
async def test_failures_become_health_and_keep_the_old_cursor(
    error: Exception, status: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    cursor = Cursor(position="41")

    with caplog.at_level(logging.WARNING):
        items, kept, health = await poller(Fake(error)).poll(CONFIG, cursor, None)

    assert items == [] and kept is cursor
    assert (health.status, health.last_error, health.consecutive_failures) == (status, reason, 1)
    assert any("blog" in record.getMessage() for record in caplog.records)


async def test_a_pull_over_the_deadline_is_a_retryable_failure() -> None:
    fake = Fake(PullResult([], Cursor()), delay=5)

    _, _, health = await poller(fake, deadline_seconds=0.05).poll(CONFIG, None, None)

    assert (health.status, health.last_error) == ("backing_off", "pull took over 0.05 s")


async def test_a_kind_without_connector_is_a_permanent_failure() -> None:
    mastodon = SourceConfig(id="m", kind="mastodon", url="https://masto.example")

    _, _, health = await poller(Fake(PullResult([], Cursor()))).poll(mastodon, None, None)

    assert (health.status, health.last_error) == ("failing", "no connector for kind 'mastodon'")


async def test_cancellation_is_not_swallowed() -> None:
    task = asyncio.create_task(
        poller(Fake(PullResult([], Cursor()), delay=5)).poll(CONFIG, None, None)
    )
    await asyncio.sleep(0.01)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task


async def test_metrics_show_each_source_up_or_down() -> None:
    registry = CollectorRegistry()
    metrics = SourceMetrics(registry)
    ok = await poller(Fake(PullResult([item("a")], Cursor()))).poll(CONFIG, None, None)
    bad = await poller(Fake(SourceError("HTTP 503"))).poll(CONFIG, None, ok.health)

    metrics.observe(CONFIG, ok, 0.2)
    metrics.observe(CONFIG, bad, 0.1)

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, {"source_id": "blog", **labels})

    assert value("animo_ingest_source_pulls_total", kind="rss", outcome="ok") == 1
    assert value("animo_ingest_source_pulls_total", kind="rss", outcome="error") == 1
    assert value("animo_ingest_source_items_total", kind="rss") == 1
    assert value("animo_ingest_source_up", kind="rss") == 0
    assert value("animo_ingest_source_consecutive_failures") == 1
    assert value("animo_ingest_source_last_success_timestamp_seconds") == NOW.timestamp()


# The guarded fetch, over an in-memory transport ------------------------------------------


def client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_fetch_sends_validators_and_reports_304() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(304, headers={"ETag": '"v1"'})

    cursor = Cursor(etag='"v1"', last_modified="Sat, 21 Nov 2026 10:00:00 GMT")
    async with client(handler) as http:
        fetched = await fetch(http, "https://s.example/x", cursor=cursor, params={"a": "1"})

    assert fetched.not_modified and fetched.body == b""
    assert seen[0].url == "https://s.example/x?a=1"
    assert seen[0].headers["if-none-match"] == '"v1"'
    assert seen[0].headers["if-modified-since"] == "Sat, 21 Nov 2026 10:00:00 GMT"
    assert seen[0].headers["accept"] == "application/json"


async def chunks(*sizes: int) -> AsyncIterator[bytes]:
    """A streamed body without Content-Length, so only the running count can stop it."""
    for size in sizes:
        yield b"x" * size


@pytest.mark.parametrize(
    ("response", "reason", "retryable", "retry_after"),
    [
        (httpx.Response(503), "HTTP 503 from https://s.example/x", True, None),
        (httpx.Response(429, headers={"Retry-After": "120"}), "HTTP 429", True, 120.0),
        (httpx.Response(401), "HTTP 401 from https://s.example/x", False, None),
        (httpx.Response(200, content=chunks(60, 60)), "over the 100 bytes cap", False, None),
        (
            httpx.Response(200, headers={"Content-Length": "999"}, content=b"{}"),
            "999 bytes over the 100 cap",
            False,
            None,
        ),
    ],
)
async def test_fetch_turns_bad_responses_into_source_errors(
    response: httpx.Response, reason: str, retryable: bool, retry_after: float | None
) -> None:
    async with client(lambda request: response) as http:
        with pytest.raises(SourceError) as caught:
            await fetch(http, "https://s.example/x?token=secret", max_bytes=100)

    assert reason in caught.value.reason and "secret" not in caught.value.reason
    assert (caught.value.retryable, caught.value.retry_after) == (retryable, retry_after)


async def test_fetch_turns_transport_errors_into_retryable_source_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("too slow", request=request)

    async with client(handler) as http:
        with pytest.raises(SourceError) as caught:
            await fetch(http, "https://s.example/x")

    assert caught.value.reason == "timed out: ConnectTimeout" and caught.value.retryable
