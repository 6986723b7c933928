"""The measures: what each metric shows, computed from summed bucket counters (pure functions).

Definitions (documented in the README):
- sentiment shares are over the brand's own analysed mentions (positive + neutral + negative);
  net sentiment = (positive - negative) / (positive + negative) (Talkwalker's definition);
- share of voice = brand mentions / (brand + every competitor's mentions) (Mention's);
- a mention not moderated yet is `pending` (action) and `unknown` (sentiment).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TypedDict

from . import fields as f

Counters = Mapping[str, float]


def _int(value: float) -> int:
    return round(value)


def _ints(values: Mapping[str, float]) -> dict[str, int]:
    # Stored counters are whole numbers already (every increment is): no rounding needed.
    return dict(sorted(values.items()))  # type: ignore[arg-type]


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


class VolumeValues(TypedDict):
    mentions: int  # Mentions heard: the brand's own and its competitors'.
    own: int  # Mentions of the brand itself.
    competitors: int  # Mentions that matched a competitor query.
    pending: int  # Mentions not moderated yet.
    by_source: dict[str, int]
    by_lang: dict[str, int]
    by_action: dict[str, int]  # Moderation's final action (reviews applied).


def volume(c: Counters) -> VolumeValues:
    mentions = _int(c.get(f.MENTIONS, 0))
    own = _int(c.get(f.OWN, 0))
    dims = f.open_dimensions(c)
    return VolumeValues(
        mentions=mentions,
        own=own,
        competitors=mentions - own,
        pending=_int(c.get(f.action(f.PENDING), 0)),
        by_source=_ints(dims.get(f.BY_SOURCE, {})),
        by_lang=_ints(dims.get(f.BY_LANG, {})),
        by_action=_ints(f.fixed(c, f.action, f.ACTIONS)),
    )


class SentimentValues(TypedDict):
    positive: int
    neutral: int
    negative: int
    unknown: int  # Not analysed, or not moderated yet.
    analysed: int
    share_positive: float | None
    share_neutral: float | None
    share_negative: float | None
    net_sentiment: float | None  # (positive - negative) / (positive + negative)


def sentiment(c: Counters) -> SentimentValues:
    pos, neu, neg = (_int(c.get(f.sentiment(name), 0)) for name in f.SENTIMENTS)
    analysed = pos + neu + neg
    return SentimentValues(
        positive=pos,
        neutral=neu,
        negative=neg,
        unknown=_int(c.get(f.sentiment(f.UNKNOWN), 0)),
        analysed=analysed,
        share_positive=ratio(pos, analysed),
        share_neutral=ratio(neu, analysed),
        share_negative=ratio(neg, analysed),
        net_sentiment=ratio(pos - neg, pos + neg),
    )


class ShareOfVoiceValues(TypedDict):
    brand: int  # The brand's own mentions.
    competitors: dict[str, int]  # Mentions per competitor query name.
    total: int
    share: float | None  # brand / (brand + competitors)
    shares: dict[str, float | None]  # Each competitor's share of the total.


def share_of_voice(c: Counters) -> ShareOfVoiceValues:
    own = _int(c.get(f.OWN, 0))
    rivals = _ints(f.by_prefix(c, f.BY_COMPETITOR))
    total = own + sum(rivals.values())
    return ShareOfVoiceValues(
        brand=own,
        competitors=rivals,
        total=total,
        share=ratio(own, total),
        shares={name: ratio(count, total) for name, count in rivals.items()},
    )


class ModerationValues(TypedDict):
    decisions: int  # Decisions taken (by the rules, before any review).
    by_action: dict[str, int]
    by_category: dict[str, dict[str, int]]  # Decisions with a finding in each category, by action.
    hidden_share: float | None  # (hide + escalate) / decisions
    reviews: int
    overturned: int  # Reviews that changed the action.


def moderation(c: Counters) -> ModerationValues:
    by_action = _ints(f.fixed(c, f.decided, f.ACTIONS))
    by_category: dict[str, dict[str, int]] = {}
    for name in f.CATEGORIES:
        row = _ints(f.fixed(c, partial(f.category, name), f.ACTIONS))
        if row:
            by_category[name] = row
    decisions = sum(by_action.values())
    hidden = by_action.get("hide", 0) + by_action.get("escalate", 0)
    return ModerationValues(
        decisions=decisions,
        by_action=by_action,
        by_category=by_category,
        hidden_share=ratio(hidden, decisions),
        reviews=_int(c.get(f.REVIEWS, 0)),
        overturned=_int(c.get(f.OVERTURNED, 0)),
    )


class PostsValues(TypedDict):
    published: int
    failed: int
    replies: int  # Published posts answering a mention.
    by_channel: dict[str, int]
    engagement: dict[str, int]  # Engagement recorded for the brand (likes, comments, shares, …).
    engagement_total: int


def posts(c: Counters) -> PostsValues:
    engagement = _ints(f.fixed(c, f.engagement, f.ENGAGEMENT_KINDS))
    return PostsValues(
        published=_int(c.get(f.POSTS_PUBLISHED, 0)),
        failed=_int(c.get(f.POSTS_FAILED, 0)),
        replies=_int(c.get(f.REPLIES, 0)),
        by_channel=_ints(f.by_prefix(c, f.BY_CHANNEL)),
        engagement=engagement,
        engagement_total=sum(engagement.values()),
    )


class CommunityValues(TypedDict):
    new_members: int
    by_source: dict[str, int]
    entered_tier: dict[str, int]  # members who entered each tier (member.tier_changed)
    erased: int  # members erased at their request


def community(c: Counters) -> CommunityValues:
    return CommunityValues(
        new_members=_int(c.get(f.MEMBERS, 0)),
        by_source=_ints(f.by_prefix(c, f.MEMBERS_BY_SOURCE)),
        entered_tier=_ints(f.by_prefix(c, f.TIER_ENTERED)),
        erased=_int(c.get(f.ERASURES, 0)),
    )


class RewardsValues(TypedDict):
    granted: int
    by_kind: dict[str, int]  # voucher, discount, gift


def rewards(c: Counters) -> RewardsValues:
    return RewardsValues(
        granted=_int(c.get(f.REWARDS_GRANTED, 0)),
        by_kind=_ints(f.by_prefix(c, f.REWARDS_BY_KIND)),
    )


def add_into(total: dict[str, float], counters: Counters) -> None:
    for name, value in counters.items():
        total[name] = total.get(name, 0) + value
