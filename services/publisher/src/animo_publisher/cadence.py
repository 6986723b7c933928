"""Cadence ("animer"): brand-local time, quiet hours, minimum gaps, daily caps and the next free slot.

Pure functions, no I/O: callers pass the times already taken on each channel. All instants are
aware datetimes in UTC; "local" means in the brand's time zone, where days, quiet hours and
weekly queue slots are defined, so a day is 23 or 25 hours long across a DST change.
"""

from __future__ import annotations

import bisect
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

HORIZON = timedelta(days=60)
# Stored and shown as "HH:MM" text: both stores keep JSON-friendly scalars only.
LocalTime = Annotated[
    time,
    PlainSerializer(
        lambda t: t.isoformat("minutes" if not t.second else "seconds"), return_type=str
    ),
]
_MAX_STEPS = 20_000


class UnknownTimeZone(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown time zone {name!r} (an IANA name such as 'Europe/Paris')")
        self.name = name


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a DST change (02:30 on the night clocks go forward)."""


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(name) from None


def _exists(naive: datetime, tz: tzinfo) -> bool:
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def _gap_end(naive: datetime, tz: tzinfo) -> datetime:
    """The instant a DST gap ends (clocks jump forward), for a local time inside that gap."""
    # Within a gap, fold=1 reads the time with the offset after the change and lands before
    # the change; fold=0 with the offset before it and lands after. Bisect between them.
    lo = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    hi = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    after = hi.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def local_to_utc(day: date, at: time, tz: tzinfo) -> datetime:
    """A local wall-clock time as an instant. Skipped by DST: the first instant after the gap
    (03:00 for 02:30 in Paris). Repeated by DST: its first occurrence."""
    naive = datetime.combine(day, at)
    if not _exists(naive, tz):
        return _gap_end(naive, tz)
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def localize(value: datetime, tz: tzinfo) -> datetime:
    """An API datetime as a UTC instant: an aware one as is, a naive one read in `tz`, refused
    when that wall-clock time does not exist (DST gap); a repeated one is its first occurrence."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    naive = value.replace(tzinfo=None)
    if not _exists(naive, tz):
        raise NonexistentLocalTime(
            f"{naive.isoformat(timespec='minutes')} does not exist in {tz} "
            "(the clocks go forward that night)"
        )
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def day_bounds(instant: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """The local day holding `instant`, as [start, end) instants."""
    day = instant.astimezone(tz).date()
    return local_to_utc(day, time(0), tz), local_to_utc(day + timedelta(days=1), time(0), tz)


class QuietHours(BaseModel):
    """Local hours with no publishing, e.g. 22:00 to 07:00 (the end is excluded)."""

    model_config = ConfigDict(extra="forbid")

    start: LocalTime
    end: LocalTime

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet hours must start and end at different times")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are local wall-clock times, without an offset")
        return self

    def holds(self, local: time) -> bool:
        local = local.replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, instant: datetime, tz: tzinfo) -> datetime:
        """When the quiet period holding `instant` ends."""
        local = instant.astimezone(tz)
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)
        return local_to_utc(day, self.end, tz)


class CadenceRule(BaseModel):
    """Never flood, never go quiet too long: a brand's default, or a channel's own fields."""

    model_config = ConfigDict(extra="forbid")

    min_gap_minutes: int | None = Field(
        default=None, ge=0, le=10_080, description="Least time between two posts on a channel."
    )
    max_per_day: int | None = Field(
        default=None, ge=1, le=1000, description="Most posts on a channel per local day."
    )
    quiet_hours: QuietHours | None = Field(
        default=None, description="Local hours when nothing is published."
    )

    def over(self, base: CadenceRule | None) -> CadenceRule:
        """This rule's fields where set, else `base`'s (a channel's rule over its brand's)."""
        if base is None:
            return self
        return CadenceRule(
            min_gap_minutes=self.min_gap_minutes
            if self.min_gap_minutes is not None
            else base.min_gap_minutes,
            max_per_day=self.max_per_day if self.max_per_day is not None else base.max_per_day,
            quiet_hours=self.quiet_hours or base.quiet_hours,
        )


@dataclass(frozen=True)
class Refusal:
    """Why a time is refused: a stable code, the channel concerned (if any) and a sentence."""

    code: str
    message: str
    channel_id: str | None = None


@dataclass
class ChannelPlan:
    """One channel's rule and the instants already taken on it (sorted)."""

    channel_id: str
    name: str
    rule: CadenceRule
    taken: list[datetime] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.taken.sort()

    def take(self, instant: datetime) -> None:
        bisect.insort(self.taken, instant)

    def _count(self, start: datetime, end: datetime) -> int:
        return bisect.bisect_left(self.taken, end) - bisect.bisect_left(self.taken, start)

    def _near(self, instant: datetime, gap: timedelta) -> list[datetime]:
        lo = bisect.bisect_right(self.taken, instant - gap)
        hi = bisect.bisect_left(self.taken, instant + gap)
        return self.taken[lo:hi]

    def refusal(self, instant: datetime, tz: tzinfo) -> Refusal | None:
        rule, local = self.rule, instant.astimezone(tz)
        where = f"on {self.name}"
        if rule.quiet_hours and rule.quiet_hours.holds(local.time()):
            q = rule.quiet_hours
            return Refusal(
                "quiet_hours",
                f"{local:%H:%M} is inside the quiet hours {q.start:%H:%M} to {q.end:%H:%M} "
                f"({tz}) {where}",
                self.channel_id,
            )
        if rule.max_per_day is not None:
            start, end = day_bounds(instant, tz)
            if self._count(start, end) >= rule.max_per_day:
                return Refusal(
                    "max_per_day",
                    f"{local:%Y-%m-%d} already has {rule.max_per_day} post(s) {where}, "
                    "the most allowed per day",
                    self.channel_id,
                )
        if rule.min_gap_minutes:
            gap = timedelta(minutes=rule.min_gap_minutes)
            near = self._near(instant, gap)
            if near:
                other = near[0].astimezone(tz)
                return Refusal(
                    "min_gap",
                    f"another post goes out at {other:%Y-%m-%d %H:%M} {where}; posts there "
                    f"must be at least {rule.min_gap_minutes} minutes apart",
                    self.channel_id,
                )
        return None

    def earliest(self, instant: datetime, tz: tzinfo) -> datetime:
        """The first instant at or after `instant` this channel's rule allows."""
        rule = self.rule
        for _ in range(_MAX_STEPS):
            local = instant.astimezone(tz)
            if rule.quiet_hours and rule.quiet_hours.holds(local.time()):
                instant = rule.quiet_hours.end_after(instant, tz)
                continue
            if rule.max_per_day is not None:
                start, end = day_bounds(instant, tz)
                if self._count(start, end) >= rule.max_per_day:
                    instant = end
                    continue
            if rule.min_gap_minutes:
                near = self._near(instant, timedelta(minutes=rule.min_gap_minutes))
                if near:
                    instant = near[-1] + timedelta(minutes=rule.min_gap_minutes)
                    continue
            return instant
        raise RuntimeError("cadence search did not converge")  # pragma: no cover


def refusals(instant: datetime, plans: Sequence[ChannelPlan], tz: tzinfo) -> list[Refusal]:
    return [r for plan in plans if (r := plan.refusal(instant, tz)) is not None]


def next_free(
    instant: datetime,
    plans: Sequence[ChannelPlan],
    tz: tzinfo,
    *,
    not_after: datetime | None = None,
    horizon: timedelta = HORIZON,
) -> datetime | None:
    """The first instant at or after `instant` that every channel's rule allows, before
    `not_after` and within the horizon; None when there is none."""
    limit = instant + horizon if not_after is None else min(not_after, instant + horizon)
    for _ in range(_MAX_STEPS):
        if instant >= limit:
            return None
        moved = max((plan.earliest(instant, tz) for plan in plans), default=instant)
        if moved == instant:
            return instant
        instant = moved
    return None  # pragma: no cover


@dataclass(frozen=True)
class WeeklySlot:
    weekday: int  # Monday 0 … Sunday 6, as date.weekday()
    at: time


def weekly(
    after: datetime, slots: Sequence[WeeklySlot], tz: tzinfo, days: int
) -> Iterator[datetime]:
    """Occurrences of weekly local slots at or after `after`, in time order, for `days` days.
    A slot skipped by DST that night moves to the end of the gap."""
    first = after.astimezone(tz).date()
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        todays = sorted({s.at for s in slots if s.weekday == day.weekday()})
        for at in todays:
            instant = local_to_utc(day, at, tz)
            if instant >= after:
                yield instant
