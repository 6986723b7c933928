"""Channel adapters: one per network behind one interface; the first is a signed webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

import httpx

from .models import Channel, Post


@dataclass(frozen=True)
class Outcome:
    ok: bool
    retryable: bool = False
    external_id: str | None = None
    error: str | None = None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over `timestamp.body`, so a replayed body with a new timestamp fails."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class WebhookAdapter:
    """POSTs the post as JSON, signed (`X-Animo-Signature`, `X-Animo-Timestamp`), idempotent by key."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def deliver(self, channel: Channel, post: Post) -> Outcome:
        body = json.dumps(
            {"post_id": post.id, "brand": post.brand, "channel_id": channel.id, "text": post.text},
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/json",
            "x-animo-timestamp": timestamp,
            "x-animo-signature": sign(channel.secret, timestamp, body),
            "idempotency-key": f"{post.id}:{channel.id}",
        }
        try:
            response = await self._client.post(channel.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return Outcome(ok=False, retryable=True, error=f"{type(error).__name__}: {error}")
        if response.is_success:
            external = response.headers.get("x-external-id")
            return Outcome(ok=True, external_id=external)
        retryable = response.status_code == 429 or response.status_code >= 500
        return Outcome(ok=False, retryable=retryable, error=f"HTTP {response.status_code}")
