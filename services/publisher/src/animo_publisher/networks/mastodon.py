"""Mastodon: each part is `POST /api/v1/statuses` with an Idempotency-Key, a thread being replies."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from .base import (
    Call,
    Delivery,
    chain,
    failure,
    json_body,
    missing,
    secrets_of,
    send,
    string_id,
    unreadable,
)


class MastodonAdapter:
    """Mastodon "Post a new status" (docs.joinmastodon.org/methods/statuses/#create): JSON
    `{"status", "in_reply_to_id"?}` to the channel's instance (`base_url`); answers 200 with the
    Status, whose `id` is kept.

    Credentials: `access_token` with `write:statuses` (sent as `Authorization: Bearer`). The
    `Idempotency-Key` header makes a repeat within an hour return the first status instead of
    posting twice, so any failure after sending is retryable. Each part gets its own key, derived
    from the caller's key and the part's text, so resuming a half-posted thread with the
    remaining parts reuses the right keys. 429 carries `X-RateLimit-Reset` (ISO 8601).
    """

    async def publish(
        self,
        client: httpx.AsyncClient,
        creds: Mapping[str, str],
        base_url: str,
        parts: Sequence[str],
        *,
        reply_to: str | None,
        idempotency_key: str,
    ) -> Delivery:
        if refused := missing(creds, "access_token"):
            return refused
        call = Call("Mastodon", secrets_of(creds), idempotent=True)
        url = f"{base_url.rstrip('/')}/api/v1/statuses"

        async def step(part: str, target: str | None, index: int) -> str | Delivery:
            body: dict[str, Any] = {"status": part}
            if target:
                body["in_reply_to_id"] = target
            headers = {
                "authorization": f"Bearer {creds['access_token']}",
                "content-type": "application/json",
                "idempotency-key": part_key(idempotency_key, part),
            }
            response = await send(client, call, url, headers=headers, json=body)
            if isinstance(response, Delivery):
                return response
            if not response.is_success:
                data = json_body(response)
                message = data.get("error") if isinstance(data, dict) else None
                return failure(response, call, message=str(message) if message else None)
            data = json_body(response)
            status_id = string_id(data.get("id")) if isinstance(data, dict) else None
            return status_id or unreadable(response, call, "an id")

        return await chain(parts, reply_to, step)


def part_key(idempotency_key: str, part: str) -> str:
    digest = hashlib.sha256(part.encode()).hexdigest()[:16]
    return f"{idempotency_key}:{digest}"
