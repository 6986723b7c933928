"""The publisher's post routes: drafts, the workflow actions, deliveries and the audit trail.

Brands are checked by the service through the actor: a post of a brand the key may not act
for is a 404, a body naming such a brand a 403 (lists name their brand, which `require_key`
checks before the route runs).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from animo_shared.events import BRAND_PATTERN
from animo_shared.http import needs

from .access import APPROVE, Actor, actor
from .models import (
    AuditPage,
    EngagementIn,
    Post,
    PostEdit,
    PostIn,
    PostPage,
    PostStatus,
    Rejection,
    Resolution,
)
from .service import PublisherService

router = APIRouter(prefix="/v1", tags=["posts"])


def service(request: Request) -> PublisherService:
    found: PublisherService = request.app.state.service
    return found


Service = Annotated[PublisherService, Depends(service)]
Who = Annotated[Actor, Depends(actor)]
Brand = Annotated[str, Query(pattern=BRAND_PATTERN)]


@router.post(
    "/posts",
    status_code=201,
    summary="Write a post (a draft, or submitted at once with `submit: true`)",
)
async def create_post(body: PostIn, svc: Service, who: Who) -> Post:
    return await svc.create(body, who)


@router.get("/posts", summary="A brand's posts, newest first")
async def list_posts(
    svc: Service,
    brand: Brand,
    status: PostStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> PostPage:
    items, total = await svc.repo.page(brand, status, limit, offset)
    return PostPage(items=items, total=total)


@router.get("/posts/{post_id}", summary="One post: variants, moderation, deliveries")
async def get_post(post_id: str, svc: Service, who: Who) -> Post:
    return await svc.find(post_id, who)


@router.patch(
    "/posts/{post_id}",
    summary="Edit a post until it is sent (an approved one goes back to submitted)",
)
async def edit_post(post_id: str, body: PostEdit, svc: Service, who: Who) -> Post:
    return await svc.edit(post_id, body, who)


@router.post(
    "/posts/{post_id}:submit",
    summary="Submit a draft: moderation checks it (again, if it could not before)",
)
async def submit_post(post_id: str, svc: Service, who: Who) -> Post:
    return await svc.submit(post_id, who)


@router.post(
    "/posts/{post_id}:approve",
    openapi_extra=needs(APPROVE),
    summary="Approve and schedule: its time, its queue's slot, or the next free",
)
async def approve_post(post_id: str, svc: Service, who: Who) -> Post:
    return await svc.approve(post_id, who)


@router.post(
    "/posts/{post_id}:reject", openapi_extra=needs(APPROVE), summary="Reject, with the reason"
)
async def reject_post(post_id: str, body: Rejection, svc: Service, who: Who) -> Post:
    return await svc.reject(post_id, body.reason, who)


@router.post("/posts/{post_id}:cancel", summary="Cancel a post that has not been sent")
async def cancel_post(post_id: str, svc: Service, who: Who) -> Post:
    return await svc.cancel(post_id, who)


@router.post(
    "/posts/{post_id}/deliveries/{channel_id}:resolve",
    summary="Decide a delivery whose outcome is unknown: published, failed, or retry",
)
async def resolve_delivery(
    post_id: str, channel_id: str, body: Resolution, svc: Service, who: Who
) -> Post:
    return await svc.resolve(post_id, channel_id, body, who)


@router.post(
    "/posts/{post_id}/engagement",
    summary="Report what a published post earned on a channel (feeds best-time suggestions)",
)
async def record_engagement(post_id: str, body: EngagementIn, svc: Service, who: Who) -> Post:
    return await svc.record_engagement(post_id, body, who)


@router.get("/posts/{post_id}/audit", summary="Who did what to a post, oldest first")
async def post_audit(post_id: str, svc: Service, who: Who) -> AuditPage:
    return AuditPage(items=await svc.audit(post_id, who))
