"""Ingest's part of the right to be forgotten: on `member.erased`, blank what it keeps of those identities.

crm publishes `member.erased` (on `animo.crm.v1`) with the brand and every identity (a
handle on a source) of the person. Ingest keeps, per identity:

- mentions (text, author handle, name, follower count, URL, the hashtags, handles and
  links found in the text, the text's fingerprint and SimHash): blanked, and marked
  `erased_at`. The record itself stays, so the brand's mention count does not change
  and a replay of the same mention (same source and external id) is still recognised
  as a duplicate instead of being stored and published again;
- exact-duplicate fingerprints of those mentions: deleted (their id is a hash of the
  author and the text; they only serve within the exact-duplicate window);
- engagement records (the handle, which can be an e-mail address for a newsletter):
  the handle is blanked; the record stays, for counts and dedup. Ingest never stores
  the e-mail of an engagement event.

What is not touched: events already published (each service erases its own copy on the
same event), and the in-memory near-duplicate index, which holds 64-bit SimHashes and
mention ids only and forgets them as it fills.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from animo_shared.bus import Handler
from animo_shared.events import Envelope, MemberErased, derive_id
from animo_shared.store import Changes

from .models import EngagementRecord, MentionRecord
from .normalise import handle_of, source_name

log = logging.getLogger(__name__)


class ErasableLedger(Protocol):
    """What erasure reads and writes of ingest's store (met by `MentionRepository`)."""

    async def mentions_by(self, brand: str, source: str, handle: str) -> list[MentionRecord]: ...
    async def engagements_by(
        self, brand: str, source: str, handle: str
    ) -> list[EngagementRecord]: ...
    def stage_replace_mention(self, changes: Changes, record: MentionRecord) -> None: ...
    def stage_forget_fingerprint(self, changes: Changes, fingerprint_id: str) -> None: ...
    def stage_replace_engagement(self, changes: Changes, record: EngagementRecord) -> None: ...


@dataclass(frozen=True)
class Erased:
    """How many records one erasure blanked (counts only: erasure logs name nobody)."""

    mentions: int = 0
    fingerprints: int = 0
    engagements: int = 0


def fingerprint_id(record: MentionRecord) -> str | None:
    """The exact-duplicate key a kept mention was filed under (see `Heard.fingerprint_id`)."""
    if record.fingerprint is None:
        return None
    return derive_id(
        "fingerprint", record.brand, record.source, record.author_handle, record.fingerprint
    )


def blank_mention(record: MentionRecord, at: datetime) -> MentionRecord:
    """The mention without anything that says who wrote it or what they wrote."""
    return record.model_copy(
        update={
            "external_id": "",
            "author_handle": "",
            "author_name": None,
            "author_followers": None,
            "text": "",
            "url": None,
            "hashtags": [],
            "handles": [],
            "urls": [],
            "fingerprint": None,
            "simhash": None,
            "erased_at": at,
        }
    )


def blank_engagement(record: EngagementRecord, at: datetime) -> EngagementRecord:
    return record.model_copy(update={"handle": "", "erased_at": at})


class Eraser:
    def __init__(self, ledger: ErasableLedger) -> None:
        self.ledger = ledger

    async def stage(self, erased: MemberErased, changes: Changes) -> Erased:
        """Stage the blanking of every record of the erased identities; commit is the caller's."""
        mentions = prints = engagements = 0
        for identity in erased.identities:
            # Identities as ingest files them: sources by their canonical name, handles
            # lower-case without the "@" (crm's identities come from ingest's events).
            source, handle = source_name(identity.source), handle_of(identity.handle)
            for record in await self.ledger.mentions_by(erased.brand, source, handle):
                printed = fingerprint_id(record)
                if printed is not None:
                    self.ledger.stage_forget_fingerprint(changes, printed)
                    prints += 1
                self.ledger.stage_replace_mention(changes, blank_mention(record, erased.erased_at))
                mentions += 1
            for event in await self.ledger.engagements_by(erased.brand, source, handle):
                self.ledger.stage_replace_engagement(
                    changes, blank_engagement(event, erased.erased_at)
                )
                engagements += 1
        return Erased(mentions, prints, engagements)


def erasure_handler(eraser: Eraser) -> Handler:
    """The `animo.crm.v1` consumer: `member.erased` is acted on, every other crm event skipped."""

    async def handle(batch: list[Envelope[Any]]) -> Changes:
        changes = Changes()
        for envelope in batch:
            if isinstance(envelope.data, MemberErased):
                done = await eraser.stage(envelope.data, changes)
                log.info(
                    "member erased: %d mentions, %d fingerprints, %d engagement records blanked",
                    done.mentions,
                    done.fingerprints,
                    done.engagements,
                    extra={"brand": envelope.brand, "member_id": envelope.data.member_id},
                )
        return changes

    return handle
