"""The moderation service's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from animo_shared.app import create_service_app
from animo_shared.events import Topic
from animo_shared.runtime import Runtime

from . import api
from .config import Settings
from .consumers import mention_handler
from .repository import DecisionRepository
from .service import ModerationService


def create_app(settings: Settings | None = None) -> FastAPI:
    def wire(runtime: Runtime) -> ModerationService:
        service = ModerationService(DecisionRepository(runtime.store))
        runtime.consume([Topic.MENTIONS], mention_handler(service))
        return service

    return create_service_app(
        service="moderation",
        title="Animo moderation",
        description="Enforces the netiquette: decides allow / hide / review for every mention, "
        "with the evidence, and publishes `mention.moderated` on `animo.moderation.v1`.",
        settings=settings or Settings(),
        routers=[api.router],
        wire=wire,
    )
