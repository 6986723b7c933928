"""Observability: JSON logs carrying event and correlation ids, and the Prometheus metrics every service exports."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from pythonjsonlogger.json import JsonFormatter

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
event_id: ContextVar[str | None] = ContextVar("event_id", default=None)


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.correlation_id = correlation_id.get()
        record.event_id = event_id.get()
        record.__dict__.pop("color_message", None)  # uvicorn's ANSI copy of the message
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """One JSON object per line on stderr, with the service, event and correlation ids."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}{service}{correlation_id}{event_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiokafka logs every reconnect attempt at ERROR; our own retry loop reports those.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    logging.getLogger("uvicorn.access").disabled = True


class Metrics:
    """The metrics of one service, in a registry of its own (no import-time globals)."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        common: dict[str, Any] = {"registry": self.registry}
        self.http_requests = Counter(
            "animo_http_requests_total",
            "HTTP requests answered, by route template and status.",
            ["service", "route", "method", "status"],
            **common,
        )
        self.http_seconds = Histogram(
            "animo_http_request_seconds",
            "HTTP request duration.",
            ["service", "route"],
            **common,
        )
        self.consumed = Counter(
            "animo_events_consumed_total",
            "Events read from a topic and handled.",
            ["service", "topic"],
            **common,
        )
        self.duplicates = Counter(
            "animo_events_duplicate_total",
            "Events skipped because their id was already applied (replays).",
            ["service", "topic"],
            **common,
        )
        self.published = Counter(
            "animo_events_published_total",
            "Events delivered to the broker.",
            ["service", "topic"],
            **common,
        )
        self.deadlettered = Counter(
            "animo_events_deadlettered_total",
            "Events sent to the dead letter topic, by the topic they came from.",
            ["service", "topic"],
            **common,
        )
        self.batch_seconds = Histogram(
            "animo_consumer_batch_seconds",
            "Time to handle and store one consumer batch.",
            ["service"],
            **common,
        )
        self.batch_failures = Counter(
            "animo_consumer_batch_failures_total",
            "Batches that failed to store and will be retried.",
            ["service"],
            **common,
        )
        self.lag = Gauge(
            "animo_consumer_lag_messages",
            "Messages behind the end of each partition after the last fetch.",
            ["service", "topic", "partition"],
            **common,
        )
        self.outbox_pending = Gauge(
            "animo_outbox_pending_messages",
            "Stored events waiting to be published.",
            ["service"],
            **common,
        )
