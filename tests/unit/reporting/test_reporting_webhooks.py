"""Alert webhooks: signed like the publisher's, retried with back-off, given up after N tries."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import httpx

from animo_reporting.documents import BrandSettingsDoc, Delivery, DeliveryStatus
from animo_reporting.webhooks import RetryPolicy, WebhookSender, sign

NOW = datetime(2026, 11, 16, 9, tzinfo=UTC)
SECRET = "a-webhook-secret-of-32-characters"


class Deliveries:
    def __init__(self, secret: str | None = SECRET) -> None:
        self.saved: list[Delivery] = []
        self.settings = BrandSettingsDoc(
            id="acme",
            brand="acme",
            webhook_url="http://hook/x",
            webhook_secret=secret,
            updated_at=NOW,
        )

    async def due(self, now: datetime, limit: int) -> list[Delivery]:
        return []

    async def save_delivery(self, delivery: Delivery) -> None:
        self.saved.append(delivery.model_copy())

    async def brand_settings(self, brand: str) -> BrandSettingsDoc | None:
        return self.settings


def delivery() -> Delivery:
    return Delivery(
        id="d1",
        brand="acme",
        event_id="e1",
        event_type="alert.raised",
        url="http://hook/x",
        body='{"type":"alert.raised"}',
        next_at=NOW,
        created_at=NOW,
    )


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign("k", "1700000000", b"{}") == "sha256=" + expected


async def test_a_delivery_is_signed_and_lands() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    store = Deliveries()
    sender = WebhookSender(store, lambda: NOW, RetryPolicy())
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        done = await sender.attempt(client, delivery())
    assert done.status is DeliveryStatus.DELIVERED
    (request,) = seen
    timestamp = request.headers["x-animo-timestamp"]
    assert timestamp == str(int(NOW.timestamp()))
    assert request.headers["x-animo-signature"] == sign(SECRET, timestamp, request.content)
    assert request.headers["idempotency-key"] == "e1"
    assert request.headers["x-animo-event"] == "alert.raised"


async def test_failures_back_off_then_give_up() -> None:
    outcomes: list[str] = []
    store = Deliveries()
    policy = RetryPolicy(max_attempts=3, first_delay=timedelta(seconds=5))
    sender = WebhookSender(store, lambda: NOW, policy, outcomes.append)
    transport = httpx.MockTransport(lambda request: httpx.Response(503))
    current = delivery()
    async with httpx.AsyncClient(transport=transport) as client:
        for _ in range(3):
            current = await sender.attempt(client, current)
    assert [d.next_at - NOW for d in store.saved[:2]] == [
        timedelta(seconds=5),
        timedelta(seconds=10),
    ]
    assert current.status is DeliveryStatus.FAILED
    assert current.last_error == "HTTP 503"
    assert outcomes == ["retry", "retry", "failed"]
    assert policy.delay(20) == timedelta(hours=1)


async def test_no_secret_means_no_unsigned_delivery() -> None:
    store = Deliveries(secret=None)
    sender = WebhookSender(store, lambda: NOW, RetryPolicy())
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    async with httpx.AsyncClient(transport=transport) as client:
        done = await sender.attempt(client, delivery())
    assert done.status is DeliveryStatus.FAILED
    assert done.last_error is not None and "secret" in done.last_error
