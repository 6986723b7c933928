"""`member.erased` in ingest: a person's mentions and engagement blanked on both store backends, counts kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from animo_ingest.brands import QueryRecord
from animo_ingest.catalog import QueryCatalog
from animo_ingest.erasure import Eraser, erasure_handler, fingerprint_id
from animo_ingest.models import EngagementIn, MentionIn
from animo_ingest.normalise import mention_id
from animo_ingest.repository import MentionRepository
from animo_ingest.service import IngestService
from animo_ingest.text import NearDuplicateIndex
from animo_shared.events import (
    Identity,
    MemberCreated,
    MemberErased,
    Payload,
    make_event,
)
from animo_shared.observability import Metrics
from animo_shared.runtime import Runtime
from animo_shared.settings import CommonSettings
from animo_shared.store import Store
from animo_shared.store.mongo import MongoStore
from animo_shared.store.sqlite import SqliteStore

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ERASED_AT = NOW + timedelta(days=2)


class NoQueries:
    async def enabled_queries(self, brand: str | None) -> list[QueryRecord]:
        return []


@pytest.fixture(params=["sqlite", "mongomock"])
async def repository(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[MentionRepository]:
    store: Store
    if request.param == "sqlite":
        store = SqliteStore(tmp_path / "ingest.sqlite3")
    else:
        from mongomock_motor import AsyncMongoMockClient

        store = MongoStore(AsyncMongoMockClient(tz_aware=True), "ingest")
    runtime = Runtime("ingest", CommonSettings(data_dir=tmp_path), store, Metrics("ingest"))
    made = MentionRepository(runtime)
    await store.start()
    yield made
    await store.close()


def mention(external_id: str, handle: str, brand: str = "acme", **over: Any) -> MentionIn:
    data: dict[str, Any] = {
        "brand": brand,
        "source": "twitter",
        "external_id": external_id,
        "author": {"handle": handle, "name": "Marie Lefèvre", "followers": 1200},
        "text": f"Mon colis {external_id} n'est jamais arrivé @colibri #livraison https://t.co/x",
        "url": f"https://x.com/{handle}/status/{external_id}",
        "published_at": NOW.isoformat(),
        "lang": "fr",
    }
    return MentionIn.model_validate(data | over)


def erased(*identities: tuple[str, str], brand: str = "acme") -> MemberErased:
    return MemberErased(
        member_id="member-1",
        brand=brand,
        identities=tuple(Identity(source=s, handle=h) for s, h in identities),
        erased_at=ERASED_AT,
    )


def envelope(payload: Payload, event_id: str) -> Any:
    return make_event(payload, event_id=event_id, source="animo/crm", brand="acme")


def service(repository: MentionRepository) -> IngestService:
    return IngestService(repository, QueryCatalog(NoQueries(), 60), NearDuplicateIndex(1000, 3))


async def test_a_forgotten_authors_mentions_are_blanked_and_still_counted(
    repository: MentionRepository,
) -> None:
    ingest = service(repository)
    await ingest.accept(
        [
            mention("1", "@Marie_L"),
            mention("2", "marie_l"),
            mention("3", "bob"),
            mention("4", "marie_l", brand="other"),
            mention("5", "marie_l", source="instagram"),
        ],
        NOW,
    )
    kept = await repository.get(mention_id("acme", "twitter", "1"))
    assert kept is not None
    fingerprint = fingerprint_id(kept)
    assert fingerprint is not None and await repository.fingerprints([fingerprint])

    changes_handler = erasure_handler(Eraser(repository))
    # crm names the identity as it knows it; ingest's own spelling is matched.
    changes = await changes_handler([envelope(erased(("twitter", "@Marie_L")), "e-1")])
    await repository.commit(changes)

    for external_id in ("1", "2"):
        record = await repository.get(mention_id("acme", "twitter", external_id))
        assert record is not None
        assert record.erased_at == ERASED_AT
        assert (record.text, record.author_handle, record.external_id) == ("", "", "")
        assert (record.author_name, record.author_followers, record.url) == (None, None, None)
        assert (record.hashtags, record.handles, record.urls) == ([], [], [])
        assert (record.fingerprint, record.simhash) == (None, None)
        assert record.brand == "acme" and record.published_at == NOW  # what counts stays
        assert "marie" not in record.model_dump_json().lower()
    assert await repository.fingerprints([fingerprint]) == {}
    # Other people, other brands and other identities of the same handle are not touched.
    for brand, source, external_id in (
        ("acme", "twitter", "3"),
        ("other", "twitter", "4"),
        ("acme", "instagram", "5"),
    ):
        record = await repository.get(mention_id(brand, source, external_id))
        assert record is not None and record.erased_at is None and record.text
    _, total = await repository.page("acme", None, None, 50, 0)
    assert total == 4

    # A replay of an erased mention is a duplicate: nothing stored or published again.
    replay = await ingest.accept([mention("1", "marie_l")], NOW)
    assert (replay.accepted, replay.duplicates) == (0, 1)
    record = await repository.get(mention_id("acme", "twitter", "1"))
    assert record is not None and record.text == ""


async def test_engagement_handles_are_blanked_and_other_crm_events_ignored(
    repository: MentionRepository,
) -> None:
    ingest = service(repository)
    events = [
        EngagementIn(
            brand="acme",
            kind="newsletter_click",  # type: ignore[arg-type]
            source="newsletter",
            handle="Marie@Example.com",
            email="marie@example.com",
            occurred_at=NOW,
            event_id="click-1",
        ),
        EngagementIn(
            brand="acme",
            kind="purchase",  # type: ignore[arg-type]
            source="shop",
            handle="bob",
            occurred_at=NOW,
            event_id="order-1",
        ),
    ]
    first = await ingest.accept_engagement(events, NOW)
    handler = erasure_handler(Eraser(repository))
    created = MemberCreated(
        member_id="member-9",
        brand="acme",
        source="shop",
        handle="bob",
        first_seen=NOW,
    )
    changes = await handler(
        [
            envelope(created, "e-0"),
            envelope(erased(("newsletter", "marie@example.com"), ("twitter", "nobody")), "e-2"),
        ]
    )
    await repository.commit(changes)
    found = await repository.engagements_by("acme", "shop", "bob")
    assert len(found) == 1 and found[0].erased_at is None
    assert await repository.engagements_by("acme", "newsletter", "marie@example.com") == []
    assert await repository.known_engagements(first.ids) == set(first.ids)
    again = await ingest.accept_engagement(events[:1], NOW)
    assert (again.accepted, again.duplicates) == (0, 1)


async def test_erasing_twice_or_nobody_changes_nothing_more(
    repository: MentionRepository,
) -> None:
    await service(repository).accept([mention("1", "marie_l")], NOW)
    eraser = Eraser(repository)
    handler = erasure_handler(eraser)
    await repository.commit(await handler([envelope(erased(("twitter", "marie_l")), "e-1")]))
    again = await handler([envelope(erased(("twitter", "marie_l")), "e-1")])
    assert not again
    nobody = await eraser.stage(erased(("forum", "ghost")), again)
    assert (nobody.mentions, nobody.fingerprints, nobody.engagements) == (0, 0, 0)
