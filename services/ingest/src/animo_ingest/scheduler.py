"""The pull scheduler: polls due sources with bounded concurrency and stores each pull's mentions with its cursor."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client import CollectorRegistry, Counter

from animo_shared.store import Changes

from .connectors import Poller, SourceConfig, new_client
from .connectors.metrics import SourceMetrics
from .service import IngestService, PullSummary
from .sources import PollReport, SourceState, SourceStore

log = logging.getLogger(__name__)
Commit = Callable[[Changes], Awaitable[None]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PullMetrics(SourceMetrics):
    """The connectors' source metrics, plus the items no brand's query wanted."""

    def __init__(self, registry: CollectorRegistry) -> None:
        super().__init__(registry)
        self.unmatched = Counter(
            "animo_ingest_unmatched_items_total",
            "Pulled items that matched no brand's listening query, and were dropped.",
            ["source_id"],
            registry=registry,
        )


class PullScheduler:
    """One per process. `run` is the background loop; `poll_now` serves the API's manual poll.

    A source is polled by one task at a time (a lock per source), so two pulls never race
    on its cursor. The cursor is stored in the same batch as the mentions of the pull
    that advanced it: a crash in between replays the pull, never skips it.
    """

    def __init__(
        self,
        sources: SourceStore,
        service: IngestService,
        commit: Commit,
        metrics: PullMetrics,
        *,
        concurrency: int = 4,
        tick_seconds: float = 5.0,
        timeout_seconds: float = 20.0,
        clock: Callable[[], datetime] = _utcnow,
        client_factory: Callable[[float], httpx.AsyncClient] = new_client,
    ) -> None:
        self.sources = sources
        self.service = service
        self.commit = commit
        self.metrics = metrics
        self.tick_seconds = tick_seconds
        self.timeout_seconds = timeout_seconds
        self.clock = clock
        self._new_client = client_factory
        self._slots = asyncio.Semaphore(concurrency)
        self._locks: dict[str, asyncio.Lock] = {}
        # Waiting for a slot or polling: the next ticks leave these alone.
        self._queued: set[str] = set()
        # After a failure to store (not a source failure: those back off in the health),
        # a source waits an interval before the next try, instead of one tick.
        self._not_before: dict[str, datetime] = {}
        self._client: httpx.AsyncClient | None = None

    def _lock(self, source_id: str) -> asyncio.Lock:
        return self._locks.setdefault(source_id, asyncio.Lock())

    async def run(self) -> None:
        tasks: set[asyncio.Task[None]] = set()
        async with self._new_client(self.timeout_seconds) as client:
            self._client = client
            try:
                while True:
                    for config, _ in await self.due():
                        self._queued.add(config.id)
                        task = asyncio.create_task(self._guarded(config, client))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    await asyncio.sleep(self.tick_seconds)
            finally:
                self._client = None
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def due(self) -> list[tuple[SourceConfig, SourceState | None]]:
        """Enabled sources whose next attempt has come and that no task is polling."""
        now = self.clock()
        records = [r for r in await self.sources.all_sources() if r.enabled]
        states = await self.sources.states([r.id for r in records])
        found = []
        for record in records:
            state = states.get(record.id)
            if record.id in self._queued or self._lock(record.id).locked():
                continue
            if self._not_before.get(record.id, now) > now:
                continue
            if state is None or state.health.due(now):
                found.append((record.config(), state))
        return found

    async def _guarded(self, config: SourceConfig, client: httpx.AsyncClient) -> None:
        try:
            async with self._slots, self._lock(config.id):
                # Read again under the lock: a manual poll may have moved the cursor meanwhile.
                state = (await self.sources.states([config.id])).get(config.id)
                if state is not None and not state.health.due(self.clock()):
                    return
                await self._poll(config, state, client)
        except Exception:
            log.exception("pull of source %s could not be stored; will retry", config.id)
            retry = self.clock() + timedelta(seconds=config.interval_seconds)
            self._not_before[config.id] = retry
        finally:
            self._queued.discard(config.id)

    async def poll_now(self, config: SourceConfig) -> PollReport:
        """Poll one source at once (waiting for a running poll of it to end first)."""
        async with self._lock(config.id):
            state = (await self.sources.states([config.id])).get(config.id)
            if self._client is not None:
                return await self._poll(config, state, self._client)
            async with self._new_client(self.timeout_seconds) as client:
                return await self._poll(config, state, client)

    async def _poll(
        self,
        config: SourceConfig,
        state: SourceState | None,
        client: httpx.AsyncClient,
    ) -> PollReport:
        poller = Poller(client)
        started = time.perf_counter()
        outcome = await poller.poll(
            config,
            state.parsed_cursor() if state else None,
            state.health if state else None,
        )
        self.metrics.observe(config, outcome, time.perf_counter() - started)
        changes = Changes()
        summary = await self.service.stage_pulled(outcome.items, self.clock(), changes)
        if summary.unmatched:
            self.metrics.unmatched.labels(config.id).inc(summary.unmatched)
        if await self.sources.get_source(config.id) is None:
            # Deleted while it was being pulled: its state is not brought back.
            summary = PullSummary(summary.items, 0, 0, summary.unmatched)
            return PollReport(**asdict(summary), health=outcome.health)
        self.sources.stage_state(
            changes,
            SourceState(id=config.id, cursor=outcome.cursor.to_dict(), health=outcome.health),
        )
        await self.commit(changes)
        self._not_before.pop(config.id, None)
        log.info(
            "pulled source %s: %d items, %d kept, %d duplicates, %d unmatched",
            config.id,
            summary.items,
            summary.accepted,
            summary.duplicates,
            summary.unmatched,
        )
        return PollReport(**asdict(summary), health=outcome.health)
