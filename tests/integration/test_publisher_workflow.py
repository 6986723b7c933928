"""The post workflow through the API, over real HTTP with local doubles: moderation blocks or
passes, approval schedules, the dispatcher delivers (retrying, failing, re-authorising)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from animo_dev.webhook import valid_signature
from animo_shared.events import Topic, decode_event
from integration.test_publisher_api import (
    SECRET,
    Answer,
    World,
    add_channel,
    approved,
    draft,
    wait_for,
    world,
)

from helpers.kafka import read_all

pytestmark = pytest.mark.integration


@pytest.fixture
async def w(tmp_path: Path, broker: str) -> AsyncIterator[World]:
    async with world(tmp_path, broker, moderation_retry_seconds=0.3) as made:
        yield made


async def test_draft_to_published_on_a_signed_webhook_with_its_audit_and_event(
    w: World, broker: str
) -> None:
    hook = await add_channel(w)
    w.api.headers["x-animo-actor"] = "camille"
    post = await draft(w, [hook], "Essais gratuits ce week-end !")
    assert (await w.api.post(f"/v1/posts/{post}:approve")).status_code == 409
    submitted = (await w.api.post(f"/v1/posts/{post}:submit")).json()
    assert submitted["status"] == "awaiting_approval"
    assert submitted["moderation"]["state"] == "passed"
    assert [v["parts"] for v in submitted["variants"]] == [["Essais gratuits ce week-end !"]]
    w.api.headers["x-animo-actor"] = "lea"
    scheduled = (await w.api.post(f"/v1/posts/{post}:approve")).json()
    assert (scheduled["status"], scheduled["approved_by"]) == ("scheduled", "lea")
    done = await wait_for(w, post, "published")
    (request,) = w.networks.paths("/hook")
    raw = json.dumps(request.body, ensure_ascii=False).encode()
    assert request.body["text"] == "Essais gratuits ce week-end !"
    assert request.headers["idempotency-key"] == f"{post}:{hook}"
    signature, stamp = request.headers["x-animo-signature"], request.headers["x-animo-timestamp"]
    assert valid_signature(SECRET, stamp, raw, signature)
    assert done["deliveries"][0]["state"] == "sent"
    audit = (await w.api.get(f"/v1/posts/{post}/audit")).json()["items"]
    assert [(e["actor"], e["action"]) for e in audit] == [
        ("camille", "created"),
        ("camille", "submitted"),
        ("moderation", "moderation_passed"),
        ("lea", "approved"),
        ("lea", "scheduled"),
        ("publisher", "sent"),
    ]
    records = await read_all(broker, Topic.POSTS, expect=10_000, timeout=3)
    mine = [
        e
        for r in records
        if getattr((e := decode_event(r.topic, r.value)).data, "post_id", None) == post
    ]
    assert [(e.type, e.data.channel_id) for e in mine] == [("post.published", hook)]


async def test_moderation_blocks_a_hateful_draft_with_the_evidence(w: World) -> None:
    hook = await add_channel(w)
    post = await draft(w, [hook], "Quel connard ce concurrent", submit=True)
    blocked = (await w.api.get(f"/v1/posts/{post}")).json()
    assert blocked["status"] == "blocked"
    assert blocked["moderation"]["action"] == "hide"
    assert blocked["moderation"]["categories"][0]["evidence"] == [{"term": "connard"}]
    assert (await w.api.post(f"/v1/posts/{post}:approve")).status_code == 409
    edited = (await w.api.patch(f"/v1/posts/{post}", json={"text": "Quel beau concurrent"})).json()
    assert edited["status"] == "draft"
    passed = (await w.api.post(f"/v1/posts/{post}:submit")).json()
    assert passed["status"] == "awaiting_approval"
    assert not w.networks.seen


async def test_unreachable_moderation_leaves_the_post_submitted_until_it_answers(w: World) -> None:
    hook = await add_channel(w)
    w.moderation.status = 503
    post = await draft(w, [hook], "Nouveau modèle !", submit=True)
    waiting = (await w.api.get(f"/v1/posts/{post}")).json()
    assert waiting["status"] == "submitted"
    assert waiting["moderation"]["state"] == "unreachable"
    assert "HTTP 503" in waiting["moderation"]["error"]
    assert (await w.api.post(f"/v1/posts/{post}:approve")).status_code == 409
    w.moderation.status = 200
    await wait_for(w, post, "awaiting_approval", timeout=15)  # the background check asks again
    assert not w.networks.seen


async def test_editing_an_approved_post_sends_it_back_and_frees_its_slot(w: World) -> None:
    hook = await add_channel(w, cadence={"min_gap_minutes": 60})
    post = await approved(w, [hook], "Soldes !", publish_at="2031-06-02T10:00:00+02:00")
    later = {"brand": "acme", "text": "Autre", "channels": [hook]}
    later["publish_at"] = "2031-06-02T10:30:00+02:00"
    refused = await w.api.post("/v1/posts", json=later)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["ctx"]["next_free_slot"] == "2031-06-02T09:00:00+00:00"
    edited = await w.api.patch(f"/v1/posts/{post}", json={"text": "Soldes d'été !"})
    assert edited.json()["status"] == "awaiting_approval"  # checked by moderation again at once
    assert edited.json()["scheduled_for"] is None and edited.json()["approved_by"] is None
    other = await draft(w, [hook], "Autre", publish_at="2031-06-02T10:30:00+02:00", submit=True)
    assert (await w.api.post(f"/v1/posts/{other}:approve")).json()["status"] == "scheduled"
    again = await w.api.post(f"/v1/posts/{post}:approve")
    assert again.status_code == 422 and again.json()["detail"][0]["loc"] == ["post", "publish_at"]
    cancelled = await w.api.post(f"/v1/posts/{other}:cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert (await w.api.post(f"/v1/posts/{post}:approve")).json()["status"] == "scheduled"
    assert (await w.api.patch(f"/v1/posts/{other}", json={"text": "x"})).status_code == 409


async def test_reject_needs_a_reason_and_four_eyes_refuses_self_approval(w: World) -> None:
    hook = await add_channel(w)
    post = await draft(w, [hook], submit=True)
    assert (await w.api.post(f"/v1/posts/{post}:reject", json={})).status_code == 422
    rejected = await w.api.post(f"/v1/posts/{post}:reject", json={"reason": "hors charte"})
    assert (rejected.json()["status"], rejected.json()["rejection"]) == ("rejected", "hors charte")
    await w.api.put("/v1/brands/acme/settings", json={"four_eyes": True})
    w.api.headers["x-animo-actor"] = "sam"
    mine = await draft(w, [hook], submit=True)
    assert (await w.api.post(f"/v1/posts/{mine}:approve")).status_code == 403
    w.api.headers["x-animo-actor"] = "alex"
    assert (await w.api.post(f"/v1/posts/{mine}:approve")).status_code == 200


async def test_an_expired_token_marks_the_channel_and_fails_its_posts_loudly(w: World) -> None:
    x = await add_channel(w, "x")
    w.networks.script["/2/tweets"] = [Answer(401, {"title": "Unauthorized", "status": 401})]
    first = await approved(w, [x], "Un")
    failed = await wait_for(w, first, "failed")
    assert "HTTP 401" in failed["deliveries"][0]["error"]
    channel = (await w.api.get(f"/v1/channels/{x}")).json()
    assert channel["health"] == "needs_reauth" and "401" in channel["health_reason"]
    second = await approved(w, [x], "Deux")
    refused = await wait_for(w, second, "failed")
    assert "needs re-authorisation" in refused["deliveries"][0]["error"]
    assert len(w.networks.paths("/2/tweets")) == 1, "no request on a channel needing re-auth"
    renewed = await w.api.patch(f"/v1/channels/{x}", json={"credentials": {"access_token": "new"}})
    assert renewed.json()["health"] == "healthy"
    third = await approved(w, [x], "Trois")
    await wait_for(w, third, "published")
    assert w.networks.paths("/2/tweets")[-1].headers["authorization"] == "Bearer new"


async def test_retryable_failures_back_off_and_respect_retry_after(w: World) -> None:
    masto = await add_channel(w, "mastodon")
    w.networks.script["/api/v1/statuses"] = [
        Answer(503, {"error": "down"}),
        Answer(429, {"error": "slow down"}, {"retry-after": "1"}),
    ]
    post = await approved(w, [masto], "Patience")
    done = await wait_for(w, post, "published", timeout=15)
    tries = w.networks.paths("/api/v1/statuses")
    assert len(tries) == 3 and len({t.headers["idempotency-key"] for t in tries}) == 1
    history = done["deliveries"][0]["history"]
    assert [h["outcome"] for h in history] == ["retrying", "retrying", "sent"]
    assert history[1]["retry_after_seconds"] == 1.0
    waited = datetime.fromisoformat(history[2]["at"]) - datetime.fromisoformat(history[1]["at"])
    assert waited >= timedelta(seconds=1), "the Retry-After of the 429 was respected"


async def test_a_permanent_refusal_fails_with_the_networks_reason(w: World, broker: str) -> None:
    disc = await add_channel(w, "discourse")
    w.networks.script["/posts.json"] = [
        Answer(422, {"errors": ["Title has already been used"], "error_type": "invalid_parameters"})
    ]
    post = await approved(w, [disc], "Annonce importante pour le forum de la communauté")
    failed = await wait_for(w, post, "failed")
    assert "Title has already been used" in failed["deliveries"][0]["error"]
    assert len(w.networks.paths("/posts.json")) == 1
    records = await read_all(broker, Topic.POSTS, expect=10_000, timeout=3)
    mine = [
        e
        for r in records
        if getattr((e := decode_event(r.topic, r.value)).data, "post_id", None) == post
    ]
    assert [e.type for e in mine] == ["post.failed"]
    assert "Title has already been used" in mine[0].data.reason
    assert mine[0].data.retryable is False
