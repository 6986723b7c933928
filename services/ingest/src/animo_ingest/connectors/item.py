"""Field clean-up shared by the connectors, and the cursor bookkeeping that keeps a second pull free of repeats."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from .models import Cursor, PulledItem

# The limits of ingest's `MentionIn`, so every pulled item is accepted as it is.
MAX_TEXT = 100_000
MAX_ID = 200
MAX_NAME = 200
SEEN_LIMIT = 500
_LANG = re.compile(r"^([A-Za-z]{2})(?:[-_][A-Za-z0-9-]*)?$")
_GLOBAL_ID = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|tag:|urn:)", re.IGNORECASE)


def external_id(value: Any, host: str) -> str | None:
    """A globally unique id: URLs, tag: and urn: ids as given, bare ids prefixed by the host.

    Two forums both have a post 15, and the dedup key is (brand, network, external id),
    so a bare id alone would make one forum's post hide the other's.
    """
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text:
        return None
    if not _GLOBAL_ID.match(text):
        text = f"{host}:{text}"
    if len(text) > MAX_ID:
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    return text


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[:limit]


def name(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return clip(value.strip(), MAX_NAME)


def lang(value: Any) -> str | None:
    """A two-letter language code ("en-US" gives "en"), or None."""
    if not isinstance(value, str):
        return None
    match = _LANG.match(value.strip())
    return match.group(1).lower() if match else None


def http_url(value: Any, base: str | None = None) -> str | None:
    """An absolute http(s) URL, resolving a relative one against `base`; anything else is None."""
    if not isinstance(value, str) or not value.strip():
        return None
    url = urljoin(base, value.strip()) if base else value.strip()
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text or epoch seconds (or milliseconds)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = float(value) / 1000 if value > 1e11 else float(value)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None


def remember(
    seen: Sequence[str], current: Sequence[str], limit: int = SEEN_LIMIT
) -> tuple[str, ...]:
    """The ids to keep: this response's first, then older ones, bounded.

    Everything the source still shows is kept even past `limit`, or a long feed would
    forget its own tail and repeat it on the next pull.
    """
    ordered = list(dict.fromkeys([*current, *seen]))
    return tuple(ordered[: max(limit, len(set(current)))])


def finish(
    candidates: Sequence[PulledItem],
    cursor: Cursor,
    *,
    etag: str | None,
    last_modified: str | None,
    position: str | None,
) -> tuple[list[PulledItem], Cursor]:
    """Drop ids already seen (and repeats within the response); the new cursor; oldest first."""
    fresh: dict[str, PulledItem] = {}
    known = set(cursor.seen_ids)
    for item in candidates:
        if item.external_id not in known and item.external_id not in fresh:
            fresh[item.external_id] = item
    ids = [item.external_id for item in candidates]
    new_cursor = Cursor(
        etag=etag,
        last_modified=last_modified,
        position=position,
        seen_ids=remember(cursor.seen_ids, ids),
    )
    oldest_first = sorted(
        fresh.values(), key=lambda i: i.published_at or datetime.min.replace(tzinfo=UTC)
    )
    return oldest_first, new_cursor
