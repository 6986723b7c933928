"""Moderation's stored decision and API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from animo_shared.events import Finding, ModerationAction
from animo_shared.store import Document


class Decision(Document):
    """What moderation decided for one mention (the id is the mention id), with its evidence."""

    brand: str
    source: str
    author_handle: str
    action: ModerationAction
    categories: list[str]
    terms: list[str]
    findings: list[Finding]
    text: str
    published_at: datetime
    decided_at: datetime
    ruleset: str


class DecisionPage(BaseModel):
    items: list[Decision]
    total: int
