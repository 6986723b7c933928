"""The scores and tiers, as plain functions of a member's activity (docs/crm.md gives the reasons)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from animo_shared.events import MemberScores

from .models import Activity

# Love: what a kind of activity says about attachment to the brand. Writing about the brand
# or reviewing it costs the member effort and reaches others; a like costs a click.
LOVE_WEIGHTS: dict[str, float] = {
    "mention": 3.0,
    "purchase": 5.0,
    "review": 4.0,
    "share": 3.0,
    "comment": 2.0,
    "signed_up": 2.0,
    "like": 1.0,
    "newsletter_click": 1.0,
}
LOVE_HALF_LIFE = timedelta(days=30)
_HALF_LIFE_S = LOVE_HALF_LIFE.total_seconds()
# Orbit-style levels 1..4 on love (0: no activity yet).
LOVE_LEVELS = (0.0, 5.0, 15.0, 40.0)
# Ten million followers is the top of the reach scale (100).
REACH_TOP_DECADES = 7.0
# Two neutral pseudo-mentions: one angry mention does not make a detractor on its own.
SENTIMENT_PRIOR = 2.0
# A sentiment label without a score counts as this much.
LABEL_SCORE = {"positive": 0.6, "neutral": 0.0, "negative": -0.6}


def decay(elapsed: timedelta) -> float:
    """How much of an activity's weight is left after `elapsed` (halves every 30 days)."""
    return float(2.0 ** (-elapsed.total_seconds() / _HALF_LIFE_S))


def add_love(
    love: float, love_at: datetime | None, weight: float, at: datetime
) -> tuple[float, datetime]:
    """Add decayed weight; the sum is kept as of the latest activity, so order does not matter."""
    if love_at is None:
        return weight, at
    if at >= love_at:
        return love * decay(at - love_at) + weight, at
    return love + weight * decay(love_at - at), love_at


def love_now(love: float, love_at: datetime | None, now: datetime) -> float:
    if love_at is None or love <= 0:
        return 0.0
    return love * decay(max(now - love_at, timedelta(0)))


def love_rank(love: float, love_at: datetime | None) -> float:
    """log2(love) + love_at in half-lives: orders members as their love decayed to any one instant."""
    if love_at is None or love <= 0:
        return -1e9
    return math.log2(love) + love_at.timestamp() / _HALF_LIFE_S


def love_level(love: float) -> int:
    if love <= 0:
        return 0
    return sum(1 for floor in LOVE_LEVELS if love >= floor)


def reach(followers: int) -> float:
    """0..100, one decade of followers per 100/7 points: audiences span orders of magnitude."""
    if followers <= 0:
        return 0.0
    return min(100.0, 100.0 * math.log10(1 + followers) / REACH_TOP_DECADES)


def sentiment(activity: Activity) -> float:
    """Mean sentiment of their mentions, shrunk towards neutral while there are few."""
    return activity.sentiment_sum / (activity.sentiment_count + SENTIMENT_PRIOR)


def engagement(activity: Activity) -> float:
    """1 + log2(1 + echoes): what their words earn (copies, @-mentions), with diminishing returns."""
    return 1.0 + math.log2(1 + activity.echoes)


def relevance(activity: Activity) -> float:
    """0..1: the share of their activity about the brand itself, minus the share moderation hid."""
    total = activity.mentions + activity.engagements
    if total == 0:
        return 0.0
    about_brand = (activity.own_mentions + activity.engagements) / total
    hidden = (activity.hidden + activity.escalated) / activity.mentions if activity.mentions else 0
    return about_brand * max(0.0, 1.0 - hidden)


def score_values(activity: Activity, followers: int) -> tuple[float, float, float, float]:
    """(reach, love, sentiment, influence), rounded as stored: tiers are decided on these."""
    r = reach(followers)
    return (
        round(r, 4),
        round(activity.love, 4),
        round(sentiment(activity), 4),
        round(r * engagement(activity) * relevance(activity), 4),
    )


def scores(activity: Activity, followers: int) -> MemberScores:
    r, love, feeling, influence = score_values(activity, followers)
    return MemberScores(reach=r, love=love, sentiment=feeling, influence=influence)


class TierSettings(BaseModel):
    """A brand's tier thresholds; tiers are checked in this order: detractor, influencer, advocate,
    active, newcomer."""

    model_config = ConfigDict(extra="forbid")

    detractor_sentiment: float = Field(
        default=-0.3, ge=-1, le=0, description="Sentiment at or below which a member is at risk."
    )
    detractor_min_mentions: int = Field(
        default=2, ge=1, description="Scored mentions needed before a member can be a detractor."
    )
    influencer_influence: float = Field(
        default=60.0, ge=0, description="Influence from which a member is an influencer."
    )
    advocate_love: float = Field(default=15.0, ge=0, description="Love needed to be an advocate.")
    advocate_sentiment: float = Field(
        default=0.2, ge=-1, le=1, description="Sentiment needed to be an advocate."
    )
    active_love: float = Field(default=5.0, ge=0, description="Love needed to be active.")


TIERS = ("detractor_at_risk", "influencer", "advocate", "active", "newcomer")


def tier_of(s: MemberScores, scored_mentions: int, settings: TierSettings) -> str:
    return tier_of_values(s.love, s.sentiment, s.influence, scored_mentions, settings)


def tier_of_values(
    love: float, feeling: float, influence: float, scored_mentions: int, settings: TierSettings
) -> str:
    if (
        scored_mentions >= settings.detractor_min_mentions
        and feeling <= settings.detractor_sentiment
    ):
        return "detractor_at_risk"
    if influence >= settings.influencer_influence:
        return "influencer"
    if love >= settings.advocate_love and feeling >= settings.advocate_sentiment:
        return "advocate"
    if love >= settings.active_love:
        return "active"
    return "newcomer"
