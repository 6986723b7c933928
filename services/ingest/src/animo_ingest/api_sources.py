"""Ingest's HTTP routes for pulled sources: add, list, remove, health, poll now (unrestricted keys)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Request, Response

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.http import visible_brands

from .components import ingest_of
from .connectors import SourceHealth
from .sources import PollReport, SourceIn, SourceList, SourceOut

SourceId = Annotated[str, Path(pattern=BRAND_PATTERN, examples=["velotaf-forum"])]
SHARED = (
    "sources serve every brand (each pull is matched against every brand's queries): "
    "a brand-restricted API key may not read or manage them"
)
NOTE = "Sources serve every brand: a brand-restricted API key gets 403 here."


async def check_every_brand(request: Request) -> None:
    """403 for a brand-restricted key. A source belongs to no brand: adding, polling or removing
    one changes what every brand hears, and its settings show what they listen to. The answer
    is the same for every id, so it confirms none. (`async`: no thread hop for a check.)"""
    if visible_brands(request) is not None:
        raise HTTPException(403, SHARED)


# After `require_key` (the include's dependencies run first), before any route of this router.
router = APIRouter(prefix="/v1", tags=["sources"], dependencies=[Depends(check_every_brand)])


@router.post("/sources", status_code=201, summary="Add a source to poll", description=NOTE)
async def create_source(
    request: Request,
    body: Annotated[
        SourceIn,
        Body(
            openapi_examples={
                "discourse": {
                    "summary": "A Discourse forum",
                    "value": {
                        "id": "velotaf-forum",
                        "kind": "discourse",
                        "url": "https://forum.velotaf.fr",
                        "interval_seconds": 300,
                    },
                },
                "mastodon": {
                    "summary": "A Mastodon hashtag",
                    "value": {
                        "kind": "mastodon",
                        "url": "https://mastodon.social",
                        "options": {"hashtag": "velo"},
                    },
                },
                "rss": {
                    "summary": "A news feed",
                    "value": {
                        "kind": "rss",
                        "url": "https://actu.example/rss.xml",
                        "options": {"network": "news"},
                        "interval_seconds": 600,
                    },
                },
                "json": {
                    "summary": "Any JSON API, through a field mapping",
                    "value": {
                        "kind": "json",
                        "url": "https://www.reddit.com/r/velo/new.json",
                        "options": {
                            "network": "reddit",
                            "items": "data.children",
                            "fields": {
                                "external_id": "data.name",
                                "text": ["data.selftext", "data.title"],
                                "author": "data.author",
                                "url": "data.permalink",
                                "published_at": "data.created_utc",
                            },
                        },
                    },
                },
            }
        ),
    ],
) -> SourceOut:
    record = await ingest_of(request).sources.create(body, utcnow())
    return SourceOut.of(record, None)


@router.get("/sources", summary="Every source, with its health", description=NOTE)
async def list_sources(request: Request) -> SourceList:
    found = await ingest_of(request).sources.sources()
    return SourceList(items=[SourceOut.of(record, state) for record, state in found])


@router.get("/sources/{source_id}", summary="One source, with its health", description=NOTE)
async def get_source(request: Request, source_id: SourceId) -> SourceOut:
    record, state = await ingest_of(request).sources.source(source_id)
    return SourceOut.of(record, state)


@router.get("/sources/{source_id}/health", summary="Where a source stands", description=NOTE)
async def source_health(request: Request, source_id: SourceId) -> SourceHealth:
    record, state = await ingest_of(request).sources.source(source_id)
    return state.health if state else SourceHealth(source_id=record.id)


@router.post(
    "/sources/{source_id}:poll",
    summary="Poll a source now (after any running poll of it), whatever its schedule",
    description=NOTE,
)
async def poll_source(request: Request, source_id: SourceId) -> PollReport:
    ingest = ingest_of(request)
    record, _ = await ingest.sources.source(source_id)
    return await ingest.scheduler.poll_now(record.config())


@router.delete(
    "/sources/{source_id}", status_code=204, summary="Stop polling a source", description=NOTE
)
async def delete_source(request: Request, source_id: SourceId) -> Response:
    await ingest_of(request).sources.delete(source_id)
    return Response(status_code=204)
