"""The human review queue: claims as leases, verdicts that update the decision and say so.

A verdict first takes the item's lease by compare-and-set (so of two reviewers racing, one
wins), then stores the settled item, the updated decision, the audit entry and
`decision.reviewed` in one commit. A crash between the two leaves the item leased to the same
reviewer, who can repeat the call; when the lease ends, anyone can.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from animo_shared.bus import to_message
from animo_shared.events import Category, DecisionReviewed, derive_id, make_event
from animo_shared.store import Changes

from .models import AuditEntry, Decision, DecisionReview, PolicyVersion, ReviewItem, ReviewStatus
from .policy import Bucket
from .policy_engine import bucket_of
from .policy_service import PolicyService
from .repository import DecisionRepository, ReviewRepository
from .review import ClaimedByOther, ReviewError, Ruling, check_claimable, claimed, settled
from .service import SOURCE, author_key

Commit = Callable[[Changes], Awaitable[None]]
_STEP = {"decided": 0, "claimed": 1, "approved": 2, "rejected": 2, "allow_listed": 3}


class NotQueued(LookupError):
    pass


# The brands a caller may see (None: every brand). Another brand's item or decision is
# NotQueued, exactly as a missing one, so its id is not even confirmed to exist.
Visible = frozenset[str] | None


def _visible(brand: str, brands: Visible) -> bool:
    return brands is None or brand in brands


def audit_entry(
    item: ReviewItem, kind: str, actor: str, at: datetime, **fields: object
) -> AuditEntry:
    return AuditEntry.model_validate(
        {
            "id": derive_id("audit", item.id, kind, str(item.revision)),
            "mention_id": item.mention_id,
            "decision_id": item.id,
            "brand": item.brand,
            "at": at,
            "actor": actor,
            "kind": kind,
            **fields,
        }
    )


def false_positives(decision: Decision) -> list[tuple[str, Category | None]]:
    """The terms a wrong decision rested on, each in its category (never csam evidence)."""
    return [
        (finding.term, finding.category)
        for finding in decision.findings
        if bucket_of(finding) is not Bucket.CSAM
    ]


class ReviewService:
    def __init__(
        self,
        decisions: DecisionRepository,
        reviews: ReviewRepository,
        policies: PolicyService,
        commit: Commit,
        lease: timedelta,
    ) -> None:
        self.decisions = decisions
        self.reviews = reviews
        self.policies = policies
        self.commit = commit
        self.lease = lease

    async def item(self, decision_id: str, brands: Visible = None) -> ReviewItem:
        found = await self.reviews.get(decision_id)
        if found is None or not _visible(found.brand, brands):
            raise NotQueued(f"decision {decision_id!r} is not in the review queue")
        return found

    async def queue(
        self,
        brand: str | None,
        status: ReviewStatus,
        older_than: datetime | None,
        limit: int,
        offset: int,
    ) -> tuple[list[ReviewItem], int]:
        return await self.reviews.page(brand, status, older_than, limit, offset)

    async def _take(self, item: ReviewItem, reviewer: str, now: datetime) -> ReviewItem:
        """The item leased to `reviewer`, by compare-and-set; the loser of a race gets a 409."""
        held = claimed(item, reviewer, now, self.lease)
        values = {"claimed_by": reviewer, "claim_expires_at": held.claim_expires_at}
        if await self.reviews.swap(item, values):
            return held
        now_item = await self.item(item.id)
        check_claimable(now_item, reviewer, now)
        raise ClaimedByOther(f"decision {item.id} changed meanwhile: try again", now_item)

    async def claim(
        self, decision_id: str, reviewer: str, now: datetime, brands: Visible = None
    ) -> ReviewItem:
        held = await self._take(await self.item(decision_id, brands), reviewer, now)
        entry = audit_entry(held, "claimed", reviewer, now, from_action=held.proposed_action)
        await self.reviews.add_audit(entry)
        return held

    async def settle(
        self,
        decision_id: str,
        reviewer: str,
        ruling: Ruling,
        now: datetime,
        *,
        allow_list: bool = False,
        allow_terms: Sequence[str] = (),
        brands: Visible = None,
    ) -> tuple[ReviewItem, Decision, PolicyVersion | None]:
        """Approve or reject a queued decision; a rejection may allow-list its terms."""
        item = await self.item(decision_id, brands)
        settled(item, reviewer, ruling, now)  # refuse a bad verdict before taking the lease
        decision = await self.decisions.get(item.mention_id)
        if decision is None:
            raise NotQueued(f"the decision on mention {item.mention_id!r} is gone")
        held = await self._take(item, reviewer, now)
        version = None
        if allow_list and not ruling.approve:
            terms = [(term, None) for term in allow_terms] or false_positives(decision)
            version = await self.policies.allow(
                item.brand,
                terms,
                author=reviewer,
                note=f"false positive on decision {item.id}: {ruling.reason or ''}".strip(),
                now=now,
            )
        done = settled(held, reviewer, ruling, now)
        assert done.final_action is not None
        assert done.review_id is not None
        review = DecisionReview(
            review_id=done.review_id,
            reviewer=reviewer,
            status=done.status,
            previous_action=item.proposed_action,
            reason=ruling.reason,
            reviewed_at=now,
        )
        updated = decision.model_copy(update={"action": done.final_action, "review": review})
        changes = Changes()
        self.reviews.stage(changes, done)
        self.decisions.stage(changes, updated)
        self.reviews.record(
            changes,
            audit_entry(
                held,
                done.status.value,
                reviewer,
                now,
                from_action=item.proposed_action,
                to_action=done.final_action,
                reason=ruling.reason,
                policy_version=decision.policy_version,
            ),
        )
        if version is not None:
            self.reviews.record(
                changes,
                audit_entry(held, "allow_listed", reviewer, now, policy_version=version.label),
            )
        event = DecisionReviewed(
            review_id=done.review_id,
            decision_id=item.id,
            mention_id=item.mention_id,
            brand=item.brand,
            source=item.source,
            author_handle=item.author_handle,
            previous_action=item.proposed_action,
            action=done.final_action,
            reviewer=reviewer,
            reason=ruling.reason,
            reviewed_at=now,
        )
        envelope = make_event(
            event,
            event_id=derive_id("decision.reviewed", done.review_id),
            source=SOURCE,
            brand=item.brand,
            subject=item.mention_id,
            time=now,
        )
        changes.publish(to_message(envelope, author_key(decision)))
        await self.commit(changes)
        return done, updated, version

    async def audit(
        self, mention_id: str, brands: Visible = None
    ) -> tuple[Decision, list[AuditEntry]]:
        decision = await self.decisions.get(mention_id)
        if decision is None or not _visible(decision.brand, brands):
            raise NotQueued(f"no decision for mention {mention_id!r} (yet)")
        decided = AuditEntry(
            id=derive_id("audit", decision.decision_id, "decided"),
            mention_id=decision.id,
            decision_id=decision.decision_id,
            brand=decision.brand,
            at=decision.decided_at,
            actor=SOURCE,
            kind="decided",
            to_action=decision.proposed_action,
            policy_version=decision.policy_version,
        )
        entries = [decided, *await self.reviews.audit(mention_id)]
        # Steps of one verdict share an instant: their kind says their order.
        return decision, sorted(entries, key=lambda e: (e.at, _STEP.get(e.kind, 9)))


__all__ = ["NotQueued", "ReviewError", "ReviewService", "Visible"]
