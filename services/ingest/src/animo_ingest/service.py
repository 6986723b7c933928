"""Ingest's domain: normalise mentions, deduplicate them, and turn the new ones into events."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from animo_shared.bus import to_message
from animo_shared.events import Author, MentionReceived, derive_id, make_event
from animo_shared.store import Changes

from .models import AcceptedMentions, MentionIn, MentionRecord, MentionResult

SOURCE_ALIASES = {"x": "twitter", "fb": "facebook", "ig": "instagram"}


class MentionStore(Protocol):
    async def known_ids(self, ids: Sequence[str]) -> set[str]: ...
    def stage(self, changes: Changes, record: MentionRecord) -> None: ...
    async def commit(self, changes: Changes) -> None: ...


def mention_id(brand: str, source: str, external_id: str) -> str:
    """The dedup key: one mention per (brand, source, external id)."""
    return derive_id("mention", brand, source, external_id)


def _clean(text: str) -> str:
    # NFC so that "é" typed two ways is one string; strip control characters but newlines.
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc").strip()


def normalise(item: MentionIn, now: datetime) -> MentionRecord:
    source = SOURCE_ALIASES.get(item.source, item.source)
    published = item.published_at or now
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return MentionRecord(
        id=mention_id(item.brand, source, item.external_id),
        brand=item.brand,
        source=source,
        external_id=item.external_id,
        author_handle=item.author.handle.lstrip("@").lower() or item.author.handle,
        author_name=item.author.name,
        author_followers=item.author.followers,
        text=_clean(item.text),
        url=str(item.url) if item.url else None,
        lang=item.lang.lower() if item.lang else None,
        published_at=published.astimezone(UTC),
        received_at=now,
    )


def received_event(record: MentionRecord) -> MentionReceived:
    return MentionReceived(
        mention_id=record.id,
        brand=record.brand,
        source=record.source,
        external_id=record.external_id,
        author=Author(
            handle=record.author_handle, name=record.author_name, followers=record.author_followers
        ),
        text=record.text,
        url=record.url,
        published_at=record.published_at,
        received_at=record.received_at,
        lang=record.lang,
    )


class IngestService:
    def __init__(self, mentions: MentionStore) -> None:
        self.mentions = mentions

    async def accept(
        self, items: Sequence[MentionIn], now: datetime, correlation_id: str | None = None
    ) -> AcceptedMentions:
        """Store and publish the mentions not seen before; repeats are accepted and change nothing."""
        records = [normalise(item, now) for item in items]
        known = await self.mentions.known_ids([r.id for r in records])
        changes = Changes()
        results: list[MentionResult] = []
        for record in records:
            if record.id in known:
                results.append(MentionResult(id=record.id, status="duplicate"))
                continue
            known.add(record.id)
            self.mentions.stage(changes, record)
            envelope = make_event(
                received_event(record),
                event_id=derive_id("mention.received", record.id),
                source="animo/ingest",
                brand=record.brand,
                subject=record.id,
                correlation_id=correlation_id,
                time=now,
            )
            key = f"{record.brand}:{record.source}:{record.author_handle}"
            changes.publish(to_message(envelope, key))
            results.append(MentionResult(id=record.id, status="accepted"))
        if changes:
            await self.mentions.commit(changes)
        accepted = sum(r.status == "accepted" for r in results)
        return AcceptedMentions(
            accepted=accepted,
            duplicates=len(results) - accepted,
            ids=[r.id for r in results],
            results=results,
        )
