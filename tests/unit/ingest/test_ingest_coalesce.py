"""Shared reads and group commit: concurrent callers share round trips, each still gets its own answer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from animo_ingest.coalesce import GroupCommit, SharedReads
from animo_shared.store import Changes, OutboxMessage, StoreError


class Table:
    def __init__(self, rows: dict[str, int]) -> None:
        self.rows = rows
        self.reads: list[list[str]] = []
        self.fail = False

    async def get_many(self, ids: Sequence[str]) -> dict[str, int]:
        self.reads.append(list(ids))
        await asyncio.sleep(0.01)
        if self.fail:
            raise StoreError("injected")
        return {i: self.rows[i] for i in ids if i in self.rows}


async def test_callers_waiting_on_a_read_share_the_next_one_and_get_their_own_rows() -> None:
    table = Table({"a": 1, "b": 2, "c": 3})
    reads = SharedReads(table.get_many)
    first = asyncio.create_task(reads.get_many(["a"]))
    await asyncio.sleep(0)  # the first read is in flight: the next three queue behind it
    answers = await asyncio.gather(
        reads.get_many(["b", "x"]), reads.get_many(["c", "b"]), reads.get_many([])
    )
    assert await first == {"a": 1}
    assert answers == [{"b": 2}, {"c": 3, "b": 2}, {}]
    assert table.reads == [["a"], ["b", "x", "c"]]


async def test_a_failed_read_fails_its_callers_only() -> None:
    table = Table({"a": 1})
    reads = SharedReads(table.get_many)
    table.fail = True
    with pytest.raises(StoreError):
        await reads.get_many(["a"])
    table.fail = False
    assert await reads.get_many(["a"]) == {"a": 1}


def changes(n: int) -> Changes:
    made = Changes()
    made.publish(OutboxMessage(id=f"m-{n}", topic="t", key="k", value=b"", headers=()))
    return made


async def test_commits_queued_behind_a_transaction_are_stored_together() -> None:
    stored: list[list[str]] = []
    fail = {"next": False}

    async def commit(batch: Changes) -> None:
        await asyncio.sleep(0.01)
        if fail["next"]:
            fail["next"] = False
            raise StoreError("injected")
        stored.append([m.id for m in batch.outbox])

    group = GroupCommit(commit)
    first = asyncio.create_task(group.commit(changes(0)))
    await asyncio.sleep(0)
    await asyncio.gather(*(group.commit(changes(n)) for n in (1, 2, 3)))
    await first
    assert stored == [["m-0"], ["m-1", "m-2", "m-3"]]

    fail["next"] = True
    with pytest.raises(StoreError):
        await group.commit(changes(4))
    await group.commit(changes(5))
    assert stored[-1] == ["m-5"]
