"""Ingest's HTTP routes for mentions and engagement: thin, they validate, check brands, hand over."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request, Response
from pydantic import BaseModel

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.http import check_brand, may_see, visible_brands
from animo_shared.observability import correlation_id

from .components import ingest_of
from .models import (
    AcceptedEngagement,
    AcceptedMentions,
    EngagementBatch,
    EngagementBody,
    MentionBatch,
    MentionPage,
    MentionRecord,
    MentionsBody,
)

router = APIRouter(prefix="/v1")


def accepted(answer: BaseModel) -> Response:
    """A 202 serialised by pydantic in one pass: a batch answer holds 1,000 results, and
    FastAPI's own path would convert, re-validate and re-encode each (the route still
    declares its model, for the OpenAPI document)."""
    return Response(answer.model_dump_json(), status_code=202, media_type="application/json")


def check_brands(request: Request, brands: Iterable[str]) -> None:
    """403 unless the key may act for every brand a batch names, checked before any item is
    stored: a batch is accepted whole or refused whole, never half."""
    if visible_brands(request) is None:
        return  # an unrestricted key: nothing to check on the hot path
    for brand in dict.fromkeys(brands):
        check_brand(request, brand)


Brand = Annotated[str, Query(pattern=BRAND_PATTERN, examples=["velo-lumen"])]

MENTION_EXAMPLE: dict[str, Any] = {
    "brand": "velo-lumen",
    "source": "twitter",
    "external_id": "1850001",
    "author": {"handle": "marie_l", "followers": 1200},
    "text": "Mon colis n'est jamais arrivé @velolumen #livraison",
    "lang": "fr",
}
ENGAGEMENT_EXAMPLE: dict[str, Any] = {
    "brand": "velo-lumen",
    "kind": "purchase",
    "source": "shop",
    "handle": "marie_l",
    "name": "Marie L.",
    "email": "marie@example.com",
    "email_verified": True,
    "occurred_at": "2026-11-21T09:30:00Z",
    "value": 1290.0,
    "event_id": "order-48213",
}


@router.post(
    "/mentions",
    status_code=202,
    response_model=AcceptedMentions,
    tags=["mentions"],
    summary="Accept one mention or a batch of up to 1,000",
    description="A brand-restricted API key may name only its brands: one item of another "
    "brand refuses the whole batch (403) and nothing of it is stored.",
    response_description="The id of each mention, the queries it matched; repeats are reported, "
    "not stored again.",
)
async def post_mentions(
    request: Request,
    body: Annotated[
        MentionsBody,
        Body(
            openapi_examples={
                "single": {"summary": "One mention", "value": MENTION_EXAMPLE},
                "batch": {
                    "summary": "A batch",
                    "value": {
                        "mentions": [MENTION_EXAMPLE, {**MENTION_EXAMPLE, "external_id": "1850002"}]
                    },
                },
            }
        ),
    ],
) -> Response:
    items = body.mentions if isinstance(body, MentionBatch) else [body]
    check_brands(request, (item.brand for item in items))
    return accepted(await ingest_of(request).service.accept(items, utcnow(), correlation_id.get()))


@router.get(
    "/mentions",
    tags=["mentions"],
    summary="Mentions accepted for a brand, newest first",
    description="A brand-restricted API key may name only its brands (403 otherwise).",
)
async def list_mentions(
    request: Request,
    brand: Brand,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> MentionPage:
    items, total = await ingest_of(request).mentions.page(brand, from_, to, limit, offset)
    return MentionPage(items=items, total=total)


@router.get(
    "/mentions/{mention_id}",
    tags=["mentions"],
    summary="One accepted mention",
    description="To a brand-restricted API key, another brand's mention is not found (404).",
)
async def get_mention(request: Request, mention_id: str) -> MentionRecord:
    found = await ingest_of(request).mentions.get(mention_id)
    # Another brand's mention answers like a missing one: its id is not confirmed to exist.
    if found is None or not may_see(request, found.brand):
        raise HTTPException(404, f"no mention {mention_id!r}")
    return found


@router.post(
    "/engagement",
    status_code=202,
    response_model=AcceptedEngagement,
    tags=["engagement"],
    summary="Accept one engagement event or a batch of up to 1,000",
    description="A brand-restricted API key may name only its brands: one event of another "
    "brand refuses the whole batch (403) and nothing of it is stored.",
    response_description="The id of each event; repeats are reported, not published again.",
)
async def post_engagement(
    request: Request,
    body: Annotated[
        EngagementBody,
        Body(
            openapi_examples={
                "single": {"summary": "A purchase", "value": ENGAGEMENT_EXAMPLE},
                "batch": {
                    "summary": "A batch",
                    "value": {
                        "events": [
                            ENGAGEMENT_EXAMPLE,
                            {
                                "brand": "velo-lumen",
                                "kind": "newsletter_click",
                                "source": "newsletter",
                                "handle": "marie@example.com",
                                "occurred_at": "2026-11-21T10:02:00Z",
                            },
                        ]
                    },
                },
            }
        ),
    ],
) -> Response:
    items = body.events if isinstance(body, EngagementBatch) else [body]
    check_brands(request, (item.brand for item in items))
    service = ingest_of(request).service
    return accepted(await service.accept_engagement(items, utcnow(), correlation_id.get()))
