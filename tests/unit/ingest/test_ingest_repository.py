"""Ingest's repositories on both store backends (SQLite, mongomock-motor): what the service and scheduler rely on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from animo_ingest.brands import BrandRecord, QueryRecord
from animo_ingest.connectors import Cursor, SourceHealth
from animo_ingest.models import FingerprintRecord, MentionRecord
from animo_ingest.repository import MentionRepository
from animo_ingest.repository_listening import BrandRepository, SourceRepository
from animo_ingest.sources import SourceRecord, SourceState
from animo_shared.observability import Metrics
from animo_shared.runtime import Runtime
from animo_shared.settings import CommonSettings
from animo_shared.store import Changes, Store
from animo_shared.store.mongo import MongoStore
from animo_shared.store.sqlite import SqliteStore

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "mongomock"])
async def runtime(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Runtime]:
    store: Store
    if request.param == "sqlite":
        store = SqliteStore(tmp_path / "ingest.sqlite3")
    else:
        from mongomock_motor import AsyncMongoMockClient

        store = MongoStore(AsyncMongoMockClient(tz_aware=True), "ingest")
    made = Runtime("ingest", CommonSettings(data_dir=tmp_path), store, Metrics("ingest"))
    yield made
    await store.close()


def mention(n: int, brand: str = "acme") -> MentionRecord:
    at = T0 + timedelta(minutes=n)
    return MentionRecord(
        id=f"m-{n}",
        brand=brand,
        source="twitter",
        external_id=str(n),
        author_handle="marie_l",
        text=f"texte {n}",
        published_at=at,
        received_at=at,
        query_ids=["q-1"],
        simhash="8000000000000001",
    )


async def test_mentions_fingerprints_and_engagement_round_trip(runtime: Runtime) -> None:
    repo = MentionRepository(runtime)
    await runtime.store.start()
    changes = Changes()
    for n in range(3):
        repo.stage_mention(changes, mention(n))
    fingerprint = FingerprintRecord(id="fp-1", brand="acme", mention_id="m-0", published_at=T0)
    repo.stage_fingerprint(changes, fingerprint)
    await repo.commit(changes)
    assert set(await repo.mentions(["m-0", "m-2", "m-9"])) == {"m-0", "m-2"}
    assert (await repo.fingerprints(["fp-1"]))["fp-1"].published_at == T0
    assert [m.id for m in await repo.recent(2)] == ["m-2", "m-1"]
    assert (await repo.get("m-1")) == mention(1)
    items, total = await repo.page("acme", None, None, 10, 0)
    assert (total, [m.id for m in items]) == (3, ["m-2", "m-1", "m-0"])


async def test_enabled_queries_by_brand_and_for_every_brand(runtime: Runtime) -> None:
    repo = BrandRepository(runtime)
    await runtime.store.start()
    assert await repo.insert_brand(BrandRecord(id="acme", name="A", created_at=T0, updated_at=T0))
    assert not await repo.insert_brand(
        BrandRecord(id="acme", name="B", created_at=T0, updated_at=T0)
    )
    for n, (brand, enabled) in enumerate([("acme", True), ("acme", False), ("other", True)]):
        await repo.put_query(
            QueryRecord(
                id=f"q-{n}", brand=brand, name="q", query="x", kind="own",
                enabled=enabled, created_at=T0 + timedelta(minutes=-n), updated_at=T0,
            )
        )  # fmt: skip
    assert [q.id for q in await repo.enabled_queries("acme")] == ["q-0"]
    assert sorted(q.id for q in await repo.enabled_queries(None)) == ["q-0", "q-2"]
    assert [q.id for q in await repo.brand_queries("acme")] == ["q-1", "q-0"], "oldest first"
    assert await repo.count_queries("acme") == 2
    assert await repo.delete_query("q-1") and not await repo.delete_query("q-1")
    brands, total = await repo.page_brands(10, 0)
    assert (total, [b.name for b in brands]) == (1, ["A"])


async def test_a_source_s_state_is_stored_in_the_batch_and_removed_with_it(
    runtime: Runtime,
) -> None:
    repo = SourceRepository(runtime)
    await runtime.store.start()
    record = SourceRecord(
        id="forum",
        kind="discourse",
        url="https://forum.example",
        interval_seconds=300,
        options_json='{"headers": {"Api-Key": "k", "X.Dotted": "y"}}',
        created_at=T0,
    )
    assert await repo.insert_source(record)
    cursor = Cursor(etag='"e"', position="15", seen_ids=("forum.example:15",))
    health = SourceHealth(source_id="forum", status="healthy", last_success=T0, items_seen=4)
    changes = Changes()
    repo.stage_state(changes, SourceState(id="forum", cursor=cursor.to_dict(), health=health))
    await runtime.store.commit(changes)
    state = (await repo.states(["forum", "none"]))["forum"]
    assert state.parsed_cursor() == cursor
    assert state.health == health
    assert (await repo.get_source("forum")) == record
    assert record.config().extra_headers() == {"Api-Key": "k", "X.Dotted": "y"}
    assert [s.id for s in await repo.all_sources()] == ["forum"]
    assert await repo.delete_source("forum")
    assert await repo.states(["forum"]) == {}
