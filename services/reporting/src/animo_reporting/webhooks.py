"""Alert webhooks: each queued delivery is POSTed, signed like the publisher's, and retried with
exponential back-off until it lands or runs out of attempts.

The body is the alert's CloudEvent (JSON). Headers: `X-Animo-Timestamp` (unix seconds),
`X-Animo-Signature: sha256=hex(hmac(secret, timestamp + "." + body))`, `X-Animo-Event`
(the event type) and `Idempotency-Key` (the event id: a retry never means a second alert).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import httpx

from .documents import BrandSettingsDoc, Delivery, DeliveryStatus

log = logging.getLogger(__name__)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over `timestamp.body`, so a replayed body with a new timestamp fails."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class DeliveryStore(Protocol):
    async def due(self, now: datetime, limit: int) -> list[Delivery]: ...
    async def save_delivery(self, delivery: Delivery) -> None: ...
    async def brand_settings(self, brand: str) -> BrandSettingsDoc | None: ...


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    first_delay: timedelta = timedelta(seconds=5)
    max_delay: timedelta = timedelta(hours=1)
    timeout_seconds: float = 10.0

    def delay(self, attempts: int) -> timedelta:
        return min(self.max_delay, self.first_delay * float(2 ** max(0, attempts - 1)))


class WebhookSender:
    def __init__(
        self,
        alerts: DeliveryStore,
        clock: Callable[[], datetime],
        policy: RetryPolicy,
        on_outcome: Callable[[str], None] | None = None,
        tick_seconds: float = 1.0,
    ) -> None:
        self.alerts = alerts
        self.clock = clock
        self.policy = policy
        self.on_outcome = on_outcome
        self.tick_seconds = tick_seconds
        self._wake = asyncio.Event()

    def kick(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=self.policy.timeout_seconds) as client:
            while True:
                await self.deliver_due(client)
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                # that lands as the wait ends (CPython gh-86296), and this loop would then
                # outlive the service's stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.tick_seconds):
                        await self._wake.wait()
                self._wake.clear()

    async def deliver_due(self, client: httpx.AsyncClient) -> int:
        due = await self.alerts.due(self.clock(), 50)
        for delivery in due:
            await self.attempt(client, delivery)
        return len(due)

    async def attempt(self, client: httpx.AsyncClient, delivery: Delivery) -> Delivery:
        settings = await self.alerts.brand_settings(delivery.brand)
        secret = settings.webhook_secret if settings else None
        delivery.attempts += 1
        error: str | None = None
        if not secret:
            error = "no webhook secret configured for the brand any more"
        else:
            body = delivery.body.encode()
            timestamp = str(int(self.clock().timestamp()))
            headers = {
                "content-type": "application/json",
                "x-animo-timestamp": timestamp,
                "x-animo-signature": sign(secret, timestamp, body),
                "x-animo-event": delivery.event_type,
                "idempotency-key": delivery.event_id,
            }
            try:
                response = await client.post(delivery.url, content=body, headers=headers)
                if not response.is_success:
                    error = f"HTTP {response.status_code}"
            except httpx.HTTPError as failure:
                error = f"{type(failure).__name__}: {failure}"
        if error is None:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.last_error = None
        elif delivery.attempts >= self.policy.max_attempts or not secret:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = error
        else:
            delivery.next_at = self.clock() + self.policy.delay(delivery.attempts)
            delivery.last_error = error
        await self.alerts.save_delivery(delivery)
        outcome = "retry" if delivery.status is DeliveryStatus.PENDING else delivery.status.value
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        if error:
            log.warning("webhook for %s (%s): %s", delivery.brand, outcome, error)
        return delivery
