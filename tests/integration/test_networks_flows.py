"""Adapter flows against the local doubles: threads as reply chains, replies, resuming a
half-posted thread, per-network details (LinkedIn escaping, Instagram media, Discourse
topics, signed webhooks), missing credentials, unreachable networks and secrets kept out."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from animo_dev.broker import free_port
from animo_dev.inprocess import serve
from animo_publisher.adaptation import KINDS
from animo_publisher.networks import ADAPTERS, ChannelHealth, Delivery, health, parse_retry_after
from animo_publisher.networks.mastodon import part_key
from integration.test_networks import GRAPH, NETS, TOKEN, Answer, Double, publish

KEY = "post-1:chan-1"


@pytest.fixture
async def net() -> AsyncIterator[Double]:
    network = Double()
    async with serve(network.app()) as base:
        network.base = base
        yield network


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


async def test_an_x_thread_is_a_reply_chain_under_the_mention(
    http: httpx.AsyncClient, net: Double
) -> None:
    net.script = [Answer(201, {"data": {"id": "11"}}), Answer(201, {"data": {"id": "12"}})]
    delivery = await publish("x", http, net, parts=["One (1/2)", "Two (2/2)"], reply_to="999")
    assert delivery == Delivery(ok=True, external_ids=("11", "12"))
    assert [seen.json() for seen in net.seen] == [
        {"text": "One (1/2)", "reply": {"in_reply_to_tweet_id": "999"}},
        {"text": "Two (2/2)", "reply": {"in_reply_to_tweet_id": "11"}},
    ]


async def test_a_half_posted_mastodon_thread_resumes_with_the_same_keys(
    http: httpx.AsyncClient, net: Double
) -> None:
    net.script = [Answer(200, {"id": "1"}), Answer(502, "Bad Gateway")]
    delivery = await publish("mastodon", http, net, parts=["A (1/2)", "B (2/2)"])
    assert (delivery.ok, delivery.external_ids, delivery.retryable) == (False, ("1",), True)
    assert delivery.error and "part 2 of 2" in delivery.error
    first_try_key = net.seen[1].headers["idempotency-key"]
    assert net.seen[1].json() == {"status": "B (2/2)", "in_reply_to_id": "1"}

    net.script = [Answer(200, {"id": "2"})]
    resumed = await publish("mastodon", http, net, parts=["B (2/2)"], reply_to="1")
    assert resumed == Delivery(ok=True, external_ids=("2",))
    # The same key as the failed attempt: if it had gone through, Mastodon answers with it.
    assert net.seen[2].headers["idempotency-key"] == first_try_key == part_key(KEY, "B (2/2)")


@pytest.mark.parametrize("kind", ADAPTERS)
async def test_missing_credentials_refuse_before_any_request(
    kind: str, http: httpx.AsyncClient, net: Double
) -> None:
    delivery = await ADAPTERS[kind].publish(
        http, {}, net.base, ["Hello"], reply_to=None, idempotency_key=KEY
    )
    assert (delivery.ok, delivery.auth_failed, delivery.retryable) == (False, True, False)
    assert delivery.error and delivery.error.startswith("missing credential")
    assert net.seen == []
    assert health(delivery) is ChannelHealth.NEEDS_REAUTH


async def test_a_token_echoed_by_the_network_is_redacted(
    http: httpx.AsyncClient, net: Double
) -> None:
    net.script = [Answer(401, {"detail": f"Token {TOKEN} is expired", "status": 401})]
    delivery = await publish("x", http, net)
    assert TOKEN not in repr(delivery)
    assert delivery.error == "X answered HTTP 401: Token [redacted] is expired"
    assert delivery.body_excerpt and "[redacted]" in delivery.body_excerpt


async def test_an_unreachable_network_is_retryable_without_a_status(
    http: httpx.AsyncClient,
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    delivery = await ADAPTERS["x"].publish(
        http, NETS["x"].creds, closed, ["Hello"], reply_to=None, idempotency_key=KEY
    )
    assert (delivery.ok, delivery.retryable, delivery.status) == (False, True, None)
    assert delivery.error == "X unreachable: ConnectError"
    assert health(delivery) is ChannelHealth.DEGRADED


async def test_instagram_without_an_image_is_refused_up_front(
    http: httpx.AsyncClient, net: Double
) -> None:
    creds = {"ig_user_id": "1784", "access_token": TOKEN}
    delivery = await publish("instagram", http, net, creds=creds)
    assert delivery == Delivery(
        ok=False, error="Instagram publishes only media: no image_url given"
    )
    assert net.seen == []
    assert health(delivery) is ChannelHealth.HEALTHY  # the post's fault, not the channel's


async def test_instagram_replies_go_to_comments_and_media(
    http: httpx.AsyncClient, net: Double
) -> None:
    creds = {"ig_user_id": "1784", "access_token": TOKEN}
    net.script = [Answer(200, {"id": "r-1"}), Answer(200, {"id": "r-2"})]
    to_comment = await publish("instagram", http, net, creds=creds, reply_to="17858893")
    to_media = await publish("instagram", http, net, creds=creds, reply_to="media:17920238")
    assert (to_comment.external_ids, to_media.external_ids) == (("r-1",), ("r-2",))
    assert [s.path for s in net.seen] == [f"{GRAPH}/17858893/replies", f"{GRAPH}/17920238/comments"]
    assert net.seen[0].json() == {"message": "Hello", "access_token": TOKEN}


async def test_facebook_replies_are_comments(http: httpx.AsyncClient, net: Double) -> None:
    net.script = [Answer(200, {"id": "5463_1116_88"})]
    delivery = await publish("facebook", http, net, reply_to="5463_1116")
    assert delivery.external_ids == ("5463_1116_88",)
    assert net.seen[0].path == f"{GRAPH}/5463_1116/comments"
    assert net.seen[0].json() == {"message": "Hello", "access_token": TOKEN}


async def test_linkedin_escapes_little_text_and_replies_to_a_comment(
    http: httpx.AsyncClient, net: Double
) -> None:
    net.script = [Answer(201, None, {"x-restli-id": "urn:li:share:1"})]
    await publish("linkedin", http, net, parts=["Big news (really) @bob #launch https://e.com/a_b"])
    commentary = net.seen[0].json()["commentary"]
    assert commentary == "Big news \\(really\\) \\@bob #launch https://e.com/a_b"

    comment = "urn:li:comment:(urn:li:activity:7001,6002)"
    net.script = [Answer(201, {"$URN": "urn:li:comment:(urn:li:activity:7001,6003)"})]
    delivery = await publish("linkedin", http, net, reply_to=comment)
    assert delivery.external_ids == ("urn:li:comment:(urn:li:activity:7001,6003)",)
    seen = net.seen[1]
    assert (
        seen.path
        == "/rest/socialActions/urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A7001%2C6002%29/comments"
    )
    assert seen.json() == {
        "actor": "urn:li:organization:5515",
        "object": "urn:li:activity:7001",
        "message": {"text": "Hello"},
        "parentComment": comment,
    }
    assert seen.headers["x-restli-protocol-version"] == "2.0.0"


async def test_discourse_opens_a_topic_or_replies_to_a_post(
    http: httpx.AsyncClient, net: Double
) -> None:
    creds = {"api_key": TOKEN, "api_username": "animo", "category": "5"}
    net.script = [Answer(200, {"id": 1, "topic_id": 46, "post_number": 1})] * 2
    opened = await publish(
        "discourse", http, net, creds=creds, parts=["Release 1.0\nAll the details."]
    )
    replied = await publish("discourse", http, net, creds=creds, reply_to="45/3")
    assert (opened.external_ids, replied.external_ids) == (("46/1",), ("46/1",))
    assert net.seen[0].json() == {
        "raw": "Release 1.0\nAll the details.",
        "title": "Release 1.0",
        "category": 5,
    }
    assert net.seen[1].json() == {"raw": "Hello", "topic_id": 45, "reply_to_post_number": 3}


async def test_the_webhook_is_signed_and_idempotent(http: httpx.AsyncClient, net: Double) -> None:
    secret = "whsec-0123456789abcdef"
    net.script = [Answer(202, None, {"x-external-id": "ext-9"}), Answer(200, "not json, fine")]
    delivery = await ADAPTERS["webhook"].publish(
        http,
        {"secret": secret},
        f"{net.base}/hooks/animo",
        ["A (1/2)", "B (2/2)"],
        reply_to="m-1",
        idempotency_key=KEY,
    )
    assert delivery == Delivery(ok=True, external_ids=("ext-9",))
    seen = net.seen[0]
    assert seen.path == "/hooks/animo"
    assert seen.json() == {
        "parts": ["A (1/2)", "B (2/2)"],
        "text": "A (1/2)\n\nB (2/2)",
        "in_reply_to": "m-1",
        "idempotency_key": KEY,
    }
    timestamp = seen.headers["x-animo-timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + seen.body, hashlib.sha256)
    assert seen.headers["x-animo-signature"] == "sha256=" + expected.hexdigest()
    assert seen.headers["idempotency-key"] == KEY
    # Any 2xx is success for a webhook, whatever its body.
    again = await ADAPTERS["webhook"].publish(
        http, {"secret": secret}, net.base, ["A"], reply_to=None, idempotency_key=KEY
    )
    assert again == Delivery(ok=True)


async def test_the_webhook_honours_a_retry_after_date(http: httpx.AsyncClient, net: Double) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    net.script = [Answer(429, "slow down", {"retry-after": format_datetime(when, usegmt=True)})]
    delivery = await ADAPTERS["webhook"].publish(
        http, {"secret": "s" * 20}, net.base, ["A"], reply_to=None, idempotency_key=KEY
    )
    assert (delivery.ok, delivery.retryable, delivery.status) == (False, True, 429)
    assert delivery.retry_after_seconds == pytest.approx(30, abs=2)


def test_retry_after_accepts_seconds_or_an_http_date() -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now=now) == 120.0
    assert parse_retry_after("Sat, 21 Nov 2026 12:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Sat, 21 Nov 2026 11:00:00 GMT", now=now) == 0.0
    for nonsense in (None, "", "soon", "-5", "nan"):
        assert parse_retry_after(nonsense, now=now) is None


def test_health_tells_the_channel_from_the_post() -> None:
    assert health(Delivery(ok=False, status=422, error="too long")) is ChannelHealth.HEALTHY
    assert health(Delivery(ok=False, status=403, error="forbidden")) is ChannelHealth.REFUSED
    assert health(Delivery(ok=False, status=400, auth_failed=True)) is ChannelHealth.NEEDS_REAUTH
    assert health(Delivery(ok=False, status=500, retryable=True)) is ChannelHealth.DEGRADED


def test_adapters_cover_every_adaptation_kind() -> None:
    assert sorted(ADAPTERS) == sorted(KINDS)
    assert sorted(NETS) == sorted(set(KINDS) - {"webhook"})  # the webhook is tested on its own
