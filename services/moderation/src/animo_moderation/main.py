"""The moderation service's composition root."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from animo_shared.app import create_service_app
from animo_shared.events import Topic
from animo_shared.forget import Forgotten
from animo_shared.runtime import Runtime

from . import api, api_policy, api_review
from .components import Components
from .config import Settings
from .consumers import mention_handler
from .erasure import ErasureService, erasure_handler
from .policy_repository import PolicyRepository
from .policy_service import PolicyService
from .repository import DecisionRepository, ReviewRepository
from .review_service import ReviewService
from .service import ModerationService


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    def wire(runtime: Runtime) -> Components:
        decisions = DecisionRepository(runtime.store)
        reviews = ReviewRepository(runtime.store)
        policies = PolicyService(PolicyRepository(runtime.store))
        forgotten = Forgotten(runtime.store)
        moderation = ModerationService(decisions, reviews, policies, forgotten)
        lease = timedelta(seconds=settings.review_claim_seconds)
        review = ReviewService(decisions, reviews, policies, runtime.publish, lease)
        runtime.consume([Topic.MENTIONS], mention_handler(moderation))
        # Its own group: forgetting a member never waits behind a backlog of mentions.
        runtime.consume(
            [Topic.CRM],
            erasure_handler(ErasureService(decisions, reviews, forgotten)),
            group="erasure",
        )
        return Components(decisions, moderation, policies, review)

    return create_service_app(
        service="moderation",
        title="Animo moderation",
        description="Enforces each brand's netiquette: decides allow / hide / review / escalate "
        "for every mention under the brand's versioned policy, with the evidence; publishes "
        "`mention.moderated` and `decision.reviewed` on `animo.moderation.v1` and routes "
        "complaints as `complaint.detected` on `animo.alerts.v1`. Review and escalate "
        "decisions wait in a human review queue. On `member.erased` (`animo.crm.v1`) the "
        "member's texts, handles and excerpts are blanked; counts stay.",
        settings=settings,
        routers=[api.router, api_policy.router, api_review.router],
        wire=wire,
    )
