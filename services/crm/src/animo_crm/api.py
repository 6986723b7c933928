"""The CRM's HTTP routes: members of a brand's community."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request

from animo_shared.events import BRAND_PATTERN

from .models import Member, MemberPage
from .repository import MemberRepository

router = APIRouter(prefix="/v1", tags=["members"])


def _members(request: Request) -> MemberRepository:
    repository: MemberRepository = request.app.state.service.members
    return repository


@router.get("/members", summary="A brand's members, most active or most recent first")
async def list_members(
    request: Request,
    brand: Annotated[str, Query(pattern=BRAND_PATTERN)],
    sort: Literal["mentions", "last_seen"] = "mentions",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> MemberPage:
    items, total = await _members(request).page(brand, sort, limit, offset)
    return MemberPage(items=items, total=total)


@router.get("/members/{member_id}", summary="One member")
async def get_member(request: Request, member_id: str) -> Member:
    found = await _members(request).get(member_id)
    if found is None:
        raise HTTPException(404, f"no member {member_id!r}")
    return found
