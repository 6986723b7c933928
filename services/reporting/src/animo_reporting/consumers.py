"""Reporting's consumer: every event it counts, in batches."""

from __future__ import annotations

from typing import Any

from animo_shared.events import Envelope
from animo_shared.store import Changes

from .service import ReportingService


def event_handler(service: ReportingService) -> Any:
    async def handle(events: list[Envelope[Any]]) -> Changes:
        return service.apply(events)

    return handle
