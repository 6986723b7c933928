"""`python -m benchmarks`: throughput of the hot paths on this machine, written to benchmarks/results/."""

from __future__ import annotations

import asyncio
import json
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from animo_dev.broker import free_port, start_broker, stop_process
from animo_dev.inprocess import serve
from animo_ingest.config import Settings as IngestSettings
from animo_ingest.main import create_app as create_ingest
from animo_reporting.consumers import event_handler
from animo_reporting.repository import BucketRepository
from animo_reporting.service import ReportingService
from animo_shared.bus import to_message
from animo_shared.events import Author, MentionReceived, Topic, derive_id, make_event
from animo_shared.observability import Metrics
from animo_shared.runtime import Runtime
from animo_shared.settings import CommonSettings
from animo_shared.store.sqlite import SqliteStore

RESULTS = Path(__file__).resolve().parent / "results"
KEY = "benchmark-key-" + "x" * 20
T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
DAY = T0.replace(hour=0)


def mention_messages(brand: str, count: int) -> list[Any]:
    messages = []
    for n in range(count):
        mid = f"{brand}-{n}"
        payload = MentionReceived(
            mention_id=mid,
            brand=brand,
            source=("twitter", "forum", "blog")[n % 3],
            external_id=str(n),
            author=Author(handle=f"fan{n % 500}"),
            text="Super vélo !",
            published_at=T0.replace(hour=n % 24),
            received_at=T0,
            lang="fr",
        )
        envelope = make_event(
            payload, event_id=derive_id("bench", mid), source="bench", brand=brand
        )
        messages.append(to_message(envelope, f"{brand}:{payload.source}:{payload.author.handle}"))
    return messages


async def consumer_throughput(bootstrap: str, workdir: Path, count: int) -> dict[str, float]:
    """Mentions through the broker into reporting's buckets (SQLite), batch consumer end to end."""
    brand = "bench-consume"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=10)
    await producer.start()
    for message in mention_messages(brand, count):
        await producer.send(message.topic, message.value, key=message.key.encode())
    await producer.stop()
    common = CommonSettings(
        kafka_bootstrap=bootstrap,
        data_dir=workdir,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    store = SqliteStore(workdir / "reporting.sqlite3")
    runtime = Runtime("bench", common, store, Metrics("bench"))
    repository = BucketRepository(store)
    runtime.consume([Topic.MENTIONS], event_handler(ReportingService(repository)))
    started = time.perf_counter()
    await runtime.start()
    first: float | None = None
    try:
        while True:
            buckets = await repository.between(brand, DAY, DAY + timedelta(days=1))
            counted = sum(b.mentions for b in buckets)
            if counted and first is None:
                first = time.perf_counter()
            if counted >= count:
                break
            if time.perf_counter() - started > 120:
                raise TimeoutError(f"only {counted}/{count} events counted after 120 s")
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
    done = time.perf_counter()
    assert first is not None
    return {
        "events": count,
        "seconds_including_group_join": round(done - started, 2),
        "events_per_second_after_join": round(count / max(done - first, 1e-6)),
    }


async def ingest_throughput(bootstrap: str, workdir: Path, batches: int) -> dict[str, float]:
    """POST /v1/mentions with batches of 1,000 over real HTTP: validate, dedup, store, outbox."""
    async with (
        serve(
            create_ingest(
                IngestSettings(
                    common=CommonSettings(
                        kafka_bootstrap=bootstrap, data_dir=workdir, admin_key=KEY
                    )
                )
            )
        ) as base,
        httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=60
        ) as client,
    ):
        bodies = [
            {
                "mentions": [
                    {
                        "brand": "bench-ingest",
                        "source": "forum",
                        "external_id": f"{b}-{n}",
                        "author": {"handle": f"fan{n % 300}"},
                        "text": "Mon colis n'est jamais arrivé",
                        "published_at": T0.isoformat(),
                        "lang": "fr",
                    }
                    for n in range(1000)
                ]
            }
            for b in range(batches)
        ]
        started = time.perf_counter()
        for body in bodies:
            (await client.post("/v1/mentions", json=body)).raise_for_status()
        accepted = time.perf_counter() - started
        repeat = time.perf_counter()
        (await client.post("/v1/mentions", json=bodies[0])).raise_for_status()
        duplicate_batch = time.perf_counter() - repeat
    return {
        "mentions": batches * 1000,
        "mentions_per_second": round(batches * 1000 / accepted),
        "duplicate_batch_of_1000_ms": round(duplicate_batch * 1000, 1),
    }


async def moderation_throughput(
    bootstrap: str, workdir: Path, count: int, *, unique_texts: bool = False
) -> dict[str, float]:
    """Mentions through the broker into moderation: analyse, apply policy, store, outbox, publish.

    The texts cycle through the demo feed's 300 (a stream repeats itself: retweets, copies,
    spam runs); `unique_texts` makes every text distinct, the analyser's worst case. The clock
    stops when every mention is decided and every resulting event published.
    """
    from animo_dev.demo import demo_mentions
    from animo_moderation.consumers import mention_handler
    from animo_moderation.policy_repository import PolicyRepository
    from animo_moderation.policy_service import PolicyService
    from animo_moderation.repository import DecisionRepository, ReviewRepository
    from animo_moderation.service import ModerationService

    brand = "bench-moderation"
    texts = [m["text"] for m in demo_mentions(T0)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=10)
    await producer.start()
    for n in range(count):
        mid = f"{brand}-{n}"
        text = texts[n % len(texts)]
        payload = MentionReceived(
            mention_id=mid,
            brand=brand,
            source="twitter",
            external_id=str(n),
            author=Author(handle=f"fan{n % 500}"),
            text=f"{text} #{n}" if unique_texts else text,
            published_at=T0,
            received_at=T0,
        )
        message = to_message(
            make_event(payload, event_id=derive_id("bm", mid), source="bench", brand=brand),
            f"{brand}:twitter:fan{n % 500}",
        )
        await producer.send(message.topic, message.value, key=message.key.encode())
    await producer.stop()
    common = CommonSettings(
        kafka_bootstrap=bootstrap,
        data_dir=workdir,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    store = SqliteStore(workdir / f"moderation-{int(unique_texts)}.sqlite3")
    group = f"bench-moderation-{int(unique_texts)}"
    runtime = Runtime(group, common, store, Metrics(group))
    decisions = DecisionRepository(store)
    service = ModerationService(
        decisions, ReviewRepository(store), PolicyService(PolicyRepository(store))
    )
    moderate = mention_handler(service)
    # A new group reads the topic from its start, other benchmarks' mentions too: all count.
    handled: set[str] = set()
    ours: set[str] = set()

    async def counting(events: list[Any]) -> Any:
        changes = await moderate(events)
        handled.update(e.id for e in events)
        ours.update(e.id for e in events if e.brand == brand)
        return changes

    runtime.consume([Topic.MENTIONS], counting)
    # Committed batches only: the consumed counter moves after each commit.
    consumed = runtime.metrics.consumed.labels(group, Topic.MENTIONS.value)
    started = time.perf_counter()
    await runtime.start()
    first: float | None = None
    try:
        while (
            len(ours) < count
            or consumed._value.get() < len(handled)
            or await store.outbox_pending(1)
        ):
            if handled and first is None:
                first = time.perf_counter()
            if time.perf_counter() - started > 180:
                raise TimeoutError(f"only {len(ours)}/{count} mentions moderated after 180 s")
            await asyncio.sleep(0.02)
        end = time.perf_counter()
    finally:
        await runtime.stop()
    total = len(handled)
    return {
        "mentions": total,
        "of_which_this_benchmark": count,
        "distinct_texts": count if unique_texts else min(count, len(set(texts))),
        "batch_size": common.consumer_batch_size,
        "seconds_including_group_join": round(end - started, 2),
        "mentions_per_second_after_join": round(total / max(end - (first or started), 1e-6)),
    }


async def main() -> None:
    port = free_port()
    broker = start_broker(port)
    bootstrap = f"127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            results = {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "python": platform.python_version(),
                    "cpus": __import__("os").cpu_count(),
                },
                "consumer_to_sqlite_buckets": await consumer_throughput(bootstrap, workdir, 20_000),
                "ingest_http_batches": await ingest_throughput(bootstrap, workdir, 10),
                "moderation_consumer": await moderation_throughput(bootstrap, workdir, 20_000),
            }
    finally:
        stop_process(broker)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "latest.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    asyncio.run(main())
