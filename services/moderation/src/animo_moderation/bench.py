"""Throughput of the analyser on one core: `python -m animo_moderation.bench [DATA_DIR]`.

Short social posts: 1,000 French and 1,000 English MLMA tweets when the data folder is there,
plus the shipped complaint set (customer messages). The lexicons are loaded and every code path
warmed first; then the best of several passes over the corpus in this one process, so one
core, is reported and written to benchmarks/results/moderation-speed.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import time
from collections.abc import Sequence
from pathlib import Path

from animo_moderation.evaluate import complaint_rows
from animo_moderation.rules import RULESET_VERSION, analyse

PER_LANGUAGE = 1000


def corpus(data_dir: Path) -> list[str]:
    texts = [row["text"] for row in complaint_rows()]
    for filename in ("mlma_fr.csv", "mlma_en.csv"):
        path = data_dir / filename
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                texts += [row["tweet"] for row in csv.DictReader(handle)][:PER_LANGUAGE]
    return texts


def measure(texts: list[str], passes: int) -> float:
    """Seconds for the fastest pass over the texts."""
    for text in texts:  # warm: lexicons, caches, regex compilation
        analyse(text)
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        for text in texts:
            analyse(text)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data_dir", nargs="?", type=Path, default=Path("../shared/data/moderation"))
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument(
        "--output", type=Path, default=Path("benchmarks/results/moderation-speed.json")
    )
    args = parser.parse_args(argv)
    texts = corpus(args.data_dir)
    seconds = measure(texts, args.passes)
    result = {
        "ruleset": RULESET_VERSION,
        "texts": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
        "texts_per_second": round(len(texts) / seconds),
        "microseconds_per_text": round(seconds / len(texts) * 1e6, 1),
        "passes": args.passes,
        "cores": 1,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(
        f"{result['texts_per_second']:,} texts/s on one core "
        f"({result['microseconds_per_text']} µs/text, {len(texts)} texts of "
        f"{result['mean_chars']} chars on average, best of {args.passes} passes)"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
