"""The one door to the networks: a channel and its parts in, the network adapter's Delivery out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import httpx

from .channels import Channel
from .networks import ADAPTERS, Delivery, NetworkAdapter


class Networks(Protocol):
    async def publish(
        self,
        channel: Channel,
        parts: Sequence[str],
        *,
        reply_to: str | None,
        idempotency_key: str,
        image_url: str | None,
    ) -> Delivery: ...


class HttpNetworks:
    """Hands a channel's credentials to its network's adapter, and nothing else does."""

    def __init__(
        self, client: httpx.AsyncClient, adapters: Mapping[str, NetworkAdapter] = ADAPTERS
    ) -> None:
        self._client = client
        self._adapters = adapters

    async def close(self) -> None:
        await self._client.aclose()

    async def publish(
        self,
        channel: Channel,
        parts: Sequence[str],
        *,
        reply_to: str | None,
        idempotency_key: str,
        image_url: str | None,
    ) -> Delivery:
        adapter = self._adapters.get(channel.kind)
        if adapter is None:
            return Delivery(ok=False, error=f"no adapter for channel kind {channel.kind!r}")
        creds = dict(channel.credentials)
        if image_url:
            creds["image_url"] = image_url
        try:
            return await adapter.publish(
                self._client,
                creds,
                channel.base_url,
                parts,
                reply_to=reply_to,
                idempotency_key=idempotency_key,
            )
        except Exception as error:
            # An adapter bug mid-request: whether it reached the network is unknown.
            return Delivery(
                ok=False,
                error=f"{channel.kind} adapter failed ({type(error).__name__}); the post may be live",
            )
