"""Prometheus view of source health: pulls, new items, failures in a row, last success, one gauge per source saying up or not."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from .models import SourceConfig
from .poller import PollOutcome


class SourceMetrics:
    """Registered on the service's own registry (shared `Metrics.registry`), never the global one."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.pulls = Counter(
            "animo_ingest_source_pulls_total",
            "Pulls of a source, by outcome (ok or error).",
            ["source_id", "kind", "outcome"],
            registry=registry,
        )
        self.items = Counter(
            "animo_ingest_source_items_total",
            "New items pulled from a source.",
            ["source_id", "kind"],
            registry=registry,
        )
        self.pull_seconds = Histogram(
            "animo_ingest_source_pull_seconds",
            "Duration of one pull, every page included.",
            ["kind"],
            registry=registry,
        )
        self.up = Gauge(
            "animo_ingest_source_up",
            "1 when the source's last pull succeeded, else 0.",
            ["source_id", "kind"],
            registry=registry,
        )
        self.failures = Gauge(
            "animo_ingest_source_consecutive_failures",
            "Failed pulls in a row (0 after a success).",
            ["source_id"],
            registry=registry,
        )
        self.last_success = Gauge(
            "animo_ingest_source_last_success_timestamp_seconds",
            "Unix time of the last successful pull.",
            ["source_id"],
            registry=registry,
        )
        self.next_attempt = Gauge(
            "animo_ingest_source_next_attempt_timestamp_seconds",
            "Unix time of the next scheduled pull (back-off included).",
            ["source_id"],
            registry=registry,
        )

    def observe(self, config: SourceConfig, outcome: PollOutcome, seconds: float) -> None:
        health = outcome.health
        ok = health.status == "healthy"
        self.pulls.labels(config.id, config.kind, "ok" if ok else "error").inc()
        self.items.labels(config.id, config.kind).inc(len(outcome.items))
        self.pull_seconds.labels(config.kind).observe(seconds)
        self.up.labels(config.id, config.kind).set(1 if ok else 0)
        self.failures.labels(config.id).set(health.consecutive_failures)
        if health.last_success is not None:
            self.last_success.labels(config.id).set(health.last_success.timestamp())
        if health.next_attempt_at is not None:
            self.next_attempt.labels(config.id).set(health.next_attempt_at.timestamp())
