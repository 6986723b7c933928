"""Ingest's domain: file each heard mention under its brand(s), tag it, deduplicate it, and emit the new ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from animo_shared.store import Changes

from .connectors import PulledItem
from .models import (
    AcceptedEngagement,
    AcceptedMentions,
    EngagementIn,
    EngagementRecord,
    EngagementResult,
    FingerprintRecord,
    MentionIn,
    MentionRecord,
    MentionResult,
)
from .normalise import (
    SOURCE_ALIASES,
    Heard,
    engagement_event,
    engagement_message,
    hear_pulled,
    hear_pushed,
    mention_id,
    mention_message,
)
from .query import Prepared
from .text import NO_SIMHASH, NearDuplicateIndex

__all__ = ["SOURCE_ALIASES", "IngestService", "PullSummary", "mention_id"]


class Ledger(Protocol):
    """What ingest keeps to deduplicate: accepted mentions, text fingerprints, engagement ids."""

    async def mentions(self, ids: Sequence[str]) -> dict[str, MentionRecord]: ...
    async def fingerprints(self, ids: Sequence[str]) -> dict[str, FingerprintRecord]: ...
    async def known_engagements(self, ids: Sequence[str]) -> set[str]: ...
    def stage_mention(self, changes: Changes, record: MentionRecord) -> None: ...
    def stage_fingerprint(self, changes: Changes, record: FingerprintRecord) -> None: ...
    def stage_engagement(self, changes: Changes, record: EngagementRecord) -> None: ...
    async def commit(self, changes: Changes) -> None: ...


class Tagger(Protocol):
    async def match(self, brand: str, prepared: Prepared) -> list[str]: ...
    async def match_all(self, prepared: Prepared) -> dict[str, list[str]]: ...
    def competitors(self, query_ids: Sequence[str]) -> list[str]: ...


@dataclass(frozen=True)
class PullSummary:
    items: int
    accepted: int
    duplicates: int
    unmatched: int


@dataclass(frozen=True)
class _Candidate:
    brand: str
    heard: Heard
    query_ids: list[str]


class IngestService:
    """`accept*` store and publish at once (HTTP); `stage*` add to a consumer's or a pull's batch."""

    def __init__(
        self,
        ledger: Ledger,
        tagger: Tagger,
        near_duplicates: NearDuplicateIndex,
        exact_window: timedelta = timedelta(hours=1),
    ) -> None:
        self.ledger = ledger
        self.tagger = tagger
        self.near = near_duplicates
        self.exact_window = exact_window

    # --- mentions --------------------------------------------------------------

    async def accept(
        self, items: Sequence[MentionIn], now: datetime, correlation_id: str | None = None
    ) -> AcceptedMentions:
        """Store and publish the mentions not seen before; repeats are accepted and change nothing."""
        changes = Changes()
        accepted = await self.stage_mentions(items, now, correlation_id, changes)
        if changes:
            await self.ledger.commit(changes)
        return accepted

    async def stage_mentions(
        self,
        items: Sequence[MentionIn],
        now: datetime,
        correlation_id: str | None,
        changes: Changes,
    ) -> AcceptedMentions:
        """Pushed mentions name their brand: each is kept, tagged with the queries it matches."""
        candidates: list[_Candidate] = []
        for item in items:
            heard = hear_pushed(item, now)
            tags = await self.tagger.match(item.brand, heard.prepared)
            candidates.append(_Candidate(item.brand, heard, tags))
        results = await self._file(candidates, now, correlation_id, changes)
        accepted = sum(r.status == "accepted" for r in results)
        return AcceptedMentions(
            accepted=accepted,
            duplicates=len(results) - accepted,
            ids=[r.id for r in results],
            results=results,
        )

    async def stage_pulled(
        self, items: Sequence[PulledItem], now: datetime, changes: Changes
    ) -> PullSummary:
        """Pulled items name no brand: each is kept once per brand whose queries it matches."""
        candidates: list[_Candidate] = []
        unmatched = 0
        for item in items:
            heard = hear_pulled(item, now)
            matches = await self.tagger.match_all(heard.prepared)
            if not matches:
                unmatched += 1
            candidates.extend(_Candidate(brand, heard, ids) for brand, ids in matches.items())
        results = await self._file(candidates, now, None, changes)
        accepted = sum(r.status == "accepted" for r in results)
        return PullSummary(len(items), accepted, len(results) - accepted, unmatched)

    async def _file(
        self,
        candidates: Sequence[_Candidate],
        now: datetime,
        correlation_id: str | None,
        changes: Changes,
    ) -> list[MentionResult]:
        records = [c.heard.record(c.brand, now) for c in candidates]
        known = await self.ledger.mentions([r.id for r in records])
        prints = await self.ledger.fingerprints(
            [c.heard.fingerprint_id(c.brand) for c in candidates]
        )
        results: list[MentionResult] = []
        for candidate, record in zip(candidates, records, strict=True):
            seen = known.get(record.id)
            if seen is not None:
                results.append(
                    MentionResult(
                        id=seen.id,
                        status="duplicate",
                        query_ids=seen.query_ids,
                        duplicate_of=seen.duplicate_of,
                    )
                )
                continue
            print_id = candidate.heard.fingerprint_id(candidate.brand)
            original = self._exact_original(prints.get(print_id), record.published_at)
            if original is not None:
                results.append(
                    MentionResult(id=original, status="duplicate", duplicate_of=original)
                )
                continue
            record.query_ids = candidate.query_ids
            record.competitors = self.tagger.competitors(candidate.query_ids)
            record.duplicate_of = self._near_original(candidate, record.id)
            known[record.id] = record
            prints[print_id] = FingerprintRecord(
                id=print_id,
                brand=record.brand,
                mention_id=record.id,
                published_at=record.published_at,
            )
            self.ledger.stage_mention(changes, record)
            self.ledger.stage_fingerprint(changes, prints[print_id])
            changes.publish(mention_message(record, correlation_id))
            results.append(
                MentionResult(
                    id=record.id,
                    status="accepted",
                    query_ids=record.query_ids,
                    duplicate_of=record.duplicate_of,
                )
            )
        return results

    def _exact_original(self, found: FingerprintRecord | None, published: datetime) -> str | None:
        """The kept mention this one repeats word for word, if it was published close enough."""
        if found is None or not self.exact_window:
            return None
        if abs(published - found.published_at) <= self.exact_window:
            return found.mention_id
        return None

    def _near_original(self, candidate: _Candidate, record_id: str) -> str | None:
        """The original a near-duplicate links to; an original is remembered for the next ones."""
        simhash = candidate.heard.cleaned.simhash
        if simhash == NO_SIMHASH:
            return None
        original = self.near.find(candidate.brand, simhash)
        if original is None:
            self.near.add(candidate.brand, record_id, simhash)
            return None
        # A replayed batch finds its own mentions: that is no link.
        return None if original == record_id else original

    # --- engagement ------------------------------------------------------------

    async def accept_engagement(
        self, items: Sequence[EngagementIn], now: datetime, correlation_id: str | None = None
    ) -> AcceptedEngagement:
        changes = Changes()
        accepted = await self.stage_engagement(items, now, correlation_id, changes)
        if changes:
            await self.ledger.commit(changes)
        return accepted

    async def stage_engagement(
        self,
        items: Sequence[EngagementIn],
        now: datetime,
        correlation_id: str | None,
        changes: Changes,
    ) -> AcceptedEngagement:
        """Each new event becomes `engagement.recorded`; a repeated id is a duplicate."""
        events = [engagement_event(item, now) for item in items]
        known = await self.ledger.known_engagements([record.id for record, _ in events])
        results: list[EngagementResult] = []
        for record, payload in events:
            if record.id in known:
                results.append(EngagementResult(id=record.id, status="duplicate"))
                continue
            known.add(record.id)
            self.ledger.stage_engagement(changes, record)
            changes.publish(engagement_message(payload, now, correlation_id))
            results.append(EngagementResult(id=record.id, status="accepted"))
        accepted = sum(r.status == "accepted" for r in results)
        return AcceptedEngagement(
            accepted=accepted,
            duplicates=len(results) - accepted,
            ids=[r.id for r in results],
            results=results,
        )
