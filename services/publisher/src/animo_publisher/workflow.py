"""The post workflow as a table: which action is allowed from which status, and where it leads.

draft → submitted → (moderation) → awaiting_approval | blocked → approved (scheduled) |
rejected → publishing → published | partly_failed | failed | retrying | needs_attention.
Edit and cancel are allowed until something has left for a network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .models import ChannelDelivery, DeliveryState, PostStatus

S = PostStatus

# Statuses in which no request has been made for the post yet, or only failed ones.
_BEFORE_SENDING = frozenset(
    {S.DRAFT, S.SUBMITTED, S.BLOCKED, S.AWAITING_APPROVAL, S.REJECTED, S.SCHEDULED, S.RETRYING}
)
ALLOWED: dict[str, frozenset[PostStatus]] = {
    "edit": _BEFORE_SENDING,
    "cancel": _BEFORE_SENDING,
    "submit": frozenset({S.DRAFT, S.SUBMITTED}),
    "approve": frozenset({S.AWAITING_APPROVAL}),
    "reject": frozenset({S.SUBMITTED, S.AWAITING_APPROVAL}),
    "resolve": frozenset({S.NEEDS_ATTENTION}),
    "metrics": frozenset({S.PUBLISHED, S.PARTLY_FAILED}),
}
_HINTS: dict[str, str] = {
    "submit": "only a draft is submitted (edit a blocked or rejected post first)",
    "approve": "only a post that passed moderation and awaits approval is approved",
    "reject": "only a submitted post or one awaiting approval is rejected",
    "edit": "it has started publishing",
    "cancel": "it has started publishing",
    "resolve": "no delivery of it waits for a human",
    "metrics": "it is not published",
}
# Holding a slot: the statuses whose scheduled time counts against the cadence rules.
ON_THE_CALENDAR = frozenset(
    {S.SCHEDULED, S.PUBLISHING, S.RETRYING, S.PUBLISHED, S.PARTLY_FAILED, S.NEEDS_ATTENTION}
)
LEFT_THE_HOUSE = frozenset({DeliveryState.SENDING, DeliveryState.SENT, DeliveryState.UNKNOWN})


class WorkflowConflict(Exception):
    """The action is not allowed in the post's current state (HTTP 409)."""


def check(action: str, status: PostStatus, deliveries: Iterable[ChannelDelivery] = ()) -> None:
    if status not in ALLOWED[action]:
        raise WorkflowConflict(f"cannot {action} a post that is {status.value}: {_HINTS[action]}")
    if action in ("edit", "cancel"):
        gone = [d.channel_id for d in deliveries if d.state in LEFT_THE_HOUSE]
        if gone:
            raise WorkflowConflict(
                f"cannot {action} a post already sent to {', '.join(gone)}: {_HINTS[action]}"
            )


def after_edit(status: PostStatus) -> PostStatus:
    """A draft stays a draft (a blocked or rejected one becomes one again); anything further
    along goes back to submitted: an edited text is checked and approved again."""
    if status in (S.DRAFT, S.BLOCKED, S.REJECTED):
        return S.DRAFT
    return S.SUBMITTED


def after_moderation(action: str) -> PostStatus:
    """hide/escalate block the draft; allow/review pass it to an approver (review is flagged)."""
    return S.BLOCKED if action in ("hide", "escalate") else S.AWAITING_APPROVAL


@dataclass(frozen=True)
class Settled:
    status: PostStatus
    waiting: bool  # some channel waits for a retry


def settle(deliveries: Iterable[ChannelDelivery]) -> Settled:
    """A post's status from its deliveries once a publishing pass is over."""
    states = [d.state for d in deliveries]
    if any(s in (DeliveryState.PENDING, DeliveryState.SENDING) for s in states):
        raise ValueError("a delivery is still pending or sending")  # a caller bug
    if DeliveryState.UNKNOWN in states:
        return Settled(S.NEEDS_ATTENTION, DeliveryState.RETRYING in states)
    if DeliveryState.RETRYING in states:
        return Settled(S.RETRYING, True)
    sent = states.count(DeliveryState.SENT)
    if sent == len(states):
        return Settled(S.PUBLISHED, False)
    if sent:
        return Settled(S.PARTLY_FAILED, False)
    if all(s is DeliveryState.CANCELLED for s in states):
        return Settled(S.CANCELLED, False)
    return Settled(S.FAILED, False)
