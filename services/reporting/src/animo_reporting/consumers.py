"""Reporting's consumer: every topic's events, folded into metric buckets batch by batch."""

from __future__ import annotations

from typing import Any

from animo_shared.events import Envelope
from animo_shared.store import Changes

from .service import ReportingService


def event_handler(service: ReportingService) -> Any:
    async def handle(events: list[Envelope[Any]]) -> Changes:
        return await service.apply(events)

    return handle
