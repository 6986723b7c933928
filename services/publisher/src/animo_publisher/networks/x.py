"""X: each part is `POST /2/tweets`, a thread being replies to the previous Tweet."""

from __future__ import annotations

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

DEFAULT_BASE_URL = "https://api.x.com"


class XAdapter:
    """X API v2 "Create Post" (docs.x.com/x-api/posts/create-post): JSON `{"text": ...}`, a reply
    adds `{"reply": {"in_reply_to_tweet_id": ...}}`; answers 201 `{"data": {"id", "text"}}`.

    Credentials: `access_token`, an OAuth 2.0 user-context token with `tweet.write` (sent as
    `Authorization: Bearer`). X has no idempotency key, so a request that may have gone through
    is not retried (a repeat would be refused as duplicate content anyway). 429 carries
    `x-rate-limit-reset` (epoch seconds) rather than Retry-After; both are read.
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
        call = Call("X", secrets_of(creds), idempotent=False)
        url = f"{base_url.rstrip('/')}/2/tweets"
        headers = {
            "authorization": f"Bearer {creds['access_token']}",
            "content-type": "application/json",
        }

        async def step(part: str, target: str | None, index: int) -> str | Delivery:
            body: dict[str, Any] = {"text": part}
            if target:
                body["reply"] = {"in_reply_to_tweet_id": target}
            response = await send(client, call, url, headers=headers, json=body)
            if isinstance(response, Delivery):
                return response
            if not response.is_success:
                return failure(response, call, message=_message(json_body(response)))
            data = json_body(response)
            tweet_id = string_id(data.get("data", {}).get("id")) if isinstance(data, dict) else None
            return tweet_id or unreadable(response, call, "data.id")

        return await chain(parts, reply_to, step)


def _message(body: Any) -> str | None:
    """X errors are RFC 7807 problems: `{"title", "detail", "type", "status"}`."""
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("title")
        return str(detail) if detail else None
    return None
