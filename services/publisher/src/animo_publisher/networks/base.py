"""The interface every network adapter implements, and the HTTP plumbing they share."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, Protocol

import httpx

EXCERPT_CHARS = 300
_SECRET_MARKERS = ("token", "key", "secret", "password")
_REDACTED = "[redacted]"


@dataclass(frozen=True)
class Delivery:
    """What one publish call did. `external_ids` lists the parts that went out, in order, even
    when a later part failed: resume with the remaining parts and `reply_to=external_ids[-1]`.
    `error` and `body_excerpt` never hold a credential."""

    ok: bool
    external_ids: tuple[str, ...] = ()
    retryable: bool = False
    retry_after_seconds: float | None = None
    auth_failed: bool = False
    error: str | None = None
    status: int | None = None
    body_excerpt: str | None = None


class NetworkAdapter(Protocol):
    """Posts `parts` as one post or a reply chain (each part replying to the one before)."""

    async def publish(
        self,
        client: httpx.AsyncClient,
        creds: Mapping[str, str],
        base_url: str,
        parts: Sequence[str],
        *,
        reply_to: str | None,
        idempotency_key: str,
    ) -> Delivery: ...


class ChannelHealth(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"  # throttled, down or answering nonsense: retry later
    REFUSED = "refused"  # the network forbids this account the action (403)
    NEEDS_REAUTH = "needs_reauth"  # token expired or revoked, or credentials missing


def evidence(delivery: Delivery) -> ChannelHealth | None:
    """What a delivery says about its channel, as opposed to about the post; None: nothing.

    A refusal of the text (422 too long, X's 403 on duplicate content) shows the channel
    works: healthy. A refusal before any request (no media for Instagram) and a timeout whose
    outcome is unknown on a network that cannot be retried blindly (no status, not retryable)
    say nothing: one such event is no verdict.
    """
    if delivery.ok:
        return ChannelHealth.HEALTHY
    if delivery.auth_failed:
        return ChannelHealth.NEEDS_REAUTH
    status = delivery.status
    if status == 403 and "duplicate" not in (delivery.error or "").lower():
        return ChannelHealth.REFUSED
    if delivery.retryable or (status is not None and (status >= 500 or 200 <= status < 300)):
        return ChannelHealth.DEGRADED
    return ChannelHealth.HEALTHY if status is not None else None


def health(delivery: Delivery) -> ChannelHealth:
    """The state one delivery alone points to (no verdict reads as healthy). The dispatcher
    needs repeated failures before it calls a channel degraded: see animo_publisher.health."""
    return evidence(delivery) or ChannelHealth.HEALTHY


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date (RFC 9110)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def parse_reset(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds until a rate-limit window resets: epoch seconds (X) or ISO 8601 (Mastodon)."""
    if not value or not value.strip():
        return None
    now = now or datetime.now(UTC)
    try:
        when = datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def retry_after(response: httpx.Response) -> float | None:
    headers = response.headers
    seconds = parse_retry_after(headers.get("retry-after"))
    if seconds is None:
        # X and Mastodon say when the window resets instead of sending Retry-After.
        seconds = parse_reset(headers.get("x-rate-limit-reset") or headers.get("x-ratelimit-reset"))
    return seconds


def secrets_of(creds: Mapping[str, str]) -> tuple[str, ...]:
    """The credential values that must never appear in an error, a log line or an excerpt."""
    return tuple(
        value
        for name, value in creds.items()
        if any(marker in name.lower() for marker in _SECRET_MARKERS) and len(value) >= 4
    )


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, _REDACTED)
    return text


def missing(creds: Mapping[str, str], *names: str) -> Delivery | None:
    """A refusal before any request when a credential is absent: the channel needs setup."""
    absent = [name for name in names if not creds.get(name)]
    if not absent:
        return None
    return Delivery(ok=False, auth_failed=True, error=f"missing credential(s): {', '.join(absent)}")


@dataclass(frozen=True)
class Call:
    """What the helpers below need to know about the adapter calling them."""

    network: str
    secrets: tuple[str, ...]
    idempotent: bool  # a repeated request cannot publish twice (Mastodon's Idempotency-Key)


async def send(
    client: httpx.AsyncClient,
    call: Call,
    url: str,
    *,
    headers: Mapping[str, str],
    json: Any = None,
    content: bytes | None = None,
) -> httpx.Response | Delivery:
    """POST once. A transport failure becomes a Delivery; whether to retry depends on whether
    the request may have reached the network and on whether a repeat could publish twice."""
    try:
        return await client.post(url, headers=dict(headers), json=json, content=content)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
        return Delivery(
            ok=False, retryable=True, error=f"{call.network} unreachable: {_name(error)}"
        )
    except httpx.HTTPError as error:
        return Delivery(
            ok=False,
            retryable=call.idempotent,
            error=f"{call.network}: {_name(error)} after sending; the post may be live",
        )


def _name(error: Exception) -> str:
    return type(error).__name__


def excerpt(response: httpx.Response, call: Call) -> str | None:
    text = response.text.strip()
    return scrub(text[:EXCERPT_CHARS], call.secrets) if text else None


def json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def failure(
    response: httpx.Response,
    call: Call,
    *,
    message: str | None = None,
    auth_failed: bool | None = None,
    retryable: bool | None = None,
) -> Delivery:
    """A refused request: 401 is an auth failure, 408/425/429/5xx retryable unless told otherwise."""
    status = response.status_code
    if retryable is None:
        retryable = status in (408, 425, 429) or status >= 500
    detail = f"{call.network} answered HTTP {status}" + (f": {message}" if message else "")
    return Delivery(
        ok=False,
        retryable=retryable,
        retry_after_seconds=retry_after(response) if retryable else None,
        auth_failed=status == 401 if auth_failed is None else auth_failed,
        error=scrub(detail, call.secrets),
        status=status,
        body_excerpt=excerpt(response, call),
    )


def unreadable(response: httpx.Response, call: Call, expected: str) -> Delivery:
    """A success status without the id we need: the post may be live, so retry only if safe."""
    return Delivery(
        ok=False,
        retryable=call.idempotent,
        error=f"{call.network} answered HTTP {response.status_code} without {expected}; "
        "the post may be live",
        status=response.status_code,
        body_excerpt=excerpt(response, call),
    )


def string_id(value: Any) -> str | None:
    """An id as the network sent it (string or number), or None if it is neither."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


Step = Callable[[str, str | None, int], Awaitable["str | Delivery"]]


async def chain(parts: Sequence[str], reply_to: str | None, step: Step) -> Delivery:
    """Post each part as a reply to the previous one (the first to `reply_to`); stop at the
    first failure, reporting the ids that did go out."""
    if not parts:
        return Delivery(ok=False, error="nothing to publish")
    ids: list[str] = []
    target = reply_to
    for index, part in enumerate(parts):
        outcome = await step(part, target, index)
        if isinstance(outcome, Delivery):
            where = f" (part {index + 1} of {len(parts)})" if len(parts) > 1 else ""
            return dataclasses.replace(
                outcome, external_ids=tuple(ids), error=f"{outcome.error}{where}"
            )
        ids.append(outcome)
        target = outcome
    return Delivery(ok=True, external_ids=tuple(ids))
