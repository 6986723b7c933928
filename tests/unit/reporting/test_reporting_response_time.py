"""Business hours, business seconds (weekends, time zones, DST) and percentiles."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from animo_reporting.response_time import (
    BusinessHours,
    business_seconds,
    parse_hours,
    quantile,
    response_values,
)

MONDAY = datetime(2026, 11, 16, tzinfo=UTC)


def test_parse_hours() -> None:
    hours = parse_hours("mon-fri 09:00-18:00 Europe/Paris")
    assert hours == BusinessHours("Europe/Paris", (0, 1, 2, 3, 4), time(9), time(18))
    assert parse_hours("sat,Sun 10:00-12:30 UTC").days == (5, 6)
    assert parse_hours("fri-mon 08:00-12:00 UTC").days == (0, 4, 5, 6)
    assert hours.describe() == "mon,tue,wed,thu,fri 09:00-18:00 Europe/Paris"
    for bad, message in [
        ("weekdays", "expected e.g."),
        ("mon-fry 09:00-18:00 UTC", "unknown day"),
        ("mon 18:00-09:00 UTC", "must be after"),
        ("mon 09:00-18:00 Mars/Olympus", "unknown time zone"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_hours(bad)


def test_business_seconds_skip_nights_and_weekends() -> None:
    hours = BusinessHours()  # mon-fri 09:00-18:00 UTC
    friday_5pm = MONDAY + timedelta(days=4, hours=17)
    monday_10am = MONDAY + timedelta(days=7, hours=10)
    assert business_seconds(friday_5pm, monday_10am, hours) == 2 * 3600
    assert business_seconds(MONDAY + timedelta(hours=20), MONDAY + timedelta(hours=23), hours) == 0
    assert business_seconds(monday_10am, friday_5pm, hours) == 0  # reversed: nothing


def test_business_seconds_follow_the_brand_time_zone_across_dst() -> None:
    paris = BusinessHours("Europe/Paris", (0, 1, 2, 3, 4, 5, 6), time(9), time(18))
    # Sunday 29 March 2026: clocks go 02:00 -> 03:00 in Paris; 09:00 Paris is 07:00 UTC.
    sunday = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    assert business_seconds(sunday, sunday + timedelta(hours=2), paris) == 3600
    # The day before, 09:00 Paris was 08:00 UTC.
    saturday = datetime(2026, 3, 28, 7, 0, tzinfo=UTC)
    assert business_seconds(saturday, saturday + timedelta(hours=2), paris) == 3600


def test_quantiles_interpolate_like_numpy() -> None:
    assert quantile([], 0.5) is None
    assert quantile([7], 0.9) == 7
    assert quantile([1, 2, 3, 4], 0.5) == 2.5
    assert quantile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9) == pytest.approx(91)


def test_response_values_count_unanswered() -> None:
    spans = [(MONDAY + timedelta(hours=9), MONDAY + timedelta(hours=10))]
    values = response_values(3, spans, BusinessHours())
    assert (values.complaints, values.answered, values.unanswered) == (3, 1, 2)
    assert values.median_seconds == values.median_business_seconds == 3600
