"""Reporting's stored documents: metric buckets, the per-mention join state, alerts and settings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict

from animo_shared.store import Document

Resolution = Literal["minute", "hour", "day", "all"]


class Counters(Document):
    """A document whose counters are free-form fields (see fields.py), written by `$inc`."""

    model_config = ConfigDict(extra="allow")

    def counters(self) -> dict[str, float]:
        """The counters (every undeclared field), not copied: read them, do not change them."""
        extra: dict[str, float] = self.__pydantic_extra__ or {}
        return extra


class TotalsBucket(Counters):
    """Every counter of one brand over one minute, hour, day (or its lifetime: `all`).

    A bucket is one document, or a few `part`s when one batch touches more counters than
    one in-place update may carry; readers sum the parts.
    """

    brand: str
    res: Resolution
    start: datetime
    part: int = 0

    @property
    def mentions(self) -> int:
        return round(self.counters().get("mentions", 0))


class SliceBucket(Counters):
    """Mentions of one brand from one source in one hour or day, counted per language x
    sentiment x moderation action x subject (cells `x_<lang>_<sentiment>_<action>_<about>`,
    `about` '' for the brand itself, else the competitor's name). One document per source
    (and `part`s when a batch touches many cells) keeps a batch's writes few."""

    brand: str
    res: Resolution
    start: datetime
    source: str
    part: int = 0


class RankingBucket(Counters):
    """Per-hour counters with open-ended names: authors (`n_`, `f_`) or terms (`h_`, `t_`).

    Hourly, not daily: SQLite rewrites a whole document on each in-place update, so the
    documents a batch touches stay as small as one hour's authors or terms."""

    brand: str
    kind: Literal["authors", "terms"]
    hour: datetime
    shard: int
    part: int = 0
    # The one indexed field, "<brand>|<kind>|<YYYY-MM-DDTHH:MM>": an index of one expression
    # costs one parse of these large documents per write, where (brand, kind, hour) cost six.
    slot: str


class BrandSeen(Document):
    """A brand reporting has seen at least one event of; the unknown-brand check reads it."""

    brand: str
    first_seen: datetime
    last_seen: datetime


class MentionState(Document):
    """What reporting knows of one mention (id = mention id) while its halves are joined.

    The mention (source, language, subject) and its moderation (sentiment, action) arrive
    on two topics in either order, a reply post may even come first. The consumer writes
    and reads one of these per mention, so the join's fields travel as one compact string
    (`aggregation.Join.encode`): a tenth of the cost of a document with a field each.
    """

    brand: str
    seen_at: datetime
    join: str


class ResponseRecord(Document):
    """A complaint the brand answered (id = the complaint's mention id)."""

    brand: str
    source: str
    topic: str
    complained_at: datetime
    replied_at: datetime


class AlertStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class AlertRecord(Document):
    """One spike: raised once, resolved once, with the figures that explain it."""

    brand: str
    kind: str
    status: AlertStatus
    started_at: datetime
    resolved_at: datetime | None = None
    observed: float
    baseline: float
    z: float
    previous_12h_rate: float
    last_week_rate: float
    peak: float
    message: str
    method: str


class DetectorState(Document):
    """The hysteresis of one brand x kind: idle, or holding an open alert (id derived)."""

    brand: str
    kind: str
    open_alert: str | None = None
    episode: int = 0
    last_resolved_at: datetime | None = None


class BrandSettingsDoc(Document):
    """Reporting's settings for one brand (id = brand): webhook, sensitivity, business hours."""

    brand: str
    webhook_url: str | None = None
    webhook_secret: str | None = None
    sensitivity: str | None = None
    min_count: int | None = None
    timezone: str | None = None
    days: list[int] | None = None
    opens: str | None = None
    closes: str | None = None
    updated_at: datetime


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Delivery(Document):
    """One alert event to POST to a brand's webhook, retried with back-off until it lands."""

    brand: str
    event_id: str
    event_type: str
    url: str
    body: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_at: datetime
    created_at: datetime
    last_error: str | None = None
