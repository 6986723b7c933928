"""Fold a batch of events into pre-aggregated bucket increments: the effects of one batch.

Every counter an event touches is summed in memory per minute first, then rolled up to the
hour, the day and the brand's lifetime, so a batch writes each bucket once. Topics carry no
order between them, so a mention and its moderation decision are joined through a `Join`
(stored as `MentionState` while it can still change a count): the mention counts as pending
on arrival and moves to its sentiment x action cell when the decision lands (or straight
there when the decision came first).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from animo_shared.events import (
    AlertRaised,
    AlertResolved,
    ComplaintDetected,
    DecisionReviewed,
    EngagementRecorded,
    Envelope,
    MemberCreated,
    MemberErased,
    MemberTierChanged,
    MentionModerated,
    MentionReceived,
    PostFailed,
    PostPublished,
    RewardGranted,
)
from animo_shared.forget import Author, said_before

from . import fields as f
from .documents import MentionState, ResponseRecord
from .join import Join
from .terms import hashtags_of, terms_of
from .timeframe import EPOCH

RANK_SHARDS = 4
MINUTE, HOUR, DAY = 60, 3600, 86400

Counts = dict[str, int]
TotalsKey = tuple[str, str, datetime]  # brand, resolution, start
SliceKey = tuple[str, str, datetime, str]  # brand, resolution, start, source
RankKey = tuple[str, str, datetime, int]  # brand, kind, hour, shard


@lru_cache(maxsize=200_000)
def _start(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


@lru_cache(maxsize=200_000)
def shard_of(name: str) -> int:
    return zlib.crc32(name.encode()) % RANK_SHARDS


@lru_cache(maxsize=200_000)
def keyed(prefix: str, value: str) -> str:
    return f.keyed(prefix, value)


@dataclass
class Effects:
    """What one batch changes: summed increments per bucket, and the documents it rewrites."""

    totals: dict[TotalsKey, Counts] = field(default_factory=dict)
    slices: dict[SliceKey, Counts] = field(default_factory=dict)
    rank_inc: dict[RankKey, Counts] = field(default_factory=dict)
    rank_max: dict[RankKey, Counts] = field(default_factory=dict)
    seen: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    states: dict[str, MentionState] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)  # join states no event can use any more
    responses: list[ResponseRecord] = field(default_factory=list)
    # Per brand, the ranking counters of erased members: removed from every stored hour.
    erased: dict[str, set[str]] = field(default_factory=dict)


def _bump(target: dict[str, int], counts: Mapping[str, int]) -> None:
    for name, amount in counts.items():
        target[name] = target.get(name, 0) + amount


class Fold:
    """Applies events one by one to in-memory sums; `finish()` gives the batch's effects."""

    def __init__(
        self,
        states: Mapping[str, MentionState],
        now: datetime,
        horizon: Mapping[str, datetime] | None = None,
        forgotten: Mapping[Author, datetime] | None = None,
    ) -> None:
        self._known = states
        # Authors erased, and when: what they said before is counted but never ranked again.
        self._forgotten: dict[Author, datetime] = dict(forgotten or {})
        self._joins: dict[str, Join] = {}
        self.now = now
        # Buckets older than their resolution's retention would be pruned at once: skip them.
        self._horizon = dict(horizon or {})
        self._minutes: dict[tuple[str, int], Counts] = {}  # brand, epoch minute (seconds)
        self._slices: dict[tuple[str, int, str], Counts] = {}  # brand, hour, source
        self._rank_inc: dict[RankKey, Counts] = {}
        self._rank_max: dict[RankKey, Counts] = {}
        self._seen: dict[str, tuple[datetime, datetime]] = {}
        self._responses: list[ResponseRecord] = []
        self._erased: dict[str, set[str]] = {}

    # -- counting ---------------------------------------------------------------

    def add(self, brand: str, at: datetime, counts: Mapping[str, int]) -> None:
        seconds = int(at.timestamp())
        key = (brand, seconds - seconds % MINUTE)
        bucket = self._minutes.get(key)
        if bucket is None:
            bucket = self._minutes[key] = {}
            first, last = self._seen.get(brand, (at, at))
            self._seen[brand] = (min(first, at), max(last, at))
        _bump(bucket, counts)

    def _cell(self, join: Join, sentiment: str, action: str, amount: int) -> None:
        assert join.published_at is not None
        seconds = int(join.published_at.timestamp())
        key = (join.brand, seconds - seconds % HOUR, join.source or "")
        bucket = self._slices.get(key)
        if bucket is None:
            bucket = self._slices[key] = {}
        about = join.competitors[0] if join.competitors else ""
        name = f.cell(join.lang or f.UNDETERMINED_LANG, sentiment, action, about)
        bucket[name] = bucket.get(name, 0) + amount

    def _count_names(self, brand: str, kind: str, hour: datetime, names: Iterable[str]) -> None:
        for name in names:
            key = (brand, kind, hour, shard_of(name))
            bucket = self._rank_inc.get(key)
            if bucket is None:
                bucket = self._rank_inc[key] = {}
            bucket[name] = bucket.get(name, 0) + 1

    def _join(self, mention_id: str, brand: str) -> Join:
        join = self._joins.get(mention_id)
        if join is None:
            known = self._known.get(mention_id)
            join = Join.of(known) if known is not None else Join(mention_id, brand)
            self._joins[mention_id] = join
        return join

    # -- the join ---------------------------------------------------------------

    def _decided_counts(self, join: Join, sign: int) -> Counts:
        """The counters that depend on both halves, for a mention moving in (+1) or out (-1)."""
        counts = {f.action(join.action or f.PENDING): sign}
        if not join.competitors:
            counts[f.sentiment(join.sentiment or f.UNKNOWN)] = sign
            if join.complaint_topic:
                counts[f.COMPLAINTS] = sign
                counts[keyed(f.BY_TOPIC, join.complaint_topic)] = sign
        return counts

    def _move_to_decided(self, join: Join) -> None:
        """A pending mention's decision landed: it leaves the pending cell for its decided one."""
        assert join.published_at is not None
        moves = self._decided_counts(join, 1)
        moves[f.action(f.PENDING)] = -1
        if not join.competitors:
            unknown = f.sentiment(f.UNKNOWN)
            moves[unknown] = moves.get(unknown, 0) - 1
        self.add(join.brand, join.published_at, {k: v for k, v in moves.items() if v})
        self._cell(join, f.UNKNOWN, f.PENDING, -1)
        self._cell(join, join.sentiment or f.UNKNOWN, join.action or f.PENDING, 1)
        join.counted = True

    def _maybe_response(self, join: Join) -> None:
        if (
            join.counted
            and join.complaint_topic
            and not join.competitors
            and join.replied_at is not None
            and join.published_at is not None
            and not join.responded
        ):
            self._responses.append(
                ResponseRecord(
                    id=join.id,
                    brand=join.brand,
                    source=join.source or "",
                    topic=join.complaint_topic,
                    complained_at=join.published_at,
                    replied_at=max(join.replied_at, join.published_at),
                )
            )
            join.responded = True

    # -- events -----------------------------------------------------------------

    def mention(self, data: MentionReceived) -> None:
        join = self._join(data.mention_id, data.brand)
        if join.has_mention:
            return  # the same mention announced twice under two event ids: count it once
        join.has_mention = True
        join.published_at = data.published_at
        join.source = data.source
        join.lang = lang = data.lang or f.UNDETERMINED_LANG
        join.competitors = competitors = tuple(sorted(set(data.competitors)))
        counts = {f.MENTIONS: 1, keyed(f.BY_SOURCE, data.source): 1, keyed(f.BY_LANG, lang): 1}
        if competitors:
            for name in competitors:
                counts[keyed(f.BY_COMPETITOR, name)] = 1
        else:
            counts[f.OWN] = 1
            self._rank_mention(data)
        if join.has_decision:
            counts.update(self._decided_counts(join, 1))
            self._cell(join, join.sentiment or f.UNKNOWN, join.action or f.PENDING, 1)
            join.counted = True
        else:
            counts[f.action(f.PENDING)] = 1
            if not competitors:
                counts[f.sentiment(f.UNKNOWN)] = 1
            self._cell(join, f.UNKNOWN, f.PENDING, 1)
        self.add(data.brand, data.published_at, counts)
        self._maybe_response(join)

    def _rank_mention(self, data: MentionReceived) -> None:
        """The author (mentions, highest follower count) and the terms, in hourly rankings."""
        brand, seconds = data.brand, int(data.published_at.timestamp())
        hour = _start(seconds - seconds % HOUR)
        author = f"{data.source}:{data.author.handle}"
        # A late mention of an erased member: in the counts, never in the author rankings.
        if not said_before(
            self._forgotten, (brand, data.source, data.author.handle), data.published_at
        ):
            self._count_names(brand, "authors", hour, (keyed(f.AUTHOR_MENTIONS, author),))
            if data.author.followers:
                name = keyed(f.AUTHOR_FOLLOWERS, author)
                maxima = self._rank_max.setdefault((brand, "authors", hour, shard_of(name)), {})
                maxima[name] = max(maxima.get(name, 0), data.author.followers)
        terms = [keyed(f.HASHTAG, tag) for tag in hashtags_of(data)]
        terms += [keyed(f.TERM, term) for term in terms_of(data.text)]
        self._count_names(brand, "terms", hour, terms)

    def moderated(self, data: MentionModerated) -> None:
        action = data.action.value
        counts = {f.decided(action): 1}
        for category in {finding.category.value for finding in data.findings}:
            counts[f.category(category, action)] = 1
        self.add(data.brand, data.published_at, counts)
        join = self._join(data.mention_id, data.brand)
        if join.has_decision:
            return
        join.has_decision = True
        join.published_at = join.published_at or data.published_at
        join.source = join.source or data.source
        join.sentiment = data.sentiment
        join.action = action
        join.complaint_topic = data.complaint_topic
        if join.has_mention:
            self._move_to_decided(join)
            self._maybe_response(join)

    def reviewed(self, data: DecisionReviewed) -> None:
        counts = {f.REVIEWS: 1}
        if data.previous_action != data.action:
            counts[f.OVERTURNED] = 1
        self.add(data.brand, data.reviewed_at, counts)
        if data.mention_id not in self._joins and data.mention_id not in self._known:
            return
        join = self._join(data.mention_id, data.brand)
        action = data.action.value
        if not join.has_decision or join.action == action:
            return
        if join.counted:
            assert join.published_at is not None
            old, sentiment = join.action or f.PENDING, join.sentiment or f.UNKNOWN
            self.add(join.brand, join.published_at, {f.action(old): -1, f.action(action): 1})
            self._cell(join, sentiment, old, -1)
            self._cell(join, sentiment, action, 1)
        join.action = action

    def published(self, data: PostPublished) -> None:
        counts = {f.POSTS_PUBLISHED: 1, keyed(f.BY_CHANNEL, data.channel_kind): 1}
        if data.in_reply_to:
            counts[f.REPLIES] = 1
            join = self._join(data.in_reply_to, data.brand)
            if join.brand == data.brand:
                if join.replied_at is None or data.published_at < join.replied_at:
                    join.replied_at = data.published_at
                self._maybe_response(join)
        self.add(data.brand, data.published_at, counts)

    def apply(self, event: Envelope[Any]) -> None:
        data = event.data
        if isinstance(data, MentionReceived):
            self.mention(data)
        elif isinstance(data, MentionModerated):
            self.moderated(data)
        elif isinstance(data, DecisionReviewed):
            self.reviewed(data)
        elif isinstance(data, PostPublished):
            self.published(data)
        elif isinstance(data, PostFailed):
            self.add(data.brand, data.failed_at, {f.POSTS_FAILED: 1})
        elif isinstance(data, EngagementRecorded):
            self.add(data.brand, data.occurred_at, {f.engagement(data.kind.value): 1})
        elif isinstance(data, MemberCreated):
            self.add(
                data.brand,
                data.first_seen,
                {f.MEMBERS: 1, keyed(f.MEMBERS_BY_SOURCE, data.source): 1},
            )
        elif isinstance(data, MemberTierChanged):
            self.add(data.brand, data.changed_at, {keyed(f.TIER_ENTERED, data.tier): 1})
        elif isinstance(data, RewardGranted):
            counts = {f.REWARDS_GRANTED: 1, keyed(f.REWARDS_BY_KIND, data.kind.value): 1}
            self.add(data.brand, data.granted_at, counts)
        elif isinstance(data, MemberErased):
            self.erase(data)
        elif isinstance(data, AlertRaised) and event.source == "reporting":  # own spikes only
            self.add(data.brand, data.started_at, {f.ALERTS_RAISED: 1})
        elif isinstance(data, AlertResolved):
            self.add(data.brand, data.resolved_at, {f.ALERTS_RESOLVED: 1})
        elif isinstance(data, ComplaintDetected):
            self.add(data.brand, data.published_at, {f.COMPLAINT_EVENTS: 1})

    def erase(self, data: MemberErased) -> None:
        """Forget the member's handles in the author rankings (counts by source, language,
        sentiment keep them, anonymously): this batch's first, the stored hours' later."""
        self.add(data.brand, data.erased_at, {f.ERASURES: 1})
        names: set[str] = set()
        for identity in data.identities:
            self._forgotten[(data.brand, identity.source, identity.handle)] = data.erased_at
            author = f"{identity.source}:{identity.handle}"
            names |= {keyed(f.AUTHOR_MENTIONS, author), keyed(f.AUTHOR_FOLLOWERS, author)}
        for sums in (self._rank_inc, self._rank_max):
            for (brand, kind, _, _), counts in sums.items():
                if brand == data.brand and kind == "authors":
                    for name in names & counts.keys():
                        del counts[name]
        self._erased.setdefault(data.brand, set()).update(names)

    # -- the batch's effects ----------------------------------------------------

    def _kept(self, res: str, start: datetime) -> bool:
        horizon = self._horizon.get(res)
        return horizon is None or start >= horizon

    def finish(self) -> Effects:
        """Minutes rolled up to hours, days and lifetime; hourly slices rolled up to days."""
        totals: dict[TotalsKey, Counts] = {}
        for (brand, minute), counts in self._minutes.items():
            for res, seconds in (
                ("minute", minute),
                ("hour", minute - minute % HOUR),
                ("day", minute - minute % DAY),
                ("all", 0),
            ):
                start = _start(seconds)
                if self._kept(res, start):
                    _bump(totals.setdefault((brand, res, start), {}), counts)
        slices: dict[SliceKey, Counts] = {}
        for (brand, hour, source), counts in self._slices.items():
            for res, seconds in (("hour", hour), ("day", hour - hour % DAY)):
                start = _start(seconds)
                if self._kept(res, start):
                    _bump(slices.setdefault((brand, res, start, source), {}), counts)
        states: dict[str, MentionState] = {}
        dropped: list[str] = []
        for join in self._joins.values():
            if join.needed():
                states[join.id] = join.state(self.now)
            elif join.id in self._known:
                dropped.append(join.id)
        return Effects(
            totals=totals,
            slices=slices,
            rank_inc=self._rank_inc,
            rank_max=self._rank_max,
            seen=self._seen,
            states=states,
            dropped=dropped,
            responses=self._responses,
            erased=self._erased,
        )


def mention_ids(events: Iterable[Envelope[Any]]) -> set[str]:
    """The mentions a batch needs the join state of."""
    ids: set[str] = set()
    for event in events:
        data = event.data
        if isinstance(data, MentionReceived | MentionModerated | DecisionReviewed):
            ids.add(data.mention_id)
        elif isinstance(data, PostPublished) and data.in_reply_to:
            ids.add(data.in_reply_to)
    return ids


def fold(
    events: Iterable[Envelope[Any]],
    states: Mapping[str, MentionState],
    now: datetime,
    horizon: Mapping[str, datetime] | None = None,
    forgotten: Mapping[Author, datetime] | None = None,
) -> Effects:
    folder = Fold(states, now, horizon, forgotten)
    for event in events:
        folder.apply(event)
    return folder.finish()


def mention_authors(events: Iterable[Envelope[Any]]) -> set[Author]:
    """The authors of a batch's mentions, whose erasure markers the fold needs."""
    return {
        (e.data.brand, e.data.source, e.data.author.handle)
        for e in events
        if isinstance(e.data, MentionReceived)
    }
