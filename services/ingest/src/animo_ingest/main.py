"""The ingest service's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from animo_shared.app import create_service_app
from animo_shared.events import Topic
from animo_shared.runtime import Runtime

from . import api, api_brands, api_errors, api_hooks, api_sources
from .components import Ingest, build
from .config import Settings
from .erasure import Eraser, erasure_handler


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    def wire(runtime: Runtime) -> Ingest:
        ingest = build(runtime, settings)
        # A group of its own: it reads crm's whole topic for `member.erased` and keeps its
        # own processed marks, apart from the inbound consumer's.
        runtime.consume([Topic.CRM], erasure_handler(Eraser(ingest.mentions)), group="erasure")
        return ingest

    app = create_service_app(
        service="ingest",
        title="Animo ingest",
        description="Listens: accepts mentions of brands pushed over HTTP, signed webhooks and "
        "Kafka, and pulled from feeds and forums; tags them with each brand's listening "
        "queries, deduplicates them and publishes `mention.received` on `animo.mentions.v1`. "
        "Accepts engagement events and publishes `engagement.recorded` on `animo.engagement.v1`. "
        "Blanks what it keeps of a person when crm publishes `member.erased`.",
        settings=settings,
        routers=[api.router, api_brands.router, api_sources.router],
        # Webhooks authenticate by their HMAC signature, not by the API key.
        public_routers=[api_hooks.router],
        wire=wire,
    )
    api_errors.install(app)
    return app
