"""Decoding the raw inbound topics without a broker: valid items become envelopes, bad ones say where."""

from __future__ import annotations

import json
from typing import Any

import pytest

from animo_ingest.consumers import InboundEngagement, InboundMention, decode_inbound
from animo_shared.events import EventDecodeError, Topic

from helpers.factories import mention_body


def raw(value: dict[str, Any]) -> bytes:
    return json.dumps(value).encode()


def test_a_valid_mention_decodes_to_an_envelope_whose_id_follows_the_bytes() -> None:
    value = raw(mention_body("acme", external_id="k-1"))
    envelope = decode_inbound(Topic.INBOUND_MENTIONS, value)
    assert isinstance(envelope.data, InboundMention)
    assert (envelope.type, envelope.brand) == ("inbound.mention", "acme")
    assert envelope.data.item.external_id == "k-1"
    assert decode_inbound(Topic.INBOUND_MENTIONS, value).id == envelope.id
    other = raw(mention_body("acme", external_id="k-2"))
    assert decode_inbound(Topic.INBOUND_MENTIONS, other).id != envelope.id


def test_a_valid_engagement_event_decodes() -> None:
    value = raw({"brand": "acme", "kind": "like", "source": "instagram", "handle": "marie_l"})
    envelope = decode_inbound(Topic.INBOUND_ENGAGEMENT, value)
    assert isinstance(envelope.data, InboundEngagement)
    assert envelope.data.item.kind == "like"


@pytest.mark.parametrize(
    ("topic", "value", "reason"),
    [
        (Topic.INBOUND_MENTIONS, b"{not json", "inbound.mention invalid: (root): Invalid JSON"),
        (
            Topic.INBOUND_MENTIONS,
            raw({**mention_body("acme"), "author": {"followers": 3}}),
            "inbound.mention invalid: author.handle: Field required",
        ),
        (
            Topic.INBOUND_MENTIONS,
            raw(mention_body("Bad Brand")),
            "inbound.mention invalid: brand: String should match pattern",
        ),
        (
            Topic.INBOUND_MENTIONS,
            raw({**mention_body("acme"), "$where": "1"}),
            "inbound.mention invalid: $where: Extra inputs are not permitted",
        ),
        (
            Topic.INBOUND_ENGAGEMENT,
            raw({"brand": "acme", "kind": "hug", "source": "shop", "handle": "m"}),
            "inbound.engagement invalid: kind: Input should be",
        ),
        (Topic.INBOUND_ENGAGEMENT, None, "empty message"),
        (Topic.MENTIONS, raw(mention_body("acme")), "unknown inbound topic"),
    ],
)
def test_what_does_not_fit_raises_with_the_field_path(
    topic: str, value: bytes | None, reason: str
) -> None:
    with pytest.raises(EventDecodeError) as refused:
        decode_inbound(topic, value)
    assert str(refused.value).startswith(reason)
