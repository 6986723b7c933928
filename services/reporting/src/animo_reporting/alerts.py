"""The crisis watch: each check reads every active brand's recent counts, raises and resolves
alerts (spikes.py decides), publishes them as events and queues their webhook deliveries.

Ids derive from the brand, the kind and the episode number, so two checks (or two replicas)
that see the same spike write the same alert and the same event ids: the outbox and every
consumer drop the copy.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from animo_shared.bus import to_message
from animo_shared.events import AlertRaised, AlertResolved, Envelope, derive_id, make_event
from animo_shared.store import Changes

from .documents import (
    AlertRecord,
    AlertStatus,
    BrandSeen,
    BrandSettingsDoc,
    Delivery,
    DetectorState,
    TotalsBucket,
)
from .spikes import (
    BASELINE_HOURS,
    HOUR,
    KINDS,
    SENSITIVITY,
    WEEK,
    Decision,
    Params,
    Reading,
    decide,
    message,
    read,
    same_hour_last_week,
    window_counts,
)
from .timeframe import floor

log = logging.getLogger(__name__)


class CountSource(Protocol):
    async def totals_between(
        self, brand: str, res: str, start: datetime, end: datetime
    ) -> list[TotalsBucket]: ...
    async def brands_seen_since(self, since: datetime | None, limit: int) -> list[BrandSeen]: ...


class AlertStore(Protocol):
    """What the watch needs of AlertRepository (a fake in unit tests)."""

    async def brand_settings(self, brand: str) -> BrandSettingsDoc | None: ...
    async def detector(self, detector_id: str) -> DetectorState | None: ...
    async def alert(self, alert_id: str) -> AlertRecord | None: ...
    async def open_alerts(self, limit: int = ...) -> list[AlertRecord]: ...
    def save_alert(self, changes: Changes, alert: AlertRecord) -> None: ...
    def save_detector(self, changes: Changes, state: DetectorState) -> None: ...
    def enqueue(self, changes: Changes, delivery: Delivery) -> None: ...


@dataclass(frozen=True)
class DetectorDefaults:
    sensitivity: str = "balanced"
    min_count: int = 5
    cooldown: timedelta = timedelta(minutes=60)


def _series(buckets: list[TotalsBucket], field: str) -> list[tuple[datetime, float]]:
    sums: dict[datetime, float] = {}
    for bucket in buckets:
        sums[bucket.start] = sums.get(bucket.start, 0) + bucket.counters().get(field, 0)
    return sorted(sums.items())


class AlertService:
    def __init__(
        self,
        counts: CountSource,
        alerts: AlertStore,
        defaults: DetectorDefaults,
        clock: Callable[[], datetime],
        commit: Callable[[Changes], Awaitable[None]],
        on_alert: Callable[[str, str, str], None] | None = None,
    ) -> None:
        self.counts = counts
        self.alerts = alerts
        self.defaults = defaults
        self.clock = clock
        self.commit = commit
        self.on_alert = on_alert

    async def params_for(self, brand: str) -> Params:
        settings = await self.alerts.brand_settings(brand)
        sensitivity = (settings.sensitivity if settings else None) or self.defaults.sensitivity
        min_count = (settings.min_count if settings else None) or self.defaults.min_count
        return Params(
            z_raise=SENSITIVITY[sensitivity], min_count=min_count, cooldown=self.defaults.cooldown
        )

    async def check(self) -> list[AlertRecord]:
        """One pass over every brand seen in the baseline window or holding an open alert."""
        now = self.clock()
        since = now - HOUR * (BASELINE_HOURS + 1)
        brands = {b.brand for b in await self.counts.brands_seen_since(since, 100_000)}
        brands |= {alert.brand for alert in await self.alerts.open_alerts()}
        changed: list[AlertRecord] = []
        for brand in sorted(brands):
            changed.extend(await self.check_brand(brand, now))
        return changed

    async def check_brand(self, brand: str, now: datetime) -> list[AlertRecord]:
        end = floor(now, "minute") + timedelta(minutes=1)
        minutes = await self.counts.totals_between(
            brand, "minute", end - HOUR * (BASELINE_HOURS + 1), end
        )
        week_ago = await self.counts.totals_between(
            brand, "hour", floor(end - WEEK - 2 * HOUR, "hour"), end - WEEK + HOUR
        )
        params = await self.params_for(brand)
        changed = []
        for kind, field in KINDS.items():
            last, previous = window_counts(_series(minutes, field), end)
            reading = read(
                last, previous, same_hour_last_week(_series(week_ago, field), end), params
            )
            alert = await self._step(brand, kind, reading, now, params)
            if alert is not None:
                changed.append(alert)
        return changed

    async def _step(
        self, brand: str, kind: str, reading: Reading, now: datetime, params: Params
    ) -> AlertRecord | None:
        detector_id = derive_id("detector", brand, kind)
        state = await self.alerts.detector(detector_id) or DetectorState(
            id=detector_id, brand=brand, kind=kind
        )
        decision = decide(
            reading, state.open_alert is not None, state.last_resolved_at, now, params
        )
        changes = Changes()
        alert: AlertRecord | None = None
        if decision is Decision.RAISE:
            state.episode += 1
            alert_id = derive_id("alert", brand, kind, str(state.episode))
            alert = AlertRecord(
                id=alert_id,
                brand=brand,
                kind=kind,
                status=AlertStatus.OPEN,
                started_at=now,
                observed=reading.observed,
                baseline=reading.baseline,
                z=reading.z,
                previous_12h_rate=reading.previous_12h_rate,
                last_week_rate=reading.last_week_rate,
                peak=reading.observed,
                message=message(brand, kind, reading),
                method=params.describe(),
            )
            state.open_alert = alert_id
            payload: AlertRaised | AlertResolved = AlertRaised(
                alert_id=alert_id,
                brand=brand,
                kind=kind,
                observed=reading.observed,
                baseline=reading.baseline,
                started_at=now,
                message=alert.message,
            )
        elif decision in (Decision.RESOLVE, Decision.HOLD) and state.open_alert:
            alert = await self.alerts.alert(state.open_alert)
            if alert is None:  # pruned or lost: forget it, the next check starts afresh
                state.open_alert = None
                self.alerts.save_detector(changes, state)
                await self.commit(changes)
                return None
            if decision is Decision.HOLD:
                if reading.observed <= alert.peak:
                    return None
                alert.peak = reading.observed
                self.alerts.save_alert(changes, alert)
                await self.commit(changes)
                return None
            alert.status = AlertStatus.RESOLVED
            alert.resolved_at = now
            state.open_alert = None
            state.last_resolved_at = now
            payload = AlertResolved(alert_id=alert.id, brand=brand, kind=kind, resolved_at=now)
        else:
            return None
        self.alerts.save_alert(changes, alert)
        self.alerts.save_detector(changes, state)
        await self._announce(changes, payload, alert.id, now)
        await self.commit(changes)
        if self.on_alert is not None:
            self.on_alert(brand, kind, "raised" if decision is Decision.RAISE else "resolved")
        log.info("alert %s %s for %s: %s", kind, decision.value, brand, alert.message)
        return alert

    async def _announce(
        self, changes: Changes, payload: AlertRaised | AlertResolved, alert_id: str, now: datetime
    ) -> None:
        kind = "alert.raised" if isinstance(payload, AlertRaised) else "alert.resolved"
        event: Envelope[Any] = make_event(
            payload,
            event_id=derive_id(kind, alert_id),
            source="reporting",
            brand=payload.brand,
            subject=alert_id,
            time=now,
        )
        changes.publish(to_message(event, payload.brand))
        settings = await self.alerts.brand_settings(payload.brand)
        if settings is not None and settings.webhook_url:
            self.alerts.enqueue(
                changes,
                Delivery(
                    id=derive_id("delivery", event.id, settings.webhook_url),
                    brand=payload.brand,
                    event_id=event.id,
                    event_type=event.type,
                    url=settings.webhook_url,
                    body=event.model_dump_json(),
                    next_at=now,
                    created_at=now,
                ),
            )
