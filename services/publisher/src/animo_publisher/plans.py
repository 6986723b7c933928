"""Planning shapes: a brand's time zone and cadence, weekly queues of time slots, and campaigns."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from animo_shared.events import BrandId
from animo_shared.store import Document

from .cadence import CadenceRule, WeeklySlot, zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BrandSettingsIn(_Strict):
    timezone: str = Field(
        default="Europe/Paris", max_length=64, description="IANA time zone of the brand."
    )
    display_name: str | None = Field(
        default=None, max_length=100, description="How `{brand}` reads in replies."
    )
    cadence: CadenceRule | None = Field(
        default=None, description="Default cadence of every channel of the brand."
    )
    four_eyes: bool = Field(
        default=False, description="A post must be approved by someone other than its author."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value


class BrandSettings(Document):
    """Stored under the brand id."""

    timezone: str
    display_name: str | None = None
    cadence: CadenceRule | None = None
    four_eyes: bool = False
    updated_at: datetime | None = None


class QueueSlotIn(_Strict):
    day: Annotated[str, StringConstraints(to_lower=True)] = Field(description="mon … sun")
    time: str = Field(description="Local HH:MM.")

    @field_validator("day")
    @classmethod
    def _weekday(cls, value: str) -> str:
        if value not in WEEKDAYS:
            raise ValueError(f"day must be one of {', '.join(WEEKDAYS)}")
        return value

    @field_validator("time")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.fullmatch(value):
            raise ValueError("time must be HH:MM (24 h)")
        return value

    def weekly(self) -> WeeklySlot:
        return WeeklySlot(WEEKDAYS.index(self.day), time.fromisoformat(self.time))


class QueueIn(_Strict):
    brand: BrandId
    name: str = Field(min_length=1, max_length=100)
    slots: list[QueueSlotIn] = Field(
        min_length=1, max_length=200, description="Recurring weekly local times."
    )


class Queue(Document):
    brand: str
    name: str
    slots: list[QueueSlotIn]
    created_at: datetime

    def weekly(self) -> list[WeeklySlot]:
        return [slot.weekly() for slot in self.slots]


class QueuePage(BaseModel):
    items: list[Queue]


class CampaignIn(_Strict):
    brand: BrandId
    name: str = Field(min_length=1, max_length=100)
    starts_at: datetime = Field(description="Without an offset: in the brand's time zone.")
    ends_at: datetime

    @model_validator(mode="after")
    def _ordered(self) -> CampaignIn:
        naive = [d for d in (self.starts_at, self.ends_at) if d.tzinfo is None]
        if not naive and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class Campaign(Document):
    brand: str
    name: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime


class CampaignPage(BaseModel):
    items: list[Campaign]


class SlotProposal(BaseModel):
    at: datetime
    local: str = Field(description="The same instant on the brand's wall clock.")


class PlanOut(BaseModel):
    """Proposed times; `basis` says where they come from."""

    basis: str
    sources: list[str] = Field(
        default_factory=list,
        description="For best times: what ranked the hours (`post_metrics`, `engagement_events`).",
    )
    timezone: str
    slots: list[SlotProposal]
