"""Pulled sources: their configuration, stored cursor and health, and the rules for adding them (no I/O here)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from animo_shared.events import BRAND_PATTERN
from animo_shared.store import Changes, Document

from .brands import Conflict, NotFound
from .connectors import KINDS, Cursor, SourceConfig, SourceError, SourceHealth, SourceKind
from .connectors.mapping import field_mapping
from .connectors.mastodon import timeline_request

REDACTED = "***"


class SourceIn(BaseModel):
    """A source to poll; `options` depend on the kind (docs/listening.md lists them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str | None = Field(
        default=None,
        pattern=BRAND_PATTERN,
        examples=["velotaf-forum"],
        description="Chosen by the caller, or generated.",
    )
    kind: SourceKind = Field(examples=["discourse"], description=f"One of {', '.join(KINDS)}.")
    url: str = Field(min_length=1, max_length=2000, examples=["https://forum.velotaf.fr"])
    interval_seconds: int = Field(default=300, ge=30, le=86_400)
    options: dict[str, Any] = Field(
        default_factory=dict,
        examples=[{"network": "forum"}],
        description="Kind-specific; `headers` values (API keys) are never returned.",
    )
    enabled: bool = True


class SourceRecord(Document):
    kind: SourceKind
    url: str
    interval_seconds: int
    # JSON text: option keys are the caller's, and MongoDB refuses some keys (dots).
    options_json: str = "{}"
    enabled: bool = True
    created_at: datetime

    @property
    def options(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.options_json)
        return loaded

    def config(self) -> SourceConfig:
        return SourceConfig(
            id=self.id,
            kind=self.kind,
            url=self.url,
            interval_seconds=self.interval_seconds,
            options=self.options,
        )


class SourceState(Document):
    """Where a source was left; stored in the same batch as the mentions its pull produced."""

    cursor: dict[str, Any] = Field(default_factory=dict)
    health: SourceHealth

    def parsed_cursor(self) -> Cursor:
        return Cursor.from_dict(self.cursor)


class SourceOut(BaseModel):
    id: str
    kind: SourceKind
    url: str
    interval_seconds: int
    options: dict[str, Any]
    enabled: bool
    created_at: datetime
    health: SourceHealth

    @classmethod
    def of(cls, record: SourceRecord, state: SourceState | None) -> SourceOut:
        return cls(
            id=record.id,
            kind=record.kind,
            url=record.url,
            interval_seconds=record.interval_seconds,
            options=redact(record.options),
            enabled=record.enabled,
            created_at=record.created_at,
            health=state.health if state else SourceHealth(source_id=record.id),
        )


class SourceList(BaseModel):
    items: list[SourceOut]


class PollReport(BaseModel):
    items: int = Field(description="New items the pull returned.")
    accepted: int = Field(description="Mentions kept (an item matching two brands counts twice).")
    duplicates: int
    unmatched: int = Field(description="Items no brand's query matched: dropped.")
    health: SourceHealth


def redact(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options as the API shows them: header values (API keys, tokens) hidden."""
    shown = dict(options)
    headers = shown.get("headers")
    if isinstance(headers, Mapping):
        shown["headers"] = dict.fromkeys(headers, REDACTED)
    return shown


class InvalidSource(ValueError):
    """A configuration the connectors would refuse; `field` says where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_config(config: SourceConfig) -> None:
    """Refuse now what the connector would refuse at every pull (a broken field mapping…)."""
    headers = config.options.get("headers")
    if headers is not None and not (
        isinstance(headers, Mapping) and all(isinstance(v, str) for v in headers.values())
    ):
        raise InvalidSource("options", "options.headers must map header names to strings")
    try:
        if config.kind == "json":
            field_mapping(config.options)
        elif config.kind == "mastodon":
            timeline_request(config.options)
    except SourceError as error:
        raise InvalidSource("options", error.reason) from None


class SourceStore(Protocol):
    async def get_source(self, source_id: str) -> SourceRecord | None: ...
    async def insert_source(self, record: SourceRecord) -> bool: ...
    async def delete_source(self, source_id: str) -> bool: ...
    async def all_sources(self) -> list[SourceRecord]: ...
    async def states(self, ids: list[str]) -> dict[str, SourceState]: ...
    def stage_state(self, changes: Changes, state: SourceState) -> None: ...


class SourceService:
    def __init__(self, store: SourceStore) -> None:
        self.store = store

    async def create(self, body: SourceIn, now: datetime) -> SourceRecord:
        source_id = body.id or f"src-{uuid.uuid4().hex[:12]}"
        try:
            config = SourceConfig(
                id=source_id,
                kind=body.kind,
                url=body.url,
                interval_seconds=body.interval_seconds,
                options=body.options,
            )
        except ValueError as error:
            raise InvalidSource("", str(error)) from None
        check_config(config)
        record = SourceRecord(
            id=source_id,
            kind=body.kind,
            url=body.url,
            interval_seconds=body.interval_seconds,
            options_json=json.dumps(body.options, ensure_ascii=False),
            enabled=body.enabled,
            created_at=now,
        )
        if not await self.store.insert_source(record):
            raise Conflict(f"source {source_id!r} exists already")
        return record

    async def source(self, source_id: str) -> tuple[SourceRecord, SourceState | None]:
        record = await self.store.get_source(source_id)
        if record is None:
            raise NotFound(f"no source {source_id!r}")
        return record, (await self.store.states([source_id])).get(source_id)

    async def sources(self) -> list[tuple[SourceRecord, SourceState | None]]:
        records = await self.store.all_sources()
        states = await self.store.states([r.id for r in records])
        return [(record, states.get(record.id)) for record in records]

    async def delete(self, source_id: str) -> None:
        if not await self.store.delete_source(source_id):
            raise NotFound(f"no source {source_id!r}")
