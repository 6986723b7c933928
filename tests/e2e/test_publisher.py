"""The publisher end to end: a scheduled post reaches a signed webhook once and is reported as an event."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from animo_dev.broker import free_port
from animo_dev.stack import Stack
from animo_dev.webhook import DemoWebhook
from animo_shared.events import Topic, decode_event

from helpers.kafka import read_all

pytestmark = pytest.mark.e2e


def test_a_due_post_is_delivered_signed_and_reported(stack: Stack, api: httpx.Client) -> None:
    receiver = DemoWebhook(free_port())
    try:
        publisher = stack.url("publisher")
        channel = api.post(
            publisher + "/v1/channels",
            json={
                "brand": "pub-e2e",
                "name": "site",
                "url": receiver.url,
                "secret": receiver.secret,
            },
        )
        assert channel.status_code == 201
        assert "secret" not in channel.json()
        at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
        post = api.post(
            publisher + "/v1/posts",
            json={
                "brand": "pub-e2e",
                "text": "Essais gratuits ce week-end !",
                "channels": [channel.json()["id"]],
                "publish_at": at,
            },
        ).json()
        deadline = time.monotonic() + 15
        while api.get(publisher + f"/v1/posts/{post['id']}").json()["status"] != "published":
            assert time.monotonic() < deadline, "post not published in time"
            time.sleep(0.2)
        assert receiver.rejected == 0
        assert [json.loads(body)["text"] for body in receiver.received] == [
            "Essais gratuits ce week-end !"
        ]
        events = [
            decode_event(r.topic, r.value)
            for r in asyncio.run(read_all(stack.bootstrap, Topic.POSTS, expect=10_000, timeout=3))
        ]
        mine = [e for e in events if e.data.post_id == post["id"]]
        assert [e.type for e in mine] == ["post.published"]
        refused = api.post(
            publisher + "/v1/posts",
            json={"brand": "other-brand", "text": "x", "channels": [channel.json()["id"]]},
        )
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["body", "channels"]
    finally:
        receiver.close()
