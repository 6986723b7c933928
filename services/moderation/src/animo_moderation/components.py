"""What the composition root builds and the routes use: the service's parts, typed."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from .policy_service import PolicyService
from .repository import DecisionRepository
from .review_service import ReviewService
from .service import ModerationService


@dataclass(frozen=True)
class Components:
    decisions: DecisionRepository
    moderation: ModerationService
    policies: PolicyService
    reviews: ReviewService


def components(request: Request) -> Components:
    found: Components = request.app.state.service
    return found
