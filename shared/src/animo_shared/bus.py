"""The event bus on Kafka: typed publishing through an outbox, batch consumers that commit after storing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from .events import Envelope, EventDecodeError, Topic, decode_event
from .observability import Metrics, correlation_id, event_id
from .store import Changes, OutboxMessage, Store

log = logging.getLogger(__name__)

Handler = Callable[[list[Envelope[Any]]], Awaitable[Changes]]
# Turns one message into an envelope, or raises EventDecodeError with the dead-letter reason.
Decoder = Callable[[str, bytes | None], Envelope[Any]]


def to_message(envelope: Envelope[Any], key: str) -> OutboxMessage:
    """An envelope as a Kafka message: the whole event as JSON, its metadata in headers too."""
    headers = [
        ("ce_id", envelope.id),
        ("ce_type", envelope.type),
        ("ce_source", envelope.source),
        ("ce_specversion", envelope.specversion),
        ("ce_brand", envelope.brand),
        ("content-type", "application/cloudevents+json"),
    ]
    if envelope.correlationid:
        headers.append(("ce_correlationid", envelope.correlationid))
    topic = _topic_of(envelope.type)
    return OutboxMessage(
        id=envelope.id,
        topic=topic,
        key=key,
        value=envelope.model_dump_json().encode(),
        headers=tuple((name, value.encode()) for name, value in headers),
    )


def _topic_of(event_type: str) -> str:
    from .events import TOPIC_OF_TYPE

    return TOPIC_OF_TYPE[event_type].value


async def backoff_sleep(attempt: int, cap: float = 30.0) -> None:
    await asyncio.sleep(min(cap, 0.25 * 2 ** min(attempt, 8)))


async def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int = 3) -> None:
    """Create the topics that do not exist yet (an existing topic is left as it is)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, partitions, 1) for t in topics if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
    finally:
        await admin.close()


# Per partition and produce request; three partitions' batches stay under the 1 MiB
# request limit that clients and brokers default to.
PRODUCER_BATCH_BYTES = 256 * 1024


class Publisher:
    """One producer per service; connects in the background so a missing broker never blocks start-up."""

    def __init__(self, bootstrap: str, metrics: Metrics) -> None:
        self._bootstrap = bootstrap
        self._metrics = metrics
        self._producer: AIOKafkaProducer | None = None
        self.connected = asyncio.Event()

    async def connect(self) -> None:
        attempt = 0
        while True:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                acks="all",
                linger_ms=5,
                request_timeout_ms=15_000,
                # aiokafka's default (16 KiB) holds ~16 one-kilobyte events per partition
                # and request: an outbox flush of 500 then waits on ~10 broker round trips.
                max_batch_size=PRODUCER_BATCH_BYTES,
            )
            try:
                await producer.start()
            except asyncio.CancelledError:
                await asyncio.shield(producer.stop())
                raise
            except KafkaError as error:
                await producer.stop()
                log.warning("broker unreachable (%s); retrying", error)
                await backoff_sleep(attempt)
                attempt += 1
                continue
            self._producer = producer
            self.connected.set()
            return

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def send(self, messages: Sequence[OutboxMessage]) -> None:
        """Send in order and wait until the broker has every one."""
        if self._producer is None:
            raise KafkaError("not connected to the broker yet")
        futures = [
            await self._producer.send(m.topic, m.value, key=m.key.encode(), headers=list(m.headers))
            for m in messages
        ]
        for message, future in zip(messages, futures, strict=True):
            await future
            self._metrics.published.labels(self._metrics.service, message.topic).inc()

    async def ping(self) -> bool:
        if self._producer is None:
            return False
        try:
            await asyncio.wait_for(self._producer.client.fetch_all_metadata(), timeout=3)
        except (KafkaError, TimeoutError):
            return False
        return True


class OutboxRelay:
    """Publishes what committed batches left in the outbox, oldest first, until it is empty."""

    def __init__(self, store: Store, publisher: Publisher, metrics: Metrics) -> None:
        self._store = store
        self._publisher = publisher
        self._metrics = metrics
        self._wake = asyncio.Event()

    def kick(self) -> None:
        self._wake.set()

    async def flush(self) -> int:
        sent = 0
        while batch := await self._store.outbox_pending(500):
            await self._publisher.send(batch)
            await self._store.outbox_sent([m.id for m in batch])
            sent += len(batch)
        self._metrics.outbox_pending.labels(self._metrics.service).set(0)
        return sent

    async def run(self) -> None:
        await self._publisher.connected.wait()
        attempt = 0
        while True:
            try:
                await self.flush()
                attempt = 0
            except Exception:
                log.exception("outbox flush failed; will retry")
                await backoff_sleep(attempt, cap=10)
                attempt += 1
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            self._wake.clear()


@dataclass
class ConsumerState:
    connected: bool = False
    failing: bool = False


class RejectedEvent(Exception):
    """The handler refuses one event for good: it goes to the dead letter topic, the batch goes on."""

    def __init__(self, event_id: str, reason: str) -> None:
        super().__init__(reason)
        self.event_id = event_id
        self.reason = reason


class BatchConsumer:
    """Reads batches, dead-letters what does not decode, skips replays, stores, then commits offsets."""

    def __init__(
        self,
        *,
        topics: Sequence[Topic],
        group_id: str,
        bootstrap: str,
        store: Store,
        publisher: Publisher,
        relay: OutboxRelay,
        handler: Handler,
        metrics: Metrics,
        batch_size: int = 500,
        session_timeout_ms: int = 10_000,
        heartbeat_ms: int = 3_000,
        decode: Decoder = decode_event,
        idempotency_scope: str = "",
    ) -> None:
        self.topics = [t.value for t in topics]
        self._decode = decode
        # Processed ids live in the service's one store: a second consumer group of the same
        # service that reads the same events needs its own marks, or each would skip the other's.
        self._scope = f"{idempotency_scope}/" if idempotency_scope else ""
        self.group_id = group_id
        self._bootstrap = bootstrap
        self._store = store
        self._publisher = publisher
        self._relay = relay
        self._handler = handler
        self._metrics = metrics
        self._batch_size = batch_size
        self._session_timeout_ms = session_timeout_ms
        self._heartbeat_ms = heartbeat_ms
        self.state = ConsumerState()
        self._consumer: AIOKafkaConsumer | None = None

    async def _connect(self) -> AIOKafkaConsumer:
        attempt = 0
        while True:
            consumer = AIOKafkaConsumer(
                *self.topics,
                bootstrap_servers=self._bootstrap,
                group_id=self.group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                session_timeout_ms=self._session_timeout_ms,
                heartbeat_interval_ms=self._heartbeat_ms,
                rebalance_timeout_ms=self._session_timeout_ms,
                max_poll_records=self._batch_size,
                # Co-partitioning: partition i of every subscribed topic goes to one member.
                # Events about one author share a key (brand:source:handle) and so a
                # partition number on every topic: a mention and its decision, read and
                # joined by reporting and crm, are always in the same process. Round robin
                # (aiokafka's default, kept second for a rolling upgrade) split them, and two
                # instances overwrote each other's half of a join.
                partition_assignment_strategy=(RangePartitionAssignor, RoundRobinPartitionAssignor),
            )
            try:
                await consumer.start()
            except KafkaError as error:
                await consumer.stop()
                log.warning("consumer cannot reach the broker (%s); retrying", error)
                await backoff_sleep(attempt)
                attempt += 1
                continue
            except BaseException:
                await asyncio.shield(consumer.stop())  # cancelled while joining: leave cleanly
                raise
            return consumer

    async def run(self) -> None:
        await self._publisher.connected.wait()
        self._consumer = consumer = await self._connect()
        self.state.connected = True
        attempt = 0
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=self._batch_size)
                records = [r for tp in sorted(batches) for r in batches[tp]]
                if not records:
                    continue
                try:
                    await self._process(records)
                    await consumer.commit()
                except Exception:
                    self.state.failing = True
                    self._metrics.batch_failures.labels(self._metrics.service).inc()
                    log.exception("batch of %d failed; nothing committed, retrying", len(records))
                    # Rewind so the same records come again; polling on keeps us in the group.
                    # A partition revoked meanwhile is replayed by its new owner instead.
                    owned = consumer.assignment()
                    for tp, recs in batches.items():
                        if recs and tp in owned:
                            consumer.seek(tp, recs[0].offset)
                    await backoff_sleep(attempt)
                    attempt += 1
                    continue
                self.state.failing = False
                attempt = 0
                await self._record_lag(consumer, batches.keys())
        finally:
            self.state.connected = False
            await consumer.stop()

    async def _record_lag(
        self, consumer: AIOKafkaConsumer, partitions: Iterable[TopicPartition]
    ) -> None:
        owned = consumer.assignment()
        for tp in partitions:
            high = consumer.highwater(tp)
            if high is not None and tp in owned:
                lag = max(0, high - await consumer.position(tp))
                labels = (self._metrics.service, tp.topic, str(tp.partition))
                self._metrics.lag.labels(*labels).set(lag)

    async def _dead_letter(self, record: ConsumerRecord[Any, Any], reason: str) -> None:
        headers = [
            *list(record.headers or ()),
            ("x-animo-dlq-reason", reason[:1000].encode()),
            ("x-animo-dlq-topic", record.topic.encode()),
            ("x-animo-dlq-partition", str(record.partition).encode()),
            ("x-animo-dlq-offset", str(record.offset).encode()),
            ("x-animo-dlq-group", self.group_id.encode()),
        ]
        key = record.key.decode("utf-8", "replace") if record.key else ""
        message = OutboxMessage(
            id=f"{record.topic}:{record.partition}:{record.offset}",
            topic=Topic.DEAD_LETTER.value,
            key=key,
            value=record.value or b"",
            headers=tuple(headers),
        )
        await self._publisher.send([message])
        self._metrics.deadlettered.labels(self._metrics.service, record.topic).inc()
        given = dict(record.headers or ()).get("ce_id")
        event_id.set(given.decode("utf-8", "replace") if given else message.id)
        log.warning(
            "dead-lettered %s@%s/%s: %s", record.topic, record.partition, record.offset, reason
        )

    async def _process(self, records: list[ConsumerRecord[Any, Any]]) -> None:
        started = time.perf_counter()
        events: list[tuple[ConsumerRecord[Any, Any], Envelope[Any]]] = []
        for record in records:
            try:
                events.append((record, self._decode(record.topic, record.value)))
            except EventDecodeError as error:
                await self._dead_letter(record, str(error))
        scope = self._scope
        seen = await self._store.already_processed([scope + e.id for _, e in events])
        fresh: list[tuple[ConsumerRecord[Any, Any], Envelope[Any]]] = []
        for record, envelope in events:
            if scope + envelope.id in seen:
                self._metrics.duplicates.labels(self._metrics.service, record.topic).inc()
            else:
                seen.add(scope + envelope.id)  # the same id twice in one batch is a replay too
                fresh.append((record, envelope))
        while fresh:
            batch = [envelope for _, envelope in fresh]
            token = correlation_id.set(batch[0].correlationid)
            try:
                changes = await self._handler(batch)
            except RejectedEvent as rejected:
                bad = next(r for r, e in fresh if e.id == rejected.event_id)
                await self._dead_letter(bad, rejected.reason)
                fresh = [(r, e) for r, e in fresh if e.id != rejected.event_id]
                continue
            finally:
                correlation_id.reset(token)
            changes.mark_processed(scope + e.id for e in batch)
            await self._store.commit(changes)
            for record, _ in fresh:
                self._metrics.consumed.labels(self._metrics.service, record.topic).inc()
            break
        self._relay.kick()
        self._metrics.batch_seconds.labels(self._metrics.service).observe(
            time.perf_counter() - started
        )
        event_id.set(None)
