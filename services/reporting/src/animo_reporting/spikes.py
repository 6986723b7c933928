"""Spike detection: is the last hour of a brand's negative mentions (or complaints) a crisis?

Method (pure, tested on hand-made counts):
- observed n = the count in the last 60 minutes (own mentions, by publication time);
- baseline λ = the highest of: the mean hourly count over the 12 hours before that hour,
  the count of the same hour one week earlier, and a floor of 1 per hour (so a brand that
  is usually silent needs `min_count` mentions, not one, to alert); taking the highest
  keeps a weekly rush (Monday mornings) from alerting;
- a Poisson z-score z = (n - λ) / sqrt(λ);
- raise when n >= min_count and z >= z_raise (sensitivity: sensitive 2.5, balanced 3.5,
  strict 5.0), and the last alert of that kind resolved at least `cooldown` ago;
- hysteresis: an open alert stays open (no new alert) until z <= z_resolve (1.0) or n falls
  under min_count / 2; so one spike is one alert, however many checks see it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from . import fields as f

SENSITIVITY = {"sensitive": 2.5, "balanced": 3.5, "strict": 5.0}
KINDS = {
    "negative_mentions": f.sentiment("negative"),
    "complaints": f.COMPLAINTS,
}
LABELS = {"negative_mentions": "negative mentions", "complaints": "complaints"}
HOUR = timedelta(hours=1)
BASELINE_HOURS = 12
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Params:
    z_raise: float = SENSITIVITY["balanced"]
    z_resolve: float = 1.0
    min_count: int = 5
    min_baseline: float = 1.0
    cooldown: timedelta = timedelta(minutes=60)

    def describe(self) -> str:
        return (
            f"poisson-z: last 60 min vs max(mean of previous {BASELINE_HOURS} h, same hour "
            f"last week, {self.min_baseline:g}/h); raise z>={self.z_raise:g} and "
            f"n>={self.min_count}; resolve z<={self.z_resolve:g} or n<{self.min_count / 2:g}; "
            f"cooldown {self.cooldown.total_seconds() / 60:g} min"
        )


@dataclass(frozen=True)
class Reading:
    observed: float
    previous_12h_rate: float
    last_week_rate: float
    baseline: float
    z: float


def read(observed: float, previous_12h: float, last_week: float, params: Params) -> Reading:
    """The z-score of `observed` (last hour) against the baseline of the counts around it."""
    rate = previous_12h / BASELINE_HOURS
    baseline = max(rate, last_week, params.min_baseline)
    z = (observed - baseline) / math.sqrt(baseline)
    return Reading(observed, round(rate, 3), last_week, round(baseline, 3), round(z, 3))


class Decision(StrEnum):
    RAISE = "raise"
    RESOLVE = "resolve"
    HOLD = "hold"  # open, and still out of its baseline
    QUIET = "quiet"  # idle, nothing to say


def decide(
    reading: Reading,
    is_open: bool,
    last_resolved_at: datetime | None,
    now: datetime,
    params: Params,
) -> Decision:
    if is_open:
        calm = reading.z <= params.z_resolve or reading.observed < params.min_count / 2
        return Decision.RESOLVE if calm else Decision.HOLD
    cooling = last_resolved_at is not None and now - last_resolved_at < params.cooldown
    if reading.observed >= params.min_count and reading.z >= params.z_raise and not cooling:
        return Decision.RAISE
    return Decision.QUIET


def window_counts(minutes: Iterable[tuple[datetime, float]], now: datetime) -> tuple[float, float]:
    """(last hour, previous 12 hours) from per-minute counts."""
    last = previous = 0.0
    for start, count in minutes:
        if now - HOUR <= start < now:
            last += count
        elif now - HOUR * (BASELINE_HOURS + 1) <= start < now - HOUR:
            previous += count
    return last, previous


def same_hour_last_week(hours: Iterable[tuple[datetime, float]], now: datetime) -> float:
    """The count of [now - 7 days - 1 hour, now - 7 days), pro-rated from hourly counts."""
    end = now - WEEK
    start = end - HOUR
    total = 0.0
    for bucket, count in hours:
        overlap = (min(end, bucket + HOUR) - max(start, bucket)).total_seconds()
        if overlap > 0:
            total += count * overlap / 3600
    return round(total, 3)


def message(brand: str, kind: str, reading: Reading) -> str:
    return (
        f"{reading.observed:g} {LABELS[kind]} of {brand} in the last hour, against a baseline "
        f"of {reading.baseline:g} per hour (z = {reading.z:.1f}; previous 12 h: "
        f"{reading.previous_12h_rate:g}/h, same hour last week: {reading.last_week_rate:g})"
    )
