"""One guarded HTTP GET for every connector: conditional headers from the cursor, a streamed size cap, and HTTP failures turned into `SourceError`s."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from .guard import MAX_BYTES
from .models import Cursor, SourceError

USER_AGENT = "animo-ingest/0.1 (community listening; polite polling)"
JSON_ACCEPT = "application/json"
FEED_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
# 408 and 429 say "later"; 5xx are the server's trouble. Any other 4xx needs a human.
_RETRYABLE_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes
    headers: httpx.Headers
    url: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        value = self.headers.get("etag")
        return str(value) if value else None

    @property
    def last_modified(self) -> str | None:
        value = self.headers.get("last-modified")
        return str(value) if value else None

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", ""))


def new_client(timeout: float = 20.0) -> httpx.AsyncClient:
    """A client suited to polling: bounded timeouts and pool, redirects followed, our agent."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": USER_AGENT},
    )


def conditional_headers(cursor: Cursor | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if cursor and cursor.etag:
        headers["If-None-Match"] = cursor.etag
    if cursor and cursor.last_modified:
        headers["If-Modified-Since"] = cursor.last_modified
    return headers


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _refuse_status(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    reason = f"HTTP {status} from {response.url.copy_with(query=None)}"
    retry_after = _retry_after(response.headers.get("retry-after"))
    if status in _RETRYABLE_STATUSES or status >= 500:
        raise SourceError(reason, retryable=True, retry_after=retry_after)
    raise SourceError(reason, retryable=False, retry_after=retry_after)


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    cursor: Cursor | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    accept: str = JSON_ACCEPT,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """GET `url`; a 304 comes back with an empty body, anything over `max_bytes` is refused."""
    request_headers = {"Accept": accept, **conditional_headers(cursor), **(headers or {})}
    try:
        async with client.stream(
            "GET", url, params=params, headers=request_headers, follow_redirects=True
        ) as response:
            if response.status_code == 304:
                return Fetched(304, b"", response.headers, str(response.url))
            _refuse_status(response)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise SourceError(f"response of {declared} bytes over the {max_bytes} cap", False)
            chunks: list[bytes] = []
            size = 0
            # Decoded bytes are counted, so a compressed bomb stops at the cap like a big body;
            # leaving the block closes the connection instead of draining the rest.
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise SourceError(f"response over the {max_bytes} bytes cap refused", False)
                chunks.append(chunk)
            return Fetched(
                response.status_code, b"".join(chunks), response.headers, str(response.url)
            )
    except httpx.TimeoutException as exc:
        raise SourceError(f"timed out: {type(exc).__name__}") from exc
    except httpx.HTTPError as exc:
        raise SourceError(f"{type(exc).__name__}: {exc}") from exc
