"""The demo feed: deterministic, in the ingest API's shape, and rich enough for every demo path."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from animo_dev.demo import (
    BRANDS,
    EXPECTED_CATEGORY,
    Kind,
    demo_batches,
    demo_mentions,
    labelled_demo_mentions,
)
from animo_shared.events import BRAND_PATTERN, SOURCE_PATTERN, MentionReceived

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
INGEST_FIELDS = {
    "brand",
    "source",
    "external_id",
    "author",
    "text",
    "url",
    "published_at",
    "lang",
}


def test_same_seed_same_feed_other_seed_other_feed() -> None:
    assert demo_mentions(NOW, seed=7) == demo_mentions(NOW, seed=7)
    assert demo_mentions(NOW, seed=7) != demo_mentions(NOW, seed=8)


@pytest.mark.parametrize("count", [0, 1, 10, 300, 512])
def test_count_is_respected(count: int) -> None:
    assert len(demo_mentions(NOW, count=count)) == count


def test_every_item_fits_the_ingest_shape_and_the_event_contract() -> None:
    for item in demo_mentions(NOW):
        assert set(item) == INGEST_FIELDS
        assert re.fullmatch(BRAND_PATTERN, item["brand"])
        assert re.fullmatch(SOURCE_PATTERN, item["source"])
        assert re.fullmatch(r"[a-z]{2}", item["lang"])
        assert item["author"]["handle"]
        assert item["text"]
        assert item["url"].startswith("https://")
        # The ingest service turns each item into this event; it must accept all of them.
        MentionReceived(mention_id="m", received_at=NOW, **item)


def test_published_in_the_48_hours_before_now_oldest_first() -> None:
    stamps = [
        datetime.strptime(item["published_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        for item in demo_mentions(NOW)
    ]
    assert stamps == sorted(stamps)
    assert all(NOW - timedelta(hours=48) <= stamp <= NOW for stamp in stamps)


def test_brands_are_the_two_brands_and_the_competitor() -> None:
    assert len(BRANDS) == 3
    assert {item["brand"] for item in demo_mentions(NOW)} == set(BRANDS)


def test_unique_brand_source_external_id() -> None:
    keys = [(m["brand"], m["source"], m["external_id"]) for m in demo_mentions(NOW)]
    assert len(keys) == len(set(keys))
    assert len({m["external_id"] for m in demo_mentions(NOW)}) == len(keys)


@pytest.mark.parametrize("kind", [Kind.COMPLAINT, Kind.INSULT, Kind.HATE, Kind.SPAM, Kind.SEXUAL])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_each_kind_is_present_in_both_languages(kind: Kind, lang: str) -> None:
    feed = labelled_demo_mentions(NOW)
    assert any(m.kind is kind and m.mention["lang"] == lang for m in feed)


def test_even_a_small_feed_holds_every_harmful_kind() -> None:
    kinds = Counter(m.kind for m in labelled_demo_mentions(NOW, count=10))
    assert set(kinds) == set(Kind) - {Kind.CHATTER}
    assert kinds[Kind.HATE] >= 2


def test_mix_is_roughly_the_advertised_one() -> None:
    feed = labelled_demo_mentions(NOW, count=1000)
    share = {kind: n / len(feed) for kind, n in Counter(m.kind for m in feed).items()}
    assert 0.5 <= share[Kind.CHATTER] <= 0.7
    assert 0.1 <= share[Kind.COMPLAINT] <= 0.2
    assert 0.04 <= share[Kind.INSULT] <= 0.12
    assert 0.04 <= share[Kind.SPAM] <= 0.12
    langs = Counter(m.mention["lang"] for m in feed)
    assert 0.4 <= langs["fr"] / len(feed) <= 0.6


def test_harmful_kinds_carry_their_telltale_terms() -> None:
    texts = {
        kind: " ".join(
            m.mention["text"].lower() for m in labelled_demo_mentions(NOW) if m.kind is kind
        )
        for kind in Kind
    }
    assert texts[Kind.SPAM].count("http://") >= 2
    assert any(word in texts[Kind.INSULT] for word in ("idiot", "connard", "escrocs", "morons"))
    assert "vermin" in texts[Kind.HATE]
    assert any(word in texts[Kind.SEXUAL] for word in ("porn", "sex", "nudes"))
    assert EXPECTED_CATEGORY[Kind.CHATTER] is None
    assert EXPECTED_CATEGORY[Kind.COMPLAINT] is None


def test_repeat_authors_and_influencers_exist() -> None:
    feed = demo_mentions(NOW)
    posts = Counter(m["author"]["handle"] for m in feed)
    assert 40 <= len(posts) <= 100
    assert sum(1 for n in posts.values() if n >= 3) >= 10
    assert any(m["author"]["followers"] >= 40_000 for m in feed)
    # One handle is one person: the same name and follower count wherever it posts.
    profiles = {
        (m["author"]["handle"], m["author"]["name"], m["author"]["followers"]) for m in feed
    }
    assert len(profiles) == len(posts)


def test_batches_cover_the_feed_in_order() -> None:
    feed = demo_mentions(NOW, count=250)
    batches = list(demo_batches(feed, size=100))
    assert [len(batch) for batch in batches] == [100, 100, 50]
    assert [m for batch in batches for m in batch] == feed
    assert list(demo_batches([], size=100)) == []
    with pytest.raises(ValueError, match="size"):
        next(demo_batches(feed, size=0))


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone"):
        demo_mentions(datetime(2026, 11, 21, 12, 0))
