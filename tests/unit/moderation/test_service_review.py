"""The review state machine: claims as leases, approve and reject, and what each leaves behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from animo_moderation.models import ReviewItem, ReviewStatus
from animo_moderation.review import (
    AlreadyReviewed,
    ClaimedByOther,
    InvalidRuling,
    Ruling,
    check_claimable,
    claimed,
    final_action,
    review_id,
    settled,
)
from animo_shared.events import ModerationAction

from helpers.factories import T0

ALLOW, HIDE = ModerationAction.ALLOW, ModerationAction.HIDE
REVIEW, ESCALATE = ModerationAction.REVIEW, ModerationAction.ESCALATE
LEASE = timedelta(minutes=15)


def item(proposed: ModerationAction = REVIEW, **over: Any) -> ReviewItem:
    fields: dict[str, Any] = {
        "id": "d-1",
        "mention_id": "m-1",
        "brand": "acme",
        "source": "twitter",
        "author_handle": "bob",
        "proposed_action": proposed,
        "categories": ["insult"],
        "excerpt": "t'es un idiot",
        "policy_version": "v3",
        "created_at": T0,
        **over,
    }
    return ReviewItem(**fields)


def test_a_claim_holds_the_item_for_the_lease_and_moves_its_revision() -> None:
    held = claimed(item(), "alice", T0, LEASE)
    assert (held.claimed_by, held.claim_expires_at, held.revision) == ("alice", T0 + LEASE, 1)
    assert held.status is ReviewStatus.PENDING


def test_someone_else_cannot_claim_a_held_item_until_the_lease_ends() -> None:
    held = claimed(item(), "alice", T0, LEASE)
    with pytest.raises(ClaimedByOther, match="claimed by 'alice'") as caught:
        claimed(held, "bob", T0 + LEASE - timedelta(seconds=1), LEASE)
    assert caught.value.item == held
    taken = claimed(held, "bob", T0 + LEASE, LEASE)
    assert (taken.claimed_by, taken.revision) == ("bob", 2)


def test_the_holder_renews_their_own_claim() -> None:
    held = claimed(item(), "alice", T0, LEASE)
    renewed = claimed(held, "alice", T0 + timedelta(minutes=10), LEASE)
    assert renewed.claim_expires_at == T0 + timedelta(minutes=25)


@pytest.mark.parametrize(
    ("proposed", "ruling", "final"),
    [
        (REVIEW, Ruling(approve=True), HIDE),  # a suspected breach, confirmed
        (ESCALATE, Ruling(approve=True), ESCALATE),
        (REVIEW, Ruling(approve=False, action=ALLOW, reason="banter"), ALLOW),
        (REVIEW, Ruling(approve=False, action=ESCALATE, reason="a threat"), ESCALATE),
        (ESCALATE, Ruling(approve=False, action=HIDE, reason="no threat, just rude"), HIDE),
        (ESCALATE, Ruling(approve=False, action=ALLOW, reason="a quote"), ALLOW),
    ],
)
def test_approve_confirms_and_reject_names_the_final_action(
    proposed: ModerationAction, ruling: Ruling, final: ModerationAction
) -> None:
    assert final_action(item(proposed), ruling) == final


@pytest.mark.parametrize(
    ("proposed", "action", "message"),
    [
        (REVIEW, None, "needs the final action"),
        (REVIEW, REVIEW, "cannot be sent back to review"),
        (REVIEW, HIDE, "approve instead"),
        (ESCALATE, ESCALATE, "approve instead"),
    ],
)
def test_a_rejection_must_name_a_real_alternative(
    proposed: ModerationAction, action: ModerationAction | None, message: str
) -> None:
    with pytest.raises(InvalidRuling, match=message):
        final_action(item(proposed), Ruling(approve=False, action=action, reason="x"))


def test_settling_records_who_why_and_the_final_action_and_releases_the_claim() -> None:
    held = claimed(item(), "alice", T0, LEASE)
    done = settled(held, "alice", Ruling(approve=False, action=ALLOW, reason="banter"), T0)
    assert done.status is ReviewStatus.REJECTED
    assert (done.final_action, done.reviewer, done.reason) == (ALLOW, "alice", "banter")
    assert done.review_id == review_id("d-1")
    assert (done.claimed_by, done.claim_expires_at, done.revision) == (None, None, 2)


def test_a_settled_item_cannot_be_claimed_or_settled_again() -> None:
    done = settled(item(), "alice", Ruling(approve=True), T0)
    assert done.status is ReviewStatus.APPROVED
    with pytest.raises(AlreadyReviewed, match="already approved"):
        claimed(done, "alice", T0, LEASE)
    with pytest.raises(AlreadyReviewed):
        settled(done, "bob", Ruling(approve=True), T0)


def test_only_the_holder_settles_a_claimed_item_while_the_lease_runs() -> None:
    held = claimed(item(), "alice", T0, LEASE)
    with pytest.raises(ClaimedByOther):
        settled(held, "bob", Ruling(approve=True), T0 + timedelta(minutes=1))
    settled(held, "bob", Ruling(approve=True), T0 + LEASE)
    check_claimable(item(), "anyone", T0)  # an unclaimed item is free to all


def test_the_review_id_is_derived_so_a_retry_publishes_the_same_event() -> None:
    assert review_id("d-1") == review_id("d-1") != review_id("d-2")
