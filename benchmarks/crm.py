"""`python -m benchmarks.crm`: the CRM members side's two performance targets on this machine.

1. The members consumer through a real broker (Tansu): mentions, their moderation decisions and
   brand-side engagement events from a few thousand members (most post now and then, a few all
   the time), read in batches of the crm's default size (and of the common 500), counted on
   accounts, scored, tiered, written to the timeline and stored in SQLite, tier crossings and
   new members published through the outbox (target: >= 5,000 events/s).
2. The profile of a member with a 10,000-event timeline on the embedded store, through the
   service's reads and through real HTTP (target: p99 < 50 ms).

Results go to benchmarks/results/crm.json, with the machine's load average while it ran (other
work on the machine makes the figures lower bounds).
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

from animo_crm.config import Settings
from animo_crm.consumers import event_handler
from animo_crm.identity import member_id
from animo_crm.main import TOPICS, create_app
from animo_crm.repository import CrmRepository
from animo_crm.service import CrmService
from animo_dev.broker import free_port, start_broker, stop_process
from animo_dev.inprocess import serve
from animo_shared.events import (
    Author,
    EngagementKind,
    EngagementRecorded,
    Envelope,
    MentionModerated,
    MentionReceived,
    ModerationAction,
    derive_id,
    make_event,
    utcnow,
)
from animo_shared.observability import Metrics
from animo_shared.runtime import Runtime
from animo_shared.settings import CommonSettings
from animo_shared.store.sqlite import SqliteStore

from .common import latency_summary, load_average, produce

RESULTS = Path(__file__).resolve().parent / "results" / "crm.json"
KEY = "benchmark-key-" + "c" * 20
SOURCES = ("twitter", "instagram", "forum", "blog", "review")
ACTIONS = (ModerationAction.ALLOW, ModerationAction.HIDE, ModerationAction.REVIEW)
KINDS = tuple(EngagementKind)


def stream(
    brand: str, mentions: int, authors: int, start: datetime, span: timedelta, seed: int
) -> list[Envelope[Any]]:
    """Each mention, its decision, and one engagement event for every second mention."""
    rng = random.Random(seed)
    events: list[Envelope[Any]] = []
    for n in range(mentions):
        mid = f"{brand}-{seed}-{n}"
        when = start + span * (n / mentions)
        # Most authors post now and then; a few post all the time.
        if rng.random() < 0.8:
            handle = f"fan{rng.randrange(authors)}"
        else:
            handle = f"fan{int(rng.paretovariate(1.2)) % authors}"
        source = SOURCES[hash(handle) % len(SOURCES)]
        payload = MentionReceived(
            mention_id=mid,
            brand=brand,
            source=source,
            external_id=mid,
            author=Author(handle=handle, name=handle.title(), followers=rng.randrange(100_000)),
            text="Super vélo, merci pour la livraison rapide ! @fan1",
            published_at=when,
            received_at=when,
            lang=rng.choice(("fr", "en")),
            handles=("fan1",) if n % 7 == 0 else (),
            competitors=("rival",) if n % 5 == 0 else (),
        )
        events.append(make_event(payload, event_id=derive_id("c.m", mid), source="b", brand=brand))
        decided = MentionModerated(
            decision_id=mid,
            mention_id=mid,
            brand=brand,
            source=source,
            author_handle=handle,
            action=rng.choices(ACTIONS, (85, 10, 5))[0],
            published_at=when,
            decided_at=when,
            ruleset="r",
            sentiment_score=round(rng.uniform(-1, 1), 2),
        )
        events.append(make_event(decided, event_id=derive_id("c.d", mid), source="b", brand=brand))
        if n % 2 == 0:
            engaged = EngagementRecorded(
                engagement_id=mid,
                brand=brand,
                kind=rng.choice(KINDS),
                source="shop",
                handle=handle,
                email=f"{handle}@example.org",
                email_verified=n % 4 == 0,
                occurred_at=when,
            )
            events.append(
                make_event(engaged, event_id=derive_id("c.e", mid), source="b", brand=brand)
            )
    return events


def _key(_: int, event: Envelope[Any]) -> str:
    data = event.data
    handle = getattr(data, "author_handle", None) or getattr(data, "handle", None)
    if handle is None:
        handle = data.author.handle
    return f"{event.brand}:{handle}"  # one member's events stay in order on one partition


async def consumer_throughput(
    workdir: Path, mentions: int, authors: int, batch: int = 500
) -> dict[str, Any]:
    """Every event through its own broker into the members store; timed from the first batch."""
    port = free_port()
    broker = start_broker(port)
    bootstrap = f"127.0.0.1:{port}"
    brand = "bench-crm"
    try:
        events = stream(
            brand, mentions, authors, utcnow() - timedelta(days=60), timedelta(days=60), seed=1
        )
        await produce(bootstrap, events, _key)
        produced = len(events)
        del events
        gc.collect()
        gc.freeze()  # as `python -m animo_crm` does once loaded
        common = CommonSettings(
            kafka_bootstrap=bootstrap,
            data_dir=workdir,
            consumer_batch_size=batch,
            consumer_session_timeout_ms=6000,
            consumer_heartbeat_ms=1000,
        )
        store = SqliteStore(workdir / f"consumer-{batch}.sqlite3")
        runtime = Runtime("bench-crm", common, store, Metrics("bench-crm"))
        repository = CrmRepository(store)
        runtime.consume(list(TOPICS), event_handler(CrmService(repository)))
        counters = [runtime.metrics.consumed.labels("bench-crm", t.value) for t in TOPICS]
        started = time.perf_counter()
        await runtime.start()
        first: float | None = None
        try:
            while (done := sum(c._value.get() for c in counters)) < produced:
                if done and first is None:
                    first = time.perf_counter()
                if time.perf_counter() - started > 300:
                    raise TimeoutError(f"only {done}/{produced} events applied after 300 s")
                await asyncio.sleep(0.05)
        finally:
            await runtime.stop()
        end = time.perf_counter()
        await store.start()
        try:
            members = await repository.count_active(brand)
        finally:
            await store.close()
    finally:
        stop_process(broker)
    return {
        "events": produced,
        "members": members,
        "batch_size": batch,
        "seconds_including_group_join": round(end - started, 2),
        "events_per_second_after_join": round(produced / max(end - (first or started), 1e-6)),
    }


async def populate(path: Path, brand: str, handle: str, timeline: int) -> str:
    """One member with `timeline` events (mentions, decisions, engagements) among 20,000 others'."""
    store = SqliteStore(path)
    service = CrmService(CrmRepository(store))
    await store.start()
    start = utcnow() - timedelta(days=365)
    try:
        crowd = stream(brand, 8_000, 3_000, start, timedelta(days=365), seed=2)
        own: list[Envelope[Any]] = []
        for n in range(timeline // 2):
            when = start + timedelta(minutes=50 * n)
            mid = f"{handle}-{n}"
            payload = MentionReceived(
                mention_id=mid,
                brand=brand,
                source="twitter",
                external_id=mid,
                author=Author(handle=handle, followers=12_000 + n),
                text=f"Message {n}: j'adore ma marque préférée, encore une sortie à vélo",
                published_at=when,
                received_at=when,
                lang="fr",
            )
            own.append(make_event(payload, event_id=derive_id("p.m", mid), source="b", brand=brand))
            decided = MentionModerated(
                decision_id=mid,
                mention_id=mid,
                brand=brand,
                source="twitter",
                author_handle=handle,
                action=ModerationAction.ALLOW,
                published_at=when,
                decided_at=when,
                ruleset="r",
                sentiment_score=0.5,
            )
            own.append(make_event(decided, event_id=derive_id("p.d", mid), source="b", brand=brand))
        events = sorted([*crowd, *own], key=lambda e: e.time)
        for offset in range(0, len(events), 500):
            changes = await service.apply(events[offset : offset + 500], utcnow())
            await store.commit(changes)
    finally:
        await store.close()
    return member_id(brand, "twitter", handle)


async def profile_latency(workdir: Path, runs: int = 300) -> dict[str, Any]:
    brand = "bench-profile"
    target = await populate(workdir / "crm.sqlite3", brand, "busy_fan", 10_000)
    # No broker: the served API reads the store alone, with no consumer competing for it.
    nowhere = f"127.0.0.1:{free_port()}"
    common = CommonSettings(kafka_bootstrap=nowhere, data_dir=workdir, admin_key=KEY)
    samples: dict[str, list[float]] = {"profile": [], "timeline_page_10": []}
    async with (
        serve(create_app(Settings(common=common))) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as client,
    ):
        first = await client.get(f"/v1/members/{target}")
        first.raise_for_status()
        total = first.json()["timeline_total"]
        for _ in range(runs):
            began = time.perf_counter()
            answer = await client.get(f"/v1/members/{target}")
            samples["profile"].append(time.perf_counter() - began)
            answer.raise_for_status()
            began = time.perf_counter()
            page = await client.get(
                f"/v1/members/{target}/timeline", params={"limit": 50, "offset": 450}
            )
            samples["timeline_page_10"].append(time.perf_counter() - began)
            page.raise_for_status()
        size = len(answer.content)
    return {
        "timeline_entries": total,
        "profile_http": {**latency_summary(samples["profile"], 2), "response_bytes": size},
        "timeline_page_10_of_50_http": latency_summary(samples["timeline_page_10"], 2),
    }


async def main() -> None:
    sys.setswitchinterval(0.0005)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        load_before = load_average()
        crm_batch = Settings().consumer_batch_size
        consumer = await consumer_throughput(workdir, 20_000, 3_000, batch=crm_batch)
        consumer_500 = await consumer_throughput(workdir, 20_000, 3_000, batch=500)
        profile = await profile_latency(workdir)
        results = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
            "load_average_1_5_15": {"before": load_before, "after": load_average()},
            "targets": {"consumer_events_per_second": 5_000, "profile_p99_ms": 50},
            "consumer": consumer,
            "consumer_batches_of_500": consumer_500,
            "profile_10000_events": profile,
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    asyncio.run(main())
