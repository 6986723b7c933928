"""Source health and back-off: growing, jittered, capped delays after failures; the interval again after a success."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from animo_ingest.connectors import SourceError, SourceHealth, next_attempt
from animo_ingest.connectors.health import after_failure, after_success

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def failed(times: int) -> SourceHealth:
    return SourceHealth(source_id="s", status="backing_off", consecutive_failures=times)


def delay(health: SourceHealth, interval: float = 300, **kw: Any) -> float:
    return float((next_attempt(health, NOW, interval, True, **kw) - NOW).total_seconds())


def test_failure_delays_double_from_the_interval_up_to_an_hour() -> None:
    top = [delay(failed(n), rng=lambda: 1.0) for n in range(1, 8)]
    bottom = [delay(failed(n), rng=lambda: 0.0) for n in range(1, 8)]

    assert top == [300, 600, 1200, 2400, 3600, 3600, 3600]
    assert bottom == [d / 2 for d in top]  # equal jitter: somewhere in [d/2, d]


def test_delays_never_shrink_below_the_cap_whatever_the_jitter() -> None:
    # Worst case: the top of one step's range against the bottom of the next.
    for n in range(1, 4):
        assert delay(failed(n), rng=lambda: 1.0) <= delay(failed(n + 1), rng=lambda: 0.0)


def test_long_intervals_raise_the_cap_and_huge_failure_counts_do_not_overflow() -> None:
    assert delay(failed(1), interval=86_400, rng=lambda: 1.0) == 86_400
    assert delay(failed(10**6), rng=lambda: 1.0) == 3600


def test_permanent_errors_wait_the_cap_and_retry_after_is_honoured_up_to_a_day() -> None:
    assert delay(failed(1), retryable=False, rng=lambda: 1.0) == 3600
    assert delay(failed(1), retry_after=7200.0, rng=lambda: 0.0) == 7200
    assert delay(failed(1), retry_after=10.0**9, rng=lambda: 0.0) == 86_400
    assert delay(failed(4), retry_after=5.0, rng=lambda: 1.0) == 2400  # the longer one wins


def test_a_success_waits_the_interval_less_up_to_ten_percent() -> None:
    health = SourceHealth(source_id="s")

    assert next_attempt(health, NOW, 300, False, rng=lambda: 0.0) == NOW + timedelta(seconds=300)
    assert next_attempt(health, NOW, 300, False, rng=lambda: 1.0) == NOW + timedelta(seconds=270)


@pytest.mark.parametrize(
    ("before", "retryable", "status"),
    [
        (0, True, "backing_off"),
        (1, True, "backing_off"),
        (2, True, "failing"),
        (0, False, "failing"),
    ],
)
def test_failure_status(before: int, retryable: bool, status: str) -> None:
    health = SourceHealth(source_id="s", consecutive_failures=before, items_seen=7)

    after = after_failure(health, NOW, SourceError("HTTP 503", retryable), 300, rng=lambda: 1.0)

    assert after.status == status
    assert after.consecutive_failures == before + 1
    assert (after.last_error, after.last_error_at, after.items_seen) == ("HTTP 503", NOW, 7)
    assert not after.healthy
    assert not after.due(NOW) and after.due(NOW + timedelta(hours=1))


def test_success_resets_failures_and_counts_items() -> None:
    sick = after_failure(SourceHealth(source_id="s", items_seen=3), NOW, SourceError("x"), 300)

    well = after_success(sick, NOW, 5, 300, rng=lambda: 0.0)

    assert (well.status, well.consecutive_failures, well.items_seen) == ("healthy", 0, 8)
    assert well.last_success == NOW and well.last_error == "x"
    assert well.next_attempt_at == NOW + timedelta(seconds=300)
    assert well.healthy


def test_health_is_served_as_json_and_read_back() -> None:
    health = after_failure(SourceHealth(source_id="s"), NOW, SourceError("x" * 900), 300)

    assert len(health.last_error or "") == 500
    assert SourceHealth.model_validate_json(health.model_dump_json()) == health
    assert SourceHealth(source_id="new").status == "pending"
