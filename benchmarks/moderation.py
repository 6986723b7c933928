"""`python -m benchmarks.moderation`: the moderation consumer alone, through a fresh broker.

Writes benchmarks/results/moderation-consumer.json with the machine's load next to each figure
(other work on the machine depresses them; compare runs taken back to back).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from animo_dev.broker import free_port, start_broker, stop_process
from benchmarks.__main__ import RESULTS, moderation_throughput


async def main(count: int) -> None:
    runs = {}
    for name, unique in (("demo_texts", False), ("unique_texts", True)):
        port = free_port()
        broker = start_broker(port)  # a fresh one per run: a new group reads a topic whole
        try:
            with tempfile.TemporaryDirectory() as tmp:
                load = os.getloadavg()[0]
                figures = await moderation_throughput(
                    f"127.0.0.1:{port}", Path(tmp), count, unique_texts=unique
                )
                runs[name] = {**figures, "load_1min_before": round(load, 2)}
        finally:
            stop_process(broker)
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "moderation_consumer": runs,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "moderation-consumer.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000))
