"""Reporting's unit-test kit: an in-memory bucket store, and a builder for event streams."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from animo_reporting.aggregation import Effects
from animo_reporting.documents import (
    BrandSeen,
    MentionState,
    RankingBucket,
    ResponseRecord,
    SliceBucket,
    TotalsBucket,
)
from animo_reporting.service import ReportingService
from animo_shared.events import (
    AlertRaised,
    Author,
    Category,
    DecisionReviewed,
    EngagementKind,
    EngagementRecorded,
    Envelope,
    Finding,
    Identity,
    MemberCreated,
    MemberErased,
    MemberScores,
    MemberTierChanged,
    MentionModerated,
    MentionReceived,
    ModerationAction,
    Payload,
    PostFailed,
    PostPublished,
    RewardGranted,
    RewardKind,
    make_event,
)
from animo_shared.store import Changes

# A Monday: business hours (mon-fri 09:00-18:00 UTC) apply.
DAY = datetime(2026, 11, 16, tzinfo=UTC)
NOW = DAY + timedelta(days=3)


def at(hour: int, minute: int = 0, day: datetime = DAY) -> datetime:
    return day + timedelta(hours=hour, minutes=minute)


class FakeBuckets:
    """BucketRepository's contract in memory: one document per bucket (no parts)."""

    def __init__(self) -> None:
        self.totals: dict[tuple[str, str, datetime], dict[str, int]] = {}
        self.slices: dict[tuple[str, str, datetime, str], dict[str, int]] = {}
        self.ranks: dict[tuple[str, str, datetime, int], dict[str, int]] = {}
        self.seen: dict[str, BrandSeen] = {}
        self.states: dict[str, MentionState] = {}
        self.responses: dict[str, ResponseRecord] = {}
        self.erased: dict[tuple[str, str, str], datetime] = {}

    def record(self, changes: Changes, effects: Effects) -> None:
        for key, counts in effects.totals.items():
            _add(self.totals.setdefault(key, {}), counts)
        for skey, counts in effects.slices.items():
            _add(self.slices.setdefault(skey, {}), counts)
        for rkey, counts in effects.rank_inc.items():
            _add(self.ranks.setdefault(rkey, {}), counts)
        for rkey, maxima in effects.rank_max.items():
            bucket = self.ranks.setdefault(rkey, {})
            for name, value in maxima.items():
                bucket[name] = max(bucket.get(name, 0), value)
        for brand, (first, last) in effects.seen.items():
            known = self.seen.get(brand)
            if known:
                first, last = min(first, known.first_seen), max(last, known.last_seen)
            self.seen[brand] = BrandSeen(id=brand, brand=brand, first_seen=first, last_seen=last)
        for state in effects.states.values():
            self.states[state.id] = state.model_copy(deep=True)
        for mention_id in effects.dropped:
            self.states.pop(mention_id, None)
        for response in effects.responses:
            self.responses[response.id] = response

    async def erased_authors(
        self, authors: Iterable[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], datetime]:
        return {a: self.erased[a] for a in authors if a in self.erased}

    def remember_erased(self, changes: Changes, erased: MemberErased) -> None:
        for identity in erased.identities:
            self.erased[(erased.brand, identity.source, identity.handle)] = erased.erased_at

    async def erase_authors(self, changes: Changes, erased: Mapping[str, set[str]]) -> int:
        rewritten = 0
        for (brand, kind, _, _), counts in self.ranks.items():
            names = erased.get(brand, set()) & counts.keys() if kind == "authors" else set()
            for name in names:
                del counts[name]
            rewritten += bool(names)
        return rewritten

    async def load_states(self, ids: Iterable[str]) -> dict[str, MentionState]:
        return {i: self.states[i].model_copy(deep=True) for i in ids if i in self.states}

    async def totals_between(
        self, brand: str, res: str, start: datetime, end: datetime
    ) -> list[TotalsBucket]:
        return [
            TotalsBucket.model_validate(
                {"id": f"{b}{r}{s}", "brand": b, "res": r, "start": s, **counts}
            )
            for (b, r, s), counts in sorted(self.totals.items())
            if b == brand and r == res and start <= s < end
        ]

    async def lifetime(self, brand: str) -> list[TotalsBucket]:
        return await self.totals_between(brand, "all", datetime.min.replace(tzinfo=UTC), NOW)

    async def slices_between(
        self, brand: str, res: str, start: datetime, end: datetime, limit: int
    ) -> list[SliceBucket]:
        found = [
            SliceBucket.model_validate(
                {
                    "id": str(key),
                    "brand": b,
                    "res": r,
                    "start": s,
                    "source": src,
                    **counts,
                }
            )
            for key, counts in sorted(self.slices.items())
            for (b, r, s, src) in [key]
            if b == brand and r == res and start <= s < end
        ]
        return found[:limit]

    async def rankings_between(
        self, brand: str, kind: str, start: datetime, end: datetime
    ) -> list[RankingBucket]:
        return [
            RankingBucket.model_validate(
                {"id": str(key), "brand": b, "kind": k, "hour": d, "shard": s, "slot": "", **counts}
            )
            for key, counts in sorted(self.ranks.items())
            for (b, k, d, s) in [key]
            if b == brand and k == kind and start <= d < end
        ]

    async def responses_between(
        self, brand: str, start: datetime, end: datetime
    ) -> list[ResponseRecord]:
        return sorted(
            (
                r
                for r in self.responses.values()
                if r.brand == brand and start <= r.complained_at < end
            ),
            key=lambda r: r.complained_at,
        )

    async def brand(self, brand: str) -> BrandSeen | None:
        return self.seen.get(brand)

    async def brands_seen_since(self, since: datetime | None, limit: int) -> list[BrandSeen]:
        return [b for b in self.seen.values() if since is None or b.last_seen >= since][:limit]


def _add(target: dict[str, int], counts: dict[str, int]) -> None:
    for name, amount in counts.items():
        target[name] = target.get(name, 0) + amount


class Stream:
    """Events of one brand, built in the order they should arrive."""

    def __init__(self, brand: str = "acme") -> None:
        self.brand = brand
        self.events: list[Envelope[Any]] = []
        self._published: dict[str, datetime] = {}

    def _add(self, payload: Payload, event_id: str) -> Stream:
        self.events.append(make_event(payload, event_id=event_id, source="t", brand=self.brand))
        return self

    def mention(
        self,
        mid: str,
        when: datetime,
        *,
        source: str = "twitter",
        lang: str | None = "fr",
        handle: str = "fan",
        followers: int | None = None,
        text: str = "x",
        competitors: Sequence[str] = (),
        hashtags: Sequence[str] = (),
    ) -> Stream:
        self._published[mid] = when
        return self._add(
            MentionReceived(
                mention_id=mid,
                brand=self.brand,
                source=source,
                external_id=mid,
                author=Author(handle=handle, followers=followers),
                text=text,
                published_at=when,
                received_at=when,
                lang=lang,
                competitors=tuple(competitors),
                hashtags=tuple(hashtags),
            ),
            f"mention-{mid}",
        )

    def decision(
        self,
        mid: str,
        action: str = "allow",
        *,
        sentiment: str | None = None,
        complaint: str | None = None,
        categories: Sequence[str] = (),
        when: datetime | None = None,
        source: str = "twitter",
    ) -> Stream:
        published = when or self._published[mid]
        return self._add(
            MentionModerated(
                decision_id=f"d-{mid}",
                mention_id=mid,
                brand=self.brand,
                source=source,
                author_handle="fan",
                action=ModerationAction(action),
                findings=tuple(
                    Finding(category=Category(c), severity=2, rule="r", term="t", start=0, end=1)
                    for c in categories
                ),
                published_at=published,
                decided_at=published,
                ruleset="r",
                sentiment=sentiment,  # type: ignore[arg-type]
                complaint_topic=complaint,
            ),
            f"decision-{mid}",
        )

    def review(self, mid: str, previous: str, action: str, when: datetime) -> Stream:
        return self._add(
            DecisionReviewed(
                review_id=f"r-{mid}",
                decision_id=f"d-{mid}",
                mention_id=mid,
                brand=self.brand,
                source="twitter",
                author_handle="fan",
                previous_action=ModerationAction(previous),
                action=ModerationAction(action),
                reviewer="cm",
                reviewed_at=when,
            ),
            f"review-{mid}",
        )

    def post(
        self, pid: str, when: datetime, *, reply_to: str | None = None, kind: str = "webhook"
    ) -> Stream:
        return self._add(
            PostPublished(
                post_id=pid,
                brand=self.brand,
                channel_id="c",
                channel_kind=kind,
                published_at=when,
                in_reply_to=reply_to,
            ),
            f"post-{pid}",
        )

    def failed(self, pid: str, when: datetime) -> Stream:
        return self._add(
            PostFailed(
                post_id=pid,
                brand=self.brand,
                channel_id="c",
                channel_kind="webhook",
                failed_at=when,
                reason="HTTP 500",
                retryable=True,
            ),
            f"failed-{pid}",
        )

    def engagement(self, eid: str, kind: str, when: datetime) -> Stream:
        return self._add(
            EngagementRecorded(
                engagement_id=eid,
                brand=self.brand,
                kind=EngagementKind(kind),
                source="twitter",
                handle="fan",
                occurred_at=when,
            ),
            f"engagement-{eid}",
        )

    def member(self, member_id: str, source: str, when: datetime) -> Stream:
        return self._add(
            MemberCreated(
                member_id=member_id, brand=self.brand, source=source, handle="h", first_seen=when
            ),
            f"member-{member_id}",
        )

    def tier(self, member_id: str, tier: str, when: datetime) -> Stream:
        scores = MemberScores(reach=1, love=1, sentiment=0, influence=1)
        return self._add(
            MemberTierChanged(
                member_id=member_id,
                brand=self.brand,
                previous=None,
                tier=tier,
                scores=scores,
                changed_at=when,
            ),
            f"tier-{member_id}-{tier}",
        )

    def reward(self, grant_id: str, kind: str, when: datetime) -> Stream:
        return self._add(
            RewardGranted(
                grant_id=grant_id,
                member_id="u1",
                brand=self.brand,
                reward_id="r1",
                kind=RewardKind(kind),
                title="Bon d'achat",
                points_spent=100,
                reason="redemption",
                granted_at=when,
            ),
            f"grant-{grant_id}",
        )

    def erased(self, member_id: str, identities: list[tuple[str, str]], when: datetime) -> Stream:
        return self._add(
            MemberErased(
                member_id=member_id,
                brand=self.brand,
                identities=tuple(Identity(source=s, handle=h) for s, h in identities),
                erased_at=when,
            ),
            f"erased-{member_id}",
        )

    def alert(self, alert_id: str, when: datetime) -> Stream:
        return self._add(
            AlertRaised(
                alert_id=alert_id,
                brand=self.brand,
                kind="negative_mentions",
                observed=9,
                baseline=1,
                started_at=when,
                message="m",
            ),
            f"alert-{alert_id}",
        )


async def _feed(service: ReportingService, events: Sequence[Envelope[Any]], batch: int = 3) -> None:
    """Apply events in small batches (the fake stores each batch's effects at once)."""
    for start in range(0, len(events), batch):
        await service.apply(events[start : start + batch])


@pytest.fixture
def feed() -> Any:
    return _feed


@pytest.fixture
def stream() -> Stream:
    return Stream("acme")


@pytest.fixture
def buckets() -> FakeBuckets:
    return FakeBuckets()


@pytest.fixture
def service(buckets: FakeBuckets) -> ReportingService:
    return ReportingService(buckets, clock=lambda: NOW)
