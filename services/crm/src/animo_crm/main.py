"""The crm service's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from animo_shared.app import create_service_app
from animo_shared.events import Topic
from animo_shared.runtime import Runtime

from . import api
from .config import Settings
from .consumers import event_handler
from .repository import MemberRepository
from .service import CrmService


def create_app(settings: Settings | None = None) -> FastAPI:
    def wire(runtime: Runtime) -> CrmService:
        service = CrmService(MemberRepository(runtime.store))
        runtime.consume([Topic.MENTIONS, Topic.MODERATION], event_handler(service))
        return service

    return create_service_app(
        service="crm",
        title="Animo CRM",
        description="Knows the community: one member per brand, source and handle, with their "
        "mentions and moderation outcomes; publishes `member.created` on `animo.crm.v1`.",
        settings=settings or Settings(),
        routers=[api.router],
        wire=wire,
    )
