"""Cadence and slot finding without I/O: quiet hours, gaps, daily caps, time zones and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest

from animo_publisher.cadence import (
    CadenceRule,
    ChannelPlan,
    NonexistentLocalTime,
    QuietHours,
    UnknownTimeZone,
    WeeklySlot,
    day_bounds,
    local_to_utc,
    localize,
    next_free,
    refusals,
    weekly,
    zone,
)

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)  # type: ignore[misc]


def plan(rule: CadenceRule, *taken: datetime, name: str = "c") -> ChannelPlan:
    return ChannelPlan(name, name, rule, list(taken))


def test_the_default_zone_is_available_here() -> None:
    assert "Europe/Paris" in available_timezones()
    with pytest.raises(UnknownTimeZone):
        zone("Mars/Olympus")


def test_quiet_hours_wrap_around_midnight() -> None:
    night = QuietHours(start=time(22), end=time(7))
    assert night.holds(time(23, 30)) and night.holds(time(6, 59)) and not night.holds(time(7))
    day = QuietHours(start=time(12), end=time(14))
    assert day.holds(time(12)) and not day.holds(time(14))
    assert night.end_after(paris(2031, 6, 2, 23, 0), PARIS) == paris(2031, 6, 3, 7, 0)
    assert night.end_after(paris(2031, 6, 3, 1, 0), PARIS) == paris(2031, 6, 3, 7, 0)
    with pytest.raises(ValueError, match="different times"):
        QuietHours(start=time(1), end=time(1))


def test_each_rule_refuses_with_its_reason() -> None:
    rule = CadenceRule(
        min_gap_minutes=90, max_per_day=2, quiet_hours={"start": "22:00", "end": "08:00"}
    )
    busy = plan(rule, paris(2031, 6, 2, 9, 0), paris(2031, 6, 2, 12, 0))
    assert [r.code for r in refusals(paris(2031, 6, 2, 23, 0), [busy], PARIS)] == ["quiet_hours"]
    assert [r.code for r in refusals(paris(2031, 6, 2, 16, 0), [busy], PARIS)] == ["max_per_day"]
    light = plan(rule, paris(2031, 6, 2, 9, 0))
    (gap,) = refusals(paris(2031, 6, 2, 10, 0), [light], PARIS)
    assert gap.code == "min_gap" and "90 minutes" in gap.message and "09:00" in gap.message
    assert refusals(paris(2031, 6, 2, 10, 30), [light], PARIS) == []


def test_the_next_free_slot_satisfies_every_channel() -> None:
    gap = plan(CadenceRule(min_gap_minutes=60), paris(2031, 6, 2, 10, 0), name="a")
    quiet = plan(CadenceRule(quiet_hours={"start": "10:30", "end": "11:15"}), name="b")
    found = next_free(paris(2031, 6, 2, 10, 15), [gap, quiet], PARIS)
    assert found == paris(2031, 6, 2, 11, 15)
    capped = plan(CadenceRule(max_per_day=1), paris(2031, 6, 2, 8, 0))
    assert next_free(paris(2031, 6, 2, 12, 0), [capped], PARIS) == paris(2031, 6, 3, 0, 0)
    assert (
        next_free(paris(2031, 6, 2, 12, 0), [capped], PARIS, not_after=paris(2031, 6, 2, 23, 0))
        is None
    )


def test_a_full_calendar_has_no_slot_within_the_horizon() -> None:
    rule = CadenceRule(max_per_day=1)
    start = paris(2031, 6, 2, 0, 0)
    taken = [start + timedelta(days=d, hours=12) for d in range(70)]
    assert next_free(start, [plan(rule, *taken)], PARIS) is None


def test_channel_rules_override_the_brands_field_by_field() -> None:
    brand = CadenceRule(
        min_gap_minutes=60, max_per_day=3, quiet_hours={"start": "22:00", "end": "07:00"}
    )
    merged = CadenceRule(max_per_day=10).over(brand)
    assert (merged.min_gap_minutes, merged.max_per_day) == (60, 10)
    assert merged.quiet_hours == brand.quiet_hours
    assert CadenceRule().over(None) == CadenceRule()


def test_days_follow_the_wall_clock_across_dst() -> None:
    spring = day_bounds(paris(2031, 3, 30, 12, 0), PARIS)
    autumn = day_bounds(paris(2031, 10, 26, 12, 0), PARIS)
    assert spring[1] - spring[0] == timedelta(hours=23)
    assert autumn[1] - autumn[0] == timedelta(hours=25)
    rule = CadenceRule(max_per_day=1)
    # 23:30 UTC on the 29th is already the 30th in Paris: the same local day as noon.
    taken = plan(rule, datetime(2031, 3, 29, 23, 30, tzinfo=UTC))
    assert refusals(paris(2031, 3, 29, 20, 0), [taken], PARIS) == []
    assert refusals(paris(2031, 3, 30, 20, 0), [taken], PARIS)[0].code == "max_per_day"


def test_local_times_skipped_or_repeated_by_dst() -> None:
    with pytest.raises(NonexistentLocalTime, match="does not exist in Europe/Paris"):
        localize(datetime(2031, 3, 30, 2, 30), PARIS)
    assert localize(datetime(2031, 10, 26, 2, 30), PARIS) == datetime(
        2031, 10, 26, 0, 30, tzinfo=UTC
    )
    assert localize(datetime(2031, 6, 2, 9, 0, tzinfo=UTC), PARIS) == datetime(
        2031, 6, 2, 9, 0, tzinfo=UTC
    )
    # A wall-clock slot inside the gap moves to the end of the gap (03:00 CEST).
    assert local_to_utc(date(2031, 3, 30), time(2, 30), PARIS) == datetime(
        2031, 3, 30, 1, 0, tzinfo=UTC
    )
    night = QuietHours(start=time(1), end=time(2, 30))
    assert night.end_after(paris(2031, 3, 30, 1, 30), PARIS) == datetime(
        2031, 3, 30, 1, 0, tzinfo=UTC
    )


def test_weekly_slots_keep_their_local_time_across_dst() -> None:
    sunday_nine = [WeeklySlot(6, time(9))]
    found = list(weekly(paris(2031, 3, 22, 12, 0), sunday_nine, PARIS, 14))
    assert found == [paris(2031, 3, 23, 9, 0), paris(2031, 3, 30, 9, 0)]
    assert found[1] - found[0] == timedelta(days=7, hours=-1)
    monday = list(weekly(paris(2031, 6, 2, 9, 0), [WeeklySlot(0, time(9))], PARIS, 0))
    assert monday == [paris(2031, 6, 2, 9, 0)], "a slot at the very start counts"
