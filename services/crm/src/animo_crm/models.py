"""The CRM's stored member and API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from animo_shared.store import Document


class Member(Document):
    """One community member of a brand on one source, with what they did."""

    brand: str
    source: str
    handle: str
    name: str | None = None
    followers: int | None = None
    mentions: int = 0
    allowed: int = 0
    hidden: int = 0
    reviewed: int = 0
    escalated: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None


class MemberPage(BaseModel):
    items: list[Member]
    total: int
