"""Moderation's HTTP routes for brand policies: read, change (a new version), list, activate,
and dry-run a draft on the mentions already decided.

Each route names its brand in the path, so `require_key` refuses another brand's key (403).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.http import needs

from .api import ActorHeader, actor, invalid
from .api_models import (
    CategoryChange,
    CategoryResult,
    DryRunExample,
    DryRunReport,
    PolicyChange,
    PolicyVersionPage,
    PolicyVersionSummary,
    PolicyView,
    Transition,
)
from .components import components
from .dryrun import dry_run
from .policy import problems
from .policy_engine import CompiledPolicy
from .policy_service import UnknownVersion
from .service import excerpt

router = APIRouter(prefix="/v1/brands/{brand}", tags=["policies"])
Brand = Annotated[str, Path(pattern=BRAND_PATTERN)]


def _checked(change: PolicyChange) -> PolicyChange:
    found = problems(change)
    if found:
        raise invalid(found)
    return change


@router.get("/policy", summary="The brand's active policy (the built-in one until it sets one)")
async def get_policy(request: Request, brand: Brand) -> PolicyView:
    current = await components(request).policies.current(brand)
    return PolicyView.of(brand, current, active=True)


@router.put(
    "/policy",
    summary="Change the brand's policy: a new immutable version, active at once",
    responses={200: {"description": "Unchanged: the body is the active policy already."}},
    status_code=201,
)
async def put_policy(
    request: Request, response: Response, brand: Brand, body: PolicyChange, who: ActorHeader = None
) -> PolicyView:
    _checked(body)
    version, created = await components(request).policies.change(
        brand, body.policy(), author=actor(who), note=body.note, now=utcnow()
    )
    if not created:
        response.status_code = 200
    return PolicyView.of(brand, version, active=True)


@router.get("/policy/versions", summary="The brand's policy versions, newest first")
async def list_versions(
    request: Request,
    brand: Brand,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> PolicyVersionPage:
    policies = components(request).policies
    current = await policies.current(brand)
    items, total = await policies.repository.versions(brand, limit, offset)
    active = current.number if current else 0
    return PolicyVersionPage(
        active=current.label if current else "default",
        total=total,
        items=[
            PolicyVersionSummary(
                version=v.label,
                number=v.number,
                active=v.number == active,
                created_at=v.created_at,
                created_by=v.created_by,
                note=v.note,
                based_on=v.based_on,
                custom_terms=len(v.policy.custom_terms),
                allow_list=len(v.policy.allow_list),
            )
            for v in items
        ],
    )


@router.get("/policy/versions/{number}", summary="One version of the brand's policy")
async def get_version(
    request: Request, brand: Brand, number: Annotated[int, Path(ge=1)]
) -> PolicyView:
    policies = components(request).policies
    found = await policies.repository.version(brand, number)
    if found is None:
        raise HTTPException(404, f"{brand!r} has no policy version {number}")
    current = await policies.current(brand)
    return PolicyView.of(brand, found, active=current is not None and current.number == number)


@router.post(
    "/policy/versions/{number}:activate",
    summary="Make an earlier (or later) version the active one: a rollback",
)
async def activate_version(
    request: Request, brand: Brand, number: Annotated[int, Path(ge=1)], who: ActorHeader = None
) -> PolicyView:
    policies = components(request).policies
    try:
        await policies.activate(brand, number, author=actor(who), now=utcnow())
    except UnknownVersion as error:
        raise HTTPException(404, str(error)) from None
    return PolicyView.of(brand, await policies.current(brand), active=True)


@router.post(
    "/policy:dry-run",
    summary="What a draft policy would change on the brand's mentions in a window; stores nothing",
    openapi_extra=needs("moderation:read"),  # a replay that stores nothing: reading is enough
)
async def dry_run_policy(
    request: Request,
    brand: Brand,
    body: PolicyChange,
    start: Annotated[
        datetime | None, Query(alias="from", description="Published from (default: 7 days ago).")
    ] = None,
    end: Annotated[
        datetime | None, Query(alias="to", description="Published before (now).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="Most mentions replayed.")] = 1000,
    examples: Annotated[int, Query(ge=0, le=100)] = 20,
) -> DryRunReport:
    _checked(body)
    end = end or utcnow()
    start = start or end - timedelta(days=7)
    if start >= end:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "to"), "msg": "`to` must be after `from`"}]
        )
    draft = CompiledPolicy.build("draft", body.policy())
    report = await dry_run(
        components(request).decisions, brand, draft, start, end, limit=limit, examples=examples
    )
    return DryRunReport(
        brand=brand,
        start=start,
        end=end,
        limit=limit,
        scanned=report.scanned,
        erased=report.erased,
        changed=report.changed,
        truncated=report.truncated,
        transitions=[
            Transition(current=current, draft=draft_action, count=count)
            for (current, draft_action), count in sorted(report.transitions.items())
        ],
        categories=[
            CategoryChange(
                name=name,
                mentions=tally.mentions,
                changed=tally.changed,
                draft_actions={a.value: n for a, n in sorted(tally.draft_actions.items())},
            )
            for name, tally in sorted(report.categories.items())
        ],
        examples=[
            DryRunExample(
                mention_id=example.decision.id,
                published_at=example.decision.published_at,
                current_action=example.decision.action,
                draft_action=example.outcome.action,
                reviewed=example.decision.review is not None,
                excerpt=excerpt(example.decision.text),
                categories=[CategoryResult.of(c) for c in example.outcome.categories],
            )
            for example in report.examples
        ],
    )
