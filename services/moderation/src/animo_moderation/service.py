"""Moderation's domain: apply the rule set to each mention and turn the verdict into a decision event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from animo_shared.bus import to_message
from animo_shared.events import MentionModerated, MentionReceived, derive_id, make_event
from animo_shared.store import Changes

from .models import Decision
from .rules import RULESET_VERSION, analyse


class DecisionStore(Protocol):
    def stage(self, changes: Changes, decision: Decision) -> None: ...


def decide(mention: MentionReceived, now: datetime) -> Decision:
    """The decision for one mention: pure, so it can be tested without a broker or a database."""
    verdict = analyse(mention.text, mention.lang)
    return Decision(
        id=mention.mention_id,
        brand=mention.brand,
        source=mention.source,
        author_handle=mention.author.handle,
        action=verdict.action,
        categories=sorted({f.category.value for f in verdict.findings}),
        terms=sorted({f.term for f in verdict.findings}),
        findings=list(verdict.findings),
        text=mention.text[:2000],
        published_at=mention.published_at,
        decided_at=now,
        ruleset=RULESET_VERSION,
    )


def decision_event(decision: Decision, correlation_id: str | None) -> MentionModerated:
    return MentionModerated(
        decision_id=derive_id("decision", decision.id, decision.ruleset),
        mention_id=decision.id,
        brand=decision.brand,
        source=decision.source,
        author_handle=decision.author_handle,
        action=decision.action,
        findings=tuple(decision.findings),
        published_at=decision.published_at,
        decided_at=decision.decided_at,
        ruleset=decision.ruleset,
    )


class ModerationService:
    def __init__(self, decisions: DecisionStore) -> None:
        self.decisions = decisions

    def moderate(
        self,
        mentions: Sequence[tuple[MentionReceived, str | None]],
        now: datetime,
    ) -> Changes:
        """Decide each mention; the decisions and their events are stored together."""
        changes = Changes()
        for mention, correlation_id in mentions:
            decision = decide(mention, now)
            self.decisions.stage(changes, decision)
            envelope = make_event(
                decision_event(decision, correlation_id),
                event_id=derive_id("mention.moderated", mention.mention_id),
                source="animo/moderation",
                brand=mention.brand,
                subject=mention.mention_id,
                correlation_id=correlation_id,
                time=now,
            )
            key = f"{mention.brand}:{mention.source}:{mention.author.handle}"
            changes.publish(to_message(envelope, key))
        return changes
