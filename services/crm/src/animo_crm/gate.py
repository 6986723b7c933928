"""One writer at a time for member documents in this process: a consumer batch and a person's
merge, unmerge or erasure each read, decide and are committed before the other reads.

The consumer's changes are committed by the bus after the handler returns, so the gate
remembers the batch's last event id and a person's write first waits until the store lists
it as processed (the batch is committed). If that commit failed, the bus hands the same batch
to the handler again, which then waits for the person's write and recomputes on top of it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from animo_shared.store import Store

POLL_SECONDS = 0.005


class WriteGate:
    def __init__(self, store: Store, wait_seconds: float = 10.0) -> None:
        self.store = store
        self.wait_seconds = wait_seconds
        self.lock = asyncio.Lock()
        self.inflight: str | None = None

    @contextlib.asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """Around a consumer batch's computation; set `inflight` to its last event id."""
        async with self.lock:
            yield

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Around a person's write: no batch computes meanwhile, and the last one is stored."""
        async with self.lock:
            pending, self.inflight = self.inflight, None
            if pending is not None:
                loop = asyncio.get_running_loop()
                deadline = loop.time() + self.wait_seconds
                while not await self.store.already_processed([pending]):
                    if loop.time() > deadline:
                        break  # that commit failed: the batch comes again after this write
                    await asyncio.sleep(POLL_SECONDS)
            yield
