"""Each network adapter against a local double of that network: the exact request, and every answer
(success, expired token, throttling, server error, garbage) turned into the right Delivery."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from animo_dev.inprocess import serve
from animo_publisher.networks import ADAPTERS, ChannelHealth, Delivery, health
from animo_publisher.networks.mastodon import part_key

TOKEN = "tok-SECRET-4f9a2c"
GRAPH = "/v23.0"  # Graph's base_url carries the API version as a path prefix


@dataclass
class Seen:
    method: str
    path: str  # as sent, percent-encoding included
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int
    body: Any = None  # JSON, or str for a non-JSON body
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Double:
    """A stand-in for a network: records each request and answers from a script, in order."""

    base: str = ""
    script: list[Answer] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST"])
        async def endpoint(request: Request, path: str) -> Response:
            raw_path = request.scope["raw_path"].decode()
            self.seen.append(
                Seen(request.method, raw_path, dict(request.headers), await request.body())
            )
            answer = self.script.pop(0) if self.script else Answer(599, "unscripted request")
            if isinstance(answer.body, str):
                return Response(answer.body, answer.status, answer.headers, "text/html")
            content = b"" if answer.body is None else json.dumps(answer.body).encode()
            return Response(content, answer.status, answer.headers, "application/json")

        return app


@pytest.fixture
async def double() -> AsyncIterator[Double]:
    network = Double()
    async with serve(network.app()) as base:
        network.base = base
        yield network


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as http:
        yield http


@dataclass(frozen=True)
class Net:
    """One network: how to call it, the exact request(s) it must receive, what it answers."""

    creds: dict[str, str]
    prefix: str  # path prefix of base_url
    requests: list[tuple[str, dict[str, str], dict[str, Any]]]  # path, headers, JSON body
    success: list[Answer]
    ids: tuple[str, ...]
    expired: Answer
    throttled: Callable[[], Answer]  # built when the test runs: some carry a clock time
    retry_after: float | None
    idempotent: bool


def in_seconds(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


JSON = {"content-type": "application/json"}
BEARER = {"authorization": f"Bearer {TOKEN}", **JSON}
GRAPH_EXPIRED = {
    "error": {
        "message": "Error validating access token: Session has expired.",
        "type": "OAuthException",
        "code": 190,
        "error_subcode": 463,
        "fbtrace_id": "A1b2",
    }
}
GRAPH_THROTTLED = {
    "error": {"message": "(#4) Application request limit reached", "code": 4, "is_transient": True}
}
NETS: dict[str, Net] = {
    "x": Net(
        {"access_token": TOKEN},
        "",
        [("/2/tweets", BEARER, {"text": "Hello"})],
        [Answer(201, {"data": {"id": "1850", "text": "Hello"}})],
        ("1850",),
        Answer(
            401,
            {
                "title": "Unauthorized",
                "type": "about:blank",
                "status": 401,
                "detail": "Unauthorized",
            },
        ),
        # X says when the window resets, in epoch seconds, instead of sending Retry-After.
        lambda: Answer(
            429,
            {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
            {
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(in_seconds(15).timestamp())),
            },
        ),
        15.0,
        idempotent=False,
    ),
    "mastodon": Net(
        {"access_token": TOKEN},
        "",
        [
            (
                "/api/v1/statuses",
                {**BEARER, "idempotency-key": part_key("post-1:chan-1", "Hello")},
                {"status": "Hello"},
            )
        ],
        [Answer(200, {"id": "1129", "content": "<p>Hello</p>"})],
        ("1129",),
        Answer(401, {"error": "The access token is invalid"}),
        # Mastodon's rate limiter sends the reset as an ISO 8601 time.
        lambda: Answer(
            429,
            {"error": "Too many requests"},
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": in_seconds(42).isoformat()},
        ),
        42.0,
        idempotent=True,
    ),
    "facebook": Net(
        {"page_id": "5463", "page_access_token": TOKEN},
        GRAPH,
        [(f"{GRAPH}/5463/feed", JSON, {"message": "Hello", "access_token": TOKEN})],
        [Answer(200, {"id": "5463_1116"})],
        ("5463_1116",),
        Answer(400, GRAPH_EXPIRED),
        lambda: Answer(400, GRAPH_THROTTLED),
        None,
        idempotent=False,
    ),
    "instagram": Net(
        {"ig_user_id": "1784", "access_token": TOKEN, "image_url": "https://cdn.example/a.jpg"},
        GRAPH,
        [
            (
                f"{GRAPH}/1784/media",
                JSON,
                {
                    "image_url": "https://cdn.example/a.jpg",
                    "caption": "Hello",
                    "access_token": TOKEN,
                },
            ),
            (f"{GRAPH}/1784/media_publish", JSON, {"creation_id": "c-77", "access_token": TOKEN}),
        ],
        [Answer(200, {"id": "c-77"}), Answer(200, {"id": "m-1792"})],
        ("m-1792",),
        Answer(400, GRAPH_EXPIRED),
        lambda: Answer(400, GRAPH_THROTTLED),
        None,
        idempotent=True,  # the first request only makes a container, which may be retried
    ),
    "linkedin": Net(
        {"author": "urn:li:organization:5515", "access_token": TOKEN},
        "",
        [
            (
                "/rest/posts",
                {**BEARER, "linkedin-version": "202605", "x-restli-protocol-version": "2.0.0"},
                {
                    "author": "urn:li:organization:5515",
                    "commentary": "Hello",
                    "visibility": "PUBLIC",
                    "distribution": {
                        "feedDistribution": "MAIN_FEED",
                        "targetEntities": [],
                        "thirdPartyDistributionChannels": [],
                    },
                    "lifecycleState": "PUBLISHED",
                    "isReshareDisabledByAuthor": False,
                },
            )
        ],
        [Answer(201, None, {"x-restli-id": "urn:li:share:6844"})],
        ("urn:li:share:6844",),
        Answer(
            401,
            {
                "status": 401,
                "serviceErrorCode": 65600,
                "code": "INVALID_ACCESS_TOKEN",
                "message": "Invalid access token",
            },
        ),
        lambda: Answer(
            429,
            {"status": 429, "message": "Resource level throttle limit reached"},
            {"retry-after": "60"},
        ),
        60.0,
        idempotent=False,
    ),
    "discourse": Net(
        {"api_key": TOKEN, "api_username": "animo", "topic_id": "45"},
        "/forum",
        [
            (
                "/forum/posts.json",
                {"api-key": TOKEN, "api-username": "animo", **JSON},
                {"raw": "Hello", "topic_id": 45},
            )
        ],
        [Answer(200, {"id": 310, "topic_id": 45, "post_number": 7})],
        ("45/7",),
        Answer(
            403,
            {
                "errors": [
                    "You are not permitted to view the requested resource. The API username or key is invalid."
                ],
                "error_type": "invalid_access",
            },
        ),
        lambda: Answer(
            429,
            {"errors": ["Slow down."], "error_type": "rate_limit", "extras": {"wait_seconds": 9}},
            {"retry-after": "9"},
        ),
        9.0,
        idempotent=False,
    ),
}


async def publish(kind: str, client: httpx.AsyncClient, double: Double, **kwargs: Any) -> Delivery:
    net = NETS[kind]
    arguments: dict[str, Any] = {"parts": ["Hello"], "reply_to": None, **kwargs}
    return await ADAPTERS[kind].publish(
        client,
        arguments.pop("creds", net.creds),
        double.base + net.prefix,
        arguments.pop("parts"),
        reply_to=arguments.pop("reply_to"),
        idempotency_key="post-1:chan-1",
    )


def assert_no_secret(delivery: Delivery) -> None:
    assert TOKEN not in repr(delivery)


@pytest.mark.parametrize("kind", NETS)
async def test_success_sends_exactly_the_networks_request(
    kind: str, client: httpx.AsyncClient, double: Double
) -> None:
    net = NETS[kind]
    double.script = list(net.success)
    delivery = await publish(kind, client, double)
    assert delivery == Delivery(ok=True, external_ids=net.ids)
    assert len(double.seen) == len(net.requests)
    for seen, (path, headers, body) in zip(double.seen, net.requests, strict=True):
        assert (seen.method, seen.path) == ("POST", path)
        assert {name: seen.headers.get(name) for name in headers} == headers
        assert seen.json() == body
    assert health(delivery) is ChannelHealth.HEALTHY


@pytest.mark.parametrize("kind", NETS)
async def test_an_expired_token_is_an_auth_failure(
    kind: str, client: httpx.AsyncClient, double: Double
) -> None:
    net = NETS[kind]
    double.script = [net.expired]
    delivery = await publish(kind, client, double)
    assert (delivery.ok, delivery.auth_failed, delivery.retryable) == (False, True, False)
    assert delivery.status == net.expired.status
    assert delivery.body_excerpt and delivery.error
    assert len(double.seen) == 1  # no retry inside the adapter
    assert health(delivery) is ChannelHealth.NEEDS_REAUTH
    assert_no_secret(delivery)


@pytest.mark.parametrize("kind", NETS)
async def test_throttling_is_retryable_after_the_networks_delay(
    kind: str, client: httpx.AsyncClient, double: Double
) -> None:
    net = NETS[kind]
    throttled = net.throttled()
    double.script = [throttled]
    delivery = await publish(kind, client, double)
    assert (delivery.ok, delivery.retryable, delivery.auth_failed) == (False, True, False)
    if net.retry_after is None:
        assert delivery.retry_after_seconds is None
    else:
        assert delivery.retry_after_seconds == pytest.approx(net.retry_after, abs=2)
    assert delivery.status == throttled.status
    assert health(delivery) is ChannelHealth.DEGRADED


@pytest.mark.parametrize("kind", NETS)
async def test_a_server_error_is_retryable(
    kind: str, client: httpx.AsyncClient, double: Double
) -> None:
    double.script = [Answer(503, "<html><body>Service Unavailable</body></html>")]
    delivery = await publish(kind, client, double)
    assert (delivery.ok, delivery.retryable, delivery.auth_failed, delivery.status) == (
        False,
        True,
        False,
        503,
    )
    assert delivery.retry_after_seconds is None
    assert delivery.body_excerpt == "<html><body>Service Unavailable</body></html>"
    assert delivery.error and "HTTP 503" in delivery.error


@pytest.mark.parametrize("kind", NETS)
async def test_a_garbage_success_body_is_retried_only_where_a_repeat_cannot_double_post(
    kind: str, client: httpx.AsyncClient, double: Double
) -> None:
    double.script = [Answer(200, "<html>oops</html>")]
    delivery = await publish(kind, client, double)
    assert (delivery.ok, delivery.status, delivery.external_ids) == (False, 200, ())
    assert delivery.retryable is NETS[kind].idempotent
    assert delivery.body_excerpt == "<html>oops</html>"
    assert delivery.error and "may be live" in delivery.error
    assert health(delivery) is ChannelHealth.DEGRADED
