"""Moderation end to end: mentions posted to ingest, decided by the moderation process, reviewed."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from animo_dev.stack import Stack
from animo_shared.events import Envelope, Topic, decode_event

from helpers.factories import mention_body
from helpers.kafka import read_all

pytestmark = pytest.mark.e2e


def poll(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {timeout} s")
        time.sleep(0.1)


def events_of(stack: Stack, topic: Topic, brand: str, event_type: str) -> list[Envelope[Any]]:
    records = asyncio.run(read_all(stack.bootstrap, topic, expect=10**9, timeout=2))
    decoded = [decode_event(topic, r.value) for r in records]
    return [e for e in decoded if e.brand == brand and e.type == event_type]


def post_mention(stack: Stack, api: httpx.Client, brand: str, text: str) -> str:
    posted = api.post(stack.url("ingest") + "/v1/mentions", json=mention_body(brand, text=text))
    assert posted.status_code == 202
    mention_id: str = posted.json()["ids"][0]
    return mention_id


def decision_of(stack: Stack, api: httpx.Client, mention_id: str) -> dict[str, Any]:
    def decided() -> dict[str, Any] | None:
        got = api.get(stack.url("moderation") + f"/v1/decisions/{mention_id}")
        return got.json() if got.status_code == 200 else None

    found: dict[str, Any] = poll(decided, 10, "decision")
    return found


def test_a_complaint_stays_allowed_and_is_routed_on_the_alerts_topic(
    stack: Stack, api: httpx.Client
) -> None:
    brand = f"e2e-mod-{uuid.uuid4().hex[:8]}"
    mention_id = post_mention(stack, api, brand, "Mon colis n'est jamais arrivé, 3 semaines !")
    decision = decision_of(stack, api, mention_id)
    assert (decision["action"], decision["complaint_topic"]) == ("allow", "delivery")
    assert decision["policy_version"] == "default"
    [alert] = poll(
        lambda: events_of(stack, Topic.ALERTS, brand, "complaint.detected"), 15, "complaint"
    )
    assert (alert.data.mention_id, alert.data.topic) == (mention_id, "delivery")
    assert alert.data.excerpt.startswith("Mon colis n'est jamais arrivé")
    [moderated] = events_of(stack, Topic.MODERATION, brand, "mention.moderated")
    assert (moderated.data.action, moderated.data.complaint_topic) == ("allow", "delivery")


def test_a_review_decision_approved_is_published_as_decision_reviewed(
    stack: Stack, api: httpx.Client
) -> None:
    brand = f"e2e-mod-{uuid.uuid4().hex[:8]}"
    moderation = stack.url("moderation")
    mention_id = post_mention(stack, api, brand, "t'es vraiment un idiot")
    assert decision_of(stack, api, mention_id)["action"] == "review"
    queue = api.get(moderation + "/v1/review", params={"brand": brand}).json()
    [item] = queue["items"]
    reviewer = {"X-Animo-Actor": "e2e-reviewer"}
    claimed = api.post(moderation + f"/v1/review/{item['id']}:claim", headers=reviewer)
    assert claimed.status_code == 200
    approved = api.post(
        moderation + f"/v1/review/{item['id']}:approve",
        json={"reason": "an insult"},
        headers=reviewer,
    )
    assert approved.status_code == 200
    assert decision_of(stack, api, mention_id)["action"] == "hide"
    [reviewed] = poll(
        lambda: events_of(stack, Topic.MODERATION, brand, "decision.reviewed"), 15, "review"
    )
    assert (reviewed.data.mention_id, reviewed.data.reviewer) == (mention_id, "e2e-reviewer")
    assert (reviewed.data.previous_action, reviewed.data.action) == ("review", "hide")
    assert reviewed.data.reason == "an insult"
