"""Small factories for test data: mentions as the API takes them, and as events on the bus."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from animo_shared.bus import to_message
from animo_shared.events import Author, MentionReceived, derive_id, make_event
from animo_shared.store import OutboxMessage

T0 = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def mention_body(
    brand: str = "acme", external_id: str | None = None, **over: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "brand": brand,
        "source": "twitter",
        "external_id": external_id or uuid.uuid4().hex,
        "author": {"handle": "marie_l", "name": "Marie", "followers": 120},
        "text": "J'adore mon nouveau vélo !",
        "published_at": T0.isoformat(),
        "lang": "fr",
    }
    body.update(over)
    return body


def mention_event(
    brand: str = "acme", text: str = "hello", handle: str = "bob", mention_id: str | None = None
) -> OutboxMessage:
    mid = mention_id or uuid.uuid4().hex
    payload = MentionReceived(
        mention_id=mid,
        brand=brand,
        source="twitter",
        external_id=mid,
        author=Author(handle=handle),
        text=text,
        published_at=T0,
        received_at=T0,
        lang="en",
    )
    envelope = make_event(
        payload, event_id=derive_id("mention.received", mid), source="tests", brand=brand
    )
    return to_message(envelope, f"{brand}:twitter:{handle}")
