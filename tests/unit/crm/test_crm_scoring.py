"""The score formulas and tier rules, hand-computed."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from animo_crm.models import Activity
from animo_crm.scoring import (
    TierSettings,
    add_love,
    love_level,
    love_now,
    love_rank,
    reach,
    relevance,
    scores,
    sentiment,
    tier_of,
)
from animo_shared.events import MemberScores

T = datetime(2026, 11, 1, tzinfo=UTC)
HALF = timedelta(days=30)


def test_reach_is_log_scaled_and_capped() -> None:
    assert reach(0) == 0
    assert reach(9) == pytest.approx(100 / 7)  # one decade
    assert reach(999_999) == pytest.approx(600 / 7)
    assert reach(10**9) == 100


def test_love_decays_by_half_every_30_days_whatever_the_order() -> None:
    forward = add_love(*add_love(0, None, 3, T), 5, T + HALF)
    backward = add_love(*add_love(0, None, 5, T + HALF), 3, T)
    assert forward == backward == (pytest.approx(3 / 2 + 5), T + HALF)
    assert love_now(6.5, T + HALF, T + 3 * HALF) == pytest.approx(6.5 / 4)
    assert love_now(6.5, T, T - HALF) == 6.5, "never grows backwards"


def test_love_rank_orders_like_love_decayed_to_one_instant() -> None:
    old, recent = (40.0, T), (12.0, T + 2 * HALF)  # 40 decays to 10 by then
    assert love_rank(*recent) > love_rank(*old)
    assert love_now(*recent, T + 3 * HALF) > love_now(*old, T + 3 * HALF)
    assert love_rank(0, None) == -1e9
    assert love_rank(8, T) == pytest.approx(3 + T.timestamp() / HALF.total_seconds())


def test_love_levels() -> None:
    assert [love_level(x) for x in (0, 0.5, 5, 14.9, 15, 40, 400)] == [0, 1, 2, 2, 3, 4, 4]


def test_sentiment_is_shrunk_towards_neutral() -> None:
    one = Activity(sentiment_sum=-0.9, sentiment_count=1)
    ten = Activity(sentiment_sum=-9.0, sentiment_count=10)
    assert sentiment(one) == pytest.approx(-0.3)
    assert sentiment(ten) == pytest.approx(-0.75)


def test_relevance_discounts_competitor_talk_and_hidden_mentions() -> None:
    assert relevance(Activity()) == 0
    assert relevance(Activity(mentions=4, own_mentions=2)) == 0.5
    assert relevance(Activity(mentions=4, own_mentions=4, hidden=1)) == 0.75
    assert relevance(Activity(mentions=2, own_mentions=0, engagements=2)) == 0.5


def test_influence_multiplies_reach_engagement_and_relevance() -> None:
    activity = Activity(mentions=2, own_mentions=2, echoes=3, love=6.0)
    s = scores(activity, 99)
    assert s.reach == round(200 / 7, 4)
    assert s.influence == round(200 / 7 * (1 + math.log2(4)) * 1.0, 4)  # 3 echoes: x3


@pytest.mark.parametrize(
    ("values", "scored", "tier"),
    [
        ((50.0, 30.0, -0.5, 99.0), 3, "detractor_at_risk"),  # risk comes first
        ((50.0, 30.0, -0.5, 99.0), 1, "influencer"),  # one scored mention is not enough
        ((50.0, 30.0, 0.3, 60.0), 3, "influencer"),
        ((10.0, 15.0, 0.2, 10.0), 3, "advocate"),
        ((10.0, 15.0, 0.1, 10.0), 3, "active"),
        ((0.0, 4.9, 0.0, 0.0), 0, "newcomer"),
    ],
)
def test_tiers_in_order(values: tuple[float, float, float, float], scored: int, tier: str) -> None:
    r, love, feeling, influence = values
    s = MemberScores(reach=r, love=love, sentiment=feeling, influence=influence)
    assert tier_of(s, scored, TierSettings()) == tier


def test_thresholds_are_per_brand() -> None:
    s = MemberScores(reach=50, love=3, sentiment=0, influence=30)
    assert tier_of(s, 0, TierSettings()) == "newcomer"
    assert tier_of(s, 0, TierSettings(influencer_influence=25)) == "influencer"
    with pytest.raises(ValueError, match="less than or equal to 0"):
        TierSettings(detractor_sentiment=0.5)
