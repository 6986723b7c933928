"""Engagement history: what the brand's community did, hour by hour, for best-time suggestions.

Each `engagement.recorded` adds its weight to the hour (UTC) it happened in: a like or a
click 1, a comment, a review or a purchase 2, a share 3, a sign-up 1. Only counts are kept,
never who did it, so there is nothing personal here to erase. Hours are stored in UTC and
read in the brand's time zone when suggesting, so a change of zone or a DST shift moves
nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from animo_shared.events import EngagementKind, EngagementRecorded
from animo_shared.store import Document

WEIGHTS: dict[EngagementKind, float] = {
    EngagementKind.LIKE: 1,
    EngagementKind.NEWSLETTER_CLICK: 1,
    EngagementKind.SIGNED_UP: 1,
    EngagementKind.COMMENT: 2,
    EngagementKind.REVIEW: 2,
    EngagementKind.PURCHASE: 2,
    EngagementKind.SHARE: 3,
}


class ActivityHour(Document):
    """The weighted engagement of one brand in one UTC hour."""

    brand: str
    hour: datetime
    score: float = 0
    events: int = 0


def hour_of(at: datetime) -> datetime:
    """The UTC hour an instant falls in (a naive time is read as UTC)."""
    at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    return at.replace(minute=0, second=0, microsecond=0)


def hour_id(brand: str, hour: datetime) -> str:
    return f"{brand}:{hour:%Y%m%dT%H}"


def weight(data: EngagementRecorded) -> float:
    return WEIGHTS.get(data.kind, 1)
