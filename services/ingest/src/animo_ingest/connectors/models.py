"""The connector contract: a source's configuration, its stored cursor, the items a pull yields, and the one interface every connector implements."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import httpx

from animo_shared.events import SOURCE_PATTERN

SourceKind = Literal["rss", "mastodon", "discourse", "json"]
KINDS: tuple[SourceKind, ...] = ("rss", "mastodon", "discourse", "json")
# Polling faster than this is rude to the sites we read and buys nothing for mentions.
MIN_INTERVAL_SECONDS = 30
_SOURCE_NAME = re.compile(SOURCE_PATTERN)


@dataclass(frozen=True)
class SourceConfig:
    """One source to poll; `options` are kind-specific (see each connector's docstring)."""

    id: str
    kind: SourceKind
    url: str
    interval_seconds: int = 300
    # Out of the repr: options may carry API keys, and configs end up in logs.
    options: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise ValueError("a source needs a non-empty id")
        if self.kind not in KINDS:
            raise ValueError(f"{self.id}: unknown kind {self.kind!r}; expected one of {KINDS}")
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{self.id}: url must be an absolute http(s) URL")
        if self.interval_seconds < MIN_INTERVAL_SECONDS:
            raise ValueError(f"{self.id}: interval_seconds must be >= {MIN_INTERVAL_SECONDS}")
        network = self.options.get("network")
        if network is not None and not (isinstance(network, str) and _SOURCE_NAME.match(network)):
            raise ValueError(f"{self.id}: options.network must match {SOURCE_PATTERN}")
        # Read-only, so a config shared between tasks cannot be changed under a running pull.
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    def network(self, default: str) -> str:
        """The network name the items are filed under ("blog", "forum", …)."""
        return str(self.options.get("network") or default)

    def extra_headers(self) -> dict[str, str]:
        """Request headers from `options.headers` (API keys, bearer tokens)."""
        headers = self.options.get("headers") or {}
        return {str(key): str(value) for key, value in dict(headers).items()}


@dataclass(frozen=True)
class Cursor:
    """Where a source was left: validators for conditional requests, a position, recent ids."""

    etag: str | None = None
    last_modified: str | None = None
    position: str | None = None
    # Bounded; guards against repeats when a source has no usable ordering (feeds).
    seen_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "etag": self.etag,
            "last_modified": self.last_modified,
            "position": self.position,
            "seen_ids": list(self.seen_ids),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Cursor:
        return cls(
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
            position=data.get("position"),
            seen_ids=tuple(str(i) for i in data.get("seen_ids") or ()),
        )


@dataclass(frozen=True)
class PulledItem:
    """One post as a source gave it, shaped like ingest's `MentionIn` minus the brand."""

    source: str
    external_id: str
    author_handle: str
    author_name: str | None
    text: str
    url: str | None
    published_at: datetime | None
    lang: str | None


@dataclass(frozen=True)
class PullResult:
    items: list[PulledItem]
    cursor: Cursor
    not_modified: bool = False


class SourceError(Exception):
    """A pull failed; `retryable` says whether trying again soon may help."""

    def __init__(
        self, reason: str, retryable: bool = True, *, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


class Connector(Protocol):
    async def pull(
        self, client: httpx.AsyncClient, config: SourceConfig, cursor: Cursor
    ) -> PullResult:
        """One pull from `config` after `cursor`; raises `SourceError` on failure."""
        ...
