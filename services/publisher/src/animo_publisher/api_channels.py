"""Channel routes: add, list, re-authorise or re-pace, delete; credentials go in, never out.

A key restricted to some brands adds channels to those only (403) and finds no other brand's
channel by id (404, before any change); lists name their brand, which `require_key` checks.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.http import check_brand, may_see
from animo_shared.store import Changes

from .access import Actor, actor
from .api import Service
from .channels import (
    Channel,
    ChannelIn,
    ChannelOut,
    ChannelPage,
    ChannelPatch,
    new_channel,
    patched,
)
from .errors import Issue, NotFound, Refused
from .health import health_event

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["channels"])
Who = Annotated[Actor, Depends(actor)]


async def _channel(svc: Service, request: Request, channel_id: str) -> Channel:
    """The channel, if the caller's key may see its brand (else the same 404 as a missing one)."""
    channel = await svc.repo.channel(channel_id)
    if channel is None or not may_see(request, channel.brand):
        raise NotFound(f"no channel {channel_id!r}")
    return channel


@router.post("/channels", status_code=201, summary="Add a channel (credentials are never returned)")
async def add_channel(body: ChannelIn, svc: Service, who: Who, request: Request) -> ChannelOut:
    check_brand(request, body.brand)
    channel = new_channel(body, utcnow())
    await svc.repo.add_channel(channel)
    log.info(
        "channel added", extra={"channel_id": channel.id, "kind": channel.kind, "actor": who.name}
    )
    return ChannelOut.of(channel)


@router.get("/channels", summary="A brand's channels, with their health")
async def list_channels(
    svc: Service, brand: Annotated[str, Query(pattern=BRAND_PATTERN)]
) -> ChannelPage:
    return ChannelPage(items=[ChannelOut.of(c) for c in await svc.repo.list_channels(brand)])


@router.get("/channels/{channel_id}", summary="One channel and its health")
async def get_channel(channel_id: str, svc: Service, request: Request) -> ChannelOut:
    return ChannelOut.of(await _channel(svc, request, channel_id))


@router.patch(
    "/channels/{channel_id}",
    summary="Rename, move, re-pace, or re-authorise (new credentials make it healthy again)",
)
async def update_channel(
    channel_id: str, body: ChannelPatch, svc: Service, who: Who, request: Request
) -> ChannelOut:
    channel = await _channel(svc, request, channel_id)
    try:
        changed = patched(channel, body, utcnow())
    except ValueError as error:
        raise Refused(Issue(("body", "credentials"), "value_error", str(error))) from None
    changes = Changes()
    message = health_event(changed) if changed.health_seq != channel.health_seq else None
    if message is not None:
        changes.publish(message)  # the recovery, stored with the channel: announced at once
    svc.repo.stage_channel(changes, changed.model_copy(update={"health_announced": True}))
    await svc.repo.commit(changes)
    log.info(
        "channel updated",
        extra={
            "channel_id": channel.id,
            "fields": sorted(body.model_fields_set),
            "actor": who.name,
        },
    )
    return ChannelOut.of(changed)


@router.delete("/channels/{channel_id}", status_code=204, summary="Delete a channel")
async def delete_channel(channel_id: str, svc: Service, request: Request) -> Response:
    await _channel(svc, request, channel_id)  # a channel's brand never changes: no race here
    if not await svc.repo.delete_channel(channel_id):
        raise NotFound(f"no channel {channel_id!r}")
    return Response(status_code=204)
