"""Stored decisions: slim on disk, whole again when read."""

from __future__ import annotations

from animo_moderation.models import Decision
from animo_shared.events import Category, Finding, ModerationAction
from animo_shared.store.port import plain

from helpers.factories import T0

FINDING = Finding(
    category=Category.SPAM, severity=2, rule="spam:crypto", term="crypto-x10", start=6, end=16
)


def decision(**fields: object) -> Decision:
    values: dict[str, object] = {
        "id": "m-1",
        "decision_id": "d-1",
        "brand": "acme",
        "source": "twitter",
        "author_handle": "marie_l",
        "action": ModerationAction.HIDE,
        "proposed_action": ModerationAction.HIDE,
        "categories": ["spam"],
        "terms": ["crypto-x10"],
        "findings": [FINDING],
        "text": "click crypto-x10 now",
        "published_at": T0,
        "decided_at": T0,
        "ruleset": "fr-en-test",
        "sentiment": "neutral",
        "sentiment_score": 0.0,
        **fields,
    }
    return Decision.model_validate(values)


def stored(doc: Decision) -> dict[str, object]:
    return plain(doc.model_dump(mode="python"))  # type: ignore[no-any-return]


def test_a_stored_decision_leaves_out_what_a_read_derives_and_what_is_empty() -> None:
    raw = stored(decision())
    for name in ("proposed_action", "categories", "terms", "allowed", "lang", "review"):
        assert name not in raw
    assert raw["decision_id"] == "d-1"
    assert Decision.model_validate(raw) == decision()


def test_what_differs_from_the_derivation_is_kept() -> None:
    reviewed = decision(
        action=ModerationAction.ALLOW,
        categories=["insult"],
        complaint_topic="delivery",
        complaint_evidence=["jamais arrivé"],
        lang="fr",
    )
    raw = stored(reviewed)
    assert raw["proposed_action"] == "hide"
    assert raw["categories"] == ["insult"]
    assert Decision.model_validate(raw) == reviewed


def test_the_api_shape_has_every_field() -> None:
    body = decision().model_dump(mode="json")
    assert body["proposed_action"] == "hide"
    assert body["categories"] == ["spam"]
    assert body["terms"] == ["crypto-x10"]
    assert body["allowed"] == [] and body["review"] is None
