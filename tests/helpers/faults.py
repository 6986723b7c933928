"""Tools for the fault tests: waiting, reading a service's metrics, stores and consumer groups, poison."""

from __future__ import annotations

import asyncio
import json
import random
import re
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client.parser import text_string_to_metric_families

from animo_shared.bus import to_message
from animo_shared.events import (
    AlertRaised,
    Author,
    EngagementKind,
    EngagementRecorded,
    MemberCreated,
    MentionModerated,
    MentionReceived,
    ModerationAction,
    Payload,
    PostPublished,
    Topic,
    make_event,
)

from helpers.factories import T0


def poll(check: Callable[[], Any], timeout: float, what: str, every: float = 0.25) -> Any:
    """Call `check` until it returns something truthy; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {timeout} s (last: {last!r})")
        time.sleep(every)


def wait_empty(check: Callable[[], Any], timeout: float, what: str, every: float = 0.5) -> None:
    """Call `check` until it returns something empty; fail showing what is left after `timeout` s."""
    deadline = time.monotonic() + timeout
    while left := check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {left!r} after {timeout} s")
        time.sleep(every)


_handed_out: set[int] = set()


def spare_port() -> int:
    """A free port below the kernel's ephemeral range, so no outgoing connection takes it
    between now and the bind (a port from bind(0) can be reused that way, and a restarted
    service needs its port again)."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(200):
        port = random.randint(max(1024, low - 12_000), low - 1)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no spare port below the ephemeral range")


# --- what a running service says about itself ----------------------------------------------


def readiness(base_url: str) -> tuple[int, dict[str, bool]]:
    """`/readyz` as (status, checks); (0, {}) when the process does not answer HTTP at all.

    The broker check waits up to 3 s for a metadata answer, so the timeout is wider.
    """
    try:
        answer = httpx.get(base_url + "/readyz", timeout=10)
    except httpx.HTTPError:
        return 0, {}
    checks: dict[str, bool] = answer.json().get("checks", {})
    return answer.status_code, checks


def readiness_of(urls: dict[str, str]) -> dict[str, tuple[int, dict[str, bool]]]:
    """Every service's `/readyz` at once (each may take 3 s while the broker is frozen)."""
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        futures = {name: pool.submit(readiness, url) for name, url in urls.items()}
        return {name: future.result() for name, future in futures.items()}


def samples(base_url: str, metric: str) -> list[tuple[dict[str, str], float]]:
    """The samples of one metric family on a service's `/metrics`, as (labels, value)."""
    text = httpx.get(base_url + "/metrics", timeout=10).text
    found: list[tuple[dict[str, str], float]] = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == metric:
                found.append((dict(sample.labels), float(sample.value)))
    return found


def consumed(base_url: str, topic: Topic) -> int:
    """Events of `topic` this process applied (replays skipped are not counted)."""
    return int(
        sum(
            v
            for labels, v in samples(base_url, "animo_events_consumed_total")
            if labels.get("topic") == topic.value
        )
    )


def processed_ids(data_dir: Path, service: str) -> set[str]:
    """The event ids a service's store holds as applied (stored with each batch's effects).

    Read through SQLite (write-ahead log included), so it also answers for a killed process.
    """
    path = data_dir / f"{service}.sqlite3"
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return {row[0] for row in db.execute("SELECT id FROM _processed")}
    finally:
        db.close()


# --- the bus, read and written as a plain client ------------------------------------------


@dataclass(frozen=True)
class Message:
    topic: str
    value: bytes
    key: bytes = b"k"
    partition: int | None = None
    headers: tuple[tuple[str, bytes], ...] = ()


async def _produce(bootstrap: str, messages: list[Message]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        futures = [
            await producer.send(
                m.topic, m.value, key=m.key, partition=m.partition, headers=list(m.headers)
            )
            for m in messages
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def produce(bootstrap: str, messages: list[Message]) -> None:
    asyncio.run(_produce(bootstrap, messages))


async def _partitions(bootstrap: str, topics: list[str]) -> dict[str, list[int]]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        return {t: sorted(await producer.partitions_for(t)) for t in topics}
    finally:
        await producer.stop()


def partitions(bootstrap: str, topics: list[str]) -> dict[str, list[int]]:
    return asyncio.run(_partitions(bootstrap, topics))


async def _read(
    bootstrap: str,
    topic: str,
    done: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
    timeout: float,
) -> list[ConsumerRecord[bytes, bytes]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-faults-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not done(records) and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


def read_until(
    bootstrap: str,
    topic: str,
    done: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
    timeout: float,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read `topic` from the start until `done(records)` or `timeout` seconds."""
    return asyncio.run(_read(bootstrap, topic, done, timeout))


async def _ends(bootstrap: str, owned: list[TopicPartition]) -> dict[TopicPartition, int]:
    """Each partition's next offset, found by reading it: Tansu's ListOffsets answers the last
    batch's base offset + 1, short of the end when a batch holds several records."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    ends = dict.fromkeys(owned, 0)
    try:
        consumer.assign(owned)
        await consumer.seek_to_beginning(*owned)
        idle = 0
        while idle < 3:
            batches = await consumer.getmany(timeout_ms=300)
            idle = 0 if batches else idle + 1
            for tp, records in batches.items():
                ends[tp] = max(ends[tp], records[-1].offset + 1)
    finally:
        await consumer.stop()
    return ends


async def _lag(
    bootstrap: str, groups: dict[str, tuple[Topic, ...]]
) -> dict[tuple[str, str, int], int]:
    topics = sorted({t.value for ts in groups.values() for t in ts})
    layout = await _partitions(bootstrap, topics)
    owned = [TopicPartition(t, p) for t, ps in layout.items() for p in ps]
    ends = await _ends(bootstrap, owned)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        lag: dict[tuple[str, str, int], int] = {}
        for group, group_topics in groups.items():
            mine = [tp for tp in owned if tp.topic in {t.value for t in group_topics}]
            committed = await admin.list_consumer_group_offsets(group, partitions=mine)
            for tp in mine:
                at = committed[tp].offset if tp in committed else -1
                lag[(group, tp.topic, tp.partition)] = ends[tp] - max(at, 0)
        return lag
    finally:
        await admin.close()


def committed_lag(
    bootstrap: str, groups: dict[str, tuple[Topic, ...]]
) -> dict[tuple[str, str, int], int]:
    """For each (group, topic, partition): messages after the group's committed offset."""
    return asyncio.run(_lag(bootstrap, groups))


# --- poison ---------------------------------------------------------------------------------


def _payload(topic: Topic, brand: str, n: str) -> Payload:
    """One event that fits `topic`'s v1 contract exactly."""
    who, at = f"poison_{n}", T0
    if topic is Topic.MENTIONS:
        return MentionReceived(
            mention_id=n, brand=brand, source="twitter", external_id=n,
            author=Author(handle=who), text="poison", published_at=at, received_at=at,
        )  # fmt: skip
    if topic is Topic.ENGAGEMENT:
        return EngagementRecorded(
            engagement_id=n, brand=brand, kind=EngagementKind.LIKE, source="shop", handle=who,
            occurred_at=at,
        )  # fmt: skip
    if topic is Topic.MODERATION:
        return MentionModerated(
            decision_id=n, mention_id=n, brand=brand, source="twitter", author_handle=who,
            action=ModerationAction.ALLOW, published_at=at, decided_at=at, ruleset="tests",
        )  # fmt: skip
    if topic is Topic.POSTS:
        return PostPublished(
            post_id=n, brand=brand, channel_id=n, channel_kind="x", published_at=at
        )
    if topic is Topic.CRM:
        return MemberCreated(member_id=n, brand=brand, source="twitter", handle=who, first_seen=at)
    return AlertRaised(
        alert_id=n, brand=brand, kind="negative_spike", observed=9, baseline=1, started_at=at,
        message="poison",
    )  # fmt: skip


def valid_event(topic: Topic, brand: str) -> bytes:
    """A well-formed v1 envelope of `topic`'s own type, as its producer would send it."""
    n = uuid.uuid4().hex
    envelope = make_event(_payload(topic, brand, n), event_id=n, source="tests", brand=brand)
    value: bytes = to_message(envelope, n).value
    return value


ENVELOPE_TOPICS = (
    Topic.MENTIONS, Topic.ENGAGEMENT, Topic.MODERATION, Topic.POSTS, Topic.CRM, Topic.ALERTS
)  # fmt: skip
INBOUND_SHAPES = {
    Topic.INBOUND_MENTIONS: "inbound.mention",
    Topic.INBOUND_ENGAGEMENT: "inbound.engagement",
}


@dataclass(frozen=True)
class Poison:
    """A message every consumer of `topic` must dead-letter, and the reason it must give."""

    kind: str
    topic: Topic
    value: bytes
    reason: str  # a regular expression the whole x-animo-dlq-reason matches


def poison_for(topic: Topic, brand: str) -> list[Poison]:
    """Non-JSON, an envelope of another topic's type, and (on envelope topics) this topic's
    own event at schema version 2, each otherwise well-formed."""
    junk = b"\x00\xffthis is {not json"
    if topic in INBOUND_SHAPES:
        # Inbound topics carry a brand-side system's raw item, never an envelope.
        shape = re.escape(INBOUND_SHAPES[topic])
        return [
            Poison("not-json", topic, junk, rf"{shape} invalid: \(root\): Invalid JSON: .+"),
            Poison(
                "envelope",
                topic,
                valid_event(Topic.MENTIONS, brand),
                rf"{shape} invalid: \w+: Field required \(\+\d+ more\)",
            ),
        ]
    other = ENVELOPE_TOPICS[(ENVELOPE_TOPICS.index(topic) + 1) % len(ENVELOPE_TOPICS)]
    foreign = valid_event(other, brand)
    v2 = valid_event(topic, brand).replace(b'"schemaversion":1', b'"schemaversion":2')
    assert b'"schemaversion":2' in v2
    wrong_type = f"event type {json.loads(foreign)['type']!r} does not belong on {topic.value}"
    return [
        Poison("not-json", topic, junk, r"envelope invalid: \(root\): Invalid JSON: .+"),
        Poison("wrong-type", topic, foreign, re.escape(wrong_type)),
        Poison(
            "wrong-version",
            topic,
            v2,
            re.escape("envelope invalid: schemaversion: Input should be 1"),
        ),
    ]
