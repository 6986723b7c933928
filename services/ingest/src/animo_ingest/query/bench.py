"""`python -m animo_ingest.query.bench`: query matching throughput on one core, written to benchmarks/results/."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from .matcher import Query, match_many, parse
from .samples import BRANDS, mentions, queries
from .text import Document, prepare

TARGET = 50_000  # mention x query evaluations per second per core, from the issue


def _results_file() -> Path:
    # The repository root holds uv.lock; outside a checkout, write under the working directory.
    for folder in Path(__file__).resolve().parents:
        if (folder / "uv.lock").exists():
            return folder / "benchmarks" / "results" / "query-matching.json"
    return Path.cwd() / "benchmarks" / "results" / "query-matching.json"


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] / 1000, 1)

    return {"p50": at(0.50), "p99": at(0.99), "max": at(1.0)}


def run(per_brand: int, rounds: int) -> dict[str, object]:
    brand_queries: dict[str, list[tuple[str, Query]]] = {}
    started = time.perf_counter()
    for brand in BRANDS:
        brand_queries[brand.slug] = [
            (f"{brand.slug}-{n}", parse(text)) for n, text in enumerate(queries(brand))
        ]
    parse_ms = (time.perf_counter() - started) * 1000
    corpus: list[tuple[str, Document]] = [
        (brand.slug, doc) for brand in BRANDS for doc in mentions(brand, per_brand)
    ]
    started = time.perf_counter()
    for slug, listed in brand_queries.items():
        match_many(listed, prepare(Document(slug)))  # builds and caches the brand's index
    index_ms = (time.perf_counter() - started) * 1000

    total_ns: list[int] = []
    prepare_ns: list[int] = []
    round_seconds: list[float] = []
    matched = 0
    for _ in range(rounds):
        round_started = time.perf_counter()
        for slug, doc in corpus:
            begin = time.perf_counter_ns()
            prepared = prepare(doc)
            ready = time.perf_counter_ns()
            ids = match_many(brand_queries[slug], prepared)
            end = time.perf_counter_ns()
            total_ns.append(end - begin)
            prepare_ns.append(ready - begin)
            matched += len(ids)
        round_seconds.append(time.perf_counter() - round_started)

    # The same work without the index (prepare, then every query on every mention);
    # it doubles as a check that the index never drops or adds a match.
    started = time.perf_counter()
    prepared_corpus = [(slug, prepare(doc)) for slug, doc in corpus]
    naive = [
        [qid for qid, query in brand_queries[slug] if query.test(prepared)]
        for slug, prepared in prepared_corpus
    ]
    naive_seconds = time.perf_counter() - started
    for (slug, prepared), expected in zip(prepared_corpus, naive, strict=True):
        if match_many(brand_queries[slug], prepared) != expected:
            raise AssertionError(f"the index and a full scan disagree on a {slug} mention")

    per_query = sum(len(v) for v in brand_queries.values()) // len(brand_queries)
    evaluations = len(corpus) * per_query
    seconds = statistics.median(round_seconds)
    match_only = (sum(total_ns) - sum(prepare_ns)) / 1e9 / rounds
    rate = round(evaluations / seconds)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "cpus": os.cpu_count(),
            "processes_used": 1,
        },
        "corpus": {
            "brands": len(BRANDS),
            "queries_per_brand": per_query,
            "mentions": len(corpus),
            "mean_words_per_mention": round(
                statistics.mean(len(p.words) for _, p in prepared_corpus), 1
            ),
            "mean_queries_matched_per_mention": round(matched / rounds / len(corpus), 2),
        },
        "parse_ms_all_queries": round(parse_ms, 1),
        "index_build_ms_all_brands": round(index_ms, 1),
        "evaluations_per_second_per_core": rate,
        "evaluations_per_second_per_core_excluding_prepare": round(evaluations / match_only),
        "evaluations_per_second_per_core_without_index": round(evaluations / naive_seconds),
        "per_mention_100_queries_us": _percentiles(total_ns),
        "per_mention_prepare_only_us": _percentiles(prepare_ns),
        "target_evaluations_per_second": TARGET,
        "meets_target": rate >= TARGET,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mentions-per-brand", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=_results_file())
    args = parser.parse_args()
    results = run(args.mentions_per_brand, args.rounds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
