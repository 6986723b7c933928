"""The reporting service's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from animo_shared.app import create_service_app
from animo_shared.events import Topic
from animo_shared.runtime import Runtime

from . import api
from .config import Settings
from .consumers import event_handler
from .repository import BucketRepository
from .service import ReportingService


def create_app(settings: Settings | None = None) -> FastAPI:
    def wire(runtime: Runtime) -> ReportingService:
        service = ReportingService(BucketRepository(runtime.store))
        runtime.consume([Topic.MENTIONS, Topic.MODERATION], event_handler(service))
        return service

    return create_service_app(
        service="reporting",
        title="Animo reporting",
        description="Measures: counts every mention and moderation decision into hourly "
        "buckets per brand and source, and reports volume over time.",
        settings=settings or Settings(),
        routers=[api.router],
        wire=wire,
    )
