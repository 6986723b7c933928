"""The reporting service's composition root."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta

from fastapi import FastAPI

from animo_shared.app import create_service_app
from animo_shared.events import Topic, utcnow
from animo_shared.runtime import Runtime

from . import alerts_api, api
from .alerts import AlertService, DetectorDefaults
from .components import Components
from .config import Settings
from .consumers import event_handler
from .gauges import BusinessMetrics, snapshot
from .repository import BucketRepository
from .repository_alerts import AlertRepository
from .response_time import BusinessHours
from .retention import Pruner, keep_for
from .service import ReportingService
from .timeframe import Limits
from .webhooks import RetryPolicy, WebhookSender

TOPICS = (Topic.MENTIONS, Topic.ENGAGEMENT, Topic.MODERATION, Topic.POSTS, Topic.CRM, Topic.ALERTS)


def every(seconds: float, work: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
    async def loop() -> None:
        while True:
            await work()
            await asyncio.sleep(seconds)

    return loop


def _hours_lookup(
    alerts: AlertRepository, default: BusinessHours
) -> Callable[[str], Awaitable[BusinessHours]]:
    async def hours_of(brand: str) -> BusinessHours:
        doc = await alerts.brand_settings(brand)
        if doc is None or not doc.timezone or not doc.days or not doc.opens or not doc.closes:
            return default
        return BusinessHours(
            timezone=doc.timezone,
            days=tuple(doc.days),
            opens=time.fromisoformat(doc.opens),
            closes=time.fromisoformat(doc.closes),
        )

    return hours_of


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] = utcnow
) -> FastAPI:
    settings = settings or Settings()
    config = settings

    def wire(runtime: Runtime) -> Components:
        days = timedelta(days=1)
        buckets = BucketRepository(runtime.store)
        alert_repository = AlertRepository(runtime.store)
        hours_of = _hours_lookup(alert_repository, config.default_hours())
        keep = keep_for(
            minute=config.retention_minute_days * days,
            hour=config.retention_hour_days * days,
            day=config.retention_day_days * days,
            rankings=config.retention_rankings_days * days,
            states=config.retention_state_days * days,
            records=config.retention_records_days * days,
        )
        reporting = ReportingService(
            buckets,
            hours_of=hours_of,
            limits=Limits(config.max_points, config.max_range_days),
            max_slice_documents=config.max_slice_documents,
            retention={res: keep[f"totals:{res}"] for res in ("minute", "hour", "day")},
            clock=clock,
        )
        runtime.consume(TOPICS, event_handler(reporting))
        metrics = runtime.metrics
        # Zero-valued series from the start, so dashboards show 0 rather than "no data".
        metrics.batch_failures.labels(metrics.service)
        for topic in TOPICS:
            metrics.deadlettered.labels(metrics.service, topic.value)
        business = BusinessMetrics(metrics.registry)
        webhooks = WebhookSender(
            alert_repository,
            clock,
            RetryPolicy(
                max_attempts=config.webhook_max_attempts,
                first_delay=timedelta(seconds=config.webhook_retry_seconds),
                timeout_seconds=config.webhook_timeout_seconds,
            ),
            business.delivery,
        )

        def on_alert(brand: str, kind: str, transition: str) -> None:
            business.alert(brand, kind, transition)
            webhooks.kick()

        alerts = AlertService(
            buckets,
            alert_repository,
            DetectorDefaults(
                sensitivity=config.spike_sensitivity,
                min_count=config.spike_min_count,
                cooldown=timedelta(minutes=config.spike_cooldown_minutes),
            ),
            clock,
            runtime.publish,
            on_alert,
        )
        pruner = Pruner(buckets, alert_repository, keep, clock)

        async def refresh_gauges() -> None:
            business.collector.brands = await snapshot(buckets, alert_repository, clock())

        runtime.background("spike detector", every(config.spike_check_seconds, alerts.check))
        runtime.background("alert webhooks", webhooks.run)
        runtime.background("retention", every(config.prune_interval_seconds, pruner.prune_once))
        runtime.background("business gauges", every(config.gauge_refresh_seconds, refresh_gauges))
        return Components(
            settings=config,
            reporting=reporting,
            buckets=buckets,
            alert_repository=alert_repository,
            alerts=alerts,
            webhooks=webhooks,
            pruner=pruner,
            business=business,
            hours_of=hours_of,
        )

    return create_service_app(
        service="reporting",
        title="Animo reporting",
        description="Measures: counts every event into minute, hour and day buckets per "
        "brand, source, language, sentiment and moderation action; reports volume, sentiment, "
        "share of voice, moderation, response time, posts, community, influencers, trends; "
        "watches for spikes of negative mentions and complaints and raises alerts.",
        settings=settings,
        routers=[api.router, alerts_api.router],
        wire=wire,
    )
