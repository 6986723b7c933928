"""Segment routes: saved audiences in the filter language, their size, members and CSV export.

A brand-restricted key saves and previews segments of its brands only (403 naming the body's
brand) and gets the 404 of an unknown id for another brand's segment.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.http import check_brand, may_see, needs

from .api import MemberPage, Sort, components, parse_filter
from .audience import matching, select
from .models import MemberView, Segment
from .segments import Filter

router = APIRouter(prefix="/v1", tags=["segments"])


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brand: str = Field(pattern=BRAND_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    filter: str = Field(min_length=1, max_length=2000, examples=["tier = advocate and love >= 15"])


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brand: str = Field(pattern=BRAND_PATTERN)
    filter: str = Field(min_length=1, max_length=2000)


class SegmentOut(BaseModel):
    segment: Segment
    size: int


async def _size(request: Request, brand: str, where: Filter) -> int:
    repository = components(request).repository
    return (await select(repository, brand, "influence", where, limit=1, offset=0, now=utcnow()))[1]


async def _stored(request: Request, segment_id: str) -> Segment:
    """The segment, or 404, also when it is another brand's than the caller's key may see."""
    found = await components(request).repository.segments.get(segment_id)
    if found is None or not may_see(request, found.brand):
        raise HTTPException(404, f"no segment {segment_id!r}")
    return found


async def _segment(request: Request, segment_id: str) -> tuple[Segment, Filter]:
    found = await _stored(request, segment_id)
    where = parse_filter(found.filter)
    assert where is not None
    return found, where


@router.post("/segments", status_code=201, summary="Save a segment")
async def create_segment(request: Request, body: SegmentIn) -> SegmentOut:
    check_brand(request, body.brand)
    where = parse_filter(body.filter)
    assert where is not None
    segment = Segment(
        id=str(uuid.uuid4()),
        brand=body.brand,
        name=body.name,
        filter=body.filter,
        created_at=utcnow(),
    )
    await components(request).repository.segments.insert(segment)
    return SegmentOut(segment=segment, size=await _size(request, body.brand, where))


@router.post(
    "/segments/preview",
    summary="How many members a filter selects (nothing saved)",
    openapi_extra=needs("crm:read"),  # a read with a body: it stores nothing
)
async def preview(request: Request, body: PreviewIn) -> MemberPage:
    check_brand(request, body.brand)
    where = parse_filter(body.filter)
    repository = components(request).repository
    items, total = await select(
        repository, body.brand, "influence", where, limit=20, offset=0, now=utcnow()
    )
    return MemberPage(items=items, total=total)


@router.get("/segments", summary="A brand's saved segments")
async def list_segments(
    request: Request, brand: Annotated[str, Query(pattern=BRAND_PATTERN)]
) -> list[Segment]:
    return await components(request).repository.segments.find(
        {"brand": brand}, order_by="created_at", descending=True, limit=1000
    )


@router.get("/segments/{segment_id}", summary="A segment and its size now")
async def get_segment(request: Request, segment_id: str) -> SegmentOut:
    segment, where = await _segment(request, segment_id)
    return SegmentOut(segment=segment, size=await _size(request, segment.brand, where))


@router.delete("/segments/{segment_id}", status_code=204, summary="Delete a segment")
async def delete_segment(request: Request, segment_id: str) -> None:
    await _stored(request, segment_id)
    if not await components(request).repository.segments.delete(segment_id):
        raise HTTPException(404, f"no segment {segment_id!r}")


@router.get("/segments/{segment_id}/members", summary="A segment's members, best first")
async def segment_members(
    request: Request,
    segment_id: str,
    sort: Sort = "influence",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> MemberPage:
    segment, where = await _segment(request, segment_id)
    items, total = await select(
        components(request).repository,
        segment.brand,
        sort,
        where,
        limit=limit,
        offset=offset,
        now=utcnow(),
    )
    return MemberPage(items=items, total=total)


CSV_COLUMNS = (
    "id",
    "handle",
    "source",
    "name",
    "tier",
    "influence",
    "reach",
    "love",
    "sentiment",
    "mentions",
    "languages",
    "channels",
    "tags",
    "consent_marketing",
    "consent_rewards",
    "last_seen",
)


def _row(member: MemberView) -> list[str]:
    return [
        member.id,
        member.handle,
        member.source,
        member.name or "",
        member.tier,
        f"{member.influence:g}",
        f"{member.reach:g}",
        f"{member.love:g}",
        f"{member.sentiment:g}",
        str(member.mentions),
        " ".join(member.languages),
        " ".join(sorted({a.source for a in member.accounts})),
        " ".join(member.tags),
        str(member.consents.marketing).lower(),
        str(member.consents.rewards).lower(),
        member.last_seen.isoformat() if member.last_seen else "",
    ]


def _cell(value: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@router.get("/segments/{segment_id}/export.csv", summary="A segment's members as CSV")
async def export_csv(request: Request, segment_id: str) -> StreamingResponse:
    segment, where = await _segment(request, segment_id)
    repository = components(request).repository

    async def rows() -> AsyncIterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        async for member in matching(repository, segment.brand, "influence", where, utcnow()):
            writer.writerow([_cell(value) for value in _row(member)])
            if out.tell() > 64_000:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    filename = f"segment-{segment.id}.csv"
    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
