"""Without I/O: how best times weigh post metrics against engagement events, the engagement
history's hours, and what an erasure takes out of a post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from animo_publisher.activity import hour_id, hour_of, weight
from animo_publisher.community import Redactor
from animo_publisher.models import ChannelDelivery, Post, PostStatus, StoredVariant
from animo_publisher.scheduling import rank
from animo_shared.events import EngagementKind, EngagementRecorded

T0 = datetime(2031, 6, 2, 10, 0, tzinfo=UTC)


def test_each_source_counts_for_half_whatever_its_scale() -> None:
    posts = {(0, 9): 40.0, (2, 18): 10.0}  # mean post scores
    events = {(2, 18): 3000.0, (4, 12): 1500.0}  # weighted engagement events
    assert rank([posts, events]) == [(2, 18), (0, 9), (4, 12)]
    # (2, 18): (0.25 + 1) / 2; (0, 9): (1 + 0) / 2; (4, 12): (0 + 0.5) / 2
    assert rank([posts, {}]) == [(0, 9), (2, 18)], "one source alone ranks by itself"
    assert rank([{}, {(0, 0): 0.0}]) == [], "nothing positive: the defaults apply"


def test_engagement_hours_are_utc_and_weighted_by_kind() -> None:
    paris = timezone(timedelta(hours=2))
    assert hour_of(datetime(2031, 6, 2, 9, 59, tzinfo=paris)) == datetime(2031, 6, 2, 7, tzinfo=UTC)
    assert hour_id("acme", T0) == "acme:20310602T10"

    def recorded(kind: EngagementKind) -> EngagementRecorded:
        return EngagementRecorded(
            engagement_id="e", brand="acme", kind=kind, source="shop", handle="h", occurred_at=T0
        )

    assert [weight(recorded(k)) for k in ("like", "comment", "share", "purchase")] == [1, 2, 3, 2]


def _post(**extra: object) -> Post:
    base = Post(
        id="p",
        brand="acme",
        text="Merci @Marie ! Bonjour marie.",
        channels=["c"],
        variants=[
            StoredVariant(
                channel_id="c",
                kind="mastodon",
                parts=["Merci @marie@piaille.fr ! (1/2)", "marie, écrivez-nous (2/2)"],
                weighted_lengths=[1, 1],
                problems=[],
            )
        ],
        deliveries=[
            ChannelDelivery(
                channel_id="c",
                kind="mastodon",
                idempotency_key="p:c",
                body_excerpt='{"content": "@marie"}',
            )
        ],
        status=PostStatus.PUBLISHED,
        created_by="t",
        created_at=T0,
        updated_at=T0,
    )
    return base.model_copy(update=extra)


def test_an_erasure_takes_the_handles_out_of_a_reply_to_that_person() -> None:
    after = Redactor(["marie"]).post(_post(reply_to_author="@marie"))
    assert after is not None
    assert after.text == "Merci @[erased] ! Bonjour [erased]."
    assert after.variants[0].parts == ["Merci @[erased] ! (1/2)", "[erased], écrivez-nous (2/2)"]
    assert after.deliveries[0].body_excerpt == '{"content": "@[erased]"}'
    assert after.reply_to_author is None
    assert after.status is PostStatus.PUBLISHED and after.id == "p", "the post itself stays"
    assert Redactor(["marie"]).post(after) is None, "erasing again changes nothing"


def test_elsewhere_only_the_at_handle_goes_and_other_people_stay() -> None:
    after = Redactor(["marie"]).post(_post(text="@marie_d et @marie.dupont; marie dit @marie."))
    assert after is not None
    assert after.text == "@marie_d et @marie.dupont; marie dit @[erased]."
    assert Redactor(["paul"]).post(_post()) is None
