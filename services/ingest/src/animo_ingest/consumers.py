"""Ingest's consumers: raw JSON from brand-side systems on the inbound topics, accepted like HTTP input."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ValidationError

from animo_shared.bus import Handler
from animo_shared.events import (
    Envelope,
    EventDecodeError,
    Payload,
    Topic,
    derive_id,
    utcnow,
)
from animo_shared.store import Changes

from .models import EngagementIn, MentionIn
from .service import IngestService

INBOUND_TOPICS = (Topic.INBOUND_MENTIONS, Topic.INBOUND_ENGAGEMENT)


class InboundMention(Payload):
    """A mention read off `animo.inbound.mentions.v1`, validated; never published as is."""

    item: MentionIn


class InboundEngagement(Payload):
    """An engagement event read off `animo.inbound.engagement.v1`, validated."""

    item: EngagementIn


_SHAPES: dict[str, tuple[str, type[BaseModel], type[InboundMention | InboundEngagement]]] = {
    Topic.INBOUND_MENTIONS.value: ("inbound.mention", MentionIn, InboundMention),
    Topic.INBOUND_ENGAGEMENT.value: ("inbound.engagement", EngagementIn, InboundEngagement),
}


def describe(error: ValidationError) -> str:
    """The first problem as `field.path: message`, the way the HTTP 422 names it."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(root)"
    more = f" (+{error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def decode_inbound(topic: str, value: bytes | None) -> Envelope[Any]:
    """One raw item as an envelope, or EventDecodeError naming the field (the dead-letter reason).

    The envelope id derives from the message bytes, so a message delivered twice is
    skipped as a replay; the mention or engagement dedup covers a re-sent copy.
    """
    shape = _SHAPES.get(topic)
    if shape is None:
        raise EventDecodeError(f"unknown inbound topic {topic!r}")
    event_type, model, wrapper = shape
    if value is None:
        raise EventDecodeError("empty message (tombstone) on an inbound topic")
    try:
        item = model.model_validate_json(value)
    except ValidationError as error:
        raise EventDecodeError(f"{event_type} invalid: {describe(error)}") from None
    data = wrapper.model_validate({"item": item})
    return Envelope[wrapper](  # type: ignore[valid-type]
        id=derive_id("inbound", topic, hashlib.sha256(value).hexdigest()),
        type=event_type,
        source=f"kafka:{topic}",
        time=utcnow(),
        brand=data.item.brand,
        data=data,
    )


def inbound_handler(service: IngestService) -> Handler:
    async def handle(batch: list[Envelope[Any]]) -> Changes:
        changes = Changes()
        now = utcnow()
        mentions = [e.data.item for e in batch if isinstance(e.data, InboundMention)]
        engagement = [e.data.item for e in batch if isinstance(e.data, InboundEngagement)]
        if mentions:
            await service.stage_mentions(mentions, now, batch[0].correlationid, changes)
        if engagement:
            await service.stage_engagement(engagement, now, batch[0].correlationid, changes)
        return changes

    return handle
