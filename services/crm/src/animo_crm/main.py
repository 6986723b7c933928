"""The crm service's composition root."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from animo_shared.app import create_service_app
from animo_shared.events import Topic, utcnow
from animo_shared.runtime import Runtime

from . import api, api_loyalty, api_segments
from .components import Components
from .config import Settings
from .consumers import event_handler
from .directory import MemberDirectory
from .erasure import ErasureParticipant
from .gdpr import Gdpr
from .loyalty_app import wire_loyalty
from .members import MemberAdmin
from .repository import CrmRepository
from .service import CrmService

TOPICS = (Topic.MENTIONS, Topic.MODERATION, Topic.ENGAGEMENT)


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] = utcnow
) -> FastAPI:
    settings = settings or Settings()
    common = settings.common.model_copy(
        update={"consumer_batch_size": settings.consumer_batch_size}
    )
    settings = settings.model_copy(update={"common": common})

    def wire(runtime: Runtime) -> Components:
        repository = CrmRepository(runtime.store)
        directory = MemberDirectory(repository)
        service = CrmService(repository)
        runtime.consume(list(TOPICS), event_handler(service))
        admin = MemberAdmin(repository, service, runtime.publish, clock)
        # Every part of the crm that keeps personal data registers here to be erased with it.
        participants: list[ErasureParticipant] = []
        loyalty = wire_loyalty(runtime, directory)  # its own consumer group and award task
        participants.append(loyalty.erasure)
        app.state.loyalty = loyalty
        return Components(
            repository=repository,
            directory=directory,
            service=service,
            admin=admin,
            gdpr=Gdpr(admin, participants),
            participants=participants,
        )

    app = create_service_app(
        service="crm",
        title="Animo CRM",
        description="Knows the community: members with their identities on every channel, "
        "timelines, scores (reach, love, sentiment, influence), tiers, segments and GDPR "
        "export and erasure, loyalty points and rewards; publishes `member.*` and "
        "`reward.granted` events on `animo.crm.v1`.",
        settings=settings,
        routers=[api.router, api_segments.router, api_loyalty.router],
        wire=wire,
    )
    return app
