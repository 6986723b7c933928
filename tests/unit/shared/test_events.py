"""Decoding events off the wire: what fits its topic passes typed; what does not says exactly why."""

from __future__ import annotations

import json

import pytest

from animo_shared.events import EventDecodeError, MentionReceived, Topic, decode_event

from helpers.factories import mention_event


def raw() -> dict[str, object]:
    loaded: dict[str, object] = json.loads(mention_event("acme").value)
    return loaded


def test_a_valid_event_decodes_to_its_typed_payload() -> None:
    event = decode_event(Topic.MENTIONS, json.dumps(raw()).encode())
    assert isinstance(event.data, MentionReceived)
    assert event.brand == "acme"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda e: e.pop("specversion"), "envelope invalid: specversion: Field required"),
        (lambda e: e.pop("schemaversion"), "envelope invalid: schemaversion: Field required"),
        (lambda e: e.update(brand="Not A Brand"), "envelope invalid: brand:"),
        (lambda e: e.update(type="post.published"), "does not belong on animo.mentions.v1"),
        (
            lambda e: e["data"].pop("author"),
            "mention.received data invalid: author: Field required",
        ),
        (lambda e: e["data"].update(extra=1), "mention.received data invalid: extra:"),
        (lambda e: e.update(data=[1, 2]), "envelope invalid: data:"),
    ],
)
def test_a_misfit_event_is_refused_with_the_reason(change, reason: str) -> None:  # type: ignore[no-untyped-def]
    event = raw()
    change(event)
    with pytest.raises(EventDecodeError) as refused:
        decode_event(Topic.MENTIONS, json.dumps(event).encode())
    assert reason in str(refused.value)


def test_tombstones_and_unknown_topics_are_refused() -> None:
    with pytest.raises(EventDecodeError, match="tombstone"):
        decode_event(Topic.MENTIONS, None)
    with pytest.raises(EventDecodeError, match="unknown topic"):
        decode_event("animo.nope.v1", json.dumps(raw()).encode())


def test_derived_ids_are_uuid5_in_animos_namespace() -> None:
    import uuid

    from animo_shared.events import ANIMO_NAMESPACE, derive_id

    for parts in [("mention", "acme", "twitter", "1"), ("x",), ("é", "☃", "")]:
        assert derive_id(*parts) == str(uuid.uuid5(ANIMO_NAMESPACE, "\x1f".join(parts)))
