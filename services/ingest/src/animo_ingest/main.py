"""The ingest service's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from animo_shared.app import create_service_app
from animo_shared.runtime import Runtime

from . import api
from .config import Settings
from .repository import MentionRepository
from .service import IngestService


def create_app(settings: Settings | None = None) -> FastAPI:
    def wire(runtime: Runtime) -> IngestService:
        return IngestService(MentionRepository(runtime))

    return create_service_app(
        service="ingest",
        title="Animo ingest",
        description="Listens: accepts mentions of brands from sources and brand-side systems, "
        "deduplicates them and publishes `mention.received` on `animo.mentions.v1`.",
        settings=settings or Settings(),
        routers=[api.router],
        wire=wire,
    )
