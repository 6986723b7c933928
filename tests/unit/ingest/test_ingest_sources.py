"""Pulled sources without a network: validation, redaction, what is due, and a pull's cursor kept with its items."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from animo_ingest.brands import QueryRecord
from animo_ingest.catalog import QueryCatalog
from animo_ingest.connectors import SourceHealth
from animo_ingest.models import EngagementRecord, FingerprintRecord, MentionRecord
from animo_ingest.scheduler import PullMetrics, PullScheduler
from animo_ingest.service import IngestService
from animo_ingest.sources import (
    InvalidSource,
    SourceIn,
    SourceRecord,
    SourceService,
    SourceState,
    redact,
)
from animo_ingest.text import NearDuplicateIndex
from animo_shared.store import Changes

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
FIELDS = {"external_id": "id", "text": "body", "author": "user"}


class FakeSources:
    def __init__(self) -> None:
        self.records: dict[str, SourceRecord] = {}
        self.saved: dict[str, SourceState] = {}
        self.pending: list[SourceState] = []

    async def get_source(self, source_id: str) -> SourceRecord | None:
        return self.records.get(source_id)

    async def insert_source(self, record: SourceRecord) -> bool:
        return self.records.setdefault(record.id, record) is record

    async def delete_source(self, source_id: str) -> bool:
        self.saved.pop(source_id, None)
        return self.records.pop(source_id, None) is not None

    async def all_sources(self) -> list[SourceRecord]:
        return list(self.records.values())

    async def states(self, ids: list[str]) -> dict[str, SourceState]:
        return {i: self.saved[i] for i in ids if i in self.saved}

    def stage_state(self, changes: Changes, state: SourceState) -> None:
        self.pending.append(state)


class Ledger:
    def __init__(self, sources: FakeSources) -> None:
        self.sources = sources
        self.mentions_: dict[str, MentionRecord] = {}
        self.staged: list[MentionRecord] = []
        self.commits: list[Changes] = []

    async def mentions(self, ids: Sequence[str]) -> dict[str, MentionRecord]:
        return {i: self.mentions_[i] for i in ids if i in self.mentions_}

    async def fingerprints(self, ids: Sequence[str]) -> dict[str, FingerprintRecord]:
        return {}

    async def known_engagements(self, ids: Sequence[str]) -> set[str]:
        return set()

    def stage_mention(self, changes: Changes, record: MentionRecord) -> None:
        self.staged.append(record)

    def stage_fingerprint(self, changes: Changes, record: FingerprintRecord) -> None:
        pass

    def stage_engagement(self, changes: Changes, record: EngagementRecord) -> None:
        pass

    async def commit(self, changes: Changes) -> None:
        """Mentions and the source's state land together, as in one store batch."""
        self.mentions_.update((r.id, r) for r in self.staged)
        self.sources.saved.update((s.id, s) for s in self.sources.pending)
        self.staged.clear()
        self.sources.pending.clear()
        self.commits.append(changes)


class Queries:
    async def enabled_queries(self, brand: str | None) -> list[QueryRecord]:
        query = QueryRecord(
            id="q-velo", brand="acme", name="v", query="vélo", kind="own",
            created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        return [query] if brand in (None, "acme") else []


def json_source(source_id: str = "shop-reviews", **over: Any) -> SourceIn:
    return SourceIn.model_validate(
        {
            "id": source_id,
            "kind": "json",
            "url": "https://reviews.example/api",
            "options": {"fields": FIELDS, "headers": {"Authorization": "Bearer t0ken"}},
            **over,
        }
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"url": "ftp://reviews.example/x"}, "", "absolute http(s) URL"),
        ({"options": {"fields": {"text": "body"}}}, "options", "missing ['external_id', 'author']"),
        ({"options": {"fields": FIELDS, "headers": ["x"]}}, "options", "options.headers"),
        ({"kind": "mastodon", "options": {}}, "", ""),
        ({"kind": "mastodon", "options": {"hashtag": " "}}, "options", "hashtag is empty"),
        ({"options": {"fields": FIELDS, "network": "Bad Net"}}, "", "options.network"),
    ],
)
async def test_a_source_the_connector_would_refuse_is_refused_when_added(
    body: dict[str, Any], field: str, message: str
) -> None:
    service = SourceService(FakeSources())
    if not message:  # a valid one, for contrast
        assert (await service.create(json_source(**body), NOW)).kind == "mastodon"
        return
    with pytest.raises(InvalidSource, match=re.escape(message)) as refused:
        await service.create(json_source(**body), NOW)
    assert refused.value.field == field


async def test_ids_are_generated_when_not_given_and_options_keep_secrets_hidden() -> None:
    service = SourceService(FakeSources())
    record = await service.create(json_source(source_id=None), NOW)
    assert record.id.startswith("src-")
    assert record.config().extra_headers() == {"Authorization": "Bearer t0ken"}
    assert redact(record.options)["headers"] == {"Authorization": "***"}
    assert "t0ken" not in json.dumps(redact(record.options))


def site(responses: list[httpx.Response]) -> Any:
    def factory(timeout: float) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(lambda _: responses.pop(0)))

    return factory


def posts(*items: tuple[str, str]) -> httpx.Response:
    return httpx.Response(200, json=[{"id": i, "body": b, "user": "rider"} for i, b in items])


def scheduler(
    sources: FakeSources, responses: list[httpx.Response]
) -> tuple[PullScheduler, Ledger, CollectorRegistry]:
    ledger = Ledger(sources)
    service = IngestService(ledger, QueryCatalog(Queries(), 60), NearDuplicateIndex(100, 3))
    registry = CollectorRegistry()
    pulls = PullScheduler(
        sources,
        service,
        ledger.commit,
        PullMetrics(registry),
        clock=lambda: NOW,
        client_factory=site(responses),
    )
    return pulls, ledger, registry


async def test_a_pull_stores_its_matching_items_and_its_cursor_in_one_batch() -> None:
    sources = FakeSources()
    record = await SourceService(sources).create(json_source(), NOW)
    responses = [
        posts(("1", "Mon vélo Acme est top"), ("2", "Rien à voir")),
        posts(("1", "Mon vélo Acme est top"), ("2", "Rien à voir"), ("3", "Un vélo de plus")),
        httpx.Response(503),
    ]
    pulls, ledger, registry = scheduler(sources, responses)

    first = await pulls.poll_now(record.config())
    assert (first.items, first.accepted, first.unmatched) == (2, 1, 1)
    assert len(ledger.commits) == 1 and len(ledger.commits[0].outbox) == 1
    state = sources.saved[record.id]
    assert state.cursor["seen_ids"] == ["reviews.example:1", "reviews.example:2"]
    assert state.health.status == "healthy"
    unmatched = registry.get_sample_value(
        "animo_ingest_unmatched_items_total", {"source_id": record.id}
    )
    assert unmatched == 1

    second = await pulls.poll_now(record.config())
    assert (second.items, second.accepted, second.unmatched) == (1, 1, 0), "cursor used"
    cursor = sources.saved[record.id].cursor
    assert "reviews.example:3" in cursor["seen_ids"]

    failed = await pulls.poll_now(record.config())
    assert failed.health.status == "backing_off"
    assert sources.saved[record.id].cursor == cursor, "a failed pull keeps the cursor"
    assert sources.saved[record.id].health.consecutive_failures == 1
    assert (
        registry.get_sample_value(
            "animo_ingest_source_up", {"source_id": record.id, "kind": "json"}
        )
        == 0
    )


async def test_due_sources_are_the_enabled_ones_whose_time_has_come() -> None:
    sources = FakeSources()
    service = SourceService(sources)
    for name in ("never-polled", "due", "later", "off"):
        await service.create(json_source(name, enabled=name != "off"), NOW)
    for name, when in (("due", NOW), ("later", NOW + timedelta(seconds=1))):
        health = SourceHealth(source_id=name, status="healthy", next_attempt_at=when)
        sources.saved[name] = SourceState(id=name, health=health)
    pulls, _, _ = scheduler(sources, [])
    assert sorted(config.id for config, _ in await pulls.due()) == ["due", "never-polled"]


async def test_a_source_deleted_during_its_pull_is_not_brought_back() -> None:
    sources = FakeSources()
    record = await SourceService(sources).create(json_source(), NOW)
    pulls, ledger, _ = scheduler(sources, [posts(("1", "vélo"))])
    await sources.delete_source(record.id)
    report = await pulls.poll_now(record.config())
    assert report.accepted == 0
    assert sources.saved == {} and ledger.commits == []


async def test_the_loop_polls_each_due_source_once_with_bounded_concurrency() -> None:
    sources = FakeSources()
    for n in range(5):
        await SourceService(sources).create(json_source(f"s{n}"), NOW)
    inflight = {"now": 0, "most": 0}
    requests: list[str] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        requests.append(request.url.host)
        inflight["now"] += 1
        inflight["most"] = max(inflight["most"], inflight["now"])
        await asyncio.sleep(0.05)
        inflight["now"] -= 1
        return posts(("1", "vélo"))

    ledger = Ledger(sources)
    service = IngestService(ledger, QueryCatalog(Queries(), 60), NearDuplicateIndex(100, 3))
    pulls = PullScheduler(
        sources,
        service,
        ledger.commit,
        PullMetrics(CollectorRegistry()),
        concurrency=2,
        tick_seconds=0.01,
        clock=lambda: NOW,
        client_factory=lambda _: httpx.AsyncClient(transport=httpx.MockTransport(slow)),
    )
    loop = asyncio.create_task(pulls.run())
    try:
        for _ in range(200):
            if len(sources.saved) == 5:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # a few more ticks: nothing is due any more
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
    assert len(sources.saved) == 5
    assert len(requests) == 5, "each source pulled once"
    assert inflight["most"] == 2
