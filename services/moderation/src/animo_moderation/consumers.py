"""Moderation's consumer: decode is done by the bus; this hands mentions to the service."""

from __future__ import annotations

from typing import Any

from animo_shared.bus import Handler
from animo_shared.events import Envelope, utcnow
from animo_shared.store import Changes

from .service import ModerationService


def mention_handler(service: ModerationService) -> Handler:
    async def handle(events: list[Envelope[Any]]) -> Changes:
        mentions = [(e.data, e.correlationid) for e in events if e.type == "mention.received"]
        return await service.moderate(mentions, utcnow())

    return handle
