"""Ingest's domain without I/O: normalisation, deduplication, and the events it emits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from animo_ingest.models import MentionIn, MentionRecord
from animo_ingest.service import IngestService, mention_id, normalise
from animo_shared.events import decode_event
from animo_shared.store import Changes

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class FakeMentions:
    def __init__(self) -> None:
        self.stored: dict[str, MentionRecord] = {}
        self.commits: list[Changes] = []

    async def known_ids(self, ids: Sequence[str]) -> set[str]:
        return {i for i in ids if i in self.stored}

    def stage(self, changes: Changes, record: MentionRecord) -> None:
        self.stored[record.id] = record

    async def commit(self, changes: Changes) -> None:
        self.commits.append(changes)


def item(external_id: str = "1", **over: object) -> MentionIn:
    data: dict[str, object] = {
        "brand": "acme",
        "source": "twitter",
        "external_id": external_id,
        "author": {"handle": "@Marie_L"},
        "text": "Bonjour",
    }
    data.update(over)
    return MentionIn.model_validate(data)


def test_normalise_cleans_handle_source_text_language_and_time() -> None:
    naive = datetime(2026, 11, 20, 8, 30)
    record = normalise(
        item(source="x", text="  Cafe\u0301\x07 livré ", lang="FR", published_at=naive), NOW
    )
    assert record.author_handle == "marie_l"
    assert record.source == "twitter"
    assert record.text == "Café livré"
    assert record.lang == "fr"
    assert record.published_at == naive.replace(tzinfo=UTC)
    assert record.id == mention_id("acme", "twitter", "1")


def test_published_at_defaults_to_reception_time() -> None:
    assert normalise(item(), NOW).published_at == NOW


async def test_repeats_are_accepted_and_change_nothing() -> None:
    mentions = FakeMentions()
    service = IngestService(mentions)
    first = await service.accept([item("1"), item("2"), item("1")], NOW, "corr-1")
    assert [r.status for r in first.results] == ["accepted", "accepted", "duplicate"]
    assert first.ids[0] == first.ids[2]
    again = await service.accept([item("2")], NOW + timedelta(minutes=1))
    assert (again.accepted, again.duplicates) == (0, 1)
    assert len(mentions.commits) == 1, "a batch of repeats commits nothing"


async def test_each_new_mention_becomes_one_mention_received_event() -> None:
    mentions = FakeMentions()
    await IngestService(mentions).accept([item("1"), item("2")], NOW, "corr-1")
    outbox = mentions.commits[0].outbox
    assert len(outbox) == 2
    event = decode_event(outbox[0].topic, outbox[0].value)
    assert event.type == "mention.received"
    assert event.data.mention_id == mention_id("acme", "twitter", "1")
    assert event.correlationid == "corr-1"
    assert outbox[0].key == "acme:twitter:marie_l"
    assert json.loads(outbox[0].value)["brand"] == "acme"
    # The event id derives from the mention id: a re-publication dedupes downstream.
    other = FakeMentions()
    await IngestService(other).accept([item("1")], NOW + timedelta(hours=1))
    assert other.commits[0].outbox[0].id == outbox[0].id
