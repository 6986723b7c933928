"""Time buckets (minute, hour, day, week; UTC) and the checks a report's time window must pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

Interval = Literal["minute", "hour", "day", "week"]
INTERVALS: tuple[Interval, ...] = ("minute", "hour", "day", "week")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STEP = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(days=7),
}
# The stored resolution a report of each interval reads (weeks are summed from days).
STORED: dict[Interval, Literal["minute", "hour", "day"]] = {
    "minute": "minute",
    "hour": "hour",
    "day": "day",
    "week": "day",
}


class ReportError(ValueError):
    """A request the reports cannot answer; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def floor(moment: datetime, unit: str) -> datetime:
    """The start of the UTC minute, hour, day, ISO week (Monday) or of time (`all`)."""
    moment = moment.astimezone(UTC) if moment.tzinfo is not UTC else moment
    if unit == "minute":
        return moment.replace(second=0, microsecond=0)
    if unit == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "all":
        return EPOCH
    raise ValueError(f"unknown time unit {unit!r}")


@dataclass(frozen=True)
class Limits:
    max_points: int = 5000
    max_range_days: int = 1830


@dataclass(frozen=True)
class Window:
    """A checked report window: [start, end) read in `interval` steps."""

    start: datetime
    end: datetime
    interval: Interval

    @property
    def stored(self) -> Literal["minute", "hour", "day"]:
        return STORED[self.interval]

    def starts(self) -> list[datetime]:
        """Every bucket start of the window, in order (empty buckets included)."""
        step = STEP[self.interval]
        moment = floor(self.start, self.interval)
        found = []
        while moment < self.end:
            found.append(moment)
            moment += step
        return found

    @property
    def read_from(self) -> datetime:
        return floor(self.start, self.interval)


def check_window(
    start: datetime, end: datetime, interval: Interval, limits: Limits = Limits()
) -> Window:
    """The window, or a ReportError naming the limit it breaks."""
    for name, moment in (("from", start), ("to", end)):
        if moment.tzinfo is None:
            raise ReportError(
                422, f"'{name}' needs a time zone, e.g. 2026-11-21T00:00:00Z (got {moment})"
            )
    if interval not in STEP:
        raise ReportError(422, f"unknown interval {interval!r}; use one of {', '.join(INTERVALS)}")
    if end <= start:
        raise ReportError(
            422, f"'to' ({end.isoformat()}) must be after 'from' ({start.isoformat()})"
        )
    if end - start > timedelta(days=limits.max_range_days):
        days = (end - start).total_seconds() / 86400
        raise ReportError(
            422,
            f"the range spans {days:.0f} days; a report spans at most {limits.max_range_days} days",
        )
    window = Window(start.astimezone(UTC), end.astimezone(UTC), interval)
    points = -(-(window.end - window.read_from) // STEP[interval])
    if points > limits.max_points:
        raise ReportError(
            422,
            f"interval={interval} over this range gives {points} points; the limit is "
            f"{limits.max_points} points per report: use a longer interval or a shorter range",
        )
    return window
