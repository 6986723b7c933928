"""Forgetting a member: on `member.erased`, what moderation keeps of their accounts is blanked.

A decision keeps its brand, source, action, categories, rules, offsets and instants, so counts by
action and category do not move; its text, the author's handle, the matched terms and the
complaint cues (all taken from what the person wrote) are emptied. Review items lose their
excerpt and handle the same way. Blanked records no longer match the account, so a replayed
erasure finds nothing to do: the handler is idempotent by construction too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from animo_shared.bus import Handler
from animo_shared.events import Envelope, Finding, MemberErased
from animo_shared.forget import Forgotten
from animo_shared.store import Changes

from .models import Decision, ReviewItem, ReviewStatus

PAGE = 500


class ErasableDecisions(Protocol):
    async def by_author(
        self, brand: str, source: str, handle: str, limit: int, offset: int = 0
    ) -> list[Decision]: ...

    def stage(self, changes: Changes, decision: Decision) -> None: ...


class ErasableReviews(Protocol):
    async def by_author(
        self, brand: str, source: str, handle: str, limit: int, offset: int = 0
    ) -> list[ReviewItem]: ...

    def stage(self, changes: Changes, item: ReviewItem) -> None: ...


def _blank(findings: Sequence[Finding]) -> list[Finding]:
    return [f.model_copy(update={"term": ""}) for f in findings]


def forget_decision(decision: Decision, at: datetime) -> Decision:
    return decision.model_copy(
        update={
            "author_handle": "",
            "text": "",
            "terms": [],
            "findings": _blank(decision.findings),
            "allowed": _blank(decision.allowed),
            "complaint_evidence": [],
            "erased_at": at,
        }
    )


def forget_item(item: ReviewItem, at: datetime) -> ReviewItem:
    """A pending item leaves the queue (nothing is left to judge); a settled one keeps its
    verdict. The revision moves, so a reviewer's compare-and-set on the old item fails."""
    status = ReviewStatus.ERASED if item.status is ReviewStatus.PENDING else item.status
    return item.model_copy(
        update={
            "author_handle": "",
            "excerpt": "",
            "status": status,
            "revision": item.revision + 1,
            "erased_at": at,
        }
    )


class ErasureService:
    def __init__(
        self,
        decisions: ErasableDecisions,
        reviews: ErasableReviews,
        forgotten: Forgotten | None = None,
    ) -> None:
        self.decisions = decisions
        self.reviews = reviews
        self.forgotten = forgotten

    async def erase(self, requests: Sequence[MemberErased]) -> Changes:
        """Blank every decision and review item of the erased identities, in one batch."""
        changes = Changes()
        for request in requests:
            if self.forgotten is not None:  # what is still on its way stays forgotten too
                self.forgotten.remember(changes, request)
            for identity in request.identities:
                who = (request.brand, identity.source, identity.handle)
                # Pages by offset: nothing staged here is stored before the batch commits.
                offset = 0
                while page := await self.decisions.by_author(*who, PAGE, offset):
                    for decision in page:
                        self.decisions.stage(changes, forget_decision(decision, request.erased_at))
                    offset += len(page)
                offset = 0
                while items := await self.reviews.by_author(*who, PAGE, offset):
                    for item in items:
                        self.reviews.stage(changes, forget_item(item, request.erased_at))
                    offset += len(items)
        return changes


def erasure_handler(service: ErasureService) -> Handler:
    async def handle(events: list[Envelope[Any]]) -> Changes:
        return await service.erase([e.data for e in events if e.type == "member.erased"])

    return handle
