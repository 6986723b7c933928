"""Ingest's HTTP routes: thin, they validate and hand over to the service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Query, Request

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.observability import correlation_id

from .models import AcceptedMentions, MentionBatch, MentionPage, MentionRecord, MentionsBody
from .repository import MentionRepository
from .service import IngestService

router = APIRouter(prefix="/v1", tags=["mentions"])

Brand = Annotated[str, Query(pattern=BRAND_PATTERN, examples=["velo-lumen"])]


def _service(request: Request) -> IngestService:
    service: IngestService = request.app.state.service
    return service


def _repository(request: Request) -> MentionRepository:
    return _service(request).mentions  # type: ignore[return-value]


@router.post(
    "/mentions",
    status_code=202,
    summary="Accept one mention or a batch of up to 1,000",
    response_description="The id of each mention; repeats are reported, not stored again.",
)
async def post_mentions(
    request: Request,
    body: Annotated[
        MentionsBody,
        Body(
            openapi_examples={
                "single": {
                    "summary": "One mention",
                    "value": {
                        "brand": "velo-lumen",
                        "source": "twitter",
                        "external_id": "1850001",
                        "author": {"handle": "marie_l", "followers": 1200},
                        "text": "Mon colis n'est jamais arrivé",
                        "lang": "fr",
                    },
                },
            }
        ),
    ],
) -> AcceptedMentions:
    items = body.mentions if isinstance(body, MentionBatch) else [body]
    return await _service(request).accept(items, utcnow(), correlation_id.get())


@router.get("/mentions", summary="Mentions accepted for a brand, newest first")
async def list_mentions(
    request: Request,
    brand: Brand,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> MentionPage:
    items, total = await _repository(request).page(brand, from_, to, limit, offset)
    return MentionPage(items=items, total=total)


@router.get("/mentions/{mention_id}", summary="One accepted mention")
async def get_mention(request: Request, mention_id: str) -> MentionRecord:
    found = await _repository(request).get(mention_id)
    if found is None:
        raise HTTPException(404, f"no mention {mention_id!r}")
    return found
