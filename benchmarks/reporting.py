"""`python -m benchmarks.reporting`: reporting's two performance targets on this machine.

1. The aggregation consumer through a real broker (Tansu): a live-like stream of mentions,
   their moderation decisions and some reply posts, read in batches, joined, folded into
   minute/hour/day buckets and stored in SQLite (target: >= 10,000 events/s), plus the same
   for a backfill spread over 30 days (every batch touches hundreds of buckets).
2. A 90-day hourly volume report for one brand on the embedded store, through the service
   and through real HTTP (target: p99 < 200 ms).

Results go to benchmarks/results/reporting.json.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from animo_dev.broker import free_port, start_broker, stop_process
from animo_dev.inprocess import serve
from animo_reporting.aggregation import fold, mention_ids
from animo_reporting.config import GIL_SWITCH_SECONDS, Settings
from animo_reporting.consumers import event_handler
from animo_reporting.main import TOPICS, create_app
from animo_reporting.repository import BucketRepository
from animo_reporting.service import ReportingService
from animo_shared.events import (
    Author,
    Envelope,
    MentionModerated,
    MentionReceived,
    ModerationAction,
    PostPublished,
    derive_id,
    make_event,
    utcnow,
)
from animo_shared.observability import Metrics
from animo_shared.runtime import Runtime
from animo_shared.settings import CommonSettings
from animo_shared.store import Changes
from animo_shared.store.sqlite import SqliteStore

from .common import latency_summary, produce

RESULTS = Path(__file__).resolve().parent / "results" / "reporting.json"
KEY = "benchmark-key-" + "r" * 20
SOURCES = ("twitter", "facebook", "instagram", "forum", "blog", "news", "review")
# Most mentions are allowed; the rest hidden, queued for review or escalated.
ACTIONS = (
    ModerationAction.ALLOW,
    ModerationAction.HIDE,
    ModerationAction.REVIEW,
    ModerationAction.ESCALATE,
)
WEIGHTS = (80, 10, 8, 2)
TEXTS = (
    "Mon colis n'est jamais arrivé, livraison catastrophique #SAV",
    "Super vélo, merci pour la livraison rapide !",
    "The new Lumen 2 is a great bike for commuting #velotaf",
    "Service client injoignable depuis trois jours",
    "Rival bikes are cheaper but break after a month",
)


def stream(brand: str, count: int, start: datetime, span: timedelta, seed: int) -> list[Any]:
    """Mentions, their decisions (same count) and a reply post for every 20th complaint."""
    rng = random.Random(seed)
    events: list[Envelope[Any]] = []
    for n in range(count):
        mid = f"{brand}-{seed}-{n}"
        # Live streams are roughly in time order: each mention near its rank, give or take.
        when = start + span * min(1.0, max(0.0, (n + rng.gauss(0, count / 100)) / count))
        source = rng.choice(SOURCES)
        competitors = ("rival",) if rng.random() < 0.25 else ()
        payload = MentionReceived(
            mention_id=mid,
            brand=brand,
            source=source,
            external_id=mid,
            author=Author(handle=f"fan{rng.randrange(3000)}", followers=rng.randrange(50_000)),
            text=rng.choice(TEXTS),
            published_at=when,
            received_at=when,
            lang=rng.choice(("fr", "en")),
            competitors=competitors,
        )
        events.append(make_event(payload, event_id=derive_id("b.m", mid), source="b", brand=brand))
        complaint = rng.random() < 0.2
        decided = MentionModerated(
            decision_id=mid,
            mention_id=mid,
            brand=brand,
            source=source,
            author_handle="x",
            action=rng.choices(ACTIONS, WEIGHTS)[0],
            published_at=when,
            decided_at=when,
            ruleset="r",
            sentiment=rng.choice(("positive", "neutral", "negative")),
            complaint_topic="delivery" if complaint else None,
        )
        events.append(make_event(decided, event_id=derive_id("b.d", mid), source="b", brand=brand))
        if complaint and n % 20 == 0:
            reply = PostPublished(
                post_id=f"p{mid}",
                brand=brand,
                channel_id="c",
                channel_kind="webhook",
                published_at=when + timedelta(minutes=30),
                in_reply_to=mid,
            )
            events.append(
                make_event(reply, event_id=derive_id("b.p", mid), source="b", brand=brand)
            )
    return events


async def consumer_throughput(
    bootstrap: str, workdir: Path, mentions: int, span: timedelta, label: str, batch: int = 500
) -> dict[str, Any]:
    """Every event through the broker into the buckets; timed from the first stored batch."""
    brand = f"bench-{label}"
    events = stream(brand, mentions, utcnow() - span, span, seed=len(label))
    await produce(bootstrap, events, lambda n, e: f"{e.brand}:{n % 50}")
    produced = len(events)
    del events  # a consumer holds no such list: keep the garbage collector's work realistic
    gc.collect()
    common = CommonSettings(
        kafka_bootstrap=bootstrap,
        data_dir=workdir,
        consumer_batch_size=batch,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    store = SqliteStore(workdir / f"{label}.sqlite3")
    runtime = Runtime(f"bench-{label}", common, store, Metrics("bench"))
    repository = BucketRepository(store)
    runtime.consume(TOPICS, event_handler(ReportingService(repository)))
    started = time.perf_counter()
    await runtime.start()
    first: float | None = None
    try:
        while True:
            totals: dict[str, float] = {}
            for doc in await repository.lifetime(brand):
                for name, value in doc.counters().items():
                    totals[name] = totals.get(name, 0) + value
            decided = sum(v for k, v in totals.items() if k.startswith("d_"))
            if (totals.get("mentions") or decided) and first is None:
                first = time.perf_counter()
            if totals.get("mentions") == mentions and decided == mentions:
                break
            if time.perf_counter() - started > 300:
                raise TimeoutError(f"only {totals.get('mentions')}/{mentions} counted")
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
    done = time.perf_counter()
    assert first is not None
    return {
        "events": produced,
        "span": str(span),
        "batch_size": common.consumer_batch_size,
        "seconds_including_group_join": round(done - started, 2),
        "events_per_second_after_join": round(produced / max(done - first, 1e-6)),
    }


async def populate(path: Path, brand: str, end: datetime, days: int, per_hour: int) -> int:
    """Fill a store with `days` of a brand's events, folded in batches as the consumer would."""
    store = SqliteStore(path)
    repository = BucketRepository(store)
    await store.start()
    count = 0
    try:
        for day in range(days):
            start = end - timedelta(days=days - day)
            events = stream(brand, per_hour * 24, start, timedelta(days=1), seed=day)
            for offset in range(0, len(events), 2000):
                batch = events[offset : offset + 2000]
                changes = Changes()
                states = await repository.load_states(mention_ids(batch))
                horizon = {"minute": end - timedelta(days=3)}  # what the service keeps
                repository.record(changes, fold(batch, states, end, horizon))
                await store.commit(changes)
            count += len(events)
    finally:
        await store.close()
    return count


async def report_latency(workdir: Path, runs: int = 200) -> dict[str, Any]:
    brand = "bench-report"
    end = utcnow().replace(minute=0, second=0, microsecond=0)
    events = await populate(workdir / "reporting.sqlite3", brand, end, days=90, per_hour=20)
    start = end - timedelta(days=90)
    store = SqliteStore(workdir / "reporting.sqlite3")
    service = ReportingService(BucketRepository(store))
    await store.start()
    direct = []
    try:
        for _ in range(runs):
            began = time.perf_counter()
            report = await service.volume(brand, start, end, "hour")
            direct.append(time.perf_counter() - began)
        points = len(report.buckets)
    finally:
        await store.close()
    # No broker: the served API reads the store alone, with no consumer competing for it.
    nowhere = f"127.0.0.1:{free_port()}"
    common = CommonSettings(kafka_bootstrap=nowhere, data_dir=workdir, admin_key=KEY)
    params = {"brand": brand, "from": start.isoformat(), "to": end.isoformat(), "interval": "hour"}
    over_http = []
    async with (
        serve(create_app(Settings(common=common))) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as client,
    ):
        (await client.get("/v1/reports/volume", params=params)).raise_for_status()
        for _ in range(runs):
            began = time.perf_counter()
            answer = await client.get("/v1/reports/volume", params=params)
            over_http.append(time.perf_counter() - began)
            answer.raise_for_status()
        size = len(answer.content)
    return {
        "brand_events_stored": events,
        "days": 90,
        "points": points,
        "service": latency_summary(direct),
        "http": {**latency_summary(over_http), "response_bytes": size},
    }


async def on_own_broker(
    workdir: Path, mentions: int, span: timedelta, label: str, batch: int = 500
) -> dict[str, Any]:
    """One consumer run on a broker of its own, so no run reads another's events."""
    port = free_port()
    broker = start_broker(port)
    try:
        return await consumer_throughput(f"127.0.0.1:{port}", workdir, mentions, span, label, batch)
    finally:
        stop_process(broker)


async def main() -> None:
    sys.setswitchinterval(GIL_SWITCH_SECONDS)  # as `python -m animo_reporting` runs
    live = timedelta(minutes=30)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        results = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
            "targets": {"consumer_events_per_second": 10_000, "report_p99_ms": 200},
            "consumer_live": await on_own_broker(workdir, 30_000, live, "live"),
            "consumer_live_batches_of_2000": await on_own_broker(
                workdir, 30_000, live, "live2000", 2000
            ),
            "consumer_backfill_30_days": await on_own_broker(
                workdir, 15_000, timedelta(days=30), "backfill"
            ),
            "report_90_days_hourly": await report_latency(workdir),
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    asyncio.run(main())
