"""Reporting's repositories on real stores (SQLite, mongomock-motor, MongoDB when MONGODB_URL
is set): parts, the join across batches, ranking slots, retention."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from animo_reporting.aggregation import fold, mention_ids
from animo_reporting.repository import BucketRepository
from animo_reporting.repository_alerts import AlertRepository
from animo_reporting.retention import Pruner, keep_for
from animo_reporting.service import ReportingService
from animo_shared.events import (
    Author,
    Identity,
    MemberErased,
    MentionModerated,
    MentionReceived,
    ModerationAction,
)
from animo_shared.events import make_event as wrap
from animo_shared.store import Changes, Store
from animo_shared.store.mongo import MongoStore
from animo_shared.store.sqlite import SqliteStore

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def mention(brand: str, n: int, when: datetime, **over: Any) -> Any:
    payload = MentionReceived(
        mention_id=f"{brand}-{n}",
        brand=brand,
        source=over.pop("source", "twitter"),
        external_id=str(n),
        author=Author(handle=over.pop("handle", f"fan{n}"), followers=over.pop("followers", None)),
        text=over.pop("text", "Livraison rapide"),
        published_at=when,
        received_at=when,
        lang="fr",
        **over,
    )
    return wrap(payload, event_id=f"e-{brand}-{n}", source="t", brand=brand)


def decision(brand: str, n: int, when: datetime, action: str = "allow") -> Any:
    payload = MentionModerated(
        decision_id=f"d{n}",
        mention_id=f"{brand}-{n}",
        brand=brand,
        source="twitter",
        author_handle="x",
        action=ModerationAction(action),
        published_at=when,
        decided_at=when,
        ruleset="r",
        sentiment="negative",
    )
    return wrap(payload, event_id=f"d-{brand}-{n}", source="t", brand=brand)


BACKENDS = ["sqlite", "mongomock"] + (["mongodb"] if os.environ.get("MONGODB_URL") else [])


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened: Store
    if request.param == "sqlite":
        opened = SqliteStore(tmp_path / "reporting.sqlite3")
    elif request.param == "mongomock":
        from mongomock_motor import AsyncMongoMockClient

        opened = MongoStore(AsyncMongoMockClient(tz_aware=True), "reporting")
    else:
        from motor.motor_asyncio import AsyncIOMotorClient

        client = AsyncIOMotorClient(os.environ["MONGODB_URL"], tz_aware=True)
        opened = MongoStore(client, f"reporting_{uuid.uuid4().hex[:8]}")
    BucketRepository(opened)
    AlertRepository(opened)
    await opened.start()
    yield opened
    await opened.close()


async def apply(store: Store, events: list[Any], now: datetime = NOW) -> None:
    repository = BucketRepository(store)
    changes = Changes()
    states = await repository.load_states(mention_ids(events))
    repository.record(changes, fold(events, states, now))
    await store.commit(changes)


async def test_a_wide_batch_is_stored_in_parts_and_read_back_whole(store: Store) -> None:
    events = [mention("acme", n, NOW, source=f"src-{n}") for n in range(150)]
    await apply(store, events)
    service = ReportingService(BucketRepository(store), clock=lambda: NOW)
    report = await service.volume(
        "acme", NOW - timedelta(hours=1), NOW + timedelta(hours=1), "hour"
    )
    assert report.totals["mentions"] == 150
    assert len(report.totals["by_source"]) == 150
    hours = await BucketRepository(store).totals_between("acme", "hour", NOW, NOW + timedelta(1))
    assert len(hours) == 3  # one bucket, three parts of at most 60 counters
    assert sum(doc.mentions for doc in hours) == 150


async def test_the_join_crosses_batches_through_the_store(store: Store) -> None:
    await apply(store, [mention("acme", 1, NOW), mention("acme", 2, NOW)])
    await apply(store, [decision("acme", 1, NOW), decision("acme", 2, NOW, "hide")])
    repository = BucketRepository(store)
    # The allowed one is done with (dropped); the hidden one may still be reviewed (kept).
    assert set(await repository.load_states(["acme-1", "acme-2"])) == {"acme-2"}
    service = ReportingService(repository, clock=lambda: NOW)
    report = await service.volume("acme", NOW, NOW + timedelta(hours=1), "hour")
    assert report.totals["by_action"] == {"allow": 1, "hide": 1}
    assert report.totals["pending"] == 0


async def test_rankings_of_one_brand_never_include_another(store: Store) -> None:
    await apply(store, [mention("acme", 1, NOW, followers=3000)])
    await apply(store, [mention("acme-x", 1, NOW, handle="other")])
    service = ReportingService(BucketRepository(store), clock=lambda: NOW)
    report = await service.report("influencers", "acme", NOW, NOW + timedelta(hours=1), "hour")
    assert [(a["handle"], a["followers"]) for a in report.items] == [("fan1", 3000)]


async def test_retention_deletes_what_is_past_its_resolution(store: Store) -> None:
    old = NOW - timedelta(days=10)
    await apply(store, [mention("acme", 1, old)], now=old)  # its join state is 10 days old
    await apply(store, [mention("acme", 2, NOW)])
    days = timedelta(days=1)
    keep = keep_for(
        minute=3 * days,
        hour=5 * days,
        day=400 * days,
        rankings=5 * days,
        states=5 * days,
        records=400 * days,
    )
    pruner = Pruner(BucketRepository(store), AlertRepository(store), keep, lambda: NOW)
    deleted = await pruner.prune_once()
    assert deleted == {
        "totals:minute": 1,
        "totals:hour": 1,
        "slices:hour": 1,
        "rankings": 2,  # authors and terms of the old hour
        "states": 1,
    }
    assert await pruner.prune_once() == {}
    repository = BucketRepository(store)
    days_left = await repository.totals_between("acme", "day", old - days, NOW + days)
    assert sum(doc.mentions for doc in days_left) == 2  # day buckets are kept longer
    assert set(await repository.load_states(["acme-1", "acme-2"])) == {"acme-2"}


async def test_an_erasure_rewrites_the_stored_rankings_without_the_member(store: Store) -> None:
    earlier = NOW - timedelta(hours=2)
    await apply(
        store,
        [
            mention("acme", 1, NOW, handle="alice", followers=3000),
            mention("acme", 2, earlier, handle="alice"),
            mention("acme", 3, NOW, handle="bob"),
        ],
    )
    erased = MemberErased(
        member_id="m-alice",
        brand="acme",
        identities=(Identity(source="twitter", handle="alice"),),
        erased_at=NOW,
    )
    repository = BucketRepository(store)
    service = ReportingService(repository, clock=lambda: NOW)
    # The erasure and, in the same batch, one more mention of bob's on a rewritten hour.
    batch = [
        wrap(erased, event_id="erase-1", source="t", brand="acme"),
        mention("acme", 4, NOW, handle="bob"),
    ]
    await store.commit(await service.apply(batch))
    window = (NOW - timedelta(hours=3), NOW + timedelta(hours=1))
    report = await service.report("influencers", "acme", *window, "hour")
    assert [(a["handle"], a["mentions"]) for a in report.items] == [("bob", 2)]
    assert (await service.volume("acme", *window, "hour")).totals["mentions"] == 4
    stored = await repository.rankings_between("acme", "authors", *window)
    assert stored and not any("alice" in name for doc in stored for name in doc.counters())
