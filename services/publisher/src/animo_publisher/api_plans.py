"""Planning routes: a brand's zone and cadence, best times, slot checks, queues and campaigns.

A key restricted to some brands names only those in a body (403) and finds no other brand's
queue or campaign by id (404, before any change); a brand in the path or a list's `brand=`
is checked by `require_key`.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from animo_shared.events import BRAND_PATTERN, BrandId, utcnow
from animo_shared.http import check_brand, may_see, needs

from .access import READ, Actor, actor
from .announce import CampaignPostsIn, CampaignPostsOut, campaign_posts
from .api import Service
from .cadence import NonexistentLocalTime, localize
from .channels import Channel
from .errors import Issue, NotFound, Refused
from .plans import (
    BrandSettings,
    BrandSettingsIn,
    Campaign,
    CampaignIn,
    CampaignPage,
    PlanOut,
    Queue,
    QueueIn,
    QueuePage,
)
from .scheduling import proposals

router = APIRouter(prefix="/v1", tags=["planning"])
BrandPath = Annotated[str, Path(pattern=BRAND_PATTERN)]
Channels = Annotated[list[str] | None, Query(max_length=20, description="Channel ids.")]
Count = Annotated[int, Query(ge=1, le=50)]
Who = Annotated[Actor, Depends(actor)]


async def _channels(
    svc: Service, brand: str, ids: list[str] | None, loc: tuple[str, ...]
) -> list[Channel]:
    ids = ids or []
    found = await svc.repo.channels(ids)
    missing = [c for c in ids if c not in found or found[c].brand != brand]
    if missing:
        raise Refused(
            Issue(
                loc,
                "unknown_channel",
                f"unknown channels for this brand: {', '.join(missing)}",
                input=missing,
            )
        )
    return [found[c] for c in dict.fromkeys(ids)]


def _local(value: datetime, tz: ZoneInfo, loc: tuple[str, ...]) -> datetime:
    try:
        return localize(value, tz)
    except NonexistentLocalTime as error:
        raise Refused(Issue(loc, "nonexistent_local_time", str(error))) from None


@router.get("/brands/{brand}/settings", summary="A brand's time zone, cadence and approval rule")
async def get_settings(brand: BrandPath, svc: Service) -> BrandSettings:
    return await svc.planner.settings(brand)


@router.put(
    "/brands/{brand}/settings", summary="Set a brand's time zone, cadence and approval rule"
)
async def put_settings(brand: BrandPath, body: BrandSettingsIn, svc: Service) -> BrandSettings:
    settings = BrandSettings(id=brand, updated_at=utcnow(), **body.model_dump())
    await svc.repo.save_brand(settings)
    return settings


@router.get(
    "/brands/{brand}/best-times",
    summary="Upcoming times at the brand's best hours (post metrics and engagement events, else "
    "defaults), cadence-checked",
)
async def best_times(
    brand: BrandPath, svc: Service, channels: Channels = None, count: Count = 3
) -> PlanOut:
    chosen = await _channels(svc, brand, channels, ("query", "channels"))
    basis, sources, times = await svc.planner.best_times(brand, chosen, count, utcnow())
    tz = await svc.planner.tz(brand)
    return PlanOut(basis=basis, sources=sources, timezone=str(tz), slots=proposals(times, tz))


class SlotCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brand: BrandId
    channels: list[str] = Field(min_length=1, max_length=20)
    at: datetime = Field(description="Without an offset: in the brand's time zone.")


class SlotCheckOut(BaseModel):
    ok: bool
    refusals: list[dict[str, object]]
    next_free_slot: datetime | None


@router.post(
    "/schedule:check",
    openapi_extra=needs(READ),  # computes, stores nothing
    summary="Would the cadence allow this time? If not, why and when",
)
async def check_slot(body: SlotCheckIn, svc: Service, request: Request) -> SlotCheckOut:
    check_brand(request, body.brand)
    chosen = await _channels(svc, body.brand, body.channels, ("body", "channels"))
    tz = await svc.planner.tz(body.brand)
    at = _local(body.at, tz, ("body", "at"))
    found = await svc.planner.refusals(body.brand, chosen, at)
    proposal = at if not found else await svc.planner.next_free(body.brand, chosen, at)
    reasons = [{"code": r.code, "channel_id": r.channel_id, "msg": r.message} for r in found]
    return SlotCheckOut(ok=not found, refusals=reasons, next_free_slot=proposal)


@router.post("/queues", status_code=201, summary="A queue: recurring weekly local time slots")
async def add_queue(body: QueueIn, svc: Service, request: Request) -> Queue:
    check_brand(request, body.brand)
    queue = Queue(id="q_" + secrets.token_hex(6), created_at=utcnow(), **body.model_dump())
    await svc.repo.add_queue(queue)
    return queue


@router.get("/queues", summary="A brand's queues")
async def list_queues(
    svc: Service, brand: Annotated[str, Query(pattern=BRAND_PATTERN)]
) -> QueuePage:
    return QueuePage(items=await svc.repo.queues(brand))


async def _queue(svc: Service, request: Request, queue_id: str) -> Queue:
    """The queue, if the caller's key may see its brand (else the same 404 as a missing one)."""
    queue = await svc.repo.queue(queue_id)
    if queue is None or not may_see(request, queue.brand):
        raise NotFound(f"no queue {queue_id!r}")
    return queue


@router.get("/queues/{queue_id}", summary="One queue")
async def get_queue(queue_id: str, svc: Service, request: Request) -> Queue:
    return await _queue(svc, request, queue_id)


@router.get("/queues/{queue_id}/next", summary="The queue's next free slots for these channels")
async def next_queue_slots(
    queue_id: str, svc: Service, request: Request, channels: Channels = None, count: Count = 5
) -> PlanOut:
    queue = await _queue(svc, request, queue_id)
    chosen = await _channels(svc, queue.brand, channels, ("query", "channels"))
    found = await svc.planner.queue_slot(queue, chosen, utcnow(), count=count)
    tz = await svc.planner.tz(queue.brand)
    return PlanOut(basis="queue", timezone=str(tz), slots=proposals(found, tz))


@router.delete("/queues/{queue_id}", status_code=204, summary="Delete a queue")
async def delete_queue(queue_id: str, svc: Service, request: Request) -> Response:
    await _queue(svc, request, queue_id)  # a queue's brand never changes: no race here
    if not await svc.repo.delete_queue(queue_id):
        raise NotFound(f"no queue {queue_id!r}")
    return Response(status_code=204)


@router.post("/campaigns", status_code=201, summary="A campaign: posts go out inside its window")
async def add_campaign(body: CampaignIn, svc: Service, request: Request) -> Campaign:
    check_brand(request, body.brand)
    tz = await svc.planner.tz(body.brand)
    starts = _local(body.starts_at, tz, ("body", "starts_at"))
    ends = _local(body.ends_at, tz, ("body", "ends_at"))
    if ends <= starts:
        raise Refused(
            Issue(("body", "ends_at"), "campaign_window", "ends_at must be after starts_at")
        )
    campaign = Campaign(
        id="cp_" + secrets.token_hex(6),
        brand=body.brand,
        name=body.name,
        starts_at=starts,
        ends_at=ends,
        created_at=utcnow(),
    )
    await svc.repo.add_campaign(campaign)
    return campaign


@router.get("/campaigns", summary="A brand's campaigns")
async def list_campaigns(
    svc: Service, brand: Annotated[str, Query(pattern=BRAND_PATTERN)]
) -> CampaignPage:
    return CampaignPage(items=await svc.repo.campaigns(brand))


async def _campaign(svc: Service, request: Request, campaign_id: str) -> Campaign:
    """The campaign, if the caller's key may see its brand (else the same 404 as a missing one)."""
    campaign = await svc.repo.campaign(campaign_id)
    if campaign is None or not may_see(request, campaign.brand):
        raise NotFound(f"no campaign {campaign_id!r}")
    return campaign


@router.get("/campaigns/{campaign_id}", summary="One campaign")
async def get_campaign(campaign_id: str, svc: Service, request: Request) -> Campaign:
    return await _campaign(svc, request, campaign_id)


@router.get(
    "/campaigns/{campaign_id}/plan",
    summary="Times for an announcement and its reminders, spread over the window by the cadence",
)
async def plan_campaign(
    campaign_id: str, svc: Service, request: Request, channels: Channels = None, count: Count = 3
) -> PlanOut:
    campaign = await _campaign(svc, request, campaign_id)
    chosen = await _channels(svc, campaign.brand, channels, ("query", "channels"))
    found = await svc.planner.campaign_plan(campaign, chosen, count, utcnow())
    tz = await svc.planner.tz(campaign.brand)
    return PlanOut(basis="campaign", timezone=str(tz), slots=proposals(found, tz))


@router.post(
    "/campaigns/{campaign_id}/posts",
    status_code=201,
    summary="Write a campaign's announcement and reminders, timed by the plan (drafts, or "
    "submitted with `submit: true`)",
)
async def write_campaign_posts(
    campaign_id: str, body: CampaignPostsIn, svc: Service, who: Who
) -> CampaignPostsOut:
    return CampaignPostsOut(items=await campaign_posts(svc, campaign_id, body, who))


@router.delete("/campaigns/{campaign_id}", status_code=204, summary="Delete a campaign")
async def delete_campaign(campaign_id: str, svc: Service, request: Request) -> Response:
    await _campaign(svc, request, campaign_id)  # a campaign's brand never changes
    if not await svc.repo.delete_campaign(campaign_id):
        raise NotFound(f"no campaign {campaign_id!r}")
    return Response(status_code=204)
