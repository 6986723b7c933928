"""Moderation's HTTP routes: the decisions and their evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from animo_shared.events import BRAND_PATTERN, ModerationAction

from .models import Decision, DecisionPage
from .repository import DecisionRepository

router = APIRouter(prefix="/v1", tags=["decisions"])


def _decisions(request: Request) -> DecisionRepository:
    repository: DecisionRepository = request.app.state.service.decisions
    return repository


@router.get("/decisions", summary="A brand's moderation decisions, newest first")
async def list_decisions(
    request: Request,
    brand: Annotated[str, Query(pattern=BRAND_PATTERN)],
    action: ModerationAction | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> DecisionPage:
    items, total = await _decisions(request).page(brand, action, limit, offset)
    return DecisionPage(items=items, total=total)


@router.get("/decisions/{mention_id}", summary="The decision on one mention, with its evidence")
async def get_decision(request: Request, mention_id: str) -> Decision:
    found = await _decisions(request).get(mention_id)
    if found is None:
        raise HTTPException(404, f"no decision for mention {mention_id!r} (yet)")
    return found
