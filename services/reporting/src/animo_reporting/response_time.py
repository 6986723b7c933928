"""Response time to complaints: business hours, the time they count, and the percentiles.

A complaint's response time runs from the complaint's publication to the brand's first
published post that answers it (`post.published` with `in_reply_to`). It is given twice:
wall-clock seconds, and business seconds (only the brand's opening hours count, in its time
zone). Percentiles interpolate linearly between the two nearest ranks (numpy's default).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(
    r"^\s*(?P<days>[A-Za-z,\-]+)\s+(?P<opens>\d{2}:\d{2})-(?P<closes>\d{2}:\d{2})\s+(?P<tz>\S+)\s*$"
)


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours on some weekdays (0 = Monday), in one IANA time zone."""

    timezone: str = "UTC"
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    opens: time = time(9)
    closes: time = time(18)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        if not self.days or any(day not in range(7) for day in self.days):
            raise ValueError("days must be weekdays 0 (Monday) to 6 (Sunday)")
        if self.closes <= self.opens:
            raise ValueError(f"closing time {self.closes} must be after opening time {self.opens}")

    def describe(self) -> str:
        days = ",".join(DAY_NAMES[day] for day in sorted(self.days))
        return f"{days} {self.opens:%H:%M}-{self.closes:%H:%M} {self.timezone}"


def parse_hours(spec: str) -> BusinessHours:
    """`mon-fri 09:00-18:00 Europe/Paris` or `mon,wed,sat 08:00-12:00 UTC`."""
    match = _SPEC.match(spec)
    if not match:
        raise ValueError(f"business hours {spec!r}: expected e.g. 'mon-fri 09:00-18:00 UTC'")
    days: set[int] = set()
    for part in match["days"].lower().split(","):
        first, _, last = part.partition("-")
        try:
            start = DAY_NAMES.index(first)
            end = DAY_NAMES.index(last) if last else start
        except ValueError:
            raise ValueError(f"business hours {spec!r}: unknown day in {part!r}") from None
        days.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)])
    return BusinessHours(
        timezone=match["tz"],
        days=tuple(sorted(days)),
        opens=time.fromisoformat(match["opens"]),
        closes=time.fromisoformat(match["closes"]),
    )


def business_seconds(start: datetime, end: datetime, hours: BusinessHours) -> float:
    """Seconds of [start, end) that fall in opening hours (DST-safe: compared in UTC)."""
    if end <= start:
        return 0.0
    zone = ZoneInfo(hours.timezone)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    total = 0.0
    while day <= last:
        if day.weekday() in hours.days:
            opens = datetime.combine(day, hours.opens, zone).astimezone(UTC)
            closes = datetime.combine(day, hours.closes, zone).astimezone(UTC)
            overlap = (min(end, closes) - max(start, opens)).total_seconds()
            total += max(0.0, overlap)
        day += timedelta(days=1)
    return total


def quantile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class ResponseValues(BaseModel):
    complaints: int = Field(description="The brand's own mentions marked as complaints.")
    answered: int = Field(description="Of those, answered by a published reply post.")
    unanswered: int
    median_seconds: float | None
    p90_seconds: float | None
    median_business_seconds: float | None
    p90_business_seconds: float | None


def response_values(
    complaints: int, spans: Sequence[tuple[datetime, datetime]], hours: BusinessHours
) -> ResponseValues:
    wall = [(reply - complaint).total_seconds() for complaint, reply in spans]
    business = [business_seconds(complaint, reply, hours) for complaint, reply in spans]

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return ResponseValues(
        complaints=complaints,
        answered=len(spans),
        unanswered=max(0, complaints - len(spans)),
        median_seconds=rounded(quantile(wall, 0.5)),
        p90_seconds=rounded(quantile(wall, 0.9)),
        median_business_seconds=rounded(quantile(business, 0.5)),
        p90_business_seconds=rounded(quantile(business, 0.9)),
    )
