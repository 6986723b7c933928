"""Folding batches: one write per bucket, the mention/decision join in any order, field names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from animo_reporting import fields as f
from animo_reporting.aggregation import fold, mention_ids
from animo_reporting.documents import MentionState
from animo_reporting.join import Join
from animo_reporting.repository import MAX_FIELDS, BucketRepository
from animo_reporting.service import ReportingService
from animo_reporting.terms import terms_of
from animo_shared.store import Changes
from animo_shared.store.port import Increment, Put
from animo_shared.store.sqlite import SqliteStore

DAY = datetime(2026, 11, 16, tzinfo=UTC)
T = DAY + timedelta(hours=9, minutes=15)


def repository(tmp_path: Path) -> BucketRepository:
    # The store is never started: its collections only name where operations go.
    return BucketRepository(SqliteStore(tmp_path / "never-opened.sqlite3"))


def test_a_batch_writes_each_bucket_once(tmp_path: Path, stream: Any) -> None:
    for n in range(50):
        stream.mention(f"m{n}", T + timedelta(seconds=n), handle=f"fan{n % 3}")
    for n in range(20):
        stream.decision(f"m{n}", "hide", sentiment="negative")
    changes = Changes()
    repository(tmp_path).record(changes, fold(stream.events, {}, DAY))
    increments = [op for op in changes.operations if isinstance(op, Increment)]
    assert len({(op.collection, op.id) for op in increments}) == len(increments)
    totals = [op for op in increments if op.collection == "totals"]
    # minute, hour, day and lifetime: all 70 events land in one bucket of each.
    assert len(totals) == 4
    for op in totals:
        assert op.inc[f.MENTIONS] == 50
        assert op.inc[f.action("hide")] == 20
        assert op.inc[f.action(f.PENDING)] == 30
        assert op.inc[f.sentiment("negative")] == 20
    assert {op.on_insert["res"] for op in totals} == {"minute", "hour", "day", "all"}
    puts = [op for op in changes.operations if isinstance(op, Put)]
    assert len(puts) == 50  # one join state per mention
    assert changes.operations[-50:] == puts  # together at the end: one statement on SQLite


def test_buckets_with_many_counters_are_split_into_parts(tmp_path: Path, stream: Any) -> None:
    for n in range(150):
        stream.mention(f"m{n}", T, source=f"src-{n}")
    changes = Changes()
    repository(tmp_path).record(changes, fold(stream.events, {}, DAY))
    hour = [
        op
        for op in changes.operations
        if isinstance(op, Increment) and op.collection == "totals" and op.on_insert["res"] == "hour"
    ]
    assert len(hour) == 3
    assert sorted(op.on_insert["part"] for op in hour) == [0, 1, 2]
    assert all(len(op.inc) + len(op.maximum) <= MAX_FIELDS for op in hour)
    merged: dict[str, int | float] = {}
    for op in hour:
        assert not set(merged) & set(op.inc)
        merged.update(op.inc)
    assert merged[f.MENTIONS] == 150
    assert merged[f.keyed(f.BY_SOURCE, "src-149")] == 1


async def test_a_mention_announced_twice_counts_once(
    service: ReportingService, buckets: Any, stream: Any
) -> None:
    stream.mention("m1", T)
    await service.apply(stream.events)
    again = stream.events[0].model_copy(update={"id": "another-event-id"})
    await service.apply([again])
    report = await service.volume("acme", DAY, DAY + timedelta(days=1), "day")
    assert report.totals["mentions"] == 1


@pytest.mark.parametrize("decision_first", [True, False])
async def test_the_join_counts_once_whatever_arrives_first(
    service: ReportingService, stream: Any, decision_first: bool
) -> None:
    stream.mention("m1", T)
    stream.decision("m1", "hide", sentiment="negative")
    events = list(reversed(stream.events)) if decision_first else stream.events
    for event in events:  # one batch each: the state crosses batches through the store
        await service.apply([event])
    report = await service.report("volume", "acme", DAY, DAY + timedelta(days=1), "day")
    assert report.totals["by_action"] == {"hide": 1}
    assert report.totals["pending"] == 0
    mood = await service.report("sentiment", "acme", DAY, DAY + timedelta(days=1), "day")
    assert (mood.totals["negative"], mood.totals["unknown"]) == (1, 0)
    grouped = await service.report(
        "volume", "acme", DAY, DAY + timedelta(days=1), "day", group_by=["sentiment", "action"]
    )
    assert [(g["key"], g["mentions"]) for g in grouped.totals["groups"]] == [
        ({"sentiment": "negative", "action": "hide"}, 1)
    ]


async def test_a_review_before_the_mention_arrives_is_kept(
    service: ReportingService, stream: Any
) -> None:
    stream.decision("m1", "hide", when=T, sentiment="negative")
    stream.review("m1", "hide", "allow", T + timedelta(hours=1))
    stream.mention("m1", T)
    for event in stream.events:
        await service.apply([event])
    report = await service.report("volume", "acme", DAY, DAY + timedelta(days=1), "day")
    assert report.totals["by_action"] == {"allow": 1}
    moderation = await service.report("moderation", "acme", DAY, DAY + timedelta(days=1), "day")
    assert moderation.totals["by_action"] == {"hide": 1}
    assert (moderation.totals["reviews"], moderation.totals["overturned"]) == (1, 1)


async def test_buckets_past_their_retention_are_not_written(buckets: Any, stream: Any) -> None:
    now = DAY + timedelta(days=10)
    service = ReportingService(buckets, clock=lambda: now, retention={"minute": timedelta(days=3)})
    stream.mention("old", DAY).mention("new", now - timedelta(hours=1))
    await service.apply(stream.events)
    minutes = {start for (_, res, start) in buckets.totals if res == "minute"}
    hours = {start for (_, res, start) in buckets.totals if res == "hour"}
    assert minutes == {now - timedelta(hours=1)}
    assert hours == {DAY, now - timedelta(hours=1)}


def test_mention_ids_name_every_mention_a_batch_joins(stream: Any) -> None:
    stream.mention("m1", T).decision("m2", when=T).review("m3", "hide", "allow", T)
    stream.post("p1", T, reply_to="m4").post("p2", T)
    assert mention_ids(stream.events) == {"m1", "m2", "m3", "m4"}


@pytest.mark.parametrize(
    "value", ["twitter", "velo-lumen", "Rival Inc.", "vélo", "a_b", "_", "😀", "x__y", ""]
)
def test_field_names_round_trip_and_stay_plain(value: str) -> None:
    name = f.keyed(f.BY_SOURCE, value)
    assert all(c.isdigit() or "a" <= c <= "z" or c == "_" for c in name)
    assert f.by_prefix({name: 1}, f.BY_SOURCE) == {value: 1}


def test_terms_skip_links_handles_hashtags_and_stop_words() -> None:
    text = "Merci @velo_lumen pour la LIVRAISON rapide https://t.co/abc #top cette fois, 2024!"
    assert terms_of(text) == ["livraison", "rapide", "fois"]


@pytest.mark.parametrize(
    "join",
    [
        Join("m1", "acme"),
        Join(
            "m2",
            "acme",
            T,
            True,
            "twitter",
            "fr",
            ("Rival|Inc", "b\x1fad"),
            True,
            "negative",
            "hide",
            "delivery",
            True,
            T + timedelta(hours=1),
            True,
        ),
    ],
)
def test_a_join_survives_its_compact_storage(join: Join) -> None:
    stored = join.state(DAY)
    back = Join.of(MentionState.model_validate(stored.model_dump()))
    expected = replace(join, competitors=tuple(c.replace("\x1f", " ") for c in join.competitors))
    assert back == expected


def test_only_joins_a_later_event_can_use_are_kept() -> None:
    waiting = Join("m", "acme", T, has_mention=True)
    allowed = replace(waiting, has_decision=True, action="allow", counted=True)
    hidden = replace(allowed, action="hide")
    complaint = replace(allowed, complaint_topic="delivery")
    answered = replace(complaint, responded=True)
    rival = replace(complaint, competitors=("rival",))
    assert [j.needed() for j in (waiting, allowed, hidden, complaint, answered, rival)] == [
        True,
        False,
        True,
        True,
        False,
        False,
    ]
