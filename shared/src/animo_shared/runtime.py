"""A service's running parts — store, publisher, outbox relay, consumers — started and stopped in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from aiokafka.errors import KafkaError

from .bus import (
    BatchConsumer,
    Decoder,
    Handler,
    OutboxRelay,
    Publisher,
    backoff_sleep,
    ensure_topics,
)
from .events import Topic, decode_event
from .observability import Metrics
from .settings import CommonSettings
from .store import Changes, Store, StoreError

log = logging.getLogger(__name__)


async def _supervise(name: str, work: Callable[[], Awaitable[None]]) -> None:
    """Keep a background loop alive: an unexpected crash is logged and the loop restarted."""
    attempt = 0
    while True:
        try:
            await work()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s crashed; restarting", name)
            await backoff_sleep(attempt)
            attempt += 1


class Runtime:
    """What a service's lifespan opens: call `consume` for each handler, then `start`; `stop` at exit."""

    def __init__(self, service: str, common: CommonSettings, store: Store, metrics: Metrics):
        self.service = service
        self.common = common
        self.store = store
        self.metrics = metrics
        self.publisher = Publisher(common.kafka_bootstrap, metrics)
        self.relay = OutboxRelay(store, self.publisher, metrics)
        self.consumers: list[BatchConsumer] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._background: list[tuple[str, Callable[[], Awaitable[None]]]] = []

    def consume(
        self,
        topics: Sequence[Topic],
        handler: Handler,
        *,
        decode: Decoder = decode_event,
        group: str | None = None,
    ) -> BatchConsumer:
        """A batch consumer in the service's group (or `animo-<service>-<group>`)."""
        consumer = BatchConsumer(
            topics=topics,
            group_id=f"animo-{self.service}" + (f"-{group}" if group else ""),
            bootstrap=self.common.kafka_bootstrap,
            store=self.store,
            publisher=self.publisher,
            relay=self.relay,
            handler=handler,
            metrics=self.metrics,
            batch_size=self.common.consumer_batch_size,
            session_timeout_ms=self.common.consumer_session_timeout_ms,
            heartbeat_ms=self.common.consumer_heartbeat_ms,
            decode=decode,
            idempotency_scope=group or "",
        )
        self.consumers.append(consumer)
        return consumer

    def background(self, name: str, work: Callable[[], Awaitable[None]]) -> None:
        """Run a loop of the service's own (a scheduler, say) under the same supervision."""
        self._background.append((name, work))

    async def publish(self, changes: Changes) -> None:
        """Commit changes made outside a consumer (an HTTP request) and wake the outbox relay."""
        await self.store.commit(changes)
        self.relay.kick()

    async def start(self) -> None:
        attempt = 0
        while True:
            try:
                await self.store.start()
                break
            except StoreError as error:
                log.warning("database unreachable at start (%s); retrying", error)
                await backoff_sleep(attempt, cap=10)
                attempt += 1
        self._spawn("publisher", self._connect)
        self._spawn("outbox relay", self.relay.run)
        for consumer in self.consumers:
            self._spawn(f"consumer {consumer.group_id}", consumer.run)
        for name, work in self._background:
            self._spawn(name, work)
        if self.consumers:
            self._spawn("processed-id pruner", self._prune_processed)

    def _spawn(self, name: str, work: Callable[[], Awaitable[None]]) -> None:
        self._tasks.append(asyncio.create_task(_supervise(name, work), name=name))

    async def _connect(self) -> None:
        await self.publisher.connect()
        try:
            await ensure_topics(self.common.kafka_bootstrap, [t.value for t in Topic])
        except KafkaError as error:
            log.warning("could not check or create topics: %s", error)

    async def _prune_processed(self) -> None:
        """Idempotency is kept for a retention window, not forever: the ledger stays bounded."""
        keep = self.common.processed_retention_days * 86_400
        while True:
            forgotten = await self.store.forget_processed(time.time() - keep)
            if forgotten:
                log.info("forgot %d applied event ids older than the retention", forgotten)
            await asyncio.sleep(3600)

    async def stop(self) -> None:
        for task in reversed(self._tasks):
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.publisher.connected.is_set():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.relay.flush(), timeout=3)
        await self.publisher.close()
        await self.store.close()

    async def readiness(self) -> dict[str, bool]:
        try:
            await asyncio.wait_for(self.store.ping(), timeout=3)
            database = True
        except (StoreError, TimeoutError):
            database = False
        checks = {"broker": await self.publisher.ping(), "database": database}
        if self.consumers:
            checks["consumers"] = all(
                c.state.connected and not c.state.failing for c in self.consumers
            )
        return checks
