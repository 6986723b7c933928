"""A brand's moderation policy as data: an action per category, custom terms, an allow-list.

A policy is what a brand says about the analyser's findings; it never changes what the analyser
finds. Each finding falls in one policy category: the analyser's category, except that sexual
content involving minors is `csam` and ambient swearing ("putain c'est génial") is `profanity`.
Every stored change is a new immutable version (policy_repository.py); the built-in defaults
below apply to a brand that never stored one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from animo_moderation.lexicon import key_of
from animo_shared.events import Category, ModerationAction

DEFAULT_VERSION = "default"
MAX_TERMS = 2000
# Pydantic's own pattern check: at least one letter or digit, so a term has a matchable key.
TermText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"\w")
]


class Bucket(StrEnum):
    """The categories a policy gives actions to."""

    INSULT = "insult"
    PROFANITY = "profanity"
    HATE = "hate"
    THREAT = "threat"
    SEXUAL = "sexual"
    CSAM = "csam"
    SPAM = "spam"
    SELF_HARM = "self_harm"


class Rule(BaseModel):
    """What to do when a category fires: `action` from `min_severity` up, `mild_action` below;
    findings scoring under `min_score` (the analyser's 0..1 scale) are ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: ModerationAction = Field(description="Action for findings at or above min_severity.")
    min_severity: int = Field(default=1, ge=1, le=3, description="Lowest severity for `action`.")
    mild_action: ModerationAction = Field(
        default=ModerationAction.ALLOW, description="Action for findings below min_severity."
    )
    min_score: float = Field(
        default=0.0, ge=0, le=1, description="Findings scoring lower are ignored."
    )


def _rule(
    action: ModerationAction,
    min_severity: int = 1,
    mild: ModerationAction = ModerationAction.ALLOW,
) -> Rule:
    return Rule(action=action, min_severity=min_severity, mild_action=mild)


ALLOW, HIDE = ModerationAction.ALLOW, ModerationAction.HIDE
REVIEW, ESCALATE = ModerationAction.REVIEW, ModerationAction.ESCALATE


class Categories(BaseModel):
    """One rule per category; a category left out keeps its default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    insult: Rule = _rule(HIDE, 2, REVIEW)  # "connard" hidden, "idiot" to a person
    profanity: Rule = _rule(ALLOW)  # swearing at nobody: evidence kept, post kept
    hate: Rule = _rule(HIDE)
    # Every threat the analyser finds names a person ("je vais te tuer", "I know where you
    # live"): the explicit ones (severity 3) go to a human at once, "watch your back" is hidden.
    threat: Rule = _rule(ESCALATE, 3, HIDE)
    sexual: Rule = _rule(HIDE)
    csam: Rule = _rule(ESCALATE)
    spam: Rule = _rule(HIDE)
    self_harm: Rule = _rule(REVIEW)  # a person at risk reaches a human

    @field_validator("csam")
    @classmethod
    def _csam_is_never_shown(cls, rule: Rule) -> Rule:
        # Every csam finding counts (severity 1 and up, any score): mild_action never applies.
        if rule.action not in {HIDE, ESCALATE} or rule.min_severity > 1 or rule.min_score > 0:
            raise ValueError("sexual content involving minors is always hidden or escalated")
        return rule

    def rule(self, bucket: Bucket) -> Rule:
        found: Rule = getattr(self, bucket.value)
        return found


class CustomTerm(BaseModel):
    """A brand's own word or phrase, found like a lexicon term (case, accents, leetspeak)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: TermText
    category: Category
    severity: int = Field(default=2, ge=1, le=3)


class AllowedTerm(BaseModel):
    """A term the brand accepts: findings on it are cleared (in one category, or all)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: TermText
    category: Category | None = Field(default=None, description="Only in this category.")


class Complaints(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    route: bool = Field(
        default=True,
        description="Publish `complaint.detected` on animo.alerts.v1 (complaints stay allowed).",
    )


class Policy(BaseModel):
    """A brand's moderation policy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    categories: Categories = Categories()
    custom_terms: tuple[CustomTerm, ...] = Field(default=(), max_length=MAX_TERMS)
    allow_list: tuple[AllowedTerm, ...] = Field(default=(), max_length=MAX_TERMS)
    complaints: Complaints = Complaints()


DEFAULT_POLICY = Policy()


def term_key(term: str) -> str:
    """The form terms are compared in: folded words joined by single spaces."""
    return key_of(term)


def name_of(term: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", term_key(term)).strip("_")


def problems(policy: Policy) -> list[tuple[tuple[str | int, ...], str]]:
    """What is wrong across the items of a policy, by field path: duplicates and contradictions."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    allowed: dict[str, Category | None] = {}
    for index, entry in enumerate(policy.allow_list):
        key = term_key(entry.term)
        if not key:
            found.append((("allow_list", index, "term"), "term has no letter or digit to match"))
        elif key in allowed and allowed[key] == entry.category:
            found.append((("allow_list", index, "term"), f"{entry.term!r} is listed twice"))
        allowed.setdefault(key, entry.category)
    seen: set[str] = set()
    for index, custom in enumerate(policy.custom_terms):
        key = term_key(custom.term)
        where = ("custom_terms", index, "term")
        if not key:
            found.append((where, "term has no letter or digit to match"))
        elif key in seen:
            found.append((where, f"{custom.term!r} is listed twice"))
        elif key in allowed and allowed[key] in {None, custom.category}:
            found.append((where, f"{custom.term!r} is also on the allow-list"))
        seen.add(key)
    return found


def with_allowed(policy: Policy, terms: Sequence[tuple[str, Category | None]]) -> Policy:
    """The policy with these terms allowed too (in a category, or in all with None); terms
    already allowed are left as they are, and custom terms they name are dropped."""
    have = {(term_key(e.term), e.category) for e in policy.allow_list}
    added: list[AllowedTerm] = []
    for term, category in dict.fromkeys(terms):
        key = term_key(term)
        if key and (key, category) not in have and (key, None) not in have:
            added.append(AllowedTerm(term=term, category=category))
            have.add((key, category))
    dropped = {term_key(entry.term) for entry in added}
    kept = tuple(c for c in policy.custom_terms if term_key(c.term) not in dropped)
    return Policy(
        categories=policy.categories,
        custom_terms=kept,
        allow_list=(*policy.allow_list, *added),
        complaints=policy.complaints,
    )
