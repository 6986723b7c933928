"""The CRM's consumer domain on the embedded store: counts, hand-computed scores, tiers, merges,
and replays that change nothing."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from animo_crm.directory import MemberDirectory
from animo_crm.identity import member_id
from animo_crm.members import MemberAdmin, Refused, UnknownMember
from animo_shared.events import (
    DecisionReviewed,
    EngagementKind,
    ModerationAction,
    derive_id,
    make_event,
)
from animo_shared.store.sqlite import SqliteStore

from helpers.crm_members import Harness, T, decision, engagement, mention

MONTH = timedelta(days=30)
ANN = member_id("acme", "twitter", "ann")
BOB = member_id("acme", "twitter", "bob")


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    store = SqliteStore(tmp_path / "crm.sqlite3")
    made = Harness(store)
    await store.start()
    yield made
    await store.close()


def story() -> list[Any]:
    return [
        mention("1", "ann", T, followers=9999, lang="fr"),
        decision("1", "ann", T, score=0.8),
        mention("2", "bob", T + MONTH, duplicate_of="m-1"),
        mention("3", "ann", T + MONTH, handles=("bob",)),
        engagement("1", "ann", EngagementKind.PURCHASE, T + MONTH, source="twitter"),
        mention("4", "carl", T),
        decision("4", "carl", T, score=-0.9),
        mention("5", "carl", T),
        decision("5", "carl", T, score=-0.6, action=ModerationAction.HIDE),
    ]


async def test_scores_follow_the_documented_formulas(harness: Harness) -> None:
    await harness.feed(story())
    ann = await harness.repository.member(ANN)
    assert ann is not None
    assert (ann.mentions, ann.allowed, ann.engagements, ann.echoes) == (2, 1, 1, 1)
    # love: mention (3) a month before, halved, + mention (3) + purchase (5)
    assert ann.love == pytest.approx(3 * 0.5 + 3 + 5)
    assert ann.love_level == 2
    assert ann.reach == pytest.approx(round(100 * 4 / 7, 4))  # log10(1 + 9999) = 4 decades
    assert ann.sentiment == pytest.approx(round(0.8 / (1 + 2), 4))
    assert ann.engagement == 2.0  # 1 + log2(1 + one echo)
    assert ann.relevance == 1.0
    assert ann.influence == pytest.approx(round(100 * 4 / 7 * 2 * 1, 4))
    assert ann.tier == "influencer"
    assert ann.followers == {"twitter": 9999}
    assert ann.languages == ["fr"]
    assert (ann.first_seen, ann.last_seen) == (T, T + MONTH)

    carl = await harness.repository.member(member_id("acme", "twitter", "carl"))
    assert carl is not None
    assert carl.sentiment == pytest.approx(round((-0.9 - 0.6) / (2 + 2), 4))
    assert carl.relevance == pytest.approx(0.5)  # one of two mentions hidden
    assert carl.tier == "detractor_at_risk"
    bob = await harness.repository.member(BOB)
    assert bob is not None and bob.echoes == 1 and bob.influence == 0 and bob.tier == "newcomer"


async def test_crossings_are_announced_once_with_ids_from_the_event_that_caused_them(
    harness: Harness,
) -> None:
    await harness.feed(story())
    carl = member_id("acme", "twitter", "carl")
    assert harness.types(ANN) == [
        "member.created",
        "member.tier_changed",
        "member.influencer_identified",
    ]
    changed = next(
        e for e in harness.published if e.type == "member.tier_changed" and e.subject == ANN
    )
    # the copy of ann's mention by bob made her words travel: that event crossed the threshold
    assert changed.id == derive_id("member.tier_changed", ANN, "em-2")
    assert (changed.data.previous, changed.data.tier) == ("newcomer", "influencer")
    assert harness.types(carl) == [
        "member.created",
        "member.tier_changed",
        "member.tier_changed",
        "member.became_detractor",
    ]
    tiers = [
        (e.data.previous, e.data.tier)
        for e in harness.published
        if e.type == "member.tier_changed" and e.subject == carl
    ]
    # two mentions are love 6 (active); the second negative verdict makes the mean -0.375
    assert tiers == [("newcomer", "active"), ("active", "detractor_at_risk")]
    assert harness.types(BOB) == ["member.created"]


async def test_replaying_the_stream_gives_identical_scores_tiers_and_events(
    tmp_path: Path,
) -> None:
    """Once as one batch, once event by event, then everything again: the same result."""
    results = []
    for name, batches in [("whole", [story()]), ("single", [[e] for e in story()])]:
        store = SqliteStore(tmp_path / f"{name}.sqlite3")
        harness = Harness(store)
        await store.start()
        for batch in [*batches, *batches]:
            await harness.feed(batch)
        members = await harness.repository.members.find(
            {"brand": "acme", "status": "active"}, order_by="influence", limit=100
        )
        results.append(
            (
                [m.model_dump(exclude={"tier_since"}) for m in members],
                sorted(e.id for e in harness.published),
            )
        )
        await store.close()
    assert results[0] == results[1]
    assert len(results[0][0]) == 3


async def test_a_verified_email_seen_twice_merges_and_the_directory_follows(
    harness: Harness,
) -> None:
    directory = MemberDirectory(harness.repository)
    await harness.feed(
        [
            engagement(
                "1", "dana", EngagementKind.SIGNED_UP, email="Dana@Example.org", source="twitter"
            ),
            engagement(
                "2",
                "dana42",
                EngagementKind.PURCHASE,
                T + timedelta(hours=1),
                email="dana@example.org",
            ),
            engagement(
                "3", "eve", EngagementKind.PURCHASE, email="dana@example.org", verified=False
            ),
        ]
    )
    dana = member_id("acme", "twitter", "dana")
    shop = member_id("acme", "shop", "dana42")
    assert await directory.resolve("acme", "shop", "dana42") == dana
    assert await directory.resolve("acme", "shop", "eve") == member_id("acme", "shop", "eve")
    assert await directory.resolve("acme", "shop", "nobody") is None
    assert await directory.aliases(dana) == [dana, shop]
    assert await directory.exists(dana) and not await directory.exists(shop)
    merged = [e for e in harness.published if e.type == "member.merged"]
    assert [(e.data.member_id, e.data.merged_id, e.data.reason) for e in merged] == [
        (dana, shop, "email")
    ]
    member = await harness.repository.member(dana)
    assert member is not None
    assert member.engagements == 2 and member.love == pytest.approx(
        2 * 2 ** (-1 / 720) + 5, abs=1e-4
    )
    assert member.emails == ["dana@example.org"]
    assert {(i.source, i.handle) for i in member.accounts} == {
        ("twitter", "dana"),
        ("shop", "dana42"),
    }


async def test_love_does_not_depend_on_arrival_order(harness: Harness) -> None:
    late, early = T + MONTH, T
    await harness.feed([mention("a", "zoe", late), mention("b", "zoe", early)])
    zoe = await harness.repository.member(member_id("acme", "twitter", "zoe"))
    assert zoe is not None
    assert zoe.love == pytest.approx(3 + 3 * 0.5)
    assert zoe.love_at == late
    assert zoe.love_rank == pytest.approx(math.log2(4.5) + late.timestamp() / MONTH.total_seconds())


async def test_unmerge_gives_back_everything_the_account_did_even_after_the_merge(
    harness: Harness,
) -> None:
    admin = MemberAdmin(
        harness.repository, harness.service, harness.store.commit, lambda: T + MONTH
    )
    directory = MemberDirectory(harness.repository)
    await harness.feed([mention("1", "ann", T, followers=99), mention("2", "bob", T)])
    alone = await harness.repository.member(ANN)
    await admin.merge(ANN, BOB)
    assert await directory.resolve("acme", "twitter", "bob") == ANN
    await harness.feed([mention("3", "bob", T + MONTH), decision("3", "bob", T + MONTH, score=0.5)])
    merged = await harness.repository.member(ANN)
    assert merged is not None and merged.mentions == 3 and merged.sentiment_count == 1
    with pytest.raises(Refused, match="itself"):
        await admin.merge(ANN, ANN)
    with pytest.raises(UnknownMember):
        await admin.merge(ANN, "nobody")

    survivor, restored = await admin.unmerge(ANN, BOB)
    assert await directory.resolve("acme", "twitter", "bob") == BOB
    assert restored.mentions == 2 and restored.sentiment_count == 1
    assert restored.love == pytest.approx(3 * 0.5 + 3)
    assert alone is not None
    for field in ("mentions", "reach", "love", "sentiment", "influence", "tier", "accounts"):
        assert getattr(survivor, field) == getattr(alone, field), field
    history = await harness.repository.merge_history(ANN)
    assert [(m.merged_id, m.unmerged_at is not None) for m in history] == [(BOB, True)]
    with pytest.raises(Refused, match="is not merged into"):
        await admin.unmerge(ANN, BOB)


async def test_a_review_moves_the_counted_outcome(harness: Harness) -> None:
    reviewed = DecisionReviewed(
        review_id="r1",
        decision_id="d-1",
        mention_id="m-1",
        brand="acme",
        source="twitter",
        author_handle="ann",
        previous_action=ModerationAction.HIDE,
        action=ModerationAction.ALLOW,
        reviewer="cm",
        reviewed_at=T,
    )
    await harness.feed(
        [
            mention("1", "ann"),
            decision("1", "ann", action=ModerationAction.HIDE),
            make_event(reviewed, event_id="er-1", source="t", brand="acme"),
        ]
    )
    ann = await harness.repository.member(ANN)
    assert ann is not None and (ann.hidden, ann.allowed) == (0, 1)
    kinds = [e.kind for e in await harness.repository.member_timeline([ANN], limit=10)]
    assert sorted(kinds) == ["mention", "moderation", "moderation_review"]


async def test_a_merge_waits_for_the_batch_in_flight_and_keeps_its_counts(
    harness: Harness,
) -> None:
    """The bus commits a batch after the handler returns: a merge in between must not read the
    old state and then overwrite the batch's counts (nor a batch overwrite the merge)."""
    admin = MemberAdmin(harness.repository, harness.service, harness.store.commit, lambda: T)
    await harness.feed([mention("1", "ann"), mention("2", "bob")])
    batch = [mention("3", "ann", T + MONTH), mention("4", "bob", T + MONTH)]
    changes = await harness.service.apply(batch, T)  # computed, not yet committed
    merging = asyncio.create_task(admin.merge(ANN, BOB))
    await asyncio.sleep(0.05)
    assert not merging.done(), "the merge waits for the batch's commit"
    changes.mark_processed(e.id for e in batch)
    await harness.store.commit(changes)
    merged = await asyncio.wait_for(merging, 5)
    assert merged.mentions == 4 and len(merged.accounts) == 2
    stored = await harness.repository.member(ANN)
    assert stored is not None and stored.mentions == 4
