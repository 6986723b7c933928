"""Loyalty's wiring: its parts built on the runtime, its consumer group and its periodic task."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from animo_shared.bus import Handler
from animo_shared.events import Envelope, Topic, derive_id, utcnow
from animo_shared.runtime import Runtime
from animo_shared.store import Changes

from .loyalty import Conflict, Directory, NotFound, Points, Refused, order_key
from .loyalty_config import LoyaltySettings
from .loyalty_erasure import LoyaltyErasure
from .loyalty_goodwill import Goodwill
from .loyalty_merge import Transfers
from .loyalty_models import GrantIn, GrantOut, LedgerEntry
from .loyalty_repository import LoyaltyRepository
from .rewards import Commit, Rewards, Timing
from .rewards_periodic import TopAdvocates, every

# Engagement earns points; moderation (complaints) and posts (answers) drive goodwill; the
# crm's own merges move points between members.
TOPICS = (Topic.ENGAGEMENT, Topic.MODERATION, Topic.POSTS, Topic.CRM)


@dataclass
class Loyalty:
    repo: LoyaltyRepository
    directory: Directory
    points: Points
    rewards: Rewards
    goodwill: Goodwill
    transfers: Transfers
    top: TopAdvocates
    erasure: LoyaltyErasure
    commit: Commit

    def handler(self) -> Handler:
        async def handle(events: list[Envelope[Any]]) -> Changes:
            return await self.apply(events)

        return handle

    async def apply(self, events: Sequence[Envelope[Any]]) -> Changes:
        """One consumer batch: points earned, moved by merges, then complaints and answers."""
        changes = Changes()
        await self.points.earn(events, changes)
        await self.transfers.apply(events, changes)
        await self.goodwill.apply(events, changes)
        return changes


def build_loyalty(
    repo: LoyaltyRepository, directory: Directory, commit: Commit, settings: LoyaltySettings
) -> Loyalty:
    timing = Timing(hold_lease=settings.hold_lease, hold_wait=settings.hold_wait_seconds)
    rewards = Rewards(repo, directory, commit, timing)
    return Loyalty(
        repo=repo,
        directory=directory,
        points=Points(repo, directory),
        rewards=rewards,
        goodwill=Goodwill(repo, directory, rewards),
        transfers=Transfers(repo, rewards.abandon, timing.hold_lease),
        top=TopAdvocates(repo, directory, rewards, commit),
        erasure=LoyaltyErasure(repo),
        commit=commit,
    )


def wire_loyalty(
    runtime: Runtime, directory: Directory, settings: LoyaltySettings | None = None
) -> Loyalty:
    """Build loyalty on the service's store; consume in its own group (its own processed marks)."""
    settings = settings or LoyaltySettings()
    loyalty = build_loyalty(LoyaltyRepository(runtime.store), directory, runtime.publish, settings)
    runtime.consume(list(TOPICS), loyalty.handler(), group="loyalty")

    async def awards() -> None:
        await loyalty.top.run_due(utcnow())

    runtime.background("top advocates", every(settings.award_check_seconds, awards))
    return loyalty


async def grant_manually(
    loyalty: Loyalty, member_id: str, body: GrantIn, now: datetime
) -> GrantOut:
    """An explicit grant (goodwill or manual): a reward, bonus points or both, in one batch;
    refused without the member's consent to rewards; the same request id grants once."""
    if body.reward_id is None and body.points == 0:
        raise Refused("empty_grant", "give a reward_id, points, or both")
    if not await loyalty.directory.exists(member_id):
        raise NotFound("unknown_member", f"no member {member_id!r}")
    wallet = await loyalty.repo.wallets.get(member_id)
    if wallet is not None and wallet.brand != body.brand:
        raise NotFound("unknown_member", f"no member {member_id!r} in brand {body.brand!r}")
    if not (await loyalty.directory.consents(member_id)).rewards:
        raise Conflict(
            "no_rewards_consent", f"member {member_id!r} has not agreed to receive rewards"
        )
    changes = Changes()
    grant = None
    if body.reward_id is not None:
        grant = await loyalty.rewards.offer(
            changes,
            body.brand,
            member_id,
            body.reward_id,
            derive_id("loyalty.grant", member_id, body.request_id),
            body.reason,
            now,
            note=body.note,
        )
    entry_id = derive_id("loyalty.bonus", member_id, body.request_id)
    if body.points and await loyalty.repo.ledger.get(entry_id) is None:
        loyalty.repo.credit(
            changes,
            LedgerEntry(
                id=entry_id,
                brand=body.brand,
                member_id=member_id,
                points=body.points,
                kind="grant",
                cause=derive_id("loyalty.request", member_id, body.request_id),
                cause_type=f"api.{body.reason}",
                detail=body.note or body.reason,
                at=now,
                order=order_key(now, entry_id),
            ),
        )
    await loyalty.commit(changes)
    after = await loyalty.repo.wallets.get(member_id)
    return GrantOut(grant=grant, points=body.points, balance=after.balance if after else 0)
