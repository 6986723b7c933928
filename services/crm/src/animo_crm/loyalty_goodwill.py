"""Goodwill: a complaint the brand answered earns its author the brand's goodwill reward, once.

A complaint is a `mention.moderated` with a `complaint_topic`; the answer is a `post.published`
whose `in_reply_to` is that mention. Either may arrive first (different topics), so each is
remembered on the complaint's document and the reward is offered when both are known."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from animo_shared.events import Envelope, MentionModerated, PostPublished, derive_id
from animo_shared.store import Changes

from .identity import member_id as identity_member_id
from .loyalty import Conflict, Directory, NotFound
from .loyalty_models import Complaint
from .loyalty_repository import LoyaltyRepository
from .rewards import Rewards


def complaint_id(brand: str, mention_id: str) -> str:
    return derive_id("loyalty.complaint", brand, mention_id)


def goodwill_grant_id(brand: str, mention_id: str) -> str:
    return derive_id("loyalty.goodwill", brand, mention_id)


class Goodwill:
    def __init__(self, repo: LoyaltyRepository, directory: Directory, rewards: Rewards) -> None:
        self.repo = repo
        self.directory = directory
        self.rewards = rewards

    async def apply(self, events: Sequence[Envelope[Any]], changes: Changes) -> None:
        relevant = [
            e
            for e in events
            if (isinstance(e.data, MentionModerated) and e.data.complaint_topic)
            or (isinstance(e.data, PostPublished) and e.data.in_reply_to)
        ]
        if not relevant:
            return
        ids = [complaint_id(e.data.brand, _mention(e.data)) for e in relevant]
        known = await self.repo.complaints_by_id(ids)
        touched: dict[str, Complaint] = {}
        for event, doc_id in zip(relevant, ids, strict=True):
            data = event.data
            doc = known.get(doc_id) or Complaint(
                id=doc_id, brand=data.brand, mention_id=_mention(data)
            )
            if isinstance(data, MentionModerated):
                member = await self.directory.resolve(data.brand, data.source, data.author_handle)
                doc = doc.model_copy(
                    update={
                        "member_id": member
                        or identity_member_id(data.brand, data.source, data.author_handle),
                        "topic": data.complaint_topic,
                    }
                )
            elif doc.replied_at is None or data.published_at < doc.replied_at:
                doc = doc.model_copy(update={"replied_at": data.published_at})
            if doc.member_id and doc.replied_at and doc.outcome is None:
                doc = doc.model_copy(update={"outcome": await self._offer(changes, doc)})
            known[doc_id] = touched[doc_id] = doc
        for doc in touched.values():
            changes.put(self.repo.complaints, doc)

    async def _offer(self, changes: Changes, complaint: Complaint) -> str:
        """What became of the offer: granted, or why not (no consent, no reward set, no stock)."""
        assert complaint.member_id is not None
        assert complaint.replied_at is not None
        program = await self.repo.programs.get(complaint.brand)
        if program is None or program.goodwill_reward_id is None:
            return "no_goodwill_reward"
        try:
            grant = await self.rewards.offer(
                changes,
                complaint.brand,
                complaint.member_id,
                program.goodwill_reward_id,
                goodwill_grant_id(complaint.brand, complaint.mention_id),
                "goodwill",
                complaint.replied_at,
                note=f"complaint answered ({complaint.topic})",
            )
        except (Conflict, NotFound) as refused:
            return refused.kind
        return f"granted:{grant.id}"


def _mention(data: MentionModerated | PostPublished) -> str:
    if isinstance(data, MentionModerated):
        return data.mention_id
    assert data.in_reply_to is not None
    return data.in_reply_to
