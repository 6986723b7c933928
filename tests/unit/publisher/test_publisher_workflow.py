"""The workflow table, moderation verdicts, reply templates and back-off, without I/O."""

from __future__ import annotations

import random

import pytest

from animo_publisher.models import Category, ChannelDelivery, DeliveryState, PostStatus
from animo_publisher.moderation import ModerationUnavailable, Verdict, parse, worst
from animo_publisher.outcomes import Backoff
from animo_publisher.replies import TemplateError, placeholders, render
from animo_publisher.workflow import (
    ALLOWED,
    WorkflowConflict,
    after_edit,
    after_moderation,
    check,
    settle,
)

S = PostStatus
D = DeliveryState


def delivery(state: DeliveryState, channel: str = "c") -> ChannelDelivery:
    return ChannelDelivery(
        channel_id=channel, kind="x", state=state, idempotency_key=f"p:{channel}"
    )


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        ("submit", {S.DRAFT, S.SUBMITTED}),
        ("approve", {S.AWAITING_APPROVAL}),
        ("reject", {S.SUBMITTED, S.AWAITING_APPROVAL}),
        ("resolve", {S.NEEDS_ATTENTION}),
        (
            "edit",
            {
                S.DRAFT,
                S.SUBMITTED,
                S.BLOCKED,
                S.AWAITING_APPROVAL,
                S.REJECTED,
                S.SCHEDULED,
                S.RETRYING,
            },
        ),
    ],
)
def test_each_action_is_allowed_from_exactly_its_statuses(
    action: str, allowed: set[PostStatus]
) -> None:
    assert ALLOWED[action] == allowed
    for status in PostStatus:
        if status in allowed:
            check(action, status)
        else:
            with pytest.raises(
                WorkflowConflict, match=f"cannot {action} a post that is {status.value}"
            ):
                check(action, status)


def test_nothing_is_edited_or_cancelled_once_it_left_for_a_network() -> None:
    check("cancel", S.RETRYING, [delivery(D.RETRYING), delivery(D.FAILED, "d")])
    for gone in (D.SENDING, D.SENT, D.UNKNOWN):
        with pytest.raises(WorkflowConflict, match="already sent to c"):
            check("edit", S.RETRYING, [delivery(gone)])


def test_edits_and_verdicts_move_the_post_back_or_forward() -> None:
    assert after_edit(S.BLOCKED) is S.DRAFT and after_edit(S.REJECTED) is S.DRAFT
    assert after_edit(S.SCHEDULED) is S.SUBMITTED and after_edit(S.AWAITING_APPROVAL) is S.SUBMITTED
    assert after_moderation("hide") is S.BLOCKED and after_moderation("escalate") is S.BLOCKED
    assert after_moderation("review") is S.AWAITING_APPROVAL
    assert after_moderation("allow") is S.AWAITING_APPROVAL


@pytest.mark.parametrize(
    ("states", "status", "waiting"),
    [
        ([D.SENT, D.SENT], S.PUBLISHED, False),
        ([D.SENT, D.FAILED], S.PARTLY_FAILED, False),
        ([D.FAILED, D.FAILED], S.FAILED, False),
        ([D.SENT, D.RETRYING], S.RETRYING, True),
        ([D.UNKNOWN, D.RETRYING], S.NEEDS_ATTENTION, True),
        ([D.UNKNOWN, D.SENT], S.NEEDS_ATTENTION, False),
        ([D.CANCELLED], S.CANCELLED, False),
    ],
)
def test_a_post_settles_from_its_deliveries(
    states: list[DeliveryState], status: PostStatus, waiting: bool
) -> None:
    settled = settle(delivery(s, f"c{i}") for i, s in enumerate(states))
    assert (settled.status, settled.waiting) == (status, waiting)
    with pytest.raises(ValueError, match="pending or sending"):
        settle([delivery(D.SENDING)])


def test_the_severest_verdict_wins_and_keeps_every_finding() -> None:
    one = Verdict("review", (Category(name="spam"),))
    two = Verdict("hide", (Category(name="insult", evidence=[{"term": "x"}]),))
    merged = worst([Verdict("allow"), one, two])
    assert merged.action == "hide"
    assert [(c.name, c.model_extra) for c in merged.categories] == [
        ("spam", {"text_index": 1}),
        ("insult", {"text_index": 2}),
    ]
    assert (
        parse({"action": "escalate", "categories": [{"name": "threat", "score": 0.9}]}).action
        == "escalate"
    )
    for garbage in (
        {"action": "maybe"},
        [],
        {"action": "allow", "categories": "none"},
        {"action": "allow", "categories": [{"x": 1}]},
    ):
        with pytest.raises(ModerationUnavailable):
            parse(garbage)


def test_templates_accept_only_known_placeholders() -> None:
    text = "Bonjour {author}, {brand} s'en occupe ({order_id}). {author} !"
    assert placeholders(text) == ["author", "brand", "order_id"]
    assert render("Merci {author} !", {"author": "@li", "unused": "x"}) == "Merci @li !"
    for bad in ("{author.__class__}", "{author!r}", "{author:>99}", "{nope}", "{0}", "{"):
        with pytest.raises(TemplateError):
            placeholders(bad)
    with pytest.raises(TemplateError, match=r"\{brand\}") as missing:
        render("{author} {brand}", {"author": "a"})
    assert missing.value.field == "values"


def test_backoff_grows_with_jitter_and_never_beats_retry_after() -> None:
    backoff = Backoff(base_seconds=2, cap_seconds=60, max_attempts=6)
    rng = random.Random(7)
    for attempt, ceiling in ((1, 2), (2, 4), (3, 8), (6, 60), (10, 60)):
        waits = [backoff.delay(attempt, None, rng) for _ in range(200)]
        assert ceiling / 2 <= min(waits) and max(waits) <= ceiling
        assert len(set(waits)) > 100, "jittered"
    assert backoff.delay(1, 120.0, rng) == 120.0
