"""Ingest's domain without I/O: normalisation, tags, exact and near duplicates, pulled items, engagement."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from animo_ingest.brands import QueryRecord
from animo_ingest.catalog import QueryCatalog
from animo_ingest.connectors import PulledItem
from animo_ingest.models import (
    EngagementIn,
    EngagementRecord,
    FingerprintRecord,
    MentionIn,
    MentionRecord,
)
from animo_ingest.normalise import hear_pushed, mention_id
from animo_ingest.service import IngestService
from animo_ingest.text import NearDuplicateIndex
from animo_shared.events import decode_event
from animo_shared.store import Changes, StoreError

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class FakeLedger:
    """Stores on commit only, as the real store does: staged but uncommitted is not known."""

    def __init__(self) -> None:
        self.mentions_: dict[str, MentionRecord] = {}
        self.prints: dict[str, FingerprintRecord] = {}
        self.engagement: dict[str, EngagementRecord] = {}
        self.staged: list[Any] = []
        self.commits: list[Changes] = []
        self.fail_next = False

    async def mentions(self, ids: Sequence[str]) -> dict[str, MentionRecord]:
        return {i: self.mentions_[i] for i in ids if i in self.mentions_}

    async def fingerprints(self, ids: Sequence[str]) -> dict[str, FingerprintRecord]:
        return {i: self.prints[i] for i in ids if i in self.prints}

    async def known_engagements(self, ids: Sequence[str]) -> set[str]:
        return {i for i in ids if i in self.engagement}

    def stage_mention(self, changes: Changes, record: MentionRecord) -> None:
        self.staged.append(record)

    def stage_fingerprint(self, changes: Changes, record: FingerprintRecord) -> None:
        self.staged.append(record)

    def stage_engagement(self, changes: Changes, record: EngagementRecord) -> None:
        self.staged.append(record)

    async def commit(self, changes: Changes) -> None:
        if self.fail_next:
            self.fail_next = False
            self.staged.clear()
            raise StoreError("database unavailable (injected)")
        for record in self.staged:
            target = {
                MentionRecord: self.mentions_,
                FingerprintRecord: self.prints,
                EngagementRecord: self.engagement,
            }[type(record)]
            target[record.id] = record
        self.staged.clear()
        self.commits.append(changes)


class Queries:
    def __init__(self, *records: QueryRecord) -> None:
        self.records = list(records)

    async def enabled_queries(self, brand: str | None) -> list[QueryRecord]:
        return [r for r in self.records if r.enabled and brand in (None, r.brand)]


def query(query_id: str, brand: str, text: str, kind: str = "own") -> QueryRecord:
    return QueryRecord(
        id=query_id,
        brand=brand,
        name=query_id,
        query=text,
        kind=kind,  # type: ignore[arg-type]
        competitor="Ondine" if kind == "competitor" else None,
        created_at=NOW,
        updated_at=NOW,
    )


def service(*records: QueryRecord, ledger: FakeLedger | None = None, **kw: Any) -> IngestService:
    catalog = QueryCatalog(Queries(*records), ttl_seconds=60)
    return IngestService(ledger or FakeLedger(), catalog, NearDuplicateIndex(1000, 3), **kw)


def item(external_id: str = "1", **over: Any) -> MentionIn:
    data: dict[str, Any] = {
        "brand": "acme",
        "source": "twitter",
        "external_id": external_id,
        "author": {"handle": "@Marie_L"},
        "text": "Bonjour",
    }
    data.update(over)
    return MentionIn.model_validate(data)


def events(ledger: FakeLedger) -> list[Any]:
    return [decode_event(m.topic, m.value) for c in ledger.commits for m in c.outbox]


def test_hearing_cleans_handle_source_text_html_language_entities_and_time() -> None:
    naive = datetime(2026, 11, 20, 8, 30)
    text = "<p>Cafe\u0301\x07 <b>livré</b> trop tard @Colibri_FR #Livraison https://t.co/a1.</p>"
    heard = hear_pushed(item(source="x", text=text, lang="FR", published_at=naive), NOW)
    record = heard.record("acme", NOW)
    assert record.author_handle == "marie_l"
    assert record.source == "twitter"
    assert record.text == "Café livré trop tard @Colibri_FR #Livraison https://t.co/a1."
    assert (record.lang, record.hashtags, record.handles) == ("fr", ["livraison"], ["colibri_fr"])
    assert record.urls == ["https://t.co/a1"]
    assert record.published_at == naive.replace(tzinfo=UTC)
    assert record.id == mention_id("acme", "twitter", "1")
    assert record.simhash is not None and len(record.simhash) == 16


def test_language_is_detected_when_not_given_and_published_at_defaults_to_now() -> None:
    record = hear_pushed(
        item(text="Mon colis n'est toujours pas arrivé, je suis très déçue"), NOW
    ).record("acme", NOW)
    assert record.lang == "fr"
    assert record.published_at == NOW


async def test_repeats_of_an_external_id_are_accepted_and_change_nothing() -> None:
    ledger = FakeLedger()
    ingest = service(ledger=ledger)
    first = await ingest.accept([item("1"), item("2", text="Salut"), item("1")], NOW, "corr-1")
    assert [r.status for r in first.results] == ["accepted", "accepted", "duplicate"]
    assert first.ids[0] == first.ids[2]
    again = await ingest.accept([item("2", text="Salut")], NOW + timedelta(minutes=1))
    assert (again.accepted, again.duplicates) == (0, 1)
    assert len(ledger.commits) == 1, "a batch of repeats commits nothing"


async def test_each_new_mention_becomes_one_mention_received_event_with_its_tags() -> None:
    ledger = FakeLedger()
    ingest = service(
        query("q-delivery", "acme", 'livr* OR "colis perdu"'),
        query("q-ondine", "acme", "Ondine", "competitor"),
        query("q-other", "other", "livraison"),
        ledger=ledger,
    )
    text = "Livraison ratée, Ondine fait mieux #colere @acme https://acme.fr/x"
    result = await ingest.accept([item("1", text=text), item("2", text="Rien à voir")], NOW, "c")
    assert [r.query_ids for r in result.results] == [["q-delivery", "q-ondine"], []]
    first, second = events(ledger)
    assert first.type == "mention.received" and first.correlationid == "c"
    assert first.data.mention_id == mention_id("acme", "twitter", "1")
    assert first.data.query_ids == ("q-delivery", "q-ondine")
    assert (first.data.hashtags, first.data.handles) == (("colere",), ("acme",))
    assert first.data.urls == ("https://acme.fr/x",)
    assert second.data.query_ids == ()
    outbox = ledger.commits[0].outbox
    assert outbox[0].key == "acme:twitter:marie_l"
    assert json.loads(outbox[0].value)["brand"] == "acme"
    # The event id derives from the mention id: a re-publication dedupes downstream.
    other = FakeLedger()
    await service(ledger=other).accept([item("1", text=text)], NOW + timedelta(hours=1))
    assert other.commits[0].outbox[0].id == outbox[0].id


async def test_a_disabled_query_tags_nothing() -> None:
    off = query("q-off", "acme", "livraison").model_copy(update={"enabled": False})
    result = await service(off).accept([item(text="livraison")], NOW)
    assert result.results[0].query_ids == []


async def test_same_text_same_author_same_source_within_the_window_is_an_exact_duplicate() -> None:
    ledger = FakeLedger()
    ingest = service(ledger=ledger, exact_window=timedelta(hours=1))
    text = "Mon vélo est super, merci Acme !"
    first = await ingest.accept([item("1", text=text, published_at=NOW)], NOW)
    repeat = item("2", text=f"  MON vélo est super,   merci Acme ! {'https://t.co/z'}")
    later = await ingest.accept(
        [
            repeat.model_copy(update={"published_at": NOW + timedelta(minutes=30)}),
            item("3", text=text, published_at=NOW + timedelta(hours=2)),  # outside the window
            item("4", text=text, author={"handle": "paul"}, published_at=NOW),  # someone else
            item("5", text=text, source="facebook", published_at=NOW),  # another network
        ],
        NOW,
    )
    original = first.ids[0]
    assert [r.status for r in later.results] == ["duplicate", "accepted", "accepted", "accepted"]
    assert later.results[0].id == later.results[0].duplicate_of == original
    assert len(events(ledger)) == 4, "the exact duplicate is not republished"


async def test_exact_duplicate_check_can_be_turned_off() -> None:
    ingest = service(exact_window=timedelta(0))
    result = await ingest.accept([item("1", text="Merci !"), item("2", text="Merci !")], NOW)
    assert result.accepted == 2


async def test_near_duplicates_are_kept_and_linked_to_their_original() -> None:
    ledger = FakeLedger()
    ingest = service(ledger=ledger)
    text = "Le nouveau vélo cargo de Acme est génial pour emmener les enfants à l'école"
    original = await ingest.accept([item("1", text=text)], NOW)
    copies = await ingest.accept(
        [
            item("2", text=f"RT @marie_l: {text}", author={"handle": "paul"}),
            item("3", text=text + " https://bit.ly/xyz", author={"handle": "lea"}),
            item("4", text="Une tout autre histoire de livraison ratée chez Acme ce matin"),
        ],
        NOW,
    )
    assert [r.status for r in copies.results] == ["accepted"] * 3
    assert [r.duplicate_of for r in copies.results] == [original.ids[0], original.ids[0], None]
    assert [e.data.duplicate_of for e in events(ledger)][1:] == [
        original.ids[0],
        original.ids[0],
        None,
    ]


async def test_a_batch_retried_after_a_failed_commit_does_not_link_to_itself() -> None:
    ledger = FakeLedger()
    ingest = service(ledger=ledger)
    text = "Le nouveau vélo cargo de Acme est génial pour emmener les enfants à l'école"
    ledger.fail_next = True
    with pytest.raises(StoreError):
        await ingest.accept([item("1", text=text)], NOW)
    retried = await ingest.accept([item("1", text=text)], NOW)
    assert retried.results[0].status == "accepted"
    assert retried.results[0].duplicate_of is None


def pulled(external_id: str, text: str, host: str = "forum.example") -> PulledItem:
    return PulledItem(
        source="forum",
        external_id=f"forum.example:{external_id}",
        author_handle="Rider42",
        author_name=None,
        text=text,
        url=f"https://{host}/t/{external_id}",
        published_at=NOW - timedelta(hours=1),
        lang=None,
    )


async def test_a_pulled_item_is_kept_once_for_each_brand_it_matches_and_dropped_if_none() -> None:
    ledger = FakeLedger()
    ingest = service(
        query("acme-1", "acme", "Acme"),
        query("acme-2", "acme", "site:forum.example"),
        query("colibri-1", "colibri", "Acme NEAR/3 Colibri"),
        ledger=ledger,
    )
    changes = Changes()
    summary = await ingest.stage_pulled(
        [
            pulled("1", "<p>Acme contre Colibri : le match des vélos</p>"),
            pulled("2", "Rien sur les marques ici", host="elsewhere.example"),
        ],
        NOW,
        changes,
    )
    assert (summary.items, summary.accepted, summary.duplicates, summary.unmatched) == (2, 2, 0, 1)
    await ledger.commit(changes)
    by_brand = {e.brand: e.data for e in events(ledger)}
    assert set(by_brand) == {"acme", "colibri"}
    assert by_brand["acme"].query_ids == ("acme-1", "acme-2")
    assert by_brand["colibri"].query_ids == ("colibri-1",)
    assert by_brand["acme"].text == "Acme contre Colibri : le match des vélos"
    assert by_brand["acme"].author.handle == "rider42"
    assert by_brand["acme"].mention_id != by_brand["colibri"].mention_id


def engagement(**over: Any) -> EngagementIn:
    data: dict[str, Any] = {
        "brand": "acme",
        "kind": "purchase",
        "source": "shop",
        "handle": "@Marie_L",
        "email": "Marie@Example.com",
        "occurred_at": NOW.isoformat(),
        "value": 89.9,
    }
    data.update(over)
    return EngagementIn.model_validate(data)


async def test_engagement_becomes_engagement_recorded_keyed_by_member() -> None:
    ledger = FakeLedger()
    ingest = service(ledger=ledger)
    result = await ingest.accept_engagement([engagement(event_id="order-1")], NOW, "c-9")
    assert result.accepted == 1
    (event,) = events(ledger)
    assert event.type == "engagement.recorded" and event.correlationid == "c-9"
    assert (event.data.handle, event.data.email, event.data.value) == (
        "marie_l",
        "marie@example.com",
        89.9,
    )
    assert ledger.commits[0].outbox[0].topic == "animo.engagement.v1"
    assert ledger.commits[0].outbox[0].key == "acme:shop:marie_l"


@pytest.mark.parametrize(
    ("first", "second", "duplicate"),
    [
        ({"event_id": "e-1"}, {"event_id": "e-1", "value": 5.0}, True),
        ({"event_id": "e-1"}, {"event_id": "e-2"}, False),
        ({}, {}, True),  # no id: the same content is the same event
        ({}, {"value": 12.0}, False),
    ],
)
async def test_engagement_dedupes_on_the_client_event_id_else_on_its_content(
    first: dict[str, Any], second: dict[str, Any], duplicate: bool
) -> None:
    ingest = service()
    one = await ingest.accept_engagement([engagement(**first)], NOW)
    two = await ingest.accept_engagement([engagement(**second)], NOW + timedelta(seconds=5))
    assert one.accepted == 1
    assert (two.duplicates == 1) is duplicate
    assert (two.ids == one.ids) is duplicate
