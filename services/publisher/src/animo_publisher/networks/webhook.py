"""Generic webhook: the whole post in one signed JSON POST, idempotent by key."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence

import httpx

from ..adapters import sign
from .base import Call, Delivery, failure, missing, secrets_of, send


class WebhookAdapter:
    """POSTs `{"parts", "text", "in_reply_to", "idempotency_key"}` to `base_url` (the channel's
    URL), signed like the first webhook adapter: `X-Animo-Timestamp` and `X-Animo-Signature:
    sha256=HMAC(secret, timestamp + "." + body)`, plus `Idempotency-Key`. Any 2xx is success;
    the receiver may name the created object in `X-External-Id`.

    Credentials: `secret`. A receiver is expected to honour the key, so repeats are safe and
    every failure after sending is retryable. A thread goes out as one request with all parts:
    the receiver decides how to chain them.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

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
        if refused := missing(creds, "secret"):
            return refused
        if not parts:
            return Delivery(ok=False, error="nothing to publish")
        call = Call("Webhook", secrets_of(creds), idempotent=True)
        body = json.dumps(
            {
                "parts": list(parts),
                "text": "\n\n".join(parts),
                "in_reply_to": reply_to,
                "idempotency_key": idempotency_key,
            },
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(self._clock()))
        headers = {
            "content-type": "application/json",
            "x-animo-timestamp": timestamp,
            "x-animo-signature": sign(creds["secret"], timestamp, body),
            "idempotency-key": idempotency_key,
        }
        response = await send(client, call, base_url, headers=headers, content=body)
        if isinstance(response, Delivery):
            return response
        if not response.is_success:
            return failure(response, call)
        external = response.headers.get("x-external-id")
        return Delivery(ok=True, external_ids=(external,) if external else ())
