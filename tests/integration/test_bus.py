"""The bus on a real Tansu broker: dead letters with reasons, replays skipped, failed batches retried."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from animo_shared.events import Envelope, Topic
from animo_shared.observability import Metrics
from animo_shared.runtime import Runtime
from animo_shared.settings import CommonSettings
from animo_shared.store import Changes, Document, Index, StoreError
from animo_shared.store.sqlite import SqliteStore

from helpers.factories import mention_event
from helpers.kafka import produce, read_all

pytestmark = pytest.mark.integration


class Tally(Document):
    brand: str
    mentions: int = 0


def make_runtime(broker: str, tmp_path: Path, name: str) -> Runtime:
    common = CommonSettings(
        kafka_bootstrap=broker,
        data_dir=tmp_path,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    return Runtime(name, common, SqliteStore(tmp_path / f"{name}.sqlite3"), Metrics(name))


def counting_handler(
    runtime: Runtime, fail_first: int = 0, into: str = "tallies"
) -> Callable[[list[Envelope[Any]]], Awaitable[Changes]]:
    tallies = runtime.store.collection(into, Tally, [Index(("brand",))])
    failures = {"left": fail_first}

    async def handle(events: list[Envelope[Any]]) -> Changes:
        if failures["left"]:
            failures["left"] -= 1
            raise StoreError("database unavailable (injected)")
        changes = Changes()
        for event in events:
            changes.increment(
                tallies, event.brand, inc={"mentions": 1}, on_insert={"brand": event.brand}
            )
        return changes

    return handle


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def test_poison_goes_to_dead_letter_with_reason_and_replays_count_once(
    broker: str, tmp_path: Path
) -> None:
    brand = f"b-{uuid.uuid4().hex[:8]}"
    name = f"bus-{uuid.uuid4().hex[:6]}"
    runtime = make_runtime(broker, tmp_path, name)
    runtime.consume([Topic.MENTIONS], counting_handler(runtime))
    tallies = runtime.store.collection("tallies", Tally, [Index(("brand",))])
    first, second = mention_event(brand), mention_event(brand)
    wrong_type = mention_event(brand).value.replace(b'"mention.received"', b'"post.published"')
    await produce(
        broker,
        Topic.MENTIONS,
        [first.value, b"not json at all", wrong_type, first.value, second.value],
    )
    await runtime.start()
    try:

        async def counted() -> bool:
            tally = await tallies.get(brand)
            return tally is not None and tally.mentions >= 2

        await wait_for(counted)
        dead = [
            r
            for r in await read_all(broker, Topic.DEAD_LETTER, expect=1000, timeout=3)
            if dict(r.headers).get("x-animo-dlq-group") == f"animo-{name}".encode()
        ]
        reasons = sorted(dict(r.headers)["x-animo-dlq-reason"].decode() for r in dead)
        assert len(reasons) == 2
        assert reasons[0].startswith("envelope invalid")
        assert "post.published" in reasons[1] and Topic.MENTIONS in reasons[1]
        assert {r.value for r in dead} == {b"not json at all", wrong_type}
        await asyncio.sleep(1)  # a late double count would show up here
        tally = await tallies.get(brand)
        assert tally is not None and tally.mentions == 2
        assert (await runtime.readiness())["consumers"] is True
    finally:
        await runtime.stop()


async def test_failed_batch_is_retried_without_loss_or_double_count(
    broker: str, tmp_path: Path
) -> None:
    brand = f"b-{uuid.uuid4().hex[:8]}"
    name = f"bus-{uuid.uuid4().hex[:6]}"
    runtime = make_runtime(broker, tmp_path, name)
    runtime.consume([Topic.MENTIONS], counting_handler(runtime, fail_first=2))
    tallies = runtime.store.collection("tallies", Tally, [Index(("brand",))])
    await produce(broker, Topic.MENTIONS, [mention_event(brand).value for _ in range(20)])
    await runtime.start()
    try:

        async def counted() -> bool:
            tally = await tallies.get(brand)
            return tally is not None and tally.mentions >= 20

        await wait_for(counted)
        await asyncio.sleep(1)
        tally = await tallies.get(brand)
        assert tally is not None and tally.mentions == 20
        assert runtime.metrics.batch_failures.labels(name)._value.get() == 2
    finally:
        await runtime.stop()

    # A second instance of the same group resumes at the committed offsets: one new event
    # arrives, and nothing of the first twenty is counted again.
    again = make_runtime(broker, tmp_path, name)
    again.consume([Topic.MENTIONS], counting_handler(again))
    tallies2 = again.store.collection("tallies", Tally, [Index(("brand",))])
    await again.start()
    try:
        await produce(broker, Topic.MENTIONS, [mention_event(brand).value])

        async def one_more() -> bool:
            tally = await tallies2.get(brand)
            return tally is not None and tally.mentions >= 21

        await wait_for(one_more)
        await asyncio.sleep(1)
        tally = await tallies2.get(brand)
        assert tally is not None and tally.mentions == 21
    finally:
        await again.stop()


class FlakyStore(SqliteStore):
    """A database that goes away: while `down`, every read and commit fails like a lost
    connection (what motor raises as a StoreError when MongoDB stops)."""

    down = False

    async def ping(self) -> None:
        if self.down:
            raise StoreError("database unreachable (injected)")
        await super().ping()

    async def already_processed(self, event_ids: Any) -> set[str]:
        if self.down:
            raise StoreError("database unreachable (injected)")
        return await super().already_processed(event_ids)

    async def commit(self, changes: Changes) -> None:
        if self.down:
            raise StoreError("database unreachable (injected)")
        await super().commit(changes)


async def test_a_database_away_for_a_while_pauses_the_consumer_and_loses_nothing(
    broker: str, tmp_path: Path
) -> None:
    brand = f"b-{uuid.uuid4().hex[:8]}"
    name = f"bus-{uuid.uuid4().hex[:6]}"
    common = CommonSettings(
        kafka_bootstrap=broker,
        data_dir=tmp_path,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    store = FlakyStore(tmp_path / f"{name}.sqlite3")
    runtime = Runtime(name, common, store, Metrics(name))
    runtime.consume([Topic.MENTIONS], counting_handler(runtime))
    tallies = store.collection("tallies", Tally, [Index(("brand",))])
    await runtime.start()
    try:
        store.down = True
        await produce(broker, Topic.MENTIONS, [mention_event(brand).value for _ in range(30)])

        async def failing() -> bool:
            return runtime.metrics.batch_failures.labels(name)._value.get() >= 2

        await wait_for(failing)
        checks = await runtime.readiness()
        assert checks["database"] is False and checks["consumers"] is False
        store.down = False
        await produce(broker, Topic.MENTIONS, [mention_event(brand).value for _ in range(10)])

        async def counted() -> bool:
            tally = await tallies.get(brand)
            return tally is not None and tally.mentions >= 40

        await wait_for(counted)
        await asyncio.sleep(1)  # a late double count would show up here
        tally = await tallies.get(brand)
        assert tally is not None and tally.mentions == 40
        assert all((await runtime.readiness()).values())
    finally:
        await runtime.stop()


async def test_two_consumer_groups_of_one_service_each_apply_every_event_once(
    broker: str, tmp_path: Path
) -> None:
    # The second group starts once the first has applied everything, in the same store: the
    # first group's marks must not make it skip the events.
    brand = f"b-{uuid.uuid4().hex[:8]}"
    name = f"bus-{uuid.uuid4().hex[:6]}"
    event = mention_event(brand)
    await produce(
        broker, Topic.MENTIONS, [event.value, *(mention_event(brand).value for _ in range(9))]
    )
    found: dict[str, Tally | None] = {}
    for into, group in (("tallies", None), ("sides", "side")):
        runtime = make_runtime(broker, tmp_path, name)
        runtime.consume([Topic.MENTIONS], counting_handler(runtime, into=into), group=group)
        tallies = runtime.store.collection(into, Tally, [Index(("brand",))])
        await runtime.start()
        try:

            async def counted(tallies: Any = tallies) -> bool:
                tally = await tallies.get(brand)
                return tally is not None and tally.mentions >= 10

            await wait_for(counted)
            await produce(broker, Topic.MENTIONS, [event.value])  # a replay: not counted
            await asyncio.sleep(1.5)
            found[into] = await tallies.get(brand)
        finally:
            await runtime.stop()
    assert found == {
        "tallies": Tally(id=brand, brand=brand, mentions=10),
        "sides": Tally(id=brand, brand=brand, mentions=10),
    }


async def test_outbox_reaches_the_topic_after_commit(broker: str, tmp_path: Path) -> None:
    brand = f"b-{uuid.uuid4().hex[:8]}"
    runtime = make_runtime(broker, tmp_path, f"pub-{uuid.uuid4().hex[:6]}")
    await runtime.start()
    try:
        changes = Changes()
        message = mention_event(brand, text="from the outbox")
        changes.publish(message)
        await runtime.publish(changes)
        records = await read_all(broker, Topic.MENTIONS, expect=10_000, timeout=5)
        mine = [r for r in records if dict(r.headers).get("ce_id") == message.id.encode()]
        assert len(mine) == 1 and mine[0].key == message.key.encode()
        assert await runtime.store.outbox_pending(10) == []
    finally:
        await runtime.stop()
