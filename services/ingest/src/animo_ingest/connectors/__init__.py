"""Pull connectors (RSS/Atom, Mastodon, Discourse, generic JSON) and the poller that drives one source at a time: a library with no broker and no database."""

from __future__ import annotations

from .fetch import new_client
from .guard import MAX_BYTES, MAX_ITEMS, MAX_JSON_DEPTH
from .health import SourceHealth, after_failure, after_success, next_attempt
from .models import (
    KINDS,
    Connector,
    Cursor,
    PulledItem,
    PullResult,
    SourceConfig,
    SourceError,
    SourceKind,
)
from .poller import Poller, PollOutcome
from .registry import CONNECTORS

__all__ = [
    "CONNECTORS",
    "KINDS",
    "MAX_BYTES",
    "MAX_ITEMS",
    "MAX_JSON_DEPTH",
    "Connector",
    "Cursor",
    "PollOutcome",
    "Poller",
    "PullResult",
    "PulledItem",
    "SourceConfig",
    "SourceError",
    "SourceHealth",
    "SourceKind",
    "after_failure",
    "after_success",
    "new_client",
    "next_attempt",
]
