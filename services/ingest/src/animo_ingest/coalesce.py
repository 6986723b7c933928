"""Concurrent requests share store round trips: one read for the lookups, one transaction for the writes.

Under many concurrent single-mention requests, each would otherwise pay its own trips to
the store (with the embedded store, each a hand-over to its thread and back, which
profiling showed costing more than the request's own work). Both helpers keep what a
caller sees: a read is never older than the moment it was asked for (callers that arrive
while one is in flight wait for the next), and a commit returns only once the caller's
own changes are stored, or raises that transaction's error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from animo_shared.store import Changes

T = TypeVar("T")


class SharedReads(Generic[T]):
    """`get_many` by id for many concurrent callers, in as few reads as they allow."""

    def __init__(self, read: Callable[[Sequence[str]], Awaitable[dict[str, T]]]) -> None:
        self._read = read
        self._waiting: list[tuple[Sequence[str], asyncio.Future[dict[str, T]]]] = []
        self._reader: asyncio.Task[None] | None = None

    async def get_many(self, ids: Sequence[str]) -> dict[str, T]:
        if not ids:
            return {}
        done: asyncio.Future[dict[str, T]] = asyncio.get_running_loop().create_future()
        self._waiting.append((ids, done))
        if self._reader is None or self._reader.done():
            # A task of its own, so a cancelled caller never strands the others.
            self._reader = asyncio.create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            if len(group) == 1:
                wanted: Sequence[str] = group[0][0]
            else:
                wanted = list(dict.fromkeys(i for ids, _ in group for i in ids))
            try:
                found = await self._read(wanted)
            except Exception as error:
                for _, done in group:
                    if not done.done():
                        done.set_exception(error)
                continue
            for ids, done in group:
                if not done.done():
                    done.set_result(
                        found if len(group) == 1 else {i: found[i] for i in ids if i in found}
                    )


class GroupCommit:
    """Commits the changes of every caller that queued while the previous transaction ran."""

    def __init__(self, commit: Callable[[Changes], Awaitable[None]]) -> None:
        self._commit = commit
        self._waiting: list[tuple[Changes, asyncio.Future[None]]] = []
        self._committer: asyncio.Task[None] | None = None

    async def commit(self, changes: Changes) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((changes, done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            if len(group) == 1:
                merged = group[0][0]
            else:
                merged = Changes()
                for changes, _ in group:
                    merged.operations.extend(changes.operations)
                    merged.processed.extend(changes.processed)
                    merged.outbox.extend(changes.outbox)
            try:
                await self._commit(merged)
            except Exception as error:
                for _, done in group:
                    if not done.done():
                        done.set_exception(error)
                continue
            for _, done in group:
                if not done.done():
                    done.set_result(None)
