"""The CRM's member routes: leaderboards, profiles, timeline, tags, consents, notes, links, press.

A brand-restricted key names its brand on the lists (`brand=` is required, `require_key` checks
it) and gets the 404 of an unknown id for another brand's member, before anything is changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.http import may_see, needs

from . import scoring
from .audience import select
from .components import Components
from .members import Refused, UnknownMember
from .models import Member, MemberView, MergeRecord, Outreach, OutreachStatus, TimelineEntry
from .scoring import TIERS, TierSettings
from .segments import Filter, FilterError, parse

router = APIRouter(prefix="/v1", tags=["members"])

Sort = Literal["influence", "reach", "love", "sentiment", "mentions", "last_seen"]
BrandPath = Annotated[str, Path(pattern=BRAND_PATTERN)]
MemberId = Annotated[str, Field(min_length=1, max_length=100)]
# A person's whole file, or its erasure everywhere (irreversible, fanned out to every service
# on `member.erased`): a scope of its own, for whoever answers GDPR requests, so that keys
# that read or edit members (`crm:read`, `crm:write`) can do neither.
GDPR = needs("crm:gdpr")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MemberPage(BaseModel):
    items: list[MemberView]
    total: int


class TimelinePage(BaseModel):
    items: list[TimelineEntry]
    total: int


class Profile(BaseModel):
    member: MemberView
    aliases: list[str] = Field(description="Member ids merged into this one, itself first.")
    love_now: float = Field(description="Love decayed from the last activity to now.")
    timeline: list[TimelineEntry] = Field(description="The newest entries (see /timeline).")
    timeline_total: int
    notes: list[TimelineEntry]


class MemberUpdate(_Strict):
    tags: list[Annotated[str, Field(pattern=r"^[\w.:-]{1,50}$")]] | None = Field(
        default=None, max_length=50
    )
    consents: dict[Literal["marketing", "rewards"], bool] | None = None


class NoteIn(_Strict):
    text: str = Field(min_length=1, max_length=5000)
    author: str | None = Field(default=None, max_length=200)


class LinkIn(_Strict):
    member_id: MemberId


class OutreachIn(_Strict):
    kind: Literal["press", "blogger"]
    status: OutreachStatus = OutreachStatus.TO_CONTACT
    outlet: str | None = Field(default=None, max_length=200)


def components(request: Request) -> Components:
    found: Components = request.app.state.service
    return found


async def _call(work: Any) -> Any:
    try:
        return await work
    except UnknownMember as error:
        raise HTTPException(404, str(error)) from None
    except Refused as error:
        raise HTTPException(422, str(error)) from None


async def visible_member(request: Request, member_id: str) -> Member:
    """The member (or the one it was merged into). A member of a brand the caller's key may not
    see gets the same 404 as an unknown id: member ids derive from brand, source and handle, so
    a 403 would confirm that a person is in another brand's community."""
    member: Member = await _call(components(request).admin.get(member_id))
    if not may_see(request, member.brand):
        raise HTTPException(404, f"no member {member_id!r}")
    return member


def parse_filter(text: str | None) -> Filter | None:
    if text is None:
        return None
    try:
        return parse(text)
    except FilterError as error:
        detail = [{"type": "filter", "loc": ["filter"], "msg": str(error), "pos": error.position}]
        raise HTTPException(422, detail) from None


@router.get("/members", summary="A brand's leaderboard: active members best first by a score")
async def list_members(
    request: Request,
    brand: Annotated[str, Query(pattern=BRAND_PATTERN)],
    sort: Sort = "influence",
    order: Literal["desc", "asc"] = "desc",
    tier: Annotated[str | None, Query(pattern=f"^({'|'.join(TIERS)})$")] = None,
    filter: Annotated[
        str | None, Query(max_length=2000, description="Segment language, e.g. 'love >= 15'.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> MemberPage:
    clauses = [part for part in (filter, f"tier = {tier}" if tier else None) if part]
    where = parse_filter(" and ".join(clauses) if clauses else None)
    items, total = await select(
        components(request).repository,
        brand,
        sort,
        where,
        limit=limit,
        offset=offset,
        now=utcnow(),
        descending=order == "desc",
    )
    return MemberPage(items=items, total=total)


@router.get("/press", summary="The press and bloggers list, with outreach status")
async def press_list(
    request: Request,
    brand: Annotated[str, Query(pattern=BRAND_PATTERN)],
    kind: Literal["press", "blogger"] | None = None,
    status: OutreachStatus | None = None,
) -> MemberPage:
    repository = components(request).repository
    kinds = [kind] if kind else ["press", "blogger"]
    items = [m for k in kinds for m in await repository.outreach(brand, k, limit=5000)]
    if status is not None:
        items = [m for m in items if m.outreach is not None and m.outreach.status is status]
    items.sort(key=lambda m: (-m.influence, m.id))
    return MemberPage(items=items, total=len(items))


@router.get("/members/{member_id}", summary="A member's profile, scores and latest timeline")
async def get_member(request: Request, member_id: str) -> Profile:
    c = components(request)
    member = await visible_member(request, member_id)
    aliases = [member.id, *(i for i in member.identity_ids if i != member.id)]
    timeline = await c.repository.member_timeline(aliases, limit=20)
    notes = await c.repository.member_timeline(aliases, limit=5, kind="note")
    return Profile(
        member=await c.repository.view(member),
        aliases=aliases,
        love_now=round(scoring.love_now(member.love, member.love_at, utcnow()), 4),
        timeline=timeline,
        timeline_total=await c.repository.timeline_size(aliases),
        notes=notes,
    )


@router.get("/members/{member_id}/timeline", summary="Everything about a member, newest first")
async def get_timeline(
    request: Request,
    member_id: str,
    kind: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$")] = None,
    before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> TimelinePage:
    c = components(request)
    member = await visible_member(request, member_id)
    aliases = [member.id, *(i for i in member.identity_ids if i != member.id)]
    items = await c.repository.member_timeline(
        aliases, limit=limit, offset=offset, kind=kind, before=before
    )
    return TimelinePage(items=items, total=await c.repository.timeline_size(aliases))


@router.patch("/members/{member_id}", summary="Set a member's tags and consents")
async def update_member(request: Request, member_id: str, body: MemberUpdate) -> MemberView:
    consents = {str(k): v for k, v in body.consents.items()} if body.consents else None
    await visible_member(request, member_id)
    c = components(request)
    found: Member = await _call(c.admin.update(member_id, tags=body.tags, consents=consents))
    return await c.repository.view(found)


@router.post("/members/{member_id}/notes", status_code=201, summary="Note something about a member")
async def add_note(request: Request, member_id: str, body: NoteIn) -> TimelineEntry:
    await visible_member(request, member_id)
    entry: TimelineEntry = await _call(
        components(request).admin.add_note(member_id, body.text, body.author)
    )
    return entry


@router.post("/members/{member_id}/merge", summary="Link another member into this one")
async def merge(request: Request, member_id: str, body: LinkIn) -> MemberView:
    # Both must be the caller's to see: the other one too answers 404, not the 422 that says
    # "different brands" (which would confirm it exists).
    await visible_member(request, member_id)
    await visible_member(request, body.member_id)
    c = components(request)
    found: Member = await _call(c.admin.merge(member_id, body.member_id))
    return await c.repository.view(found)


@router.post("/members/{member_id}/unmerge", summary="Undo a merge: the other member returns")
async def unmerge(request: Request, member_id: str, body: LinkIn) -> dict[str, MemberView]:
    await visible_member(request, member_id)
    await visible_member(request, body.member_id)
    c = components(request)
    survivor, restored = await _call(c.admin.unmerge(member_id, body.member_id))
    return {
        "member": await c.repository.view(survivor),
        "restored": await c.repository.view(restored),
    }


@router.get("/members/{member_id}/merges", summary="A member's merge history")
async def merges(request: Request, member_id: str) -> list[MergeRecord]:
    c = components(request)
    member = await visible_member(request, member_id)
    found: dict[str, MergeRecord] = {}
    for alias in [member.id, *member.identity_ids]:
        found.update({m.id: m for m in await c.repository.merge_history(alias)})
    return sorted(found.values(), key=lambda m: m.merged_at)


@router.put("/members/{member_id}/outreach", summary="Put a member on the press list, or move it")
async def set_outreach(request: Request, member_id: str, body: OutreachIn) -> MemberView:
    await visible_member(request, member_id)
    outreach = Outreach(**body.model_dump(), updated_at=utcnow())
    c = components(request)
    found: Member = await _call(c.admin.set_outreach(member_id, outreach))
    return await c.repository.view(found)


@router.delete("/members/{member_id}/outreach", summary="Take a member off the press list")
async def clear_outreach(request: Request, member_id: str) -> MemberView:
    await visible_member(request, member_id)
    c = components(request)
    found: Member = await _call(c.admin.set_outreach(member_id, None))
    return await c.repository.view(found)


@router.get(
    "/members/{member_id}/export",
    summary="GDPR: everything kept about a member",
    openapi_extra=GDPR,
)
async def export(request: Request, member_id: str) -> dict[str, Any]:
    await visible_member(request, member_id)
    found: dict[str, Any] = await _call(components(request).gdpr.export(member_id))
    return found


@router.delete(
    "/members/{member_id}", summary="GDPR: erase a member everywhere", openapi_extra=GDPR
)
async def erase(request: Request, member_id: str) -> dict[str, Any]:
    await visible_member(request, member_id)
    record = await _call(components(request).gdpr.erase(member_id))
    return {"erased": member_id, **record.model_dump(mode="json")}


@router.get("/brands/{brand}/tiers", summary="A brand's tier thresholds")
async def get_tiers(request: Request, brand: BrandPath) -> TierSettings:
    return (await components(request).repository.tier_settings([brand]))[brand]


@router.put("/brands/{brand}/tiers", summary="Set a brand's tier thresholds (applied from now on)")
async def put_tiers(request: Request, brand: BrandPath, body: TierSettings) -> TierSettings:
    await components(request).repository.save_tier_settings(brand, body)
    return body
