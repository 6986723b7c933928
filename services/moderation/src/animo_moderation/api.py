"""Moderation's HTTP routes for decisions: list, get, audit trail, and a synchronous check.

A brand-restricted key lists its brands' decisions only (`brand` is required, and checked by
`require_key`); another brand's decision read by id is a 404, as if it did not exist.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError

from animo_shared.events import BRAND_PATTERN, ModerationAction
from animo_shared.http import check_brand, may_see, needs, visible_brands

from .api_models import (
    ACTOR_PATTERN,
    MAX_TEXT_CHARS,
    AuditTrail,
    DecisionPage,
    ModerateRequest,
    ModerationResult,
)
from .components import components
from .models import Decision
from .review_service import NotQueued
from .rules import RULESET_VERSION

router = APIRouter(prefix="/v1", tags=["decisions"])

ActorHeader = Annotated[
    str | None,
    Header(
        alias="X-Animo-Actor",
        description="Who acts (recorded in the audit trail); `admin` when absent.",
    ),
]


def actor(header: str | None, body: str | None = None) -> str:
    """Who acts: the body's `reviewer`, else the X-Animo-Actor header, else `admin` (one key for
    now; scoped keys will name the caller)."""
    if body is not None:
        return body
    if header is None:
        return "admin"
    if not re.fullmatch(ACTOR_PATTERN, header):
        raise RequestValidationError(
            [
                {
                    "type": "string_pattern_mismatch",
                    "loc": ("header", "x-animo-actor"),
                    "msg": f"String should match pattern '{ACTOR_PATTERN}'",
                    "input": header,
                }
            ]
        )
    return header


def invalid(problems: Sequence[tuple[tuple[str | int, ...], str]]) -> RequestValidationError:
    """A 422 like FastAPI's own, for checks across fields of a body."""
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", *loc), "msg": msg} for loc, msg in problems]
    )


@router.post(
    "/moderate",
    summary="Judge a text now (a draft, a tool) under a brand's policy; nothing is stored",
    response_model=ModerationResult,
    # It stores nothing: reading is enough (the publisher checks its drafts with it).
    openapi_extra=needs("moderation:read"),
)
async def moderate(request: Request, body: ModerateRequest) -> ModerationResult:
    if body.brand is not None:
        check_brand(request, body.brand)  # another brand's policy is that brand's data
    if len(body.text) > MAX_TEXT_CHARS:
        message = (
            f"text is {len(body.text)} characters long; at most {MAX_TEXT_CHARS} are "
            "moderated in one call"
        )
        raise invalid([(("text",), message)])
    outcome = await components(request).moderation.check(body.text, body.lang, body.brand)
    return ModerationResult.of(outcome, RULESET_VERSION)


@router.get("/decisions", summary="A brand's moderation decisions, newest first")
async def list_decisions(
    request: Request,
    brand: Annotated[str, Query(pattern=BRAND_PATTERN)],
    action: ModerationAction | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> DecisionPage:
    items, total = await components(request).decisions.page(brand, action, limit, offset)
    return DecisionPage(items=items, total=total)


@router.get("/decisions/{mention_id}", summary="The decision on one mention, with its evidence")
async def get_decision(request: Request, mention_id: str) -> Decision:
    found = await components(request).decisions.get(mention_id)
    if found is None or not may_see(request, found.brand):
        raise HTTPException(404, f"no decision for mention {mention_id!r} (yet)")
    return found


@router.get(
    "/decisions/{mention_id}/audit",
    summary="A decision's history: decided, claimed, approved or rejected, allow-listed",
)
async def get_audit(request: Request, mention_id: str) -> AuditTrail:
    try:
        decision, entries = await components(request).reviews.audit(
            mention_id, visible_brands(request)
        )
    except NotQueued as error:
        raise HTTPException(404, str(error)) from None
    return AuditTrail(
        mention_id=decision.id,
        decision_id=decision.decision_id,
        action=decision.action,
        entries=entries,
    )
