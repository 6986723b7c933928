"""Reporting's stored buckets and report shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from animo_shared.store import Document


class HourBucket(Document):
    """Counts for one brand, source and hour; updated in place by pre-aggregated increments."""

    brand: str
    source: str
    hour: datetime
    mentions: int = 0
    action_allow: int = 0
    action_hide: int = 0
    action_review: int = 0
    action_escalate: int = 0


class Counts(BaseModel):
    mentions: int = 0
    by_source: dict[str, int] = Field(default_factory=dict)
    by_action: dict[str, int] = Field(default_factory=dict)


class VolumeBucket(Counts):
    start: datetime


class VolumeReport(BaseModel):
    brand: str
    interval: Literal["hour", "day"]
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    buckets: list[VolumeBucket]
    totals: Counts
