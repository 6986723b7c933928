"""Signed webhooks: brand-side systems push mentions and engagement without the admin key.

Authenticated by `X-Animo-Signature: sha256=HMAC(secret, timestamp + "." + body)` and
`X-Animo-Timestamp` with the brand's webhook secret. The body is the one of
`POST /v1/mentions` (or `/v1/engagement`); items may leave out `brand`, which the URL gives.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.observability import correlation_id

from .components import Ingest, ingest_of
from .models import (
    AcceptedEngagement,
    AcceptedMentions,
    EngagementBatch,
    EngagementBody,
    MentionBatch,
    MentionsBody,
)
from .signature import SignatureError, verify

router = APIRouter(prefix="/v1/hooks", tags=["webhooks"])

BrandPath = Annotated[str, Path(pattern=BRAND_PATTERN, examples=["velo-lumen"])]
SignatureHeader = Annotated[
    str | None,
    Header(
        alias="X-Animo-Signature",
        description='"sha256=" + hex HMAC-SHA256(secret, timestamp + "." + raw body)',
        examples=["sha256=5d7a0c1e9b8f..."],
    ),
]
TimestampHeader = Annotated[
    str | None,
    Header(alias="X-Animo-Timestamp", description="Unix seconds", examples=["1795771800"]),
]
_MENTIONS: TypeAdapter[Any] = TypeAdapter(MentionsBody)
_ENGAGEMENT: TypeAdapter[Any] = TypeAdapter(EngagementBody)
REFUSED = {
    401: {
        "description": "Not signed by the brand's secret; `reason` is one of no_secret, "
        "missing_signature, bad_timestamp, bad_signature, replay.",
        "content": {
            "application/json": {
                "example": {"detail": {"reason": "replay", "message": "…"}},
            }
        },
    }
}


def _body_schema(single: str, batch: str) -> dict[str, Any]:
    ref = "#/components/schemas/"
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"oneOf": [{"$ref": ref + single}, {"$ref": ref + batch}]}
                }
            },
        }
    }


async def _verified(
    request: Request, ingest: Ingest, brand: str, signature: str | None, timestamp: str | None
) -> bytes:
    body = await request.body()
    try:
        verify(
            await ingest.brands.webhook_secret(brand),
            signature,
            timestamp,
            body,
            now=time.time(),
            tolerance_seconds=ingest.settings.webhook_tolerance_seconds,
        )
    except SignatureError as error:
        raise HTTPException(401, {"reason": error.reason, "message": error.message}) from None
    return body


def _items(body: bytes, brand: str, batch_key: str, adapter: TypeAdapter[Any]) -> Any:
    """The body validated like the bearer route's, each item's brand filled from the URL."""
    try:
        data = json.loads(body)
    except ValueError as error:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": f"JSON decode error: {error}"}]
        ) from None
    listed = data.get(batch_key) if isinstance(data, dict) else None
    items = listed if isinstance(listed, list) else [data]
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        given = item.setdefault("brand", brand)
        if given != brand:
            loc = ("body", batch_key, index, "brand") if listed is items else ("body", "brand")
            raise RequestValidationError(
                [{"type": "brand_mismatch", "loc": loc, "msg": f"must be {brand!r}, the URL's"}]
            )
    try:
        return adapter.validate_python(data)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None


@router.post(
    "/{brand}/mentions",
    status_code=202,
    summary="Signed webhook: mentions for one brand",
    responses=REFUSED,  # type: ignore[arg-type]
    openapi_extra=_body_schema("MentionIn", "MentionBatch"),
)
async def hook_mentions(
    request: Request,
    brand: BrandPath,
    signature: SignatureHeader = None,
    timestamp: TimestampHeader = None,
) -> AcceptedMentions:
    ingest = ingest_of(request)
    body = _items(
        await _verified(request, ingest, brand, signature, timestamp), brand, "mentions", _MENTIONS
    )
    items = body.mentions if isinstance(body, MentionBatch) else [body]
    return await ingest.service.accept(items, utcnow(), correlation_id.get())


@router.post(
    "/{brand}/engagement",
    status_code=202,
    summary="Signed webhook: engagement events for one brand",
    responses=REFUSED,  # type: ignore[arg-type]
    openapi_extra=_body_schema("EngagementIn", "EngagementBatch"),
)
async def hook_engagement(
    request: Request,
    brand: BrandPath,
    signature: SignatureHeader = None,
    timestamp: TimestampHeader = None,
) -> AcceptedEngagement:
    ingest = ingest_of(request)
    body = _items(
        await _verified(request, ingest, brand, signature, timestamp), brand, "events", _ENGAGEMENT
    )
    items = body.events if isinstance(body, EngagementBatch) else [body]
    return await ingest.service.accept_engagement(items, utcnow(), correlation_id.get())
