"""`python -m animo_publisher.bench`: the scheduler under load, written to benchmarks/results/.

100,000 posts scheduled across 1,000 webhook channels on the embedded (SQLite) store, due
at a sustained 200 posts/s, delivered by the real dispatcher to a local double network that
runs in its own process and records when each post arrived. Reported: dispatch lateness
(arrival at the network minus the scheduled time: p50, p99, max), the share delivered
within 1 s, duplicates, and the scheduler process's memory (RSS). Seeding runs in another
process, so the memory figure is the scheduler's own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from animo_shared.store import Changes
from animo_shared.store.sqlite import SqliteStore

from .channels import Channel
from .delivery import Dispatcher
from .gateway import HttpNetworks
from .models import ChannelDelivery, Post, PostStatus, StoredVariant
from .outcomes import Backoff
from .repository import Repository

RESULT = Path("benchmarks/results/publisher-scheduler.json")
SECRET = "bench-secret-" + "b" * 20
TEXT = "Nouveau modèle Lumen 2 : essais gratuits ce week-end ! https://example.org/lumen"


def serve_double(port_file: Path) -> None:
    """The network: answers every POST at once and remembers when each key first arrived."""
    arrivals: dict[str, float] = {}
    repeats = 0
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes

        def do_POST(self) -> None:
            nonlocal repeats
            now = time.time()
            self.rfile.read(int(self.headers.get("content-length", "0")))
            key = self.headers.get("idempotency-key", "")
            with lock:
                if key in arrivals:
                    repeats += 1
                else:
                    arrivals[key] = now
            self._send(b"{}")

        def do_GET(self) -> None:
            with lock:
                body = json.dumps(
                    {"arrivals": arrivals, "repeats": repeats, "cpu_seconds": cpu_seconds()}
                ).encode()
            self._send(body)

        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def post_at(index: int, start: datetime, rate: float) -> datetime:
    return start + timedelta(seconds=index / rate)


async def seed(
    path: Path, base_url: str, posts: int, channels: int, start: datetime, rate: float
) -> None:
    """Channels and scheduled posts, as approval leaves them (with their calendar slots)."""
    store = SqliteStore(path)
    repo = Repository(store, store.commit)
    await store.start()
    now = datetime.now(UTC)
    made = [
        Channel(
            id=f"ch_{n:04d}",
            brand=f"brand-{n % 50}",
            kind="webhook",
            name=f"hook {n}",
            base_url=f"{base_url}/c/{n}",
            credentials={"secret": SECRET},
            created_at=now,
            updated_at=now,
        )
        for n in range(channels)
    ]
    for channel in made:
        await repo.add_channel(channel)
    for first in range(0, posts, 2000):
        changes = Changes()
        for index in range(first, min(posts, first + 2000)):
            channel = made[index % channels]
            at = post_at(index, start, rate)
            post = Post(
                id=f"post_{index:06d}",
                brand=channel.brand,
                text=TEXT,
                channels=[channel.id],
                variants=[
                    StoredVariant(
                        channel_id=channel.id,
                        kind="webhook",
                        parts=[TEXT],
                        weighted_lengths=[len(TEXT)],
                        problems=[],
                    )
                ],
                deliveries=[
                    ChannelDelivery(
                        channel_id=channel.id,
                        kind="webhook",
                        idempotency_key=f"post_{index:06d}:{channel.id}",
                    )
                ],
                status=PostStatus.SCHEDULED,
                scheduled_for=at,
                dispatch_at=at,
                created_by="bench",
                created_at=now,
                updated_at=now,
            )
            repo.stage_post(changes, post)
            repo.stage_slots(changes, post)
        await store.commit(changes)
    await store.close()


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process, from /proc (Linux)."""
    fields: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


async def dispatch(
    path: Path, last_due: float, deadline: float, samples: list[float]
) -> dict[str, Any]:
    store = SqliteStore(path)
    repo = Repository(store, store.commit)
    await store.start()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    networks = HttpNetworks(httpx.AsyncClient(timeout=10, limits=limits))
    dispatcher = Dispatcher(repo, networks, backoff=Backoff(), concurrency=32)
    runner = asyncio.create_task(dispatcher.run(tick=1.0))
    try:
        while time.time() < deadline:
            await asyncio.sleep(1)
            samples.append(rss_mb()[0])
            if time.time() > last_due and await repo.next_dispatch_at() is None:
                break  # every post claimed; stopping lets the last ones finish and record
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await networks.close()
    published = sum(
        [(await repo.page(f"brand-{b}", PostStatus.PUBLISHED, 1, 0))[1] for b in range(50)]
    )
    await store.close()
    return {"published": published}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--channels", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=200.0, help="posts due per second")
    parser.add_argument("--out", type=Path, default=RESULT)
    parser.add_argument("--serve-double", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seed", nargs=3, help=argparse.SUPPRESS)  # db, base url, start
    args = parser.parse_args()
    if args.serve_double:
        serve_double(args.serve_double)
        return
    if args.seed:
        db, base, start = args.seed
        asyncio.run(
            seed(
                Path(db), base, args.posts, args.channels, datetime.fromisoformat(start), args.rate
            )
        )
        return
    run(args)


def run(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="animo-bench-"))
    port_file = work / "port"
    double = subprocess.Popen(
        [sys.executable, "-m", "animo_publisher.bench", "--serve-double", str(port_file)]
    )
    try:
        while not port_file.exists() or not port_file.read_text():
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port_file.read_text()}"
        db = work / "publisher.sqlite3"
        # Seed at a pace measured on this machine, so the first post is due just after seeding.
        seeded_at = time.monotonic()
        start = datetime.now(UTC) + timedelta(seconds=max(20.0, args.posts / 1500))
        cmd = [
            sys.executable,
            "-m",
            "animo_publisher.bench",
            "--posts",
            str(args.posts),
            "--channels",
            str(args.channels),
            "--rate",
            str(args.rate),
            "--seed",
            str(db),
            base,
            start.isoformat(),
        ]
        subprocess.run(cmd, check=True)
        seed_seconds = time.monotonic() - seeded_at
        if datetime.now(UTC) > start:
            raise SystemExit(f"seeding took {seed_seconds:.0f} s, past the first due time; rerun")
        samples: list[float] = []
        span = args.posts / args.rate
        deadline = start.timestamp() + span + 60
        started_rss, started_cpu = rss_mb()[0], cpu_seconds()
        outcome = asyncio.run(dispatch(db, start.timestamp() + span, deadline, samples))
        scheduler_cpu = cpu_seconds() - started_cpu
        stats = httpx.get(base + "/stats", timeout=30).json()
    finally:
        double.terminate()
        double.wait()
        shutil.rmtree(work, ignore_errors=True)
    arrivals: dict[str, float] = stats["arrivals"]
    late = []
    for key, arrived in arrivals.items():
        index = int(key.split(":")[0].removeprefix("post_"))
        late.append(arrived - post_at(index, start, args.rate).timestamp())
    result = {
        "benchmark": "publisher scheduler: scheduled posts dispatched to a local double network",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "store": "embedded SQLite (one file, WAL)",
        "posts": args.posts,
        "channels": args.channels,
        "rate_per_second": args.rate,
        "seeding_seconds": round(seed_seconds, 1),
        "delivered": len(arrivals),
        "published": outcome["published"],
        "repeated_requests": stats["repeats"],
        "lateness_seconds": {
            "p50": round(percentile(late, 0.50), 4),
            "p99": round(percentile(late, 0.99), 4),
            "max": round(max(late, default=float("nan")), 4),
        },
        "within_1s_share": round(sum(1 for v in late if v <= 1.0) / max(1, len(late)), 5),
        "scheduler_rss_mb": {
            "before": round(started_rss, 1),
            "median": round(percentile(samples, 0.5), 1),
            "peak": round(max([rss_mb()[1], *samples]), 1),
        },
        "cpu_seconds": {
            "scheduler": round(scheduler_cpu, 1),
            "double_network": round(stats["cpu_seconds"], 1),
        },
        "targets": {"lateness_max_seconds": 1.0, "rss_mb": 300},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
