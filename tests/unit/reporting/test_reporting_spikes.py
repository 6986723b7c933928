"""Spike detection: the method on hand-made counts, and the watch's hysteresis (one spike, one alert)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from animo_reporting.alerts import AlertService, DetectorDefaults
from animo_reporting.documents import (
    AlertRecord,
    AlertStatus,
    BrandSettingsDoc,
    Delivery,
    DetectorState,
)
from animo_reporting.service import ReportingService
from animo_reporting.spikes import (
    Decision,
    Params,
    decide,
    read,
    same_hour_last_week,
    window_counts,
)
from animo_shared.store import Changes

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def test_baseline_is_the_highest_of_the_last_12_hours_last_week_and_the_floor() -> None:
    params = Params()
    calm = read(observed=4, previous_12h=24, last_week=1, params=params)
    assert (calm.previous_12h_rate, calm.baseline, calm.z) == (2.0, 2.0, round(2 / 2**0.5, 3))
    weekly_rush = read(observed=9, previous_12h=12, last_week=9, params=params)
    assert (weekly_rush.baseline, weekly_rush.z) == (9, 0.0)
    silent = read(observed=5, previous_12h=0, last_week=0, params=params)
    assert (silent.baseline, silent.z) == (1.0, 4.0)


def test_decide_raises_holds_resolves_and_cools_down() -> None:
    params = Params(z_raise=3.5, min_count=5, cooldown=timedelta(minutes=60))
    spike = read(20, 12, 0, params)
    small = read(4, 0, 0, params)  # z = 3, and under min_count
    assert decide(spike, False, None, NOW, params) is Decision.RAISE
    assert decide(small, False, None, NOW, params) is Decision.QUIET
    assert decide(spike, True, None, NOW, params) is Decision.HOLD
    assert decide(read(2, 12, 0, params), True, None, NOW, params) is Decision.RESOLVE
    just_resolved = NOW - timedelta(minutes=30)
    assert decide(spike, False, just_resolved, NOW, params) is Decision.QUIET
    assert decide(spike, False, NOW - timedelta(minutes=61), NOW, params) is Decision.RAISE
    strict = Params(z_raise=5.0, min_count=5)
    assert decide(read(5, 12, 0, strict), False, None, NOW, strict) is Decision.QUIET
    assert decide(read(6, 12, 0, strict), False, None, NOW, strict) is Decision.RAISE


def test_windows_are_cut_from_minute_and_hour_counts() -> None:
    minutes = [(NOW - timedelta(minutes=m), 1.0) for m in range(1, 13 * 60 + 30)]
    last, previous = window_counts(minutes, NOW)
    assert (last, previous) == (60, 12 * 60)
    hours = [(NOW - timedelta(days=7, hours=h), 6.0) for h in range(-2, 4)]
    assert same_hour_last_week(hours, NOW + timedelta(minutes=30)) == 6.0


class FakeAlerts:
    """AlertRepository's contract in memory; writes land when `commit` runs, as in the store."""

    def __init__(self) -> None:
        self.alerts: dict[str, AlertRecord] = {}
        self.detectors: dict[str, DetectorState] = {}
        self.settings: dict[str, BrandSettingsDoc] = {}
        self.deliveries: dict[str, Delivery] = {}
        self.pending: list[Any] = []
        self.published: list[dict[str, Any]] = []

    async def brand_settings(self, brand: str) -> BrandSettingsDoc | None:
        return self.settings.get(brand)

    async def detector(self, detector_id: str) -> DetectorState | None:
        found = self.detectors.get(detector_id)
        return found.model_copy() if found else None

    async def alert(self, alert_id: str) -> AlertRecord | None:
        found = self.alerts.get(alert_id)
        return found.model_copy() if found else None

    async def open_alerts(self, limit: int = 10_000) -> list[AlertRecord]:
        return [a for a in self.alerts.values() if a.status is AlertStatus.OPEN]

    def save_alert(self, changes: Changes, alert: AlertRecord) -> None:
        self.pending.append((self.alerts, alert.model_copy()))

    def save_detector(self, changes: Changes, state: DetectorState) -> None:
        self.pending.append((self.detectors, state.model_copy()))

    def enqueue(self, changes: Changes, delivery: Delivery) -> None:
        self.pending.append((self.deliveries, delivery))

    async def commit(self, changes: Changes) -> None:
        for table, doc in self.pending:
            if table is self.deliveries:
                table.setdefault(doc.id, doc)  # insert_if_absent
            else:
                table[doc.id] = doc
        self.pending.clear()
        self.published += [json.loads(m.value) for m in changes.outbox]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def watch(buckets: Any) -> tuple[AlertService, FakeAlerts, Clock, ReportingService]:
    clock = Clock(NOW)
    fake = FakeAlerts()
    reporting = ReportingService(buckets, clock=clock)
    service = AlertService(buckets, fake, DetectorDefaults(), clock, fake.commit)
    return service, fake, clock, reporting


async def negatives(reporting: ReportingService, stream: Any, times: list[datetime]) -> None:
    start = len(stream.events)
    for n, when in enumerate(times):
        mid = f"m{start}-{n}"
        stream.mention(mid, when)
        stream.decision(mid, "allow", sentiment="negative", complaint="delivery")
    await reporting.apply(stream.events[start:])


async def test_one_spike_is_one_alert_then_one_resolution(watch: Any, stream: Any) -> None:
    service, fake, clock, reporting = watch
    fake.settings["acme"] = BrandSettingsDoc(
        id="acme",
        brand="acme",
        webhook_url="http://hook.example/a",
        webhook_secret="s" * 16,
        updated_at=NOW,
    )
    baseline = [NOW - timedelta(hours=h, minutes=30) for h in range(1, 13)]
    await negatives(reporting, stream, baseline)
    assert await service.check() == []  # 1 per hour is the baseline
    spike = [NOW - timedelta(minutes=m % 30) for m in range(20)]
    await negatives(reporting, stream, spike)
    for minute in range(10):  # many checks see the same spike
        clock.now = NOW + timedelta(minutes=minute)
        await service.check()
    raised = [e for e in fake.published if e["type"] == "alert.raised"]
    assert sorted(e["data"]["kind"] for e in raised) == ["complaints", "negative_mentions"]
    negative = next(e for e in raised if e["data"]["kind"] == "negative_mentions")
    assert negative["data"]["observed"] == 20
    assert negative["data"]["baseline"] == 1.0
    assert "20 negative mentions of acme in the last hour" in negative["data"]["message"]
    assert len(fake.deliveries) == 2
    assert {d.url for d in fake.deliveries.values()} == {"http://hook.example/a"}

    clock.now = NOW + timedelta(hours=2)  # the spike has left the last hour
    await service.check()
    await service.check()
    resolved = [e for e in fake.published if e["type"] == "alert.resolved"]
    assert len(resolved) == 2
    alert = fake.alerts[negative["data"]["alert_id"]]
    assert alert.status is AlertStatus.RESOLVED
    assert alert.resolved_at == clock.now
    assert len(fake.published) == 4


async def test_a_second_spike_is_a_second_episode_after_the_cooldown(
    watch: Any, stream: Any
) -> None:
    service, fake, clock, reporting = watch
    await negatives(reporting, stream, [NOW - timedelta(minutes=5)] * 8)
    await service.check()
    clock.now = NOW + timedelta(hours=1, minutes=10)
    await service.check()  # resolved: nothing in the last hour
    again = [clock.now - timedelta(minutes=2)] * 8
    await negatives(reporting, stream, again)
    await service.check()  # within the 60 min cooldown: quiet
    assert len([e for e in fake.published if e["type"] == "alert.raised"]) == 2
    clock.now += timedelta(minutes=61)
    await negatives(reporting, stream, [clock.now - timedelta(minutes=1)] * 8)
    await service.check()
    raised = [e for e in fake.published if e["type"] == "alert.raised"]
    assert len(raised) == 4
    assert len({e["data"]["alert_id"] for e in raised}) == 4


async def test_brand_settings_tune_the_sensitivity(watch: Any, stream: Any) -> None:
    service, fake, _, reporting = watch
    fake.settings["acme"] = BrandSettingsDoc(
        id="acme", brand="acme", sensitivity="strict", min_count=10, updated_at=NOW
    )
    await negatives(reporting, stream, [NOW - timedelta(minutes=3)] * 8)
    assert await service.check() == []  # 8 < min_count 10
    await negatives(reporting, stream, [NOW - timedelta(minutes=2)] * 3)
    assert {a.kind for a in await service.check()} == {"negative_mentions", "complaints"}
