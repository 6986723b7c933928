"""A source's health as the API and the metrics show it, and when to try it next: on time after a success, backed off exponentially with jitter after failures."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import SourceError

HealthStatus = Literal["pending", "healthy", "backing_off", "failing"]
BACKOFF_CAP = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(hours=24)
# After this many failures in a row a source is "failing" (needs a look), not just backing off.
FAILING_AFTER = 3
# A success waits the interval minus up to this share, so sources started together drift apart.
SUCCESS_JITTER = 0.1
MAX_ERROR_CHARS = 500


class SourceHealth(BaseModel):
    """Where a source stands; stored beside its cursor and served as is by the API."""

    model_config = ConfigDict(frozen=True)

    source_id: str
    status: HealthStatus = Field(
        default="pending",
        description="pending: never polled; healthy: last pull worked; backing_off: a "
        "transient failure, retried later; failing: repeated or permanent failures.",
    )
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    items_seen: int = Field(default=0, description="New items pulled since the source was added.")
    next_attempt_at: datetime | None = None

    @property
    def healthy(self) -> bool:
        return self.status in ("pending", "healthy")

    def due(self, now: datetime) -> bool:
        return self.next_attempt_at is None or self.next_attempt_at <= now


def next_attempt(
    health: SourceHealth,
    now: datetime,
    interval: float,
    error: bool,
    *,
    retryable: bool = True,
    retry_after: float | None = None,
    rng: Callable[[], float] = random.random,
) -> datetime:
    """When to poll next; `health` is the state *after* this attempt was counted.

    Success: the interval, less up to 10 % jitter. Failure n: "equal jitter" in
    [d/2, d] with d = interval x 2^(n-1), capped at an hour (or the interval, if longer):
    below the cap each range starts where the last one ended, so delays never shrink.
    A permanent failure waits the cap; a server's Retry-After is honoured up to a day.
    """
    if not error:
        return now + timedelta(seconds=interval * (1 - SUCCESS_JITTER * rng()))
    cap = max(BACKOFF_CAP.total_seconds(), interval)
    failures = max(1, health.consecutive_failures)
    # The exponent is clamped so a source failing for months cannot overflow a float.
    ceiling = cap if not retryable else min(cap, interval * 2 ** min(failures - 1, 32))
    delay = ceiling / 2 + rng() * ceiling / 2
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER.total_seconds()))
    return now + timedelta(seconds=delay)


def after_success(
    health: SourceHealth,
    now: datetime,
    new_items: int,
    interval: float,
    rng: Callable[[], float] = random.random,
) -> SourceHealth:
    """Healthy again: failures reset, items counted, next poll on the normal interval."""
    updated = health.model_copy(
        update={
            "status": "healthy",
            "last_success": now,
            "consecutive_failures": 0,
            "items_seen": health.items_seen + new_items,
        }
    )
    return updated.model_copy(
        update={"next_attempt_at": next_attempt(updated, now, interval, False, rng=rng)}
    )


def after_failure(
    health: SourceHealth,
    now: datetime,
    error: SourceError,
    interval: float,
    rng: Callable[[], float] = random.random,
) -> SourceHealth:
    """One more failure: status from the count and the error's kind, next poll backed off."""
    failures = health.consecutive_failures + 1
    failing = not error.retryable or failures >= FAILING_AFTER
    updated = health.model_copy(
        update={
            "status": "failing" if failing else "backing_off",
            "last_error": error.reason[:MAX_ERROR_CHARS],
            "last_error_at": now,
            "consecutive_failures": failures,
        }
    )
    when = next_attempt(
        updated,
        now,
        interval,
        True,
        retryable=error.retryable,
        retry_after=error.retry_after,
        rng=rng,
    )
    return updated.model_copy(update={"next_attempt_at": when})
