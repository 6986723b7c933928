"""Every metric against values computed by hand from one known event stream.

The stream (brand acme, Monday 16 Nov 2026, UTC):

  id  time   source    lang  subject       author (followers)   decision                 note
  m1  09:10  twitter   fr    acme          alice (5000)         allow, negative, delivery reply p1 at 09:30
  m2  09:20  twitter   en    acme          bob (150)            allow, positive
  m3  09:40  twitter   fr    acme          alice (5200)         review -> allow (reviewed), negative, delivery, insult; reply p2 18:30
  m4  10:05  blog      fr    rival         carol                allow, positive
  m5  10:30  twitter   fr    acme          dave                 allow, positive
  m6  11:00  forum     -     acme          erin                 (none: pending)
  m7  10:45  facebook  en    other, rival  frank                hide, neutral, spam
  m8  12:00  (decision only, its mention never arrives)         hide, insult
  m0  Sunday 15 Nov 09:00, twitter, acme: "Livraison rapide" (the previous day, for trends)

Arrival order is shuffled on purpose: p1 before m1, m3's decision before m3.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from animo_reporting.models import MetricReport, RankingReport
from animo_reporting.service import ReportingService

DAY = datetime(2026, 11, 16, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


@pytest.fixture
async def known(service: ReportingService, stream: Any, feed: Any) -> ReportingService:
    s = stream
    s.mention("m0", DAY - timedelta(hours=15), handle="zoe", text="Livraison rapide")
    s.decision("m0", sentiment="positive")
    s.post("p1", at(9, 30), reply_to="m1", kind="twitter")
    s.mention(
        "m1",
        at(9, 10),
        handle="alice",
        followers=5000,
        text="Livraison en retard encore #fail",
        hashtags=["fail"],
    )
    s.mention(
        "m2",
        at(9, 20),
        lang="en",
        handle="bob",
        followers=150,
        text="Love the new bike #velo",
        hashtags=["#Velo"],
    )
    s.decision("m1", sentiment="negative", complaint="delivery")
    s.decision("m2", sentiment="positive")
    s.decision(
        "m3",
        "review",
        sentiment="negative",
        complaint="delivery",
        categories=["insult"],
        when=at(9, 40),
    )
    s.mention(
        "m3",
        at(9, 40),
        handle="alice",
        followers=5200,
        text="Colis perdu, livraison catastrophique",
    )
    s.mention(
        "m4",
        at(10, 5),
        source="blog",
        handle="carol",
        competitors=["rival"],
        text="Rival bikes are great",
    )
    s.decision("m4", sentiment="positive", source="blog")
    s.mention("m5", at(10, 30), handle="dave", text="Super vélo merci")
    s.decision("m5", sentiment="positive")
    s.mention("m6", at(11), source="forum", lang=None, handle="erin", text="hmm")
    s.mention(
        "m7",
        at(10, 45),
        source="facebook",
        lang="en",
        handle="frank",
        competitors=["rival", "other"],
        text="Cheap bikes here",
    )
    s.decision("m7", "hide", sentiment="neutral", categories=["spam"], source="facebook")
    s.decision("m8", "hide", categories=["insult"], when=at(12))
    s.review("m3", "review", "allow", at(14))
    s.post("p2", at(18, 30), reply_to="m3", kind="twitter")
    s.failed("p3", at(15))
    s.post("p4", at(16))
    s.engagement("e1", "like", at(10)).engagement("e2", "like", at(11))
    s.engagement("e3", "comment", at(12))
    s.member("u1", "twitter", at(9, 10)).member("u2", "forum", at(11))
    s.alert("a1", at(11))
    s.tier("u1", "advocate", at(12)).tier("u2", "newcomer", at(12)).tier("u1", "influencer", at(13))
    s.reward("g1", "voucher", at(13)).reward("g2", "voucher", at(14)).reward("g3", "gift", at(15))
    s.reward("g0", "gift", DAY - timedelta(hours=1))  # the day before: not in this report
    await feed(service, s.events)
    return service


async def day_report(service: ReportingService, metric: str, **options: Any) -> Any:
    report = await service.report(metric, "acme", DAY, DAY + timedelta(days=1), "day", **options)
    return report


async def test_volume(known: ReportingService) -> None:
    report = await day_report(known, "volume")
    assert isinstance(report, MetricReport)
    assert report.totals == {
        "mentions": 7,
        "own": 5,
        "competitors": 2,
        "pending": 1,
        "by_source": {"blog": 1, "facebook": 1, "forum": 1, "twitter": 4},
        "by_lang": {"en": 2, "fr": 4, "und": 1},
        "by_action": {"allow": 5, "hide": 1},
    }
    hourly = await known.report("volume", "acme", at(9), at(12), "hour")
    assert isinstance(hourly, MetricReport)
    assert [(b["start"].hour, b["mentions"]) for b in hourly.buckets] == [(9, 3), (10, 3), (11, 1)]
    assert hourly.buckets[0]["by_action"] == {"allow": 3}  # m3 reviewed to allow


async def test_volume_grouped_from_slices(known: ReportingService) -> None:
    by_source = await day_report(known, "volume", group_by=["source"])
    groups = {g["key"]["source"]: g["mentions"] for g in by_source.totals["groups"]}
    assert groups == {"blog": 1, "facebook": 1, "forum": 1, "twitter": 4}
    by_cell = await day_report(known, "volume", group_by=["about", "action"])
    cells = {
        (g["key"]["about"], g["key"]["action"]): g["mentions"] for g in by_cell.totals["groups"]
    }
    assert cells == {
        ("acme", "allow"): 4,
        ("acme", "pending"): 1,
        ("rival", "allow"): 1,
        ("other", "hide"): 1,  # a mention of two competitors is sliced under the first by name
    }


async def test_sentiment(known: ReportingService) -> None:
    report = await day_report(known, "sentiment")
    assert report.totals == {
        "positive": 2,
        "neutral": 0,
        "negative": 2,
        "unknown": 1,
        "analysed": 4,
        "share_positive": 0.5,
        "share_neutral": 0.0,
        "share_negative": 0.5,
        "net_sentiment": 0.0,
    }
    by_about = await day_report(known, "sentiment", group_by=["about"])
    rows = {
        g["key"]["about"]: (g["positive"], g["neutral"], g["negative"])
        for g in by_about.totals["groups"]
    }
    assert rows == {"acme": (2, 0, 2), "other": (0, 1, 0), "rival": (1, 0, 0)}


async def test_share_of_voice(known: ReportingService) -> None:
    report = await day_report(known, "share_of_voice")
    assert report.totals == {
        "brand": 5,
        "competitors": {"other": 1, "rival": 2},
        "total": 8,
        "share": 0.625,
        "shares": {"other": 0.125, "rival": 0.25},
    }


async def test_moderation(known: ReportingService) -> None:
    report = await day_report(known, "moderation")
    assert report.totals == {
        "decisions": 7,
        "by_action": {"allow": 4, "hide": 2, "review": 1},
        "by_category": {"insult": {"hide": 1, "review": 1}, "spam": {"hide": 1}},
        "hidden_share": round(2 / 7, 4),
        "reviews": 1,
        "overturned": 1,
    }


async def test_response_time_with_business_hours(known: ReportingService) -> None:
    report = await day_report(known, "response_time")
    # m1: 09:10 -> 09:30 = 1,200 s (all in business hours).
    # m3: 09:40 -> 18:30 = 31,800 s; business hours end at 18:00: 30,000 s.
    assert report.totals == {
        "complaints": 2,
        "answered": 2,
        "unanswered": 0,
        "median_seconds": 16_500.0,
        "p90_seconds": 1_200 + 0.9 * 30_600,
        "median_business_seconds": 15_600.0,
        "p90_business_seconds": 1_200 + 0.9 * 28_800,
    }
    by_topic = await day_report(known, "response_time", group_by=["topic"])
    (delivery,) = by_topic.totals["groups"]
    assert delivery["key"] == {"topic": "delivery"}
    assert delivery["complaints"] == 2


async def test_posts_and_engagement(known: ReportingService) -> None:
    report = await day_report(known, "posts")
    assert report.totals == {
        "published": 3,
        "failed": 1,
        "replies": 2,
        "by_channel": {"twitter": 2, "webhook": 1},
        "engagement": {"comment": 1, "like": 2},
        "engagement_total": 3,
    }


async def test_community_and_rewards(known: ReportingService) -> None:
    community = await day_report(known, "community")
    assert community.totals == {
        "new_members": 2,
        "by_source": {"forum": 1, "twitter": 1},
        "entered_tier": {"advocate": 1, "influencer": 1, "newcomer": 1},
        "erased": 0,
    }
    rewards = await day_report(known, "rewards")
    assert rewards.totals == {"granted": 3, "by_kind": {"gift": 1, "voucher": 2}}


async def test_an_erased_member_leaves_the_rankings_but_not_the_counts(
    known: ReportingService, stream: Any, feed: Any
) -> None:
    before = await day_report(known, "volume")
    stream.events.clear()
    # alice's erasure, then in the same batch a mention of bob's (still ranked afterwards).
    stream.erased("u-alice", [("twitter", "alice")], at(20))
    stream.mention("m9", at(10, 50), handle="bob", followers=160, text="Encore merci")
    await feed(known, stream.events, 2)
    report = await day_report(known, "influencers")
    assert [(a["handle"], a["mentions"]) for a in report.items] == [
        ("bob", 2),
        ("dave", 1),
        ("erin", 1),
    ]
    after = await day_report(known, "volume")
    assert after.totals["mentions"] == before.totals["mentions"] + 1
    community = await day_report(known, "community")
    assert community.totals["erased"] == 1

    # Late: a mention alice wrote before her erasure arrives in a later batch (a backlog), and
    # one in the same batch as a newer one of hers: counted, never ranked again; what she
    # writes after the erasure is new.
    stream.events.clear()
    stream.mention("m10", at(11), handle="alice", followers=5200, text="Vieux message")
    await feed(known, stream.events, 1)
    stream.events.clear()
    stream.mention("m11", at(21), handle="alice", followers=5300, text="Me revoilà")
    await feed(known, stream.events, 1)
    report = await day_report(known, "influencers")
    assert [(a["handle"], a["mentions"]) for a in report.items if a["handle"] == "alice"] == [
        ("alice", 1)
    ]
    final = await day_report(known, "volume")
    assert final.totals["mentions"] == before.totals["mentions"] + 3


async def test_influencers(known: ReportingService) -> None:
    report = await day_report(known, "influencers")
    assert isinstance(report, RankingReport)
    assert [(a["handle"], a["mentions"], a["followers"], a["tier"]) for a in report.items] == [
        ("alice", 2, 5200, "micro"),
        ("bob", 1, 150, None),
        ("dave", 1, None, None),
        ("erin", 1, None, None),
    ]
    by_followers = await day_report(known, "influencers", sort="followers", limit=2)
    assert [a["handle"] for a in by_followers.items] == ["alice", "bob"]


async def test_trending(known: ReportingService) -> None:
    report = await day_report(known, "trending")
    assert [(t["term"], t["count"], t["previous"], t["score"]) for t in report.items] == [
        ("livraison", 2, 1, round(1 / 2**0.5, 3))
    ]
    everything = await day_report(known, "trending", min_count=1, limit=50)
    terms = [(t["kind"], t["term"]) for t in everything.items]
    assert terms[-1] == ("term", "livraison")  # the only one that was already there
    assert ("hashtag", "fail") in terms
    assert ("hashtag", "velo") in terms
    assert ("term", "vélo") in terms
    assert ("term", "encore") not in terms  # a stop word
    assert len(terms) == 11


async def test_buckets_cover_the_window_even_when_empty(known: ReportingService) -> None:
    report = await known.report("volume", "acme", DAY, DAY + timedelta(days=3), "day")
    assert isinstance(report, MetricReport)
    assert [b["mentions"] for b in report.buckets] == [7, 0, 0]


async def test_week_interval_sums_days(known: ReportingService) -> None:
    report = await known.report(
        "volume", "acme", DAY - timedelta(days=1), DAY + timedelta(1), "week"
    )
    assert isinstance(report, MetricReport)
    # Sunday 15 belongs to the ISO week of Monday 9; Monday 16 starts a new one.
    assert [(b["start"].day, b["mentions"]) for b in report.buckets] == [(9, 1), (16, 7)]
