"""Normalisation on the way in: one shape for pushed and pulled mentions, cleaned text, stable ids, events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from animo_shared.events import (
    TOPIC_OF_TYPE,
    TYPE_OF_PAYLOAD,
    Author,
    EngagementRecorded,
    MentionReceived,
    Payload,
    derive_id,
)
from animo_shared.store import OutboxMessage

from .connectors import PulledItem
from .models import EngagementIn, EngagementRecord, MentionIn, MentionRecord
from .query import Document, Prepared, prepare
from .text import CleanText, clean

SOURCE_ALIASES = {"x": "twitter", "fb": "facebook", "ig": "instagram"}
EVENT_SOURCE = "animo/ingest"


def mention_id(brand: str, source: str, external_id: str) -> str:
    """The dedup key: one mention per (brand, source, external id)."""
    return derive_id("mention", brand, source, external_id)


def source_name(source: str) -> str:
    return SOURCE_ALIASES.get(source, source)


def handle_of(handle: str) -> str:
    """Lower-case, without a leading `@` (a handle that is only `@`s stays as given)."""
    return handle.strip().lstrip("@").lower() or handle


def _utc(moment: datetime | None, now: datetime) -> datetime:
    moment = moment or now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Heard:
    """A mention cleaned once, before it is filed under a brand (a pulled item may go to several)."""

    source: str
    external_id: str
    author_handle: str
    author_name: str | None
    author_followers: int | None
    url: str | None
    published_at: datetime
    cleaned: CleanText
    prepared: Prepared

    def fingerprint_id(self, brand: str) -> str:
        """Exact-duplicate key: one brand, one source, one author, one text."""
        return derive_id(
            "fingerprint", brand, self.source, self.author_handle, self.cleaned.fingerprint
        )

    def record(self, brand: str, now: datetime) -> MentionRecord:
        text = self.cleaned
        return MentionRecord(
            id=mention_id(brand, self.source, self.external_id),
            brand=brand,
            source=self.source,
            external_id=self.external_id,
            author_handle=self.author_handle,
            author_name=self.author_name,
            author_followers=self.author_followers,
            text=text.text,
            url=self.url,
            lang=text.lang,
            published_at=self.published_at,
            received_at=now,
            hashtags=list(text.hashtags),
            handles=list(text.handles),
            urls=list(text.urls),
            fingerprint=text.fingerprint,
            simhash=f"{text.simhash:016x}",
        )


def hear(
    *,
    source: str,
    external_id: str,
    author_handle: str,
    author_name: str | None,
    author_followers: int | None,
    text: str,
    url: str | None,
    published_at: datetime | None,
    lang: str | None,
    now: datetime,
) -> Heard:
    """Clean the text (NFC, HTML out, language, entities, dedup keys) and prepare it for queries."""
    source = source_name(source)
    handle = handle_of(author_handle)
    cleaned = clean(text, lang)
    prepared = prepare(
        Document(cleaned.text, lang=cleaned.lang, source=source, author=handle, url=url)
    )
    return Heard(
        source=source,
        external_id=external_id,
        author_handle=handle,
        author_name=author_name,
        author_followers=author_followers,
        url=url,
        published_at=_utc(published_at, now),
        cleaned=cleaned,
        prepared=prepared,
    )


def hear_pushed(item: MentionIn, now: datetime) -> Heard:
    return hear(
        source=item.source,
        external_id=item.external_id,
        author_handle=item.author.handle,
        author_name=item.author.name,
        author_followers=item.author.followers,
        text=item.text,
        url=str(item.url) if item.url else None,
        published_at=item.published_at,
        lang=item.lang,
        now=now,
    )


def hear_pulled(item: PulledItem, now: datetime) -> Heard:
    return hear(
        source=item.source,
        external_id=item.external_id,
        author_handle=item.author_handle,
        author_name=item.author_name,
        author_followers=None,
        text=item.text,
        url=item.url,
        published_at=item.published_at,
        lang=item.lang,
        now=now,
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
        query_ids=tuple(record.query_ids),
        competitors=tuple(record.competitors),
        hashtags=tuple(record.hashtags),
        handles=tuple(record.handles),
        urls=tuple(record.urls),
        duplicate_of=record.duplicate_of,
    )


def outbox_message(
    payload: Payload,
    *,
    event_id: str,
    subject: str,
    brand: str,
    time: datetime,
    correlation_id: str | None,
    key: str,
) -> OutboxMessage:
    """What `to_message(make_event(...))` makes, without building the envelope model.

    The payload is validated as a model and serialised by pydantic; only the envelope's
    fixed fields are written here, in the envelope's field order (a unit test checks that
    both decode to the same event). Ingest publishes one per mention: this is its hot path.
    """
    event_type = TYPE_OF_PAYLOAD[type(payload)]
    head = {
        "specversion": "1.0",
        "id": event_id,
        "type": event_type,
        "source": EVENT_SOURCE,
        "time": time,
        "subject": subject,
        "datacontenttype": "application/json",
        "brand": brand,
        "schemaversion": 1,
        "correlationid": correlation_id,
    }
    value = b"".join(
        (orjson.dumps(head, option=orjson.OPT_UTC_Z)[:-1], b',"data":', _dump(payload), b"}")
    )
    headers = [
        ("ce_id", event_id.encode()),
        ("ce_type", event_type.encode()),
        ("ce_source", _SOURCE_BYTES),
        ("ce_specversion", b"1.0"),
        ("ce_brand", brand.encode()),
        ("content-type", b"application/cloudevents+json"),
    ]
    if correlation_id:
        headers.append(("ce_correlationid", correlation_id.encode()))
    return OutboxMessage(
        id=event_id,
        topic=TOPIC_OF_TYPE[event_type].value,
        key=key,
        value=value,
        headers=tuple(headers),
    )


def _dump(payload: Payload) -> bytes:
    return payload.__pydantic_serializer__.to_json(payload)


_SOURCE_BYTES = EVENT_SOURCE.encode()


def mention_message(record: MentionRecord, correlation_id: str | None) -> OutboxMessage:
    """`mention.received`, its id derived from the mention's so a re-publication dedupes downstream."""
    return outbox_message(
        received_event(record),
        event_id=derive_id("mention.received", record.id),
        subject=record.id,
        brand=record.brand,
        time=record.received_at,
        correlation_id=correlation_id,
        key=f"{record.brand}:{record.source}:{record.author_handle}",
    )


# --- engagement ----------------------------------------------------------------


def engagement_id(item: EngagementIn, occurred_at: datetime) -> str:
    """The sender's event id when given; otherwise the content, so an identical repeat dedupes."""
    if item.event_id is not None:
        return derive_id("engagement", item.brand, "event", item.event_id)
    return derive_id(
        "engagement",
        item.brand,
        "content",
        item.kind.value,
        source_name(item.source),
        handle_of(item.handle),
        occurred_at.isoformat(),
        repr(item.value),
    )


def engagement_event(
    item: EngagementIn, now: datetime
) -> tuple[EngagementRecord, EngagementRecorded]:
    occurred = _utc(item.occurred_at, now)
    payload = EngagementRecorded(
        engagement_id=engagement_id(item, occurred),
        brand=item.brand,
        kind=item.kind,
        source=source_name(item.source),
        handle=handle_of(item.handle),
        name=item.name,
        email=item.email.lower() if item.email else None,
        email_verified=item.email_verified,
        occurred_at=occurred,
        value=item.value,
    )
    record = EngagementRecord(
        id=payload.engagement_id,
        brand=payload.brand,
        kind=payload.kind.value,
        source=payload.source,
        handle=payload.handle,
        occurred_at=occurred,
        received_at=now,
    )
    return record, payload


def engagement_message(
    payload: EngagementRecorded, now: datetime, correlation_id: str | None
) -> OutboxMessage:
    return outbox_message(
        payload,
        event_id=derive_id("engagement.recorded", payload.engagement_id),
        subject=payload.engagement_id,
        brand=payload.brand,
        time=now,
        correlation_id=correlation_id,
        key=f"{payload.brand}:{payload.source}:{payload.handle}",
    )
