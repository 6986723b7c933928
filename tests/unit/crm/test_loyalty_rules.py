"""Loyalty's pure parts: points per event under caps, ledger order, voucher pool checks, periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from animo_crm.loyalty import daily_id, order_key, points_for
from animo_crm.loyalty_models import EarningRule
from animo_crm.rewards_periodic import last_period
from animo_crm.voucher import code_id, duplicates, malformed

T = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "value", "today", "expected"),
    [
        (EarningRule(points=10), None, 0, 10),
        (EarningRule(points=10, per_unit=1), 42.7, 0, 52),  # 42 whole units
        (EarningRule(points=0, per_unit=0.5), 9, 0, 4),
        (EarningRule(points=10, per_unit=1), -30, 0, 10),  # a refund earns no negative points
        (EarningRule(points=10, per_unit=1, daily_cap=100), 80, 52, 48),
        (EarningRule(points=10, daily_cap=100), None, 100, 0),
        (EarningRule(points=10, daily_cap=100), None, 130, 0),  # a lowered cap: never negative
        (EarningRule(points=2, daily_cap=0), None, 0, 0),
    ],
)
def test_points_for_an_event(
    rule: EarningRule, value: float | None, today: int, expected: int
) -> None:
    assert points_for(rule, value, today) == expected


def test_the_daily_cap_counts_utc_days() -> None:
    paris = timezone(timedelta(hours=1))
    same_utc_day = T.astimezone(paris)  # already the 22nd in Paris, still the 21st in UTC
    assert daily_id("m", "like", same_utc_day) == daily_id("m", "like", T - timedelta(hours=20))
    assert daily_id("m", "like", T) != daily_id("m", "like", T + timedelta(hours=1))
    assert daily_id("m", "like", T) != daily_id("m", "share", T)


def test_ledger_order_is_by_time_then_id_whatever_the_zone() -> None:
    later = order_key(T + timedelta(microseconds=1), "a")
    assert order_key(T, "b") < later
    assert order_key(T, "a") < order_key(T, "b")
    assert order_key(T.astimezone(timezone(timedelta(hours=-5))), "a") == order_key(T, "a")


def test_pool_checks_name_duplicates_and_malformed_codes() -> None:
    assert duplicates(["A", "B", "A", "C", "B", "A"]) == ["A", "B"]
    assert duplicates(["A", "a"]) == []  # codes are case-sensitive
    assert malformed(["OK-1", "ok.2", "", "has space", "-lead", "x" * 65, "é"]) == [
        "",
        "has space",
        "-lead",
        "x" * 65,
        "é",
    ]
    assert code_id("b1", "A") != code_id("b2", "A")


@pytest.mark.parametrize(
    ("kind", "now", "expected"),
    [
        ("month", T, "2026-10"),
        ("month", datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "2025-12"),
        ("week", T, "2026-W46"),  # Saturday of W47: W46 is the last complete week
        ("week", datetime(2026, 1, 1, tzinfo=UTC), "2025-W52"),
    ],
)
def test_last_complete_period(kind: str, now: datetime, expected: str) -> None:
    assert last_period(kind, now) == expected
