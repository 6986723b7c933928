"""The publisher's consumers: engagement events into the engagement history, and erasures."""

from __future__ import annotations

from typing import Any

from animo_shared.events import Envelope
from animo_shared.store import Changes

from .community import Community


def engagement_handler(community: Community) -> Any:
    async def handle(events: list[Envelope[Any]]) -> Changes:
        return await community.engagement(events)

    return handle


def erasure_handler(community: Community) -> Any:
    async def handle(events: list[Envelope[Any]]) -> Changes:
        return await community.erasures(events)

    return handle
