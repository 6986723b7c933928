"""Moderation's HTTP routes for the human review queue: list, claim, approve, reject.

Deciding takes `moderation:review` (reading the queue, `moderation:read`); allow-listing a
decision's terms on a rejection changes the brand's policy, so it takes `moderation:write` too.
A brand-restricted key lists the queue of a brand it names (`require_key` refuses it one across
brands), and another brand's item, read or decided by id, is a 404 before anything changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, NoReturn

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import AfterValidator

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.http import check_scope, needs, visible_brands

from .api import ActorHeader, actor, invalid
from .api_models import ApproveBody, ClaimBody, RejectBody, ReviewPage, ReviewResult
from .components import components
from .models import ReviewItem, ReviewStatus
from .review import InvalidRuling, ReviewError, Ruling
from .review_service import NotQueued

router = APIRouter(prefix="/v1/review", tags=["review"])
REVIEW = needs("moderation:review")
POLICY_WRITE = "moderation:write"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _age(value: str) -> str:
    if not (len(value) >= 2 and value[:-1].isdigit() and value[-1] in _UNITS):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("a duration (90s, 15m, 2h, 3d) or an ISO 8601 instant") from None
    return value


def _cutoff(value: str | None) -> datetime | None:
    if value is None:
        return None
    if value[-1] in _UNITS and value[:-1].isdigit():
        return utcnow() - timedelta(seconds=int(value[:-1]) * _UNITS[value[-1]])
    instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return instant if instant.tzinfo else instant.replace(tzinfo=utcnow().tzinfo)


def _conflict(error: ReviewError) -> NoReturn:
    item = error.item
    detail: dict[str, object] = {"message": str(error)}
    if item is not None:
        detail |= {
            "status": item.status.value,
            "claimed_by": item.claimed_by,
            "claim_expires_at": item.claim_expires_at.isoformat()
            if item.claim_expires_at
            else None,
        }
    raise HTTPException(409, detail)


@router.get(
    "",
    summary="The review queue, oldest first",
    description="A brand-restricted API key must name its brand (`brand=`).",
)
async def list_queue(
    request: Request,
    brand: Annotated[str | None, Query(pattern=BRAND_PATTERN)] = None,
    status: ReviewStatus = ReviewStatus.PENDING,
    older_than: Annotated[
        str | None,
        Query(description="Only items older than this: 15m, 2h, 3d, or an ISO 8601 instant."),
        AfterValidator(_age),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ReviewPage:
    items, total = await components(request).reviews.queue(
        brand, status, _cutoff(older_than), limit, offset
    )
    return ReviewPage(items=items, total=total)


@router.get("/{decision_id}", summary="One queued decision")
async def get_item(request: Request, decision_id: str) -> ReviewItem:
    try:
        return await components(request).reviews.item(decision_id, visible_brands(request))
    except NotQueued as error:
        raise HTTPException(404, str(error)) from None


@router.post(
    "/{decision_id}:claim",
    summary="Claim a queued decision for a while (409 while someone else holds it)",
    openapi_extra=REVIEW,
)
async def claim(
    request: Request, decision_id: str, body: ClaimBody | None = None, who: ActorHeader = None
) -> ReviewItem:
    reviewer = actor(who, body.reviewer if body else None)
    try:
        return await components(request).reviews.claim(
            decision_id, reviewer, utcnow(), visible_brands(request)
        )
    except NotQueued as error:
        raise HTTPException(404, str(error)) from None
    except ReviewError as error:
        _conflict(error)


async def _settle(
    request: Request,
    decision_id: str,
    reviewer: str,
    ruling: Ruling,
    allow_list: bool = False,
    allow_terms: list[str] | None = None,
) -> ReviewResult:
    try:
        item, decision, version = await components(request).reviews.settle(
            decision_id,
            reviewer,
            ruling,
            utcnow(),
            allow_list=allow_list,
            allow_terms=allow_terms or [],
            brands=visible_brands(request),
        )
    except NotQueued as error:
        raise HTTPException(404, str(error)) from None
    except InvalidRuling as error:
        raise invalid([(("action",), str(error))]) from None
    except ReviewError as error:
        _conflict(error)
    return ReviewResult(
        item=item, decision=decision, policy_version=version.label if version else None
    )


@router.post(
    "/{decision_id}:approve",
    summary="The proposal stands (a `review` becomes `hide`); publishes decision.reviewed",
    openapi_extra=REVIEW,
)
async def approve(
    request: Request, decision_id: str, body: ApproveBody | None = None, who: ActorHeader = None
) -> ReviewResult:
    body = body or ApproveBody()
    reviewer = actor(who, body.reviewer)
    return await _settle(request, decision_id, reviewer, Ruling(approve=True, reason=body.reason))


@router.post(
    "/{decision_id}:reject",
    summary="The proposal was wrong: the final action instead, and optionally allow its terms",
    description="`allow_list: true` makes a new policy version: it takes `moderation:write` too.",
    openapi_extra=REVIEW,
)
async def reject(
    request: Request, decision_id: str, body: RejectBody, who: ActorHeader = None
) -> ReviewResult:
    if body.allow_list:
        check_scope(request, POLICY_WRITE)
    reviewer = actor(who, body.reviewer)
    ruling = Ruling(approve=False, reason=body.reason, action=body.action)
    return await _settle(
        request, decision_id, reviewer, ruling, body.allow_list, list(body.allow_terms)
    )
