"""`python -m benchmarks.ingest`: ingest's HTTP throughput and latency, measured from outside its process.

Starts the embedded broker (Tansu) and ingest as its own process exactly as `make run` does
(`python -m animo_ingest`, SQLite store, outbox relay publishing to the broker), registers a
brand with listening queries, then drives it from this process, which is the load generator:

1. batches of 1,000 French/English mentions (`POST /v1/mentions`), two connections in flight;
2. single-mention requests, `--concurrency` connections in flight;
3. a repeated batch (every mention a duplicate);

and reports mentions/s, requests/s, p50/p99 latency, the time until every accepted mention was
published on `animo.mentions.v1`, ingest's CPU time per mention and per request (steadier than
the rates when the machine is shared), and the load average next to each figure (figures taken
under load are depressed). Results: benchmarks/results/ingest.json. `--queries 100` runs it
with the query-matching benchmark's 100 queries per brand.

The client is a few lines of HTTP/1.1 over asyncio streams with the requests serialised
beforehand, so that the load generator spends as little of the machine's two cores as it can.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from animo_dev.broker import free_port, start_broker, stop_process
from animo_ingest.query.samples import BRANDS, mentions, queries

from .common import cpu_seconds, load_average

RESULTS = Path(__file__).resolve().parent / "results" / "ingest.json"
KEY = "benchmark-ingest-key-" + "i" * 16
BATCH_TARGET = 20_000  # mentions/s through the batch endpoint, from issue 3
SINGLE_TARGET = 2_000  # single-mention requests/s, from issue 3
_PUBLISHED = re.compile(
    r'^animo_events_published_total\{[^}]*topic="animo\.mentions\.v1"[^}]*\} ([0-9.e+]+)$', re.M
)


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)

    return {"p50_ms": at(0.50), "p99_ms": at(0.99), "max_ms": at(1.0)}


# --- the corpus ----------------------------------------------------------------


def corpus(brand_index: int, count: int, seed: int) -> list[dict[str, Any]]:
    """`count` mentions as a brand-side system would push them: tweets and forum posts, FR/EN,
    some HTML, some without a language (detected), one in twenty a retweet of an earlier one."""
    brand = BRANDS[brand_index]
    rng = random.Random(f"bench-ingest-{seed}")
    start = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    found: list[dict[str, Any]] = []
    for n, doc in enumerate(mentions(brand, count, seed=seed)):
        text = doc.text
        if found and rng.random() < 0.05:
            text = "RT " + rng.choice(found[-50:])["text"]
        elif doc.source in ("blog", "news") and rng.random() < 0.5:
            text = f"<p>{text}</p>"
        item: dict[str, Any] = {
            "brand": brand.slug,
            "source": doc.source,
            "external_id": f"{seed}-{n}",
            "author": {"handle": doc.author, "followers": rng.randint(0, 20_000)},
            "text": text,
            "published_at": (start + timedelta(seconds=n)).isoformat(),
        }
        if doc.url:
            item["url"] = doc.url
        if rng.random() < 0.7:
            item["lang"] = doc.lang
        found.append(item)
    return found


# --- a lean HTTP/1.1 client ----------------------------------------------------


class Connection:
    """One keep-alive connection; `send` writes a prepared request and reads the whole answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        match = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        if match is None:
            raise RuntimeError(f"answer without content-length: {head[:200]!r}")
        return status, await self.reader.readexactly(int(match.group(1)))

    def close(self) -> None:
        self.writer.close()


def post(path: str, body: Any) -> bytes:
    data = json.dumps(body, ensure_ascii=False).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


class Run:
    """What one `drive` measured: wall time, each request's latency, mentions accepted as new."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.latencies: list[float] = []
        self.accepted = 0


async def drive(port: int, requests: list[bytes], concurrency: int) -> Run:
    """Send every request over `concurrency` connections, answers checked and counted."""
    connections = [await Connection.open(port) for _ in range(concurrency)]
    run = Run()
    latencies = run.latencies
    queue = iter(requests)

    async def worker(connection: Connection) -> None:
        for request in queue:
            sent = time.perf_counter()
            status, body = await connection.send(request)
            latencies.append(time.perf_counter() - sent)
            if status != 202:
                raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
            run.accepted += json.loads(body)["accepted"]

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in connections))
    run.elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return run


# --- the service under test ----------------------------------------------------


def start_ingest(bootstrap: str, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ANIMO_KAFKA_BOOTSTRAP": bootstrap,
        "ANIMO_DATA_DIR": str(workdir),
        "ANIMO_ADMIN_KEY": KEY,
        "ANIMO_LOG_LEVEL": "WARNING",
        "ANIMO_INGEST_PORT": str(port),
    }
    with open(workdir / "ingest.log", "wb") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "animo_ingest"], env=env, stdout=subprocess.DEVNULL, stderr=log
        )


def wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ingest exited at start (code {process.returncode})")
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError("ingest not ready")


def published(base: str) -> int:
    text = httpx.get(base + "/metrics", timeout=10).text
    return int(sum(float(v) for v in _PUBLISHED.findall(text)))


def setup_brand(base: str, per_brand: int) -> dict[str, Any]:
    """Register the benchmark brand with `per_brand` listening queries (own and competitor)."""
    brand = BRANDS[0]
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        client.post(
            "/v1/brands", json={"id": brand.slug, "name": brand.names[0]}
        ).raise_for_status()
        for n, text in enumerate(queries(brand, per_brand)):
            competitor = next((c for c in brand.competitors if c in text), None)
            body: dict[str, Any] = {"name": f"query {n}", "query": text}
            if competitor:
                body |= {"kind": "competitor", "competitor": competitor}
            client.post(f"/v1/brands/{brand.slug}/queries", json=body).raise_for_status()
    return {"brand": brand.slug, "queries": per_brand}


async def wait_published(base: str, expected: int, timeout: float = 120) -> float:
    started = time.perf_counter()
    while (done := await asyncio.to_thread(published, base)) < expected:
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"only {done}/{expected} mentions published")
        await asyncio.sleep(0.1)
    return time.perf_counter() - started


async def measure(port: int, base: str, pid: int, args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    total = args.batches * 1000
    items = corpus(0, total + 2000 + args.singles, seed=args.seed)
    warm = [post("/v1/mentions", {"mentions": items[n : n + 1000]}) for n in (0, 1000)]
    rest = items[2000:]
    expected = (await drive(port, warm, 1)).accepted
    await wait_published(base, expected)

    batches = [
        post("/v1/mentions", {"mentions": rest[n : n + 1000]}) for n in range(0, total, 1000)
    ]
    before, cpu = load_average(), cpu_seconds(pid)
    run = await drive(port, batches, 2)
    results["batch"] = {
        "mentions": total,
        "accepted_as_new": run.accepted,
        "batch_size": 1000,
        "connections": 2,
        "mentions_per_second": round(total / run.elapsed),
        "latency_per_batch": percentiles(run.latencies),
        "load_before": before,
        "load_after": load_average(),
    }
    expected += run.accepted
    drained = await wait_published(base, expected)
    cpu = cpu_seconds(pid) - cpu
    # Until published: the outbox relay's work is part of each mention's cost.
    results["batch"]["ingest_cpu_us_per_mention"] = round(cpu / total * 1e6, 1)
    results["batch"]["all_published_after_s"] = round(run.elapsed + drained, 2)
    results["batch"]["published_per_second"] = round(run.accepted / (run.elapsed + drained))

    singles = [post("/v1/mentions", item) for item in rest[total : total + args.singles]]
    before, cpu = load_average(), cpu_seconds(pid)
    run = await drive(port, singles, args.concurrency)
    results["single"] = {
        "requests": len(singles),
        "connections": args.concurrency,
        "requests_per_second": round(len(singles) / run.elapsed),
        "latency": percentiles(run.latencies),
        "load_before": before,
        "load_after": load_average(),
    }
    await wait_published(base, expected + run.accepted)
    cpu = cpu_seconds(pid) - cpu
    results["single"]["ingest_cpu_us_per_request"] = round(cpu / len(singles) * 1e6, 1)

    run = await drive(port, batches[:3], 1)
    results["duplicate_batch"] = {
        "mentions": 3000,
        "accepted_as_new": run.accepted,
        "mentions_per_second": round(3000 / run.elapsed),
        "latency_per_batch": percentiles(run.latencies),
    }
    return results


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=30, help="Batches of 1,000 mentions.")
    parser.add_argument("--singles", type=int, default=10_000, help="Single-mention requests.")
    parser.add_argument("--concurrency", type=int, default=32, help="Connections for singles.")
    parser.add_argument("--queries", type=int, default=10, help="Listening queries of the brand.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    broker_port, port = free_port(), free_port()
    broker = start_broker(broker_port)
    base = f"http://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ingest = start_ingest(f"127.0.0.1:{broker_port}", Path(tmp), port)
            try:
                wait_ready(base, ingest)
                conditions = setup_brand(base, args.queries)
                figures = await measure(port, base, ingest.pid, args)
            finally:
                stop_process(ingest)  # type: ignore[arg-type]
    finally:
        stop_process(broker)
    batch, single = figures["batch"], figures["single"]
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_at_end": load_average(),
        },
        "setup": {
            "broker": "Tansu (embedded, memory), on this machine",
            "ingest": "python -m animo_ingest, its own process, SQLite store, outbox to the broker",
            "load_generator": "this process (asyncio, HTTP/1.1 keep-alive, requests pre-serialised)",
            "corpus": "animo_ingest.query.samples: FR/EN tweets and forum/blog posts, "
            "some HTML, 30% without lang (detected), 5% retweets",
            **conditions,
        },
        **figures,
        "targets": {
            "batch_mentions_per_second": BATCH_TARGET,
            "single_requests_per_second": SINGLE_TARGET,
        },
        "meets_targets": {
            "batch": batch["mentions_per_second"] >= BATCH_TARGET,
            "single": single["requests_per_second"] >= SINGLE_TARGET,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written to {args.out}")


if __name__ == "__main__":
    asyncio.run(main())
