"""The segment filter language: what it accepts, how it matches, and precise refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from animo_crm.models import Account, Consents, Member, MemberView
from animo_crm.segments import FilterError, parse

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def view(**over: object) -> MemberView:
    member = Member(
        id="m",
        brand="acme",
        source="twitter",
        handle="ann",
        accounts=[
            Account(id="a", source="twitter", handle="ann"),
            Account(id="b", source="shop", handle="ann42"),
        ],
        languages=["fr"],
        love=20,
        love_level=3,
        sentiment=0.4,
        influence=70,
        reach=57,
        mentions=12,
        tier="influencer",
        last_seen=NOW - timedelta(days=3),
    )
    found = MemberView.of(member, None)
    found.tags, found.consents = ["vip"], Consents(marketing=True)
    for name, value in over.items():
        setattr(found, name, value)
    return found


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("tier = influencer", True),
        ("tier in (advocate, influencer) and love >= 15", True),
        ("tier != influencer", False),
        ("language = fr and channel = shop and tag = vip", True),
        ("channel = forum", False),
        ('tag in ("vip", other)', True),
        ("consent.marketing = true and consent.rewards = false", True),
        ("consent.rewards = true", False),
        ("active_within = 7d", True),
        ("active_within = 2d", False),
        ("last_active >= 2026-11-01 and last_active < 2026-11-20", True),
        (
            "influence < 80 and reach > 50 and sentiment >= 0.4 and mentions = 12 and level = 3",
            True,
        ),
        ("TIER = influencer AND love > 19.5", True),
    ],
)
def test_filters_match_what_they_say(text: str, hit: bool) -> None:
    assert parse(text).matches(view(), NOW) is hit


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("$where: 'sleep(1000)'", "'$where' is not part of the filter language", 0),
        ('tag = {"$regex": ".*"}', "'$regex' is not part", 8),
        ("tier = advocate or 1 = 1", "expected 'and' between clauses, found 'or'", 16),
        ("password = x", "unknown field 'password'", 0),
        ("love >= lots", "love compares with numbers, not 'lots'", 8),
        ("tier > advocate", "tier takes '=', '!=' or 'in'", 7),
        ("consent.marketing = yes", "true or false", 20),
        ("active_within = forever", "a duration like 30d", 16),
        ("tier in advocate", "'in' takes a list", 8),
        ("tier =", "expected a value, found the end", 6),
        ("tier = a;drop", "unexpected character ';'", 8),
        ("", "empty filter", 0),
    ],
)
def test_refusals_say_what_and_where(text: str, message: str, position: int) -> None:
    with pytest.raises(FilterError) as error:
        parse(text)
    assert message in str(error.value)
    assert error.value.position == position


def test_length_and_clause_count_are_bounded() -> None:
    with pytest.raises(FilterError, match="longer than"):
        parse("tier = a and " * 200)
    with pytest.raises(FilterError, match="more than 20 clauses"):
        parse(" and ".join(["love > 1"] * 21))
