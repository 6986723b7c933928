"""`python -m benchmarks.load`: the load generator of the pipeline benchmark, its own process.

Reads ready-made request bodies (one JSON batch per line), posts them to ingest's batch
endpoint on a fixed schedule (batch i leaves at start + i * size / rate, with at most
`--concurrency` requests in flight), and prints on stdout its own CPU time and peak RSS, and one record per batch:
when it was due, sent and accepted (time.monotonic(), one clock for every process on the
machine), how many mentions it carried, how many ingest kept (not duplicates) and the status.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path

import httpx


async def run(args: argparse.Namespace) -> list[dict[str, float]]:
    bodies = Path(args.bodies).read_bytes().splitlines()
    sizes = [int(n) for n in Path(args.bodies + ".sizes").read_text().split()]
    interval = args.batch_size / args.rate
    gate = asyncio.Semaphore(args.concurrency)
    records: list[dict[str, float]] = []
    headers = {"authorization": f"Bearer {args.key}", "content-type": "application/json"}
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def send(body: bytes, size: int, due: float) -> None:
            async with gate:
                sent = time.monotonic()
                response = await client.post(args.url, content=body, headers=headers)
                done = time.monotonic()
                kept = size
                if response.status_code == 202:  # duplicates (cross-posts) are not counted twice
                    kept = int(response.json().get("accepted", size))
                records.append(
                    {
                        "due": due,
                        "sent": sent,
                        "accepted": done,
                        "n": size,
                        "kept": kept,
                        "status": response.status_code,
                    }
                )

        start = time.monotonic() + 0.2
        tasks = []
        for i, (body, size) in enumerate(zip(bodies, sizes, strict=True)):
            due = start + i * interval
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(body, size, due)))
        await asyncio.gather(*tasks)
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--bodies", required=True, help="file of JSON bodies, one per line")
    parser.add_argument("--rate", type=float, required=True, help="mentions per second")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    records = asyncio.run(run(parser.parse_args()))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    json.dump(
        {
            "records": records,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
