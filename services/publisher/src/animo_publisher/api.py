"""The publisher's HTTP routes: channels and scheduled posts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from animo_shared.events import BRAND_PATTERN, utcnow

from .models import ChannelIn, ChannelOut, ChannelPage, Post, PostIn, PostPage, PostStatus
from .repository import PostRepository
from .service import PublisherService, UnknownChannels, new_channel

router = APIRouter(prefix="/v1", tags=["publishing"])

Brand = Annotated[str, Query(pattern=BRAND_PATTERN)]


def _service(request: Request) -> PublisherService:
    service: PublisherService = request.app.state.service
    return service


def _posts(request: Request) -> PostRepository:
    return _service(request).posts  # type: ignore[return-value]


@router.post("/channels", status_code=201, summary="Add a channel (the secret is never returned)")
async def add_channel(request: Request, body: ChannelIn) -> ChannelOut:
    channel = new_channel(body, utcnow())
    await _posts(request).add_channel(channel)
    return ChannelOut.of(channel)


@router.get("/channels", summary="A brand's channels")
async def list_channels(request: Request, brand: Brand) -> ChannelPage:
    return ChannelPage(items=[ChannelOut.of(c) for c in await _posts(request).list_channels(brand)])


@router.post("/posts", status_code=201, summary="Schedule a post on one or more channels")
async def schedule_post(request: Request, body: PostIn) -> Post:
    try:
        return await _service(request).schedule(body, utcnow())
    except UnknownChannels as error:
        detail = [
            {
                "type": "unknown_channel",
                "loc": ["body", "channels"],
                "msg": str(error),
                "input": error.missing,
            }
        ]
        raise HTTPException(422, detail) from None


@router.get("/posts", summary="A brand's posts, newest first")
async def list_posts(
    request: Request,
    brand: Brand,
    status: PostStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> PostPage:
    items, total = await _posts(request).page(brand, status, limit, offset)
    return PostPage(items=items, total=total)


@router.get("/posts/{post_id}", summary="One post and its deliveries")
async def get_post(request: Request, post_id: str) -> Post:
    found = await _posts(request).get(post_id)
    if found is None:
        raise HTTPException(404, f"no post {post_id!r}")
    return found
