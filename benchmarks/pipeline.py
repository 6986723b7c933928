"""`python -m benchmarks.pipeline` (`make bench`): the whole pipeline measured end to end.

One run on the embedded default (Tansu broker, the five services as their own processes,
SQLite), with the load generator in a separate process (`benchmarks.load`):

1. raw limit: aiokafka producing and consuming the same events straight through the broker;
2. end to end: mentions posted through ingest's batch endpoint at increasing rates; per
   rate, the rate sustained and the latency from acceptance by ingest to presence in
   reporting's aggregates (p50, p99), then one run at half the highest sustained rate;
3. per service: each consumer alone, fed a backlog straight from the broker;
4. resources: CPU share and peak RSS of every process.

Writes `benchmarks/results/<date>.json` and `<date>.md` (the table).

Latency. The load generator notes when ingest accepted each batch; the benchmark polls
reporting's volume for the step's brand every 50 ms. A batch is "in the aggregates" at the
first poll whose count reaches the cumulative count up to and including that batch, so each
batch's latency is that of its last mention, and may be up to one poll late: an upper bound.
A rate is *sustained* when ingest accepted ≥ 95 % of the offered mentions in the step's time
(+10 %), refused none, and the aggregates caught up within 5 s of the last acceptance.
Each step starts once no consumer of any service lags (what the last step left is drained).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from animo_dev.broker import free_port
from animo_dev.stack import SERVICES, Stack
from animo_shared.bus import ensure_topics, to_message
from animo_shared.events import Author, MentionReceived, Topic, derive_id, make_event

from .common import cpu_seconds, rss_mb
from .corpus import mention_items

RESULTS = Path(__file__).resolve().parent / "results"
POLL_SECONDS = 0.05
CATCH_UP_SECONDS = 5.0
TARGET_RATE = 10_000
TARGET_SHARE_OF_RAW = 0.15
TARGET_P99_SECONDS = 1.0
TARGET_RSS_MB = 250


# --- processes -------------------------------------------------------------------------


class Sampler:
    """CPU share and highest RSS of named processes over one phase (sampled every 0.25 s)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        self.peak = {name: rss_mb(pid) for name, pid in pids.items()}
        self.started = time.monotonic()
        self._task = asyncio.create_task(self._sample())

    def add(self, name: str, pid: int) -> None:
        self.pids[name] = pid
        self.cpu0[name] = 0.0  # a process started for this phase: all its CPU counts
        self.peak[name] = rss_mb(pid)

    async def _sample(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            for name, pid in list(self.pids.items()):
                with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                    self.peak[name] = max(self.peak[name], rss_mb(pid))

    def finish(self) -> dict[str, dict[str, float]]:
        self._task.cancel()
        wall = time.monotonic() - self.started
        out = {}
        for name, pid in self.pids.items():
            used = cpu_seconds(pid) - self.cpu0[name]
            if math.isnan(used):
                continue  # gone: a process that ended reports its own figures
            out[name] = {
                "cpu_share_of_one_core": round(used / wall, 3),
                "peak_rss_mb": round(self.peak[name], 1),
            }
        return out


# --- 1. raw limit ----------------------------------------------------------------------


def raw_events(count: int) -> list[bytes]:
    now = datetime.now(UTC)
    items = mention_items("bench-raw", count, now, seed=1)
    values = []
    for n, item in enumerate(items):
        mid = derive_id("raw", str(n))
        payload = MentionReceived(
            mention_id=mid,
            brand="bench-raw",
            source=item["source"],
            external_id=item["external_id"],
            author=Author(**item["author"]),
            text=item["text"],
            published_at=now,
            received_at=now,
            lang=item["lang"],
        )
        event = make_event(payload, event_id=mid, source="bench", brand="bench-raw")
        values.append(to_message(event, f"bench-raw:{item['source']}").value)
    return values


async def raw_limit(bootstrap: str, count: int) -> dict[str, Any]:
    topic = f"bench.raw.{secrets.token_hex(3)}"
    await ensure_topics(bootstrap, [topic])
    values = raw_events(count)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{topic}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    await consumer.start()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=1024 * 1024
    )
    await producer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=200)

        async def consume() -> float:
            seen = 0
            while seen < count:
                batches = await consumer.getmany(timeout_ms=500, max_records=5000)
                seen += sum(len(records) for records in batches.values())
            return time.perf_counter()

        started = time.perf_counter()
        reader = asyncio.create_task(consume())
        futures = [
            await producer.send(topic, value, key=str(n % 97).encode())
            for n, value in enumerate(values)
        ]
        await asyncio.gather(*futures)
        produced = time.perf_counter()
        consumed = await asyncio.wait_for(reader, 120)
    finally:
        await producer.stop()
        await consumer.stop()
    return {
        "events": count,
        "mean_event_bytes": round(sum(map(len, values)) / count),
        "produce_events_per_second": round(count / (produced - started)),
        "produce_and_consume_events_per_second": round(count / (consumed - started)),
    }


# --- 2. end to end ---------------------------------------------------------------------


def write_bodies(path: Path, brand: str, total: int, batch: int, seed: int) -> None:
    items = mention_items(brand, total, datetime.now(UTC), seed=seed)
    lines, sizes = [], []
    for start in range(0, total, batch):
        chunk = items[start : start + batch]
        lines.append(json.dumps({"mentions": chunk}, ensure_ascii=False))
        sizes.append(str(len(chunk)))
    path.write_text("\n".join(lines) + "\n")
    Path(str(path) + ".sizes").write_text(" ".join(sizes))


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def e2e_step(
    stack: Stack, work: Path, rate: int, seconds: float, pids: dict[str, int]
) -> dict[str, Any]:
    brand = f"bench-{rate}-{secrets.token_hex(2)}"
    batch = max(50, min(1000, rate // 10))
    total = max(batch, int(rate * seconds) // batch * batch)
    bodies = work / f"{brand}.jsonl"
    write_bodies(bodies, brand, total, batch, seed=rate)
    now = datetime.now(UTC)
    params = {
        "brand": brand,
        "from": (now - timedelta(days=1)).isoformat(),
        "to": (now + timedelta(days=1)).isoformat(),
        "interval": "day",
    }
    headers = {"authorization": f"Bearer {stack.admin_key}"}
    polls: list[tuple[float, int]] = []

    def expected(done: asyncio.Task[tuple[bytes, bytes]]) -> int:
        report = json.loads(done.result()[0])
        return sum(r["kept"] for r in report["records"] if r["status"] == 202)

    sampler = Sampler(dict(pids))
    generator = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.load",
        "--url",
        stack.url("ingest") + "/v1/mentions",
        "--key",
        stack.admin_key,
        "--bodies",
        str(bodies),
        "--rate",
        str(rate),
        "--batch-size",
        str(batch),
        stdout=asyncio.subprocess.PIPE,
    )
    sampler.add("load generator", generator.pid)
    output = asyncio.create_task(generator.communicate())
    deadline = time.monotonic() + seconds * 3 + 60
    async with httpx.AsyncClient(timeout=10, headers=headers) as client:
        url = stack.url("reporting") + "/v1/reports/volume"
        while time.monotonic() < deadline:
            response = await client.get(url, params=params)
            response.raise_for_status()
            polls.append((time.monotonic(), int(response.json()["totals"]["mentions"])))
            if output.done() and polls[-1][1] >= expected(output):
                break
            await asyncio.sleep(POLL_SECONDS)
    stdout, _ = await output
    report = json.loads(stdout)
    resources = sampler.finish()
    resources["load generator"] = {
        "cpu_share_of_one_core": round(
            report["cpu_seconds"] / (time.monotonic() - sampler.started), 3
        ),
        "peak_rss_mb": round(report["peak_rss_mb"], 1),
    }
    records = sorted(report["records"], key=lambda r: r["accepted"])
    accepted = [r for r in records if r["status"] == 202]
    refused = sum(r["n"] for r in records if r["status"] != 202)
    cumulative, latencies = 0, []
    missing = 0
    for record in accepted:
        cumulative += record["kept"]
        seen = next((t for t, count in polls if count >= cumulative), None)
        if seen is None:
            missing += record["kept"]
            continue
        latencies.extend([max(0.0, seen - record["accepted"])] * record["kept"])
    kept = cumulative
    accepted_n = sum(r["n"] for r in accepted)
    span = accepted[-1]["accepted"] - records[0]["due"] if accepted else float("inf")
    complete_at = next((t for t, count in polls if count >= kept), None)
    catch_up = complete_at - accepted[-1]["accepted"] if complete_at and accepted else None
    achieved = accepted_n / span if span > 0 else 0.0
    sustained = (
        refused == 0
        and missing == 0
        and accepted_n >= 0.95 * total
        and span <= seconds * 1.1 + 1
        and catch_up is not None
        and catch_up <= CATCH_UP_SECONDS
    )
    return {
        "offered_per_second": rate,
        "batch_size": batch,
        "mentions": total,
        "accepted": accepted_n,
        "duplicates": accepted_n - kept,
        "refused": refused,
        "not_in_aggregates": missing,
        "accepted_per_second": round(achieved),
        "latency_p50_seconds": round(quantile(latencies, 0.5), 3),
        "latency_p99_seconds": round(quantile(latencies, 0.99), 3),
        "catch_up_seconds": None if catch_up is None else round(catch_up, 2),
        "sustained": sustained,
        "resources": resources,
    }


async def drained(stack: Stack, timeout: float = 180) -> float:
    """Wait until no consumer of any service lags (a step starts on an idle system); returns
    the seconds waited."""
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=10) as client:
        while time.monotonic() - started < timeout:
            lag = 0.0
            for service in stack.services:
                text = (await client.get(stack.url(service) + "/metrics")).text
                lag += sum(
                    float(line.rsplit(" ", 1)[1])
                    for line in text.splitlines()
                    if line.startswith("animo_consumer_lag_messages{")
                )
            if lag == 0:
                break
            await asyncio.sleep(0.5)
    return round(time.monotonic() - started, 1)


# --- 3. per service --------------------------------------------------------------------


async def consumed(client: httpx.AsyncClient, stack: Stack, service: str, topic: str) -> float:
    text = (await client.get(stack.url(service) + "/metrics")).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith("animo_events_consumed_total{") and f'topic="{topic}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


async def per_service(stack: Stack, count: int) -> dict[str, Any]:
    """Each consumer of mentions alone, fed a backlog of `count` mention events."""
    out: dict[str, Any] = {}
    values = raw_events(count)
    for service in ("crm", "reporting", "moderation"):  # moderation last: its output waits
        for name in list(stack.services):
            stack.services[name].terminate()
            stack.services[name].wait(30)
        stack.services.clear()
        producer = AIOKafkaProducer(
            bootstrap_servers=stack.bootstrap, acks="all", linger_ms=5, max_batch_size=1024 * 1024
        )
        await producer.start()
        try:
            salt = secrets.token_hex(3)
            futures = []
            for n, value in enumerate(values):
                # A fresh event id per service run: the backlog is new to every consumer.
                fresh = value.replace(b'"id":"', f'"id":"{salt}'.encode(), 1)
                futures.append(
                    await producer.send(Topic.MENTIONS.value, fresh, key=str(n).encode())
                )
            await asyncio.gather(*futures)
        finally:
            await producer.stop()
        stack.start_service(service)
        await asyncio.to_thread(stack.wait_ready, [service])
        process = stack.services[service]
        cpu0 = cpu_seconds(process.pid)
        async with httpx.AsyncClient(timeout=10) as client:
            started = None
            first = 0.0
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                seen = await consumed(client, stack, service, Topic.MENTIONS.value)
                if started is None and seen > 0:
                    started, first = time.monotonic(), seen
                if seen >= count:
                    break
                await asyncio.sleep(0.05)
            finished = time.monotonic()
        if started is None or seen < count:
            out[service] = {"error": f"consumed {seen:.0f} of {count} in 180 s"}
            continue
        if first > count / 2:
            out[service] = {"error": f"{first:.0f} of {count} consumed before the first look"}
            continue
        out[service] = {
            "events": count,
            "events_per_second": round((count - first) / max(finished - started, 1e-3)),
            "cpu_share_of_one_core": round(
                (cpu_seconds(process.pid) - cpu0) / max(finished - started, 1e-3), 2
            ),
            "rss_mb": round(rss_mb(process.pid), 1),
        }
    for name in list(stack.services):
        stack.services[name].terminate()
        stack.services[name].wait(30)
    stack.services.clear()
    return out


# --- the run ---------------------------------------------------------------------------


def table(result: dict[str, Any]) -> str:
    raw = result["raw"]
    lines = [
        f"# Pipeline benchmark, {result['when']}",
        "",
        f"Machine: {result['machine']['cpus']} cores, Python {result['machine']['python']}, "
        f"load average at start {result['machine']['load_at_start']}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| raw broker limit (aiokafka produce + consume, {raw['mean_event_bytes']} B events) "
        f"| {raw['produce_and_consume_events_per_second']:,}/s |",
        f"| highest sustained end to end | {result['max_sustained_per_second']:,}/s "
        f"({result['share_of_raw']:.0%} of raw) |",
        f"| target | {result['target_per_second']:,}/s |",
    ]
    half = result.get("half_rate")
    if half:
        lines.append(
            f"| p99 latency at half that rate ({half['offered_per_second']:,}/s) "
            f"| {half['latency_p99_seconds']} s (p50 {half['latency_p50_seconds']} s) |"
        )
    lines += [
        "",
        "| offered/s | accepted/s | p50 s | p99 s | catch-up s | sustained | peak RSS MB (max service) |",
        "|---|---|---|---|---|---|---|",
    ]
    for step in result["steps"]:
        services = {k: v for k, v in step["resources"].items() if k in SERVICES}
        top = max(services.items(), key=lambda kv: kv[1]["peak_rss_mb"])
        lines.append(
            f"| {step['offered_per_second']:,} | {step['accepted_per_second']:,} "
            f"| {step['latency_p50_seconds']} | {step['latency_p99_seconds']} "
            f"| {step['catch_up_seconds']} | {'yes' if step['sustained'] else 'no'} "
            f"| {top[1]['peak_rss_mb']} ({top[0]}) |"
        )
    if half:
        lines += [
            "",
            f"Resources at half rate ({half['offered_per_second']:,}/s):",
            "",
            "| process | CPU (share of one core) | peak RSS MB |",
            "|---|---|---|",
        ]
        for name, figures in half["resources"].items():
            lines.append(
                f"| {name} | {figures['cpu_share_of_one_core']} | {figures['peak_rss_mb']} |"
            )
    lines += ["", "Per service, alone, fed a backlog from the broker:", ""]
    lines += ["| service | events/s | CPU | RSS MB |", "|---|---|---|---|"]
    for service, figures in result["per_service"].items():
        if "error" in figures:
            lines.append(f"| {service} | {figures['error']} | | |")
        else:
            lines.append(
                f"| {service} | {figures['events_per_second']:,} "
                f"| {figures['cpu_share_of_one_core']} | {figures['rss_mb']} |"
            )
    return "\n".join(lines) + "\n"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="animo-bench-"))
    stack = Stack.on_ports(home, "bench-" + secrets.token_urlsafe(24), free_port)
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_at_start": round(os.getloadavg()[0], 2),
        },
        "method": __doc__,
    }
    print("starting the broker and the five services…", flush=True)
    try:
        await asyncio.to_thread(stack.start)  # inside: a service that fails stops the rest
        assert stack.broker is not None
        pids = {"broker": stack.broker.pid} | {s: p.pid for s, p in stack.services.items()}
        print("raw limit…", flush=True)
        result["raw"] = await raw_limit(stack.bootstrap, args.raw_events)
        print(f"  {result['raw']}", flush=True)
        steps: list[dict[str, Any]] = []
        for rate in args.rates:
            await drained(stack)
            print(f"end to end at {rate:,}/s for {args.seconds:.0f} s…", flush=True)
            step = await e2e_step(stack, home, rate, args.seconds, pids)
            steps.append(step)
            print(
                f"  accepted {step['accepted_per_second']:,}/s, p50 {step['latency_p50_seconds']} s,"
                f" p99 {step['latency_p99_seconds']} s, sustained: {step['sustained']}",
                flush=True,
            )
            if not step["sustained"]:
                break
        result["steps"] = steps
        best = max((s["offered_per_second"] for s in steps if s["sustained"]), default=0)
        result["max_sustained_per_second"] = best
        raw_rate = result["raw"]["produce_and_consume_events_per_second"]
        result["share_of_raw"] = round(best / raw_rate, 3)
        result["target_per_second"] = max(TARGET_RATE, round(TARGET_SHARE_OF_RAW * raw_rate))
        if best:
            half = best // 2
            waited = await drained(stack)
            print(
                f"half of the highest sustained rate, {half:,}/s (after {waited} s draining)…",
                flush=True,
            )
            result["half_rate"] = await e2e_step(stack, home, half, args.seconds, pids)
        await drained(stack)
        print("per service, alone…", flush=True)
        result["per_service"] = await per_service(stack, args.service_events)
    finally:
        await asyncio.to_thread(stack.stop)
    half = result.get("half_rate") or {}
    rss = max(
        (v["peak_rss_mb"] for k, v in half.get("resources", {}).items() if k in SERVICES),
        default=None,
    )
    result["targets"] = {
        "sustained_rate": {
            "target": result["target_per_second"],
            "measured": result["max_sustained_per_second"],
            "met": result["max_sustained_per_second"] >= result["target_per_second"],
        },
        "p99_at_half_rate_seconds": {
            "target": TARGET_P99_SECONDS,
            "measured": half.get("latency_p99_seconds"),
            "met": half.get("latency_p99_seconds", 99) <= TARGET_P99_SECONDS,
        },
        "max_service_rss_mb_at_half_rate": {
            "target": TARGET_RSS_MB,
            "measured": rss,
            "met": rss is not None and rss <= TARGET_RSS_MB,
        },
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="The whole pipeline, end to end.")
    parser.add_argument(
        "--rates",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1000, 2000, 4000, 6000, 8000, 10000, 12500, 15000, 20000],
        help="offered mention rates, tried in order until one is not sustained",
    )
    parser.add_argument("--seconds", type=float, default=10, help="length of each step")
    parser.add_argument("--raw-events", type=int, default=100_000)
    parser.add_argument("--service-events", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / datetime.now(UTC).date().isoformat()
    Path(f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    Path(f"{stem}.md").write_text(table(result))
    print(table(result))
    print(f"written: {stem}.json, {stem}.md")


if __name__ == "__main__":
    main()
