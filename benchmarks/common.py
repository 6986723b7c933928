"""What every benchmark measures the same way: load, process CPU and RSS, latency summaries,
and producing ready-made events to the broker."""

from __future__ import annotations

import asyncio
import os
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from animo_shared.bus import to_message
from animo_shared.events import Envelope


def load_average() -> list[float]:
    """The 1, 5 and 15-minute load averages: a figure means little without them."""
    return [round(x, 2) for x in os.getloadavg()]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far: less sensitive to the machine's
    other load than wall-clock rates, it shows what each change saved (Linux /proc). NaN
    once the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of a process now, in MB (0 if it reports none)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def latency_summary(samples: Sequence[float], digits: int = 1) -> dict[str, float]:
    """Runs, median, p99 (nearest rank) and max of latencies in seconds, as milliseconds."""
    ordered = sorted(samples)
    return {
        "runs": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, digits),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, digits),
        "max_ms": round(ordered[-1] * 1000, digits),
    }


async def produce(
    bootstrap: str, events: Sequence[Envelope[Any]], key: Callable[[int, Envelope[Any]], str]
) -> None:
    """Every event to its topic, keyed by `key(position, event)`, all acknowledged."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    await producer.start()
    try:
        futures = []
        for n, event in enumerate(events):
            message = to_message(event, key(n, event))
            futures.append(
                await producer.send(message.topic, message.value, key=message.key.encode())
            )
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
