"""The consumer's domain: each mention under its brand's policy, decision, queue and events together."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from animo_moderation.models import Decision, ReviewItem
from animo_moderation.policy import DEFAULT_POLICY, Complaints, CustomTerm, Policy
from animo_moderation.policy_engine import CompiledPolicy
from animo_moderation.service import ModerationService
from animo_shared.events import (
    Author,
    Category,
    MentionReceived,
    ModerationAction,
    Topic,
    derive_id,
)
from animo_shared.store import Changes, OutboxMessage

from helpers.factories import T0


class FakeDecisions:
    def __init__(self) -> None:
        self.staged: list[Decision] = []

    def stage(self, changes: Changes, decision: Decision) -> None:
        self.staged.append(decision)


class FakeQueue:
    def __init__(self) -> None:
        self.queued: list[ReviewItem] = []

    def enqueue(self, changes: Changes, item: ReviewItem) -> None:
        self.queued.append(item)


class FakePolicies:
    def __init__(self, by_brand: dict[str, CompiledPolicy]) -> None:
        self.by_brand = by_brand
        self.default = CompiledPolicy.build("default", DEFAULT_POLICY)
        self.lookups: list[list[str]] = []

    async def active(self, brands: Sequence[str]) -> dict[str, CompiledPolicy]:
        self.lookups.append(list(brands))
        return {b: self.by_brand.get(b, self.default) for b in brands}

    async def active_one(self, brand: str | None) -> CompiledPolicy:
        return self.by_brand.get(brand or "", self.default)


def mention(text: str, brand: str = "acme", mid: str = "m-1", lang: str | None = "fr") -> Any:
    payload = MentionReceived(
        mention_id=mid,
        brand=brand,
        source="twitter",
        external_id=mid,
        author=Author(handle="marie_l"),
        text=text,
        published_at=T0,
        received_at=T0,
        lang=lang,
    )
    return payload, "corr-1"


def service(**policies: CompiledPolicy) -> tuple[ModerationService, FakeDecisions, FakeQueue]:
    decisions, queue = FakeDecisions(), FakeQueue()
    return ModerationService(decisions, queue, FakePolicies(policies)), decisions, queue


def lookups(moderation: ModerationService) -> list[list[str]]:
    assert isinstance(moderation.policies, FakePolicies)
    return moderation.policies.lookups


def events(changes: Changes) -> list[tuple[OutboxMessage, dict[str, Any]]]:
    return [(m, json.loads(m.value)) for m in changes.outbox]


async def test_a_complaint_is_allowed_recorded_and_routed_to_the_alerts_topic() -> None:
    moderation, decisions, queue = service()
    changes = await moderation.moderate([mention("Mon colis n'est jamais arrivé")], T0)
    [decision] = decisions.staged
    assert decision.action is ModerationAction.ALLOW
    assert (decision.complaint_topic, decision.policy_version) == ("delivery", "default")
    assert (decision.text, decision.lang, decision.sentiment) == (
        "Mon colis n'est jamais arrivé",
        "fr",
        "negative",
    )
    assert queue.queued == []
    [(moderated, first), (alert, second)] = events(changes)
    assert (moderated.topic, moderated.key) == (Topic.MODERATION.value, "acme:twitter:marie_l")
    assert first["data"]["complaint_topic"] == "delivery"
    assert first["data"]["policy_version"] == "default"
    assert first["data"]["language"] == "fr"
    assert first["data"]["sentiment"] == "negative"
    assert (alert.topic, alert.key) == (Topic.ALERTS.value, "acme")
    assert second["type"] == "complaint.detected"
    assert second["id"] == second["data"]["alert_id"] == derive_id("complaint.detected", "m-1")
    assert second["data"]["topic"] == "delivery"
    assert second["data"]["excerpt"] == "Mon colis n'est jamais arrivé"
    assert second["correlationid"] == "corr-1"


async def test_a_brand_that_does_not_route_complaints_still_records_them() -> None:
    quiet = CompiledPolicy.build("v2", Policy(complaints=Complaints(route=False)))
    moderation, decisions, _ = service(acme=quiet)
    changes = await moderation.moderate([mention("Mon colis n'est jamais arrivé")], T0)
    assert [m.topic for m in changes.outbox] == [Topic.MODERATION.value]
    assert decisions.staged[0].complaint_topic == "delivery"


async def test_review_and_escalate_decisions_enter_the_queue_the_others_do_not() -> None:
    moderation, decisions, queue = service()
    batch = [
        mention("t'es un idiot", mid="m-review"),
        mention("Je vais te tuer", mid="m-escalate"),
        mention("T'es vraiment un connard.", mid="m-hide"),
        mention("J'adore ce vélo", mid="m-allow"),
    ]
    await moderation.moderate(batch, T0)
    actions = {d.id: d.action.value for d in decisions.staged}
    assert actions == {
        "m-review": "review",
        "m-escalate": "escalate",
        "m-hide": "hide",
        "m-allow": "allow",
    }
    assert [(i.mention_id, i.proposed_action.value) for i in queue.queued] == [
        ("m-review", "review"),
        ("m-escalate", "escalate"),
    ]
    assert queue.queued[0].id == decisions.staged[0].decision_id
    assert queue.queued[0].excerpt == "t'es un idiot"


async def test_each_brand_gets_its_own_active_policy_read_once_per_batch() -> None:
    acme = CompiledPolicy.build(
        "v4", Policy(custom_terms=(CustomTerm(term="vélo rouillé", category=Category.SPAM),))
    )
    moderation, decisions, _ = service(acme=acme)
    batch = [
        mention("un vélo rouillé à vendre", brand="acme", mid="a"),
        mention("un vélo rouillé à vendre", brand="other", mid="b"),
    ]
    changes = await moderation.moderate(batch, T0)
    first, second = decisions.staged
    assert (first.action.value, first.policy_version) == ("hide", "v4")
    assert first.findings[0].rule == "custom:spam:velo_rouille"
    assert (second.action.value, second.policy_version) == ("allow", "default")
    assert lookups(moderation) == [["acme", "other"]]
    data = [body["data"] for _, body in events(changes) if body["type"] == "mention.moderated"]
    assert [(d["action"], d["policy_version"]) for d in data] == [
        ("hide", "v4"),
        ("allow", "default"),
    ]


async def test_a_replayed_mention_yields_the_same_event_ids() -> None:
    moderation, _, _ = service()
    once = await moderation.moderate([mention("Mon colis n'est jamais arrivé")], T0)
    again = await moderation.moderate([mention("Mon colis n'est jamais arrivé")], T0)
    assert [m.id for m in once.outbox] == [m.id for m in again.outbox]
    assert once.outbox[0].id == derive_id("mention.moderated", "m-1")


async def test_check_judges_a_text_without_storing_anything() -> None:
    moderation, decisions, queue = service()
    outcome = await moderation.check("you moron", "en", None)
    assert (outcome.action, outcome.policy_version) == (ModerationAction.REVIEW, "default")
    assert decisions.staged == [] and queue.queued == []


async def test_a_text_repeated_in_a_batch_is_analysed_once_and_each_mention_decided(
    monkeypatch: Any,
) -> None:
    import animo_moderation.service as service_module

    calls: list[str] = []
    real = service_module.analyse

    def counting(text: str, lang: str | None = None) -> Any:
        calls.append(text)
        return real(text, lang)

    monkeypatch.setattr(service_module, "analyse", counting)
    moderation, decisions, _ = service()
    batch = [mention("T'es vraiment un connard.", mid=f"m-{n}") for n in range(3)]
    batch.append(mention("T'es vraiment un connard.", brand="other", mid="m-other"))
    changes = await moderation.moderate(batch, T0)
    assert calls == ["T'es vraiment un connard."]
    assert [d.id for d in decisions.staged] == ["m-0", "m-1", "m-2", "m-other"]
    assert {d.action.value for d in decisions.staged} == {"hide"}
    assert len({m.id for m in changes.outbox}) == 4
