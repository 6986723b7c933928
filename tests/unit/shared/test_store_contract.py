"""One contract for every store backend: SQLite, mongomock-motor, and a real MongoDB when MONGODB_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from animo_shared.store import Changes, Document, Index, InvalidQuery, OutboxMessage, Range, Store
from animo_shared.store.mongo import MongoStore
from animo_shared.store.sqlite import SqliteStore

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


class Bucket(Document):
    brand: str
    hour: datetime
    mentions: int = 0
    hidden: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    label: str | None = None


class Item(Document):
    brand: str
    status: str
    at: datetime
    tags: tuple[str, ...] = ()


BACKENDS = ["sqlite", "mongomock"] + (["mongodb"] if os.environ.get("MONGODB_URL") else [])


def make_store(kind: str, tmp_path: Path) -> Store:
    if kind == "sqlite":
        return SqliteStore(tmp_path / "contract.sqlite3")
    if kind == "mongomock":
        from mongomock_motor import AsyncMongoMockClient

        return MongoStore(AsyncMongoMockClient(tz_aware=True), "contract")
    from motor.motor_asyncio import AsyncIOMotorClient

    client = AsyncIOMotorClient(os.environ["MONGODB_URL"], tz_aware=True)
    return MongoStore(client, f"contract_{uuid.uuid4().hex[:8]}")


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    made = make_store(request.param, tmp_path)
    made.collection("buckets", Bucket, [Index(("brand", "hour"))])
    made.collection("items", Item, [Index(("brand", "status", "at")), Index(("at",))])
    await made.start()
    yield made
    if isinstance(made, MongoStore) and request.param == "mongodb":
        await made.client.drop_database(made.db.name)
    await made.close()


def buckets(store: Store) -> object:
    return store.collection("buckets", Bucket, [Index(("brand", "hour"))])


def items_of(store: Store):  # type: ignore[no-untyped-def]
    return store.collection("items", Item, [Index(("brand", "status", "at")), Index(("at",))])


async def test_put_get_insert_delete_round_trip(store: Store) -> None:
    items = items_of(store)
    doc = Item(id="a", brand="b1", status="new", at=T0, tags=("x",))
    assert await items.insert(doc) is True
    assert await items.insert(doc.model_copy(update={"status": "other"})) is False
    assert await items.get("a") == doc
    await items.put(doc.model_copy(update={"status": "done"}))
    got = await items.get("a")
    assert got is not None and got.status == "done" and got.at == T0
    assert await items.get_many(["a", "missing"]) == {"a": got}
    assert await items.delete("a") is True
    assert await items.get("a") is None
    assert await items.delete("a") is False


async def test_find_filters_ranges_sorts_and_pages(store: Store) -> None:
    items = items_of(store)
    for n in range(6):
        status = "new" if n % 2 == 0 else "done"
        await items.put(Item(id=f"i{n}", brand="b1", status=status, at=T0 + timedelta(hours=n)))
    await items.put(Item(id="other", brand="b2", status="new", at=T0))
    found = await items.find({"brand": "b1", "status": "new"}, order_by="at", descending=True)
    assert [i.id for i in found] == ["i4", "i2", "i0"]
    window = Range("at", T0 + timedelta(hours=1), T0 + timedelta(hours=4))
    assert [i.id for i in await items.find({"brand": "b1"}, range=window, order_by="at")] == [
        "i1",
        "i2",
        "i3",
    ]
    page = await items.find({"brand": "b1"}, order_by="at", limit=2, offset=2)
    assert [i.id for i in page] == ["i2", "i3"]
    assert await items.count({"brand": "b1"}) == 6
    assert await items.count({"brand": "b1"}, range=window) == 3


async def test_any_year_round_trips_and_sorts(store: Store) -> None:
    # A client may send year 37 or 9999: stored, read back, and in time order like any other.
    items = items_of(store)
    years = [37, 483, 1999, 2026, 9999]
    for year in years:
        await items.put(Item(id=f"y{year}", brand="b", status="s", at=T0.replace(year=year)))
    found = await items.find({"brand": "b"}, order_by="at")
    assert [i.at.year for i in found] == years
    assert found[0].at == T0.replace(year=37)


async def test_queries_refuse_unindexed_fields_and_operator_values(store: Store) -> None:
    items = items_of(store)
    await items.put(Item(id="a", brand="b1", status="new", at=T0))
    with pytest.raises(InvalidQuery):
        await items.find({"tags": "x"})
    with pytest.raises(InvalidQuery):
        await items.find({"brand": {"$ne": "nobody"}})
    with pytest.raises(InvalidQuery):
        await items.find({"$where": "1"})
    # A `$` string is a value to compare, never an operator.
    assert await items.find({"brand": "$ne"}) == []


async def test_update_if_is_a_compare_and_set(store: Store) -> None:
    items = items_of(store)
    await items.put(Item(id="p", brand="b1", status="scheduled", at=T0))
    assert await items.update_if("p", {"status": "scheduled"}, {"status": "sending"}) is True
    assert await items.update_if("p", {"status": "scheduled"}, {"status": "sending"}) is False
    got = await items.get("p")
    assert got is not None and got.status == "sending"


async def test_commit_increments_creates_and_bounds(store: Store) -> None:
    coll = buckets(store)
    changes = Changes()
    for seen in (T0 + timedelta(minutes=5), T0, T0 + timedelta(minutes=30)):
        changes.increment(
            coll,  # type: ignore[arg-type]
            "b1:h9",
            inc={"mentions": 1},
            minimum={"first_seen": seen},
            maximum={"last_seen": seen},
            on_insert={"brand": "b1", "hour": T0},
        )
    changes.increment(coll, "b1:h9", inc={"hidden": 2}, set={"label": "x"})  # type: ignore[arg-type]
    await store.commit(changes)
    got = await coll.get("b1:h9")  # type: ignore[attr-defined]
    assert got == Bucket(
        id="b1:h9",
        brand="b1",
        hour=T0,
        mentions=3,
        hidden=2,
        first_seen=T0,
        last_seen=T0 + timedelta(minutes=30),
        label="x",
    )
    assert await coll.find({"brand": "b1"}) == [got]  # type: ignore[attr-defined]


async def test_processed_ids_and_outbox_are_committed_with_the_batch(store: Store) -> None:
    coll = buckets(store)
    changes = Changes()
    changes.increment(coll, "k", inc={"mentions": 1}, on_insert={"brand": "b", "hour": T0})  # type: ignore[arg-type]
    changes.mark_processed(["e1", "e2"])
    for n in range(3):
        changes.publish(OutboxMessage(f"o{n}", "topic", f"key{n}", b"{}", (("h", b"v"),)))
    await store.commit(changes)
    assert await store.already_processed(["e1", "e2", "e3"]) == {"e1", "e2"}
    pending = await store.outbox_pending(10)
    assert [m.id for m in pending] == ["o0", "o1", "o2"]
    assert pending[0].headers == (("h", b"v"),) and pending[0].value == b"{}"
    await store.outbox_sent(["o0", "o1"])
    assert [m.id for m in await store.outbox_pending(10)] == ["o2"]


async def test_old_processed_ids_are_forgotten_and_recent_ones_kept(store: Store) -> None:
    import time

    old, recent = Changes(), Changes()
    old.mark_processed(["old"])
    await store.commit(old)
    cutoff = time.time() + 0.001
    while time.time() <= cutoff:
        pass
    recent.mark_processed(["new"])
    await store.commit(recent)
    assert await store.forget_processed(cutoff) == 1
    assert await store.already_processed(["old", "new"]) == {"new"}


async def test_store_keeps_data_across_restart(tmp_path: Path) -> None:
    first = SqliteStore(tmp_path / "durable.sqlite3")
    first.collection("items", Item, [Index(("at",))])
    await first.start()
    await first.collection("items", Item, [Index(("at",))]).put(
        Item(id="a", brand="b", status="s", at=T0)
    )
    await first.close()
    second = SqliteStore(tmp_path / "durable.sqlite3")
    items = second.collection("items", Item, [Index(("at",))])
    await second.start()
    assert (await items.get("a")) == Item(id="a", brand="b", status="s", at=T0)
    await second.close()


async def test_interrupted_mongo_batch_is_finished_once() -> None:
    from mongomock_motor import AsyncMongoMockClient

    client = AsyncMongoMockClient(tz_aware=True)
    crashed = MongoStore(client, "journal")
    coll = crashed.collection("buckets", Bucket, [Index(("brand", "hour"))])
    await crashed.start()
    changes = Changes()
    changes.increment(coll, "k", inc={"mentions": 5}, on_insert={"brand": "b", "hour": T0})
    changes.mark_processed(["e1"])

    async def die(journal: object) -> None:
        raise RuntimeError("process killed after writing the journal")

    crashed._run_journal = die  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await crashed.commit(changes)
    # Half-applied on purpose: the increment landed, the processed mark did not.
    journal = await client["journal"]["_journal"].find_one({})
    await MongoStore._apply(crashed, f"{journal['_id']}:0", journal["ops"][0])

    restarted = MongoStore(client, "journal")
    coll2 = restarted.collection("buckets", Bucket, [Index(("brand", "hour"))])
    await restarted.start()
    assert await restarted.already_processed(["e1"]) == {"e1"}
    got = await coll2.get("k")
    assert got is not None and got.mentions == 5
