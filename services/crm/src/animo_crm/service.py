"""The CRM's consumer domain: each event counted on its identity, the member's scores and tier
recomputed after it, tier crossings and verified-email merges announced — deterministically, so a
replay of the same stream gives the same members, scores, tiers and event ids."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from animo_shared.events import (
    DecisionReviewed,
    EngagementRecorded,
    Envelope,
    Identity,
    MemberCreated,
    MemberMerged,
    MemberScores,
    MentionModerated,
    MentionReceived,
    derive_id,
)
from animo_shared.forget import said_before
from animo_shared.store import Changes

from . import scoring
from .announce import announce, publish_tier
from .gate import WriteGate
from .identity import email_key, member_id, timeline_id
from .models import Account, EmailLink, Member, TimelineEntry
from .repository import CrmRepository
from .scoring import TierSettings
from .workset import WorkSet

__all__ = ["CrmService", "member_id"]

ACTION_COUNTER = {
    "allow": "allowed",
    "hide": "hidden",
    "review": "reviewed",
    "escalate": "escalated",
}
EXCERPT = 280


def _author(data: Any) -> tuple[str, str, str]:
    if isinstance(data, MentionReceived):
        return data.brand, data.source, data.author.handle
    if isinstance(data, MentionModerated | DecisionReviewed):
        return data.brand, data.source, data.author_handle
    assert isinstance(data, EngagementRecorded)
    return data.brand, data.source, data.handle


def _at(data: Any) -> datetime:
    if isinstance(data, MentionReceived | MentionModerated):
        return data.published_at
    if isinstance(data, DecisionReviewed):
        return data.reviewed_at
    assert isinstance(data, EngagementRecorded)
    return data.occurred_at


def _seen(identity: Account, at: datetime) -> None:
    if identity.first_seen is None or at < identity.first_seen:
        identity.first_seen = at
    if identity.last_seen is None or at > identity.last_seen:
        identity.last_seen = at


def _language(identity: Account, lang: str | None) -> None:
    if lang and lang not in identity.languages:
        identity.languages = sorted([*identity.languages, lang])


HANDLED = (MentionReceived, MentionModerated, DecisionReviewed, EngagementRecorded)


class CrmService:
    def __init__(self, repository: CrmRepository, gate: WriteGate | None = None) -> None:
        self.repository = repository
        self.gate = gate or WriteGate(repository.store)

    async def apply(self, events: Sequence[Envelope[Any]], now: datetime) -> Changes:
        """One batch: load what it touches in a few reads, apply in order, write once."""
        async with self.gate.batch():
            handled = [e for e in events if isinstance(e.data, HANDLED)]
            changes = await self._apply(await self._not_erased(handled), now)
            if events:
                self.gate.inflight = events[-1].id
            return changes

    async def _not_erased(self, events: list[Envelope[Any]]) -> list[Envelope[Any]]:
        """Without what an erased identity did before its erasure: a mention still in a backlog
        when the member was erased must not bring the person back."""
        erased = await self.repository.forgotten.erased_at(_author(e.data) for e in events)
        if not erased:
            return events
        return [e for e in events if not said_before(erased, _author(e.data), _at(e.data))]

    async def _apply(self, events: Sequence[Envelope[Any]], now: datetime) -> Changes:
        changes = Changes()
        if not events:
            return changes
        work = WorkSet(self.repository)
        await self._preload(work, events)
        tiers = await self.repository.tier_settings(sorted({e.brand for e in events}))
        for event in events:
            await self._apply_one(work, changes, event, tiers[event.brand], now)
        work.flush(changes)
        return changes

    async def _preload(self, work: WorkSet, events: Sequence[Envelope[Any]]) -> None:
        identity_ids: set[str] = set()
        originals: list[str] = []
        emails: set[str] = set()
        for event in events:
            data = event.data
            brand, source, handle = _author(data)
            identity_ids.add(member_id(brand, source, handle))
            if isinstance(data, MentionReceived):
                identity_ids.update(member_id(brand, source, h) for h in data.handles)
                if data.duplicate_of:
                    originals.append(timeline_id("mention", data.duplicate_of))
            elif isinstance(data, EngagementRecorded) and data.email and data.email_verified:
                emails.add(email_key(brand, data.email))
        found = await self.repository.timeline_entries(originals)
        identity_ids.update(entry.member_id for entry in found.values())
        work.originals = {key: entry.member_id for key, entry in found.items()}
        await work.load_links(identity_ids)
        await work.load_emails(emails)
        await work.load_owners()

    async def _apply_one(
        self,
        work: WorkSet,
        changes: Changes,
        event: Envelope[Any],
        tiers: TierSettings,
        now: datetime,
    ) -> None:
        data = event.data
        brand, source, handle = _author(data)
        at = _at(data)
        identity = work.identity(brand, source, handle, at)
        _seen(identity, at)
        activity = identity.activity
        entry: dict[str, Any]
        if isinstance(data, MentionReceived):
            kind = "mention"
            entry_id = timeline_id("mention", data.mention_id)
            work.originals[entry_id] = identity.id
            activity.mentions += 1
            activity.own_mentions += 0 if data.competitors else 1
            activity.love, activity.love_at = scoring.add_love(
                activity.love, activity.love_at, scoring.LOVE_WEIGHTS["mention"], at
            )
            if data.author.name:
                identity.name = data.author.name
            followers = data.author.followers
            if followers is not None and (
                identity.followers_at is None or at >= identity.followers_at
            ):
                identity.followers, identity.followers_at = followers, at
            _language(identity, data.lang)
            self._echo(work, changes, identity, data, tiers, event.id, now)
            entry = {
                "mention_id": data.mention_id,
                "source": data.source,
                "text": data.text[:EXCERPT],
                "url": data.url,
                "lang": data.lang,
                "competitors": list(data.competitors),
            }
        elif isinstance(data, MentionModerated):
            kind = "moderation"
            entry_id = timeline_id("moderation", data.decision_id)
            counter = ACTION_COUNTER[data.action.value]
            setattr(activity, counter, getattr(activity, counter) + 1)
            score = data.sentiment_score
            if score is None and data.sentiment is not None:
                score = scoring.LABEL_SCORE[data.sentiment]
            if score is not None:
                activity.sentiment_sum += score
                activity.sentiment_count += 1
            _language(identity, data.language)
            entry = {
                "mention_id": data.mention_id,
                "action": data.action.value,
                "categories": sorted({f.category.value for f in data.findings}),
                "sentiment": data.sentiment,
                "sentiment_score": data.sentiment_score,
                "complaint_topic": data.complaint_topic,
            }
        elif isinstance(data, DecisionReviewed):
            kind = "moderation_review"
            entry_id = timeline_id("review", data.review_id)
            before = ACTION_COUNTER[data.previous_action.value]
            after = ACTION_COUNTER[data.action.value]
            setattr(activity, before, max(0, getattr(activity, before) - 1))
            setattr(activity, after, getattr(activity, after) + 1)
            entry = {
                "mention_id": data.mention_id,
                "previous_action": data.previous_action.value,
                "action": data.action.value,
            }
        else:
            assert isinstance(data, EngagementRecorded)
            kind = "engagement"
            entry_id = timeline_id("engagement", data.engagement_id)
            activity.engagements += 1
            activity.love, activity.love_at = scoring.add_love(
                activity.love, activity.love_at, scoring.LOVE_WEIGHTS[data.kind.value], at
            )
            if data.name:
                identity.name = data.name
            entry = {"engagement_id": data.engagement_id, "kind": data.kind.value}
            if data.value is not None:
                entry["value"] = data.value
        self.repository.record(changes, entry_id, brand, identity.id, kind, at, entry)
        member = work.owner(identity)
        if identity.id in work.new_members:
            work.new_members.discard(identity.id)
            created = MemberCreated(
                member_id=identity.id, brand=brand, source=source, handle=handle, first_seen=at
            )
            announce(
                changes,
                created,
                event_id=derive_id("member.created", identity.id),
                brand=brand,
                member=identity.id,
                at=now,
                correlation_id=event.correlationid,
            )
        if isinstance(data, EngagementRecorded) and data.email and data.email_verified:
            member = self._email(work, changes, identity, data, event, now) or member
        self.settle(work, changes, member, tiers, event.id, now)

    def _echo(
        self,
        work: WorkSet,
        changes: Changes,
        author: Account,
        data: MentionReceived,
        tiers: TierSettings,
        cause: str,
        now: datetime,
    ) -> None:
        """Credit the members whose words this mention carries: the copied author, the @-mentioned."""
        echoed: list[Account] = []
        if data.duplicate_of:
            original = work.originals.get(timeline_id("mention", data.duplicate_of))
            if original is not None and original in work.accounts:
                echoed.append(work.accounts[original])
        for handle in data.handles:
            found = work.known(data.brand, data.source, handle)
            if found is not None:
                echoed.append(found)
        mine = work.owner(author).id
        for account in {a.id: a for a in echoed if work.owner(a).id != mine}.values():
            account.activity.echoes += 1
            self.settle(work, changes, work.owner(account), tiers, cause, now)

    def _email(
        self,
        work: WorkSet,
        changes: Changes,
        identity: Account,
        data: EngagementRecorded,
        event: Envelope[Any],
        now: datetime,
    ) -> Member | None:
        """A verified email seen on another member first merges this member into that one."""
        assert data.email is not None
        email = data.email.strip().lower()
        if email not in identity.emails:
            identity.emails = sorted([*identity.emails, email])
        key = email_key(data.brand, email)
        link = work.emails.get(key)
        if link is None:
            link = EmailLink(id=key, brand=data.brand, identity_id=identity.id)
            work.emails[key] = link
            self.repository.link_email(changes, link)
            return None
        first = work.accounts.get(link.identity_id)
        if first is None:
            return None  # the first holder was erased
        survivor, merged = work.owner(first), work.owner(identity)
        if survivor.id == merged.id or merged.id in survivor.separate_from:
            return None
        record = work.merge(
            survivor, merged, "email", data.occurred_at, derive_id("merge", event.id)
        )
        self.repository.save_merge(changes, record)
        announce(
            changes,
            MemberMerged(
                member_id=survivor.id,
                merged_id=merged.id,
                brand=data.brand,
                reason="email",
                identities=tuple(
                    Identity(source=a.source, handle=a.handle) for a in survivor.accounts
                ),
                merged_at=data.occurred_at,
            ),
            event_id=derive_id("member.merged", event.id),
            brand=data.brand,
            member=survivor.id,
            at=now,
            correlation_id=event.correlationid,
        )
        for alias, other in ((survivor.id, merged.id), (merged.id, survivor.id)):
            self.repository.add_timeline(
                changes,
                TimelineEntry(
                    id=timeline_id("merge", event.id, alias),
                    brand=data.brand,
                    member_id=alias,
                    kind="merge",
                    at=data.occurred_at,
                    summary={
                        "survivor": survivor.id,
                        "merged": merged.id,
                        "other": other,
                        "reason": "email",
                    },
                ),
            )
        return survivor

    def settle(
        self,
        work: WorkSet,
        changes: Changes,
        member: Member,
        tiers: TierSettings,
        cause: str,
        now: datetime,
    ) -> None:
        """Recompute a member's scores and announce a tier crossing (event ids derive from `cause`)."""
        (reach, love, feeling, influence), scored = work.score_values(member)
        tier = scoring.tier_of_values(love, feeling, influence, scored, tiers)
        if tier == member.tier:
            if member.tier_since is None:
                member.tier_since = work.seen(member)[0]
            return
        previous = member.tier if member.tier_since is not None else None
        member.tier, member.tier_since = tier, work.seen(member)[1]
        s = MemberScores(reach=reach, love=love, sentiment=feeling, influence=influence)
        publish_tier(changes, member, previous, tier, s, cause, now)
