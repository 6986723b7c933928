"""Ingest's fast event serialisation writes what the shared envelope model would, byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from animo_ingest.models import EngagementIn, MentionRecord
from animo_ingest.normalise import (
    EVENT_SOURCE,
    engagement_event,
    engagement_message,
    mention_message,
    received_event,
)
from animo_shared.bus import to_message
from animo_shared.events import decode_event, derive_id, make_event

NOW = datetime(2026, 11, 21, 12, 0, 0, 123456, tzinfo=UTC)


def record(**changes: object) -> MentionRecord:
    fields: dict[str, object] = {
        "id": "m-1",
        "brand": "velo-lumen",
        "source": "twitter",
        "external_id": "1850001",
        "author_handle": "marie_l",
        "author_name": "Marie « L »",
        "author_followers": 1200,
        "text": 'Mon colis n\'est jamais arrivé 😡 "vraiment" \\ @velolumen #livraison',
        "url": "https://x.com/marie_l/status/1850001",
        "lang": "fr",
        "published_at": NOW - timedelta(minutes=3),
        "received_at": NOW,
        "query_ids": ["q1", "q2"],
        "competitors": ["Cowboy"],
        "hashtags": ["livraison"],
        "handles": ["velolumen"],
        "urls": [],
        "duplicate_of": None,
    }
    return MentionRecord.model_validate(fields | changes)


@pytest.mark.parametrize(
    ("changes", "correlation"),
    [
        ({}, None),
        ({}, "req-42"),
        ({"received_at": NOW.replace(microsecond=0), "author_name": None, "url": None}, None),
        ({"published_at": datetime(2026, 1, 1, 9, tzinfo=timezone(timedelta(hours=1)))}, None),
        ({"lang": None, "duplicate_of": "m-0", "query_ids": []}, "c"),
    ],
)
def test_mention_message_is_what_the_envelope_model_writes(
    changes: dict[str, object], correlation: str | None
) -> None:
    mention = record(**changes)
    fast = mention_message(mention, correlation)
    model = to_message(
        make_event(
            received_event(mention),
            event_id=derive_id("mention.received", mention.id),
            source=EVENT_SOURCE,
            brand=mention.brand,
            subject=mention.id,
            correlation_id=correlation,
            time=mention.received_at,
        ),
        f"{mention.brand}:{mention.source}:{mention.author_handle}",
    )
    assert fast == model
    decoded = decode_event(fast.topic, fast.value)
    assert decoded.data == received_event(mention)
    assert json.loads(fast.value)["time"] == json.loads(model.value)["time"]


def test_engagement_message_is_what_the_envelope_model_writes() -> None:
    item = EngagementIn(
        brand="velo-lumen",
        kind="purchase",  # type: ignore[arg-type]
        source="shop",
        handle="Marie_L",
        email="Marie@Example.com",
        occurred_at=NOW,
        value=89.9,
        event_id="order-1",
    )
    _, payload = engagement_event(item, NOW)
    fast = engagement_message(payload, NOW, "req-1")
    model = to_message(
        make_event(
            payload,
            event_id=derive_id("engagement.recorded", payload.engagement_id),
            source=EVENT_SOURCE,
            brand=payload.brand,
            subject=payload.engagement_id,
            correlation_id="req-1",
            time=NOW,
        ),
        f"{payload.brand}:{payload.source}:{payload.handle}",
    )
    assert fast == model
