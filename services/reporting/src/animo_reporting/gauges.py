"""Business metrics for Prometheus, per brand, read from the store (the source of truth).

A background loop refreshes a snapshot; a collector serves it at scrape time. Counts are
the stored lifetime counters, so every replica exports the same value (dashboards use
`max by (brand)`), and a restart loses nothing. Ratios cover the last 24 hours, response
time the last 7 days.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from . import fields as f
from . import measures
from .repository import BucketRepository
from .repository_alerts import AlertRepository
from .response_time import quantile

LIFETIME = {
    "animo_reporting_mentions": (f.MENTIONS, "Mentions counted (own and competitors')."),
    "animo_reporting_own_mentions": (f.OWN, "Mentions of the brand itself."),
    "animo_reporting_negative_mentions": (
        f.sentiment("negative"),
        "The brand's own mentions with a negative sentiment.",
    ),
    "animo_reporting_complaints": (f.COMPLAINTS, "The brand's own mentions that are complaints."),
    "animo_reporting_new_members": (f.MEMBERS, "Community members seen for the first time."),
    "animo_reporting_posts_published": (f.POSTS_PUBLISHED, "Posts published on a channel."),
    "animo_reporting_posts_failed": (f.POSTS_FAILED, "Posts that failed to publish."),
    "animo_reporting_alerts_raised": (f.ALERTS_RAISED, "Spike alerts raised."),
}


@dataclass
class BrandFigures:
    lifetime: dict[str, float] = field(default_factory=dict)
    negative_share: float | None = None
    net_sentiment: float | None = None
    share_of_voice: float | None = None
    response: dict[str, float] = field(default_factory=dict)
    open_alerts: int = 0


class BusinessCollector(Collector):
    """Serves the last snapshot; families with no brand yet still declare themselves."""

    def __init__(self) -> None:
        self.brands: dict[str, BrandFigures] = {}

    def collect(self) -> Iterator[Metric]:
        for name, (counter, help_text) in LIFETIME.items():
            family = CounterMetricFamily(name, help_text, labels=["brand"])
            for brand, figures in sorted(self.brands.items()):
                family.add_metric([brand], figures.lifetime.get(counter, 0))
            yield family
        ratios: dict[str, tuple[str, Callable[[BrandFigures], float | None]]] = {
            "animo_reporting_negative_share_ratio": (
                "Negative share of the brand's analysed mentions, last 24 h.",
                lambda b: b.negative_share,
            ),
            "animo_reporting_net_sentiment_ratio": (
                "(positive - negative) / (positive + negative), last 24 h.",
                lambda b: b.net_sentiment,
            ),
            "animo_reporting_share_of_voice_ratio": (
                "Brand mentions / (brand + competitors), last 24 h.",
                lambda b: b.share_of_voice,
            ),
        }
        for name, (help_text, pick) in ratios.items():
            gauge = GaugeMetricFamily(name, help_text, labels=["brand"])
            for brand, figures in sorted(self.brands.items()):
                value = pick(figures)
                if value is not None:
                    gauge.add_metric([brand], value)
            yield gauge
        response = GaugeMetricFamily(
            "animo_reporting_response_seconds",
            "Complaint to reply time (wall clock), last 7 days, by quantile.",
            labels=["brand", "quantile"],
        )
        open_alerts = GaugeMetricFamily(
            "animo_reporting_open_alerts", "Spike alerts open now.", labels=["brand"]
        )
        for brand, figures in sorted(self.brands.items()):
            for q, value in sorted(figures.response.items()):
                response.add_metric([brand, q], value)
            open_alerts.add_metric([brand], figures.open_alerts)
        yield response
        yield open_alerts


class BusinessMetrics:
    """The collector plus the in-process counters of what this replica did."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.collector = BusinessCollector()
        registry.register(self.collector)
        self.alert_transitions = Counter(
            "animo_reporting_alert_transitions_total",
            "Alerts this replica raised or resolved.",
            ["kind", "transition"],
            registry=registry,
        )
        self.webhook_deliveries = Counter(
            "animo_reporting_webhook_deliveries_total",
            "Alert webhook attempts by outcome (delivered, retry, failed).",
            ["outcome"],
            registry=registry,
        )
        for outcome in ("delivered", "retry", "failed"):
            self.webhook_deliveries.labels(outcome)

    def alert(self, brand: str, kind: str, transition: str) -> None:
        self.alert_transitions.labels(kind, transition).inc()

    def delivery(self, outcome: str) -> None:
        self.webhook_deliveries.labels(outcome).inc()


async def snapshot(
    buckets: BucketRepository, alerts: AlertRepository, now: datetime, max_brands: int = 10_000
) -> dict[str, BrandFigures]:
    """Every brand's figures, read afresh."""
    figures: dict[str, BrandFigures] = {}
    open_counts: dict[str, int] = {}
    for alert in await alerts.open_alerts():
        open_counts[alert.brand] = open_counts.get(alert.brand, 0) + 1
    day_start = now - timedelta(hours=24)
    for seen in await buckets.brands_seen_since(None, max_brands):
        brand = seen.brand
        lifetime: dict[str, float] = {}
        for doc in await buckets.lifetime(brand):
            measures.add_into(lifetime, doc.counters())
        recent: dict[str, float] = {}
        for doc in await buckets.totals_between(brand, "hour", day_start, now):
            measures.add_into(recent, doc.counters())
        mood = measures.sentiment(recent)
        voice = measures.share_of_voice(recent)
        responses = await buckets.responses_between(brand, now - timedelta(days=7), now)
        spans = [(r.replied_at - r.complained_at).total_seconds() for r in responses]
        response = {q: quantile(spans, float(q)) for q in ("0.5", "0.9")}
        figures[brand] = BrandFigures(
            lifetime=lifetime,
            negative_share=mood["share_negative"],
            net_sentiment=mood["net_sentiment"],
            share_of_voice=voice["share"],
            response={q: v for q, v in response.items() if v is not None},
            open_alerts=open_counts.get(brand, 0),
        )
    return figures
