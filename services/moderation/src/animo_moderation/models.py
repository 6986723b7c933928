"""Moderation's stored documents: decisions, review items, audit entries, policy versions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from animo_shared.events import Finding, ModerationAction, derive_id
from animo_shared.store import Document

from .policy import Policy


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    ERASED = "erased"  # left the queue unreviewed: its author was forgotten


class DecisionReview(BaseModel):
    """The human review that settled a decision."""

    review_id: str
    reviewer: str
    status: ReviewStatus
    previous_action: ModerationAction
    reason: str | None = None
    reviewed_at: datetime


class Decision(Document):
    """What moderation decided for one mention (the id is the mention id), with its evidence.

    `action` is the action in force: the policy's (`proposed_action`) until a person reviews it.
    The text and language it was decided on are kept, so a draft policy can be replayed on them.
    """

    decision_id: str = ""
    brand: str
    source: str
    author_handle: str
    action: ModerationAction
    proposed_action: ModerationAction | None = None
    categories: list[str]
    terms: list[str]
    findings: list[Finding]
    allowed: list[Finding] = Field(
        default_factory=list, description="Findings the allow-list cleared."
    )
    text: str
    lang: str | None = Field(default=None, description="The language the mention came with.")
    published_at: datetime
    decided_at: datetime
    ruleset: str
    policy_version: str | None = None
    language: str | None = None
    sentiment: str | None = None
    sentiment_score: float | None = None
    complaint_topic: str | None = None
    complaint_evidence: list[str] = Field(default_factory=list)
    review: DecisionReview | None = None
    erased_at: datetime | None = Field(
        default=None,
        description="When the author asked to be forgotten: text, handle and matched terms "
        "are blanked; the action and categories stay, so counts do not change.",
    )

    @model_validator(mode="before")
    @classmethod
    def _fill(cls, raw: Any) -> Any:
        # What storage leaves out (see `_slim`) is derived again here; decisions stored before
        # policies and reviews existed lack the same fields, with the same ids as their events.
        if not isinstance(raw, dict):
            return raw
        missing: dict[str, Any] = {}
        if not raw.get("decision_id"):
            missing["decision_id"] = derive_id("decision", raw["id"], raw["ruleset"])
        if raw.get("proposed_action") is None:
            missing["proposed_action"] = raw.get("action")
        if "categories" not in raw or "terms" not in raw:
            findings = [f if isinstance(f, dict) else dict(f) for f in raw.get("findings", ())]
            if "categories" not in raw:
                missing["categories"] = _categories(findings)
            if "terms" not in raw:
                missing["terms"] = sorted({f["term"] for f in findings})
        return {**raw, **missing} if missing else raw

    @model_serializer(mode="wrap")
    def _slim(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        """In Python mode (what the store writes), leave out what `_fill` derives again and
        what is empty: a consumer writes thousands of these a second, and the store's JSON
        indexes read every byte. JSON (the API) always has every field."""
        data = handler(self)
        if info.mode_is_json() or not isinstance(data, dict):
            return data
        slim = {k: v for k, v in data.items() if not (k in _EMPTY_BY_DEFAULT and not v)}
        if self.proposed_action is self.action:
            del slim["proposed_action"]
        if self.categories == sorted({f.category.value for f in self.findings}):
            del slim["categories"]
        if self.terms == sorted({f.term for f in self.findings}):
            del slim["terms"]
        return slim


def _categories(findings: list[dict[str, Any]]) -> list[str]:
    return sorted({getattr(f["category"], "value", f["category"]) for f in findings})


# Optional fields whose empty value (None, [], 0.0 never) a stored decision leaves out.
_EMPTY_BY_DEFAULT = frozenset(
    {"allowed", "lang", "complaint_topic", "complaint_evidence", "review", "policy_version"}
    | {"language", "sentiment", "erased_at"}
)


class ReviewItem(Document):
    """A decision waiting for (or settled by) a person; the id is the decision id.

    `revision` grows with every change, so a claim or a verdict is a compare-and-set on it.
    """

    mention_id: str
    brand: str
    source: str
    author_handle: str
    proposed_action: ModerationAction
    categories: list[str]
    excerpt: str
    policy_version: str | None
    created_at: datetime
    status: ReviewStatus = ReviewStatus.PENDING
    revision: int = 0
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None
    final_action: ModerationAction | None = None
    review_id: str | None = None
    reviewer: str | None = None
    reason: str | None = None
    reviewed_at: datetime | None = None
    erased_at: datetime | None = Field(
        default=None, description="When the author was forgotten: excerpt and handle blanked."
    )


class AuditEntry(Document):
    """One step in a decision's life: claimed, approved, rejected, allow-listed."""

    mention_id: str
    decision_id: str
    brand: str
    at: datetime
    actor: str
    kind: str
    from_action: ModerationAction | None = None
    to_action: ModerationAction | None = None
    reason: str | None = None
    policy_version: str | None = None


class PolicyVersion(Document):
    """One immutable version of a brand's policy; the id is `<brand>:<number>`."""

    brand: str
    number: int
    policy: Policy
    created_at: datetime
    created_by: str
    note: str | None = None
    based_on: int | None = Field(default=None, description="The version active when made.")

    @property
    def label(self) -> str:
        return f"v{self.number}"


class ActivePolicy(Document):
    """The pointer to a brand's active version; the id is the brand."""

    number: int
    revision: int
    activated_at: datetime
    activated_by: str
