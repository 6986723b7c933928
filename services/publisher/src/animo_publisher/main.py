"""The publisher service's composition root."""

from __future__ import annotations

import asyncio
import logging

import httpx
from fastapi import FastAPI

from animo_shared.app import create_service_app
from animo_shared.events import utcnow
from animo_shared.runtime import Runtime

from . import api
from .adapters import WebhookAdapter
from .config import Settings
from .repository import PostRepository
from .service import PublisherService

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    def wire(runtime: Runtime) -> PublisherService:
        client = httpx.AsyncClient(timeout=settings.delivery_timeout_seconds)
        service = PublisherService(PostRepository(runtime), WebhookAdapter(client))

        async def scheduler() -> None:
            try:
                while True:
                    while await service.publish_due(utcnow()):
                        pass
                    await asyncio.sleep(settings.tick_seconds)
            finally:
                await client.aclose()

        runtime.background("scheduler", scheduler)
        return service

    return create_service_app(
        service="publisher",
        title="Animo publisher",
        description="Publishes: channels per brand, posts scheduled on them and delivered when "
        "due (signed webhooks first); reports `post.published` / `post.failed` on "
        "`animo.posts.v1`.",
        settings=settings,
        routers=[api.router],
        wire=wire,
    )
