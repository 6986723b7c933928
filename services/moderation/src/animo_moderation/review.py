"""The review state machine: pending -> (claimed) -> approved | rejected. Pure: no storage.

A claim is a lease: one reviewer holds an item until the lease expires, then anyone may take it.
Approving confirms the proposal: an escalation stays escalated, a `review` (a suspected breach)
becomes `hide`. Rejecting says the proposal was wrong and names the final action instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from animo_shared.events import ModerationAction, derive_id

from .models import ReviewItem, ReviewStatus


class ReviewError(Exception):
    """A review step that cannot happen; `item` is the item as it is now."""

    def __init__(self, message: str, item: ReviewItem | None = None) -> None:
        super().__init__(message)
        self.item = item


class AlreadyReviewed(ReviewError):
    pass


class ClaimedByOther(ReviewError):
    pass


class InvalidRuling(ValueError):
    """A reject whose final action is no real alternative to the proposal."""


@dataclass(frozen=True)
class Ruling:
    """What a reviewer says: approve, or reject with the final action."""

    approve: bool
    reason: str | None = None
    action: ModerationAction | None = None


def review_id(decision_id: str) -> str:
    return derive_id("review", decision_id)


def check_claimable(item: ReviewItem, reviewer: str, now: datetime) -> None:
    """Raise unless `reviewer` may hold the item now (unclaimed, theirs, or the lease is over)."""
    if item.status is not ReviewStatus.PENDING:
        raise AlreadyReviewed(f"decision {item.id} was already {item.status.value}", item)
    held = item.claim_expires_at is not None and item.claim_expires_at > now
    if item.claimed_by is not None and item.claimed_by != reviewer and held:
        raise ClaimedByOther(
            f"decision {item.id} is claimed by {item.claimed_by!r} until "
            f"{item.claim_expires_at.isoformat() if item.claim_expires_at else '?'}",
            item,
        )


def claimed(item: ReviewItem, reviewer: str, now: datetime, lease: timedelta) -> ReviewItem:
    """The item held by `reviewer` for `lease` (a renewal when they already hold it)."""
    check_claimable(item, reviewer, now)
    return item.model_copy(
        update={
            "claimed_by": reviewer,
            "claim_expires_at": now + lease,
            "revision": item.revision + 1,
        }
    )


def final_action(item: ReviewItem, ruling: Ruling) -> ModerationAction:
    proposed = item.proposed_action
    confirmed = ModerationAction.HIDE if proposed is ModerationAction.REVIEW else proposed
    if ruling.approve:
        return confirmed
    if ruling.action is None:
        raise InvalidRuling("a rejection needs the final action (allow, hide or escalate)")
    if ruling.action is ModerationAction.REVIEW:
        raise InvalidRuling("a reviewed decision cannot be sent back to review")
    if ruling.action in {proposed, confirmed}:
        raise InvalidRuling(
            f"{ruling.action.value!r} is what approving gives: approve instead, or pick another"
        )
    return ruling.action


def settled(item: ReviewItem, reviewer: str, ruling: Ruling, now: datetime) -> ReviewItem:
    """The item once `reviewer` approved or rejected it; they must hold it (or it be free)."""
    check_claimable(item, reviewer, now)
    return item.model_copy(
        update={
            "status": ReviewStatus.APPROVED if ruling.approve else ReviewStatus.REJECTED,
            "final_action": final_action(item, ruling),
            "review_id": review_id(item.id),
            "reviewer": reviewer,
            "reason": ruling.reason,
            "reviewed_at": now,
            "claimed_by": None,
            "claim_expires_at": None,
            "revision": item.revision + 1,
        }
    )
