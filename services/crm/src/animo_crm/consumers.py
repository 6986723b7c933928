"""The CRM's consumer: mentions and moderation decisions, handed to the service in batches."""

from __future__ import annotations

from typing import Any

from animo_shared.events import Envelope, utcnow
from animo_shared.store import Changes

from .service import CrmService


def event_handler(service: CrmService) -> Any:
    async def handle(events: list[Envelope[Any]]) -> Changes:
        return await service.apply(events, utcnow())

    return handle
