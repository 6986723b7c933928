"""Moderation's domain: each mention judged by the analyser under its brand's active policy.

A decision, its event and (for review or escalate) its review item are stored together; a
complaint is routed on the alerts topic and never changes the action.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Literal, Protocol, cast

from animo_shared.bus import to_message
from animo_shared.events import (
    ComplaintDetected,
    MentionModerated,
    MentionReceived,
    ModerationAction,
    derive_id,
    make_event,
)
from animo_shared.forget import Author, Forgotten, said_before
from animo_shared.store import Changes

from .erasure import forget_decision, forget_item
from .models import Decision, ReviewItem
from .policy_engine import CompiledPolicy, Outcome
from .rules import RULESET_VERSION, Verdict, analyse

SOURCE = "animo/moderation"
EXCERPT_CHARS = 280
NEEDS_PERSON = frozenset({ModerationAction.REVIEW, ModerationAction.ESCALATE})
Sentiment = Literal["positive", "neutral", "negative"]


class DecisionStore(Protocol):
    def stage(self, changes: Changes, decision: Decision) -> None: ...


class ReviewQueue(Protocol):
    def enqueue(self, changes: Changes, item: ReviewItem) -> None: ...


class ActivePolicies(Protocol):
    async def active(self, brands: Sequence[str]) -> dict[str, CompiledPolicy]: ...

    async def active_one(self, brand: str | None) -> CompiledPolicy: ...


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def judge(text: str, lang: str | None, policy: CompiledPolicy) -> Outcome:
    """The analyser's verdict on a text under a policy: pure, CPU only."""
    return policy.evaluate(analyse(text, lang), text)


def decide(mention: MentionReceived, outcome: Outcome, now: datetime) -> Decision:
    """The decision for one mention: pure, so it can be tested without a broker or a database."""
    verdict = outcome.verdict
    return Decision(
        id=mention.mention_id,
        decision_id=derive_id("decision", mention.mention_id, RULESET_VERSION),
        brand=mention.brand,
        source=mention.source,
        author_handle=mention.author.handle,
        action=outcome.action,
        proposed_action=outcome.action,
        categories=sorted({f.category.value for f in outcome.findings}),
        terms=sorted({f.term for f in outcome.findings}),
        findings=list(outcome.findings),
        allowed=list(outcome.allowed),
        text=mention.text,
        lang=mention.lang,
        published_at=mention.published_at,
        decided_at=now,
        ruleset=RULESET_VERSION,
        policy_version=outcome.policy_version,
        language=verdict.language,
        sentiment=verdict.sentiment,
        sentiment_score=round(max(-1.0, min(1.0, verdict.sentiment_score)), 4),
        complaint_topic=verdict.complaint.topic if verdict.complaint else None,
        complaint_evidence=list(verdict.complaint.evidence) if verdict.complaint else [],
    )


def decision_event(decision: Decision) -> MentionModerated:
    return MentionModerated(
        decision_id=decision.decision_id,
        mention_id=decision.id,
        brand=decision.brand,
        source=decision.source,
        author_handle=decision.author_handle,
        action=decision.action,
        findings=tuple(decision.findings),
        published_at=decision.published_at,
        decided_at=decision.decided_at,
        ruleset=decision.ruleset,
        policy_version=decision.policy_version,
        language=decision.language,
        sentiment=cast("Sentiment | None", decision.sentiment),
        sentiment_score=decision.sentiment_score,
        complaint_topic=decision.complaint_topic,
    )


def complaint_event(decision: Decision) -> ComplaintDetected:
    assert decision.complaint_topic is not None
    return ComplaintDetected(
        alert_id=derive_id("complaint.detected", decision.id),
        mention_id=decision.id,
        brand=decision.brand,
        source=decision.source,
        author_handle=decision.author_handle,
        topic=decision.complaint_topic,
        excerpt=excerpt(decision.text, 500),
        published_at=decision.published_at,
        detected_at=decision.decided_at,
    )


def review_item(decision: Decision) -> ReviewItem:
    return ReviewItem(
        id=decision.decision_id,
        mention_id=decision.id,
        brand=decision.brand,
        source=decision.source,
        author_handle=decision.author_handle,
        proposed_action=decision.action,
        categories=decision.categories,
        excerpt=excerpt(decision.text),
        policy_version=decision.policy_version,
        created_at=decision.decided_at,
    )


def author_key(decision: Decision) -> str:
    return f"{decision.brand}:{decision.source}:{decision.author_handle}"


class ModerationService:
    def __init__(
        self,
        decisions: DecisionStore,
        reviews: ReviewQueue,
        policies: ActivePolicies,
        forgotten: Forgotten | None = None,
    ) -> None:
        self.decisions = decisions
        self.reviews = reviews
        self.policies = policies
        self.forgotten = forgotten

    async def moderate(
        self,
        mentions: Sequence[tuple[MentionReceived, str | None]],
        now: datetime,
    ) -> Changes:
        """Decide each mention under its brand's active policy; the decisions, review items
        and events are stored together."""
        policies = await self.policies.active(sorted({m.brand for m, _ in mentions}))
        erased: dict[Author, datetime] = {}
        if self.forgotten is not None:
            erased = await self.forgotten.erased_at(
                (m.brand, m.source, m.author.handle) for m, _ in mentions
            )
        changes = Changes()
        # Copies, retweets and repeated spam come in bursts: a text is analysed once per batch
        # (the analyser is pure), and judged once per brand policy.
        verdicts: dict[tuple[str, str | None], Verdict] = {}
        outcomes: dict[tuple[str, str, str | None], Outcome] = {}
        for mention, correlation_id in mentions:
            policy = policies[mention.brand]
            key = (mention.brand, mention.text, mention.lang)
            outcome = outcomes.get(key)
            if outcome is None:
                verdict = verdicts.get(key[1:])
                if verdict is None:
                    verdict = verdicts[key[1:]] = analyse(mention.text, mention.lang)
                outcome = outcomes[key] = policy.evaluate(verdict, mention.text)
            decision = decide(mention, outcome, now)
            author = (mention.brand, mention.source, mention.author.handle)
            # Late for an erased person (a backlog): judged like any mention, as the brand
            # still hides what breaks its rules, but stored as the erasure left every other
            # one, with its review item closed and no complaint routed. The event still goes
            # out: each service forgets the author on its side.
            late = erased[author] if said_before(erased, author, mention.published_at) else None
            stored = decision if late is None else forget_decision(decision, late)
            self.decisions.stage(changes, stored)
            if decision.action in NEEDS_PERSON:
                item = review_item(decision)
                self.reviews.enqueue(changes, item if late is None else forget_item(item, late))
            moderated = make_event(
                decision_event(decision),
                event_id=derive_id("mention.moderated", mention.mention_id),
                source=SOURCE,
                brand=mention.brand,
                subject=mention.mention_id,
                correlation_id=correlation_id,
                time=now,
            )
            changes.publish(to_message(moderated, author_key(decision)))
            if late is None and decision.complaint_topic and policy.policy.complaints.route:
                complaint = complaint_event(decision)
                alert = make_event(
                    complaint,
                    event_id=complaint.alert_id,
                    source=SOURCE,
                    brand=mention.brand,
                    subject=mention.mention_id,
                    correlation_id=correlation_id,
                    time=now,
                )
                changes.publish(to_message(alert, mention.brand))
        return changes

    async def check(self, text: str, lang: str | None, brand: str | None) -> Outcome:
        """A text judged under a brand's active policy (or the defaults), stored nowhere."""
        policy = await self.policies.active_one(brand)
        # Long texts take tens of milliseconds: off the event loop, so other requests flow.
        return await asyncio.to_thread(judge, text, lang, policy)
