"""Moderation's HTTP shapes: what the routes take and give, with the examples shown in /docs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from animo_shared.events import BRAND_PATTERN, Finding, ModerationAction

from .models import AuditEntry, Decision, PolicyVersion, ReviewItem
from .policy import Policy, TermText
from .policy_engine import CategoryOutcome, Outcome

MAX_TEXT_CHARS = 20_000
ACTOR_PATTERN = r"^[\w.@+:-]{1,100}$"
Actor = Annotated[str, StringConstraints(pattern=ACTOR_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModerateRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "Mon colis n'est jamais arrivé, bande de connards", "brand": "acme"},
                {"text": "you moron", "lang": "en"},
            ]
        },
    )

    # The length is checked by the route, so a 422 does not echo a huge text back.
    text: str = Field(min_length=1, json_schema_extra={"maxLength": MAX_TEXT_CHARS})
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2}$", description="fr, en, …")
    brand: str | None = Field(
        default=None, pattern=BRAND_PATTERN, description="Apply this brand's active policy."
    )


class Evidence(BaseModel):
    rule: str
    term: str
    start: int
    end: int

    @classmethod
    def of(cls, finding: Finding) -> Evidence:
        return cls(rule=finding.rule, term=finding.term, start=finding.start, end=finding.end)


class CategoryResult(BaseModel):
    name: str
    action: ModerationAction = Field(description="What the policy does for this category.")
    severity: int
    score: float
    evidence: list[Evidence]

    @classmethod
    def of(cls, category: CategoryOutcome) -> CategoryResult:
        return cls(
            name=category.bucket.value,
            action=category.action,
            severity=category.severity,
            score=category.score,
            evidence=[Evidence.of(f) for f in category.findings],
        )


class ComplaintResult(BaseModel):
    is_complaint: bool
    topic: str | None = None
    evidence: list[str] = []


class ModerationResult(BaseModel):
    action: ModerationAction
    language: str
    categories: list[CategoryResult]
    sentiment: str
    sentiment_score: float
    complaint: ComplaintResult
    policy_version: str
    ruleset: str
    allowed: list[Evidence] = Field(description="Findings the brand's allow-list cleared.")

    @classmethod
    def of(cls, outcome: Outcome, ruleset: str) -> ModerationResult:
        verdict, complaint = outcome.verdict, outcome.complaint
        return cls(
            action=outcome.action,
            language=verdict.language,
            categories=[CategoryResult.of(c) for c in outcome.categories],
            sentiment=verdict.sentiment,
            sentiment_score=verdict.sentiment_score,
            complaint=ComplaintResult(
                is_complaint=complaint is not None,
                topic=complaint.topic if complaint else None,
                evidence=list(complaint.evidence) if complaint else [],
            ),
            policy_version=outcome.policy_version,
            ruleset=ruleset,
            allowed=[Evidence.of(f) for f in outcome.allowed],
        )


class DecisionPage(BaseModel):
    items: list[Decision]
    total: int


class PolicyChange(Policy):
    """A whole policy (a category, list or field left out takes its default) and a note."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "categories": {
                        "insult": {"action": "hide", "min_severity": 1},
                        "spam": {"action": "review"},
                    },
                    "custom_terms": [{"term": "arnaqueurs", "category": "insult", "severity": 2}],
                    "allow_list": [{"term": "con", "category": "insult"}],
                    "note": "stricter on insults during the launch",
                }
            ]
        },
    )

    note: str | None = Field(default=None, max_length=500, description="Why this change.")

    def policy(self) -> Policy:
        return Policy.model_validate(self.model_dump(exclude={"note"}))


class PolicyView(BaseModel):
    brand: str
    version: str = Field(description="`v<number>`, or `default` for the built-in policy.")
    number: int = Field(description="0 for the built-in policy.")
    active: bool
    created_at: datetime | None = None
    created_by: str | None = None
    note: str | None = None
    based_on: int | None = None
    policy: Policy

    @classmethod
    def of(cls, brand: str, version: PolicyVersion | None, active: bool) -> PolicyView:
        if version is None:
            return cls(brand=brand, version="default", number=0, active=active, policy=Policy())
        return cls(
            brand=brand,
            version=version.label,
            number=version.number,
            active=active,
            created_at=version.created_at,
            created_by=version.created_by,
            note=version.note,
            based_on=version.based_on,
            policy=version.policy,
        )


class PolicyVersionSummary(BaseModel):
    version: str
    number: int
    active: bool
    created_at: datetime
    created_by: str
    note: str | None
    based_on: int | None
    custom_terms: int
    allow_list: int


class PolicyVersionPage(BaseModel):
    active: str
    items: list[PolicyVersionSummary]
    total: int


class ReviewPage(BaseModel):
    items: list[ReviewItem]
    total: int


class ClaimBody(Strict):
    reviewer: Actor | None = Field(default=None, description="Else X-Animo-Actor, else admin.")


class ApproveBody(ClaimBody):
    reason: str | None = Field(default=None, max_length=2000)


class RejectBody(ClaimBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "action": "allow",
                    "reason": "'con' is the town of Con here, not an insult",
                    "allow_list": True,
                }
            ]
        },
    )

    action: ModerationAction = Field(description="The final action instead of the proposal.")
    reason: str = Field(min_length=1, max_length=2000)
    allow_list: bool = Field(
        default=False, description="A false positive: allow its terms in a new policy version."
    )
    allow_terms: list[TermText] = Field(
        default=[], max_length=50, description="Allow these instead of the decision's terms."
    )


class ReviewResult(BaseModel):
    item: ReviewItem
    decision: Decision
    policy_version: str | None = Field(
        default=None, description="The policy version the allow-list change made or kept."
    )


class AuditTrail(BaseModel):
    mention_id: str
    decision_id: str
    action: ModerationAction
    entries: list[AuditEntry]


class Transition(BaseModel):
    current: ModerationAction
    draft: ModerationAction
    count: int


class CategoryChange(BaseModel):
    name: str
    mentions: int = Field(description="Mentions where the category fires under the draft.")
    changed: int = Field(description="Of those, how many would change action.")
    draft_actions: dict[str, int]


class DryRunExample(BaseModel):
    mention_id: str
    published_at: datetime
    current_action: ModerationAction
    draft_action: ModerationAction
    reviewed: bool
    excerpt: str
    categories: list[CategoryResult]


class DryRunReport(BaseModel):
    brand: str
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    limit: int
    scanned: int
    erased: int = Field(
        default=0, description="Mentions in the window whose author was forgotten (not replayed)."
    )
    changed: int
    truncated: bool = Field(description="The window holds more mentions than `limit`.")
    transitions: list[Transition]
    categories: list[CategoryChange]
    examples: list[DryRunExample]
