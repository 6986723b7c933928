"""The rewards catalogue and its grants: voucher pools, counted stock, redemption that never
overdraws, and offered rewards (goodwill, top advocates, manual), each announced as `reward.granted`.

Redemption is a short saga on compare-and-set steps, in this order:
1. hold the member's wallet: `update_if(version, hold=None)`, only when the balance covers the
   cost. From then on nobody else can debit it; earning only adds, so the balance stays enough;
2. take one unit: claim an available code (`update_if(status="available")`) or one unit of a
   counted stock (`update_if(stock=n)`); nothing left: let go of the hold, 409;
3. one atomic batch: the ledger entry, the wallet's debit and release, the grant, the event.
A hold older than the lease (a crashed request) is taken over and its unit given back."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from animo_shared.bus import to_message
from animo_shared.events import RewardGranted, RewardKind, derive_id, make_event
from animo_shared.store import Changes

from .identity import timeline_id
from .loyalty import Conflict, Directory, NotFound, Refused, order_key
from .loyalty_models import (
    Grant,
    GrantReason,
    LedgerEntry,
    PoolIn,
    PoolOut,
    RedeemIn,
    Reward,
    RewardIn,
    RewardOut,
    RewardPatch,
    VoucherCode,
    Wallet,
)
from .loyalty_repository import LoyaltyRepository
from .voucher import NAMED, code_id, duplicates, malformed

Commit = Callable[[Changes], Awaitable[None]]


@dataclass(frozen=True)
class Timing:
    hold_lease: timedelta = timedelta(seconds=60)
    hold_wait: float = 10.0  # seconds a redemption waits for another one of the same member


def grant_event_id(grant_id: str) -> str:
    return derive_id("reward.granted", grant_id)


class OutOfStock(Conflict):
    def __init__(self, reward: Reward) -> None:
        super().__init__(
            "out_of_stock", f"reward {reward.id!r} is out of stock", reward_id=reward.id
        )


class Rewards:
    def __init__(
        self, repo: LoyaltyRepository, directory: Directory, commit: Commit, timing: Timing
    ) -> None:
        self.repo = repo
        self.directory = directory
        self.commit = commit
        self.timing = timing

    # --- catalogue -------------------------------------------------------------

    async def create(self, brand: str, body: RewardIn, now: datetime) -> RewardOut:
        if body.kind is RewardKind.VOUCHER and body.stock is not None:
            raise Refused(
                "voucher_stock", "a voucher's stock is its pool of codes: upload codes instead"
            )
        reward = Reward(id=uuid.uuid4().hex, brand=brand, created_at=now, **body.model_dump())
        await self.repo.rewards.insert(reward)
        return await self.out(reward)

    async def reward(self, brand: str, reward_id: str) -> Reward:
        reward = await self.repo.rewards.get(reward_id)
        if reward is None or reward.brand != brand:
            raise NotFound("unknown_reward", f"no reward {reward_id!r} for brand {brand!r}")
        return reward

    async def out(self, reward: Reward) -> RewardOut:
        available = (
            await self.repo.available_codes(reward.id)
            if reward.kind is RewardKind.VOUCHER
            else reward.stock
        )
        return RewardOut(**reward.model_dump(), available=available)

    async def catalogue(self, brand: str) -> list[RewardOut]:
        return [await self.out(r) for r in await self.repo.rewards_of(brand)]

    async def patch(self, brand: str, reward_id: str, body: RewardPatch) -> RewardOut:
        reward = await self.reward(brand, reward_id)
        if body.add_stock is not None and reward.stock is None:
            raise Refused(
                "no_counted_stock",
                "only a gift or discount created with a stock counts units; vouchers: upload codes",
            )
        changes = Changes()
        fields = body.model_dump(exclude_none=True, exclude={"add_stock"})
        # Restocking adds atomically: a redemption taking a unit meanwhile is not overwritten.
        restock = {"stock": body.add_stock} if body.add_stock else {}
        changes.increment(self.repo.rewards, reward.id, inc=restock, set=fields)
        await self.commit(changes)
        return await self.out(await self.reward(brand, reward_id))

    async def upload_pool(self, brand: str, reward_id: str, body: PoolIn) -> PoolOut:
        """Store every code or none: malformed or duplicate codes (in the upload, or already in
        one of the brand's pools) are refused by name."""
        reward = await self.reward(brand, reward_id)
        if reward.kind is not RewardKind.VOUCHER:
            raise Refused("not_a_voucher", f"reward {reward_id!r} is a {reward.kind.value}")
        codes = [c.strip() for c in body.codes]
        bad = malformed(codes)
        if bad:
            raise Refused(
                "malformed_codes",
                f"{len(bad)} code(s) are not 1-64 letters, digits, '_', '.' or '-'",
                codes=bad[:NAMED],
                count=len(bad),
            )
        twice = duplicates(codes)
        stored = await self.repo.codes.get_many([code_id(brand, c) for c in codes])
        existing = sorted({doc.code for doc in stored.values()})
        if twice or existing:
            named = twice + [c for c in existing if c not in twice]
            raise Refused(
                "duplicate_codes",
                f"{len(twice)} code(s) repeated in the upload, {len(existing)} already in a pool; "
                "nothing was stored",
                duplicates=named[:NAMED],
                repeated=twice[:NAMED],
                already_stored=existing[:NAMED],
                count=len(named),
            )
        changes = Changes()
        for code in codes:
            doc = VoucherCode(id=code_id(brand, code), brand=brand, reward_id=reward.id, code=code)
            changes.insert_if_absent(self.repo.codes, doc)
        await self.commit(changes)
        return PoolOut(
            reward_id=reward.id,
            added=len(codes),
            available=await self.repo.available_codes(reward.id),
        )

    # --- units of stock ----------------------------------------------------------

    async def _take_unit(
        self, reward: Reward, grant_id: str, member: str, now: datetime
    ) -> str | None:
        """One unit for this grant (its code for a voucher); idempotent for vouchers."""
        if reward.kind is RewardKind.VOUCHER:
            mine = await self.repo.code_of_grant(grant_id)
            if mine is not None:
                return mine.code
            while candidates := await self.repo.some_available_codes(reward.id, 16):
                random.shuffle(candidates)  # concurrent claimers rarely race for the same code
                for code in candidates:
                    if await self.repo.claim_code(code, grant_id, member, now):
                        return code.code
            raise OutOfStock(reward)
        while True:
            current = await self.repo.rewards.get(reward.id)
            if current is None or current.stock is None:
                return None  # unlimited
            if current.stock <= 0:
                raise OutOfStock(reward)
            if await self.repo.take_stock(current):
                return None

    async def _give_back(self, reward_id: str | None, grant_id: str, counted: bool) -> None:
        code = await self.repo.code_of_grant(grant_id)
        if code is not None:
            await self.repo.unclaim_code(code.id, grant_id)
        elif counted and reward_id is not None:
            changes = Changes()
            self.repo.give_back_stock(changes, reward_id)
            await self.commit(changes)

    # --- redemption ------------------------------------------------------------------

    async def redeem(self, member_id: str, body: RedeemIn, now: datetime) -> Grant:
        grant_id = derive_id("loyalty.redemption", member_id, body.request_id or uuid.uuid4().hex)
        done = await self.repo.grants.get(grant_id)
        if done is not None:
            return done
        reward = await self.repo.rewards.get(body.reward_id)
        wallet = await self._hold(member_id, grant_id, reward, body.reward_id, now)
        assert reward is not None  # _hold refuses an unknown reward
        try:
            code = await self._take_unit(reward, grant_id, member_id, now)
            if reward.kind is not RewardKind.VOUCHER and reward.stock is not None:
                await self.repo.mark_reserved(member_id, grant_id)
        except BaseException:
            await self.repo.release_hold(member_id, grant_id)
            raise
        grant = Grant(
            id=grant_id,
            brand=wallet.brand,
            member_id=member_id,
            reward_id=reward.id,
            kind=reward.kind,
            title=reward.title,
            code=code,
            points_spent=reward.points_cost,
            reason="redemption",
            granted_at=now,
        )
        changes = Changes()
        cause = grant_event_id(grant_id)
        entry_id = derive_id("loyalty.redeem", grant_id)
        self.repo.debit_and_release(
            changes,
            LedgerEntry(
                id=entry_id,
                brand=wallet.brand,
                member_id=member_id,
                points=-reward.points_cost,
                kind="redeem",
                cause=cause,
                cause_type="reward.granted",
                detail=reward.title,
                at=now,
                order=order_key(now, entry_id),
            ),
        )
        self.record(changes, grant)
        try:
            await self.commit(changes)
        except BaseException:
            await self._give_back(reward.id, grant_id, reward.stock is not None)
            await self.repo.release_hold(member_id, grant_id)
            raise
        return grant

    async def _hold(
        self, member_id: str, hold: str, reward: Reward | None, reward_id: str, now: datetime
    ) -> Wallet:
        """Wait for the member's wallet, check the redemption, and hold the wallet for it."""
        deadline = time.monotonic() + self.timing.hold_wait
        while True:
            wallet = await self.repo.wallets.get(member_id)
            if wallet is None:
                if not await self.directory.exists(member_id):
                    raise NotFound("unknown_member", f"no member {member_id!r}")
                if reward is not None and reward.points_cost == 0:
                    # A member who never earned gets a wallet when a free reward needs one.
                    await self.repo.wallets.insert(Wallet(id=member_id, brand=reward.brand))
                    continue
                wallet = Wallet(id=member_id, brand=reward.brand if reward else "")
            if reward is None or reward.brand != wallet.brand:
                raise NotFound("unknown_reward", f"no reward {reward_id!r} for this member's brand")
            if not reward.active:
                raise Conflict("reward_inactive", f"reward {reward.id!r} is withdrawn")
            if wallet.hold is not None:
                if (
                    wallet.hold_since is not None
                    and now - wallet.hold_since > self.timing.hold_lease
                ):
                    await self.abandon(wallet)
                    continue
                if time.monotonic() > deadline:
                    raise Conflict("busy", "another redemption of this member is under way; retry")
                await asyncio.sleep(random.uniform(0.002, 0.02))
                continue
            if wallet.balance < reward.points_cost:
                raise Conflict(
                    "insufficient_points",
                    f"the reward costs {reward.points_cost} points; the balance is {wallet.balance}",
                    balance=wallet.balance,
                    cost=reward.points_cost,
                    missing=reward.points_cost - wallet.balance,
                )
            if await self.repo.take_hold(wallet, hold, reward.id, now):
                return wallet

    async def abandon(self, wallet: Wallet) -> None:
        """Take a crashed redemption's hold away and give back the unit it may have taken."""
        assert wallet.hold is not None
        if not await self.repo.release_hold(wallet.id, wallet.hold):
            return
        reward = await self.repo.rewards.get(wallet.hold_reward or "")
        counted = reward is not None and reward.stock is not None and wallet.hold_reserved
        await self._give_back(wallet.hold_reward, wallet.hold, counted)

    # --- offered rewards ---------------------------------------------------------------

    async def offer(
        self,
        changes: Changes,
        brand: str,
        member_id: str,
        reward_id: str,
        grant_id: str,
        reason: GrantReason,
        now: datetime,
        note: str | None = None,
    ) -> Grant:
        """Offer a reward for free (goodwill, top advocate, manual) into `changes`; refused
        without the member's consent to rewards; the same grant id is offered once."""
        done = await self.repo.grants.get(grant_id)
        if done is not None:
            return done
        reward = await self.reward(brand, reward_id)
        if not reward.active:
            raise Conflict("reward_inactive", f"reward {reward.id!r} is withdrawn")
        if not (await self.directory.consents(member_id)).rewards:
            raise Conflict(
                "no_rewards_consent", f"member {member_id!r} has not agreed to receive rewards"
            )
        code = await self._take_unit(reward, grant_id, member_id, now)
        grant = Grant(
            id=grant_id,
            brand=brand,
            member_id=member_id,
            reward_id=reward.id,
            kind=reward.kind,
            title=reward.title,
            code=code,
            points_spent=0,
            reason=reason,
            note=note,
            granted_at=now,
        )
        self.record(changes, grant)
        return grant

    def record(self, changes: Changes, grant: Grant) -> None:
        """The grant, its `reward.granted` event (through the outbox) and its timeline entry."""
        assert grant.member_id is not None
        changes.put(self.repo.grants, grant)
        payload = RewardGranted(
            grant_id=grant.id,
            member_id=grant.member_id,
            brand=grant.brand,
            reward_id=grant.reward_id,
            kind=grant.kind,
            title=grant.title,
            code=grant.code,
            points_spent=grant.points_spent,
            reason=grant.reason,
            granted_at=grant.granted_at,
        )
        envelope = make_event(
            payload,
            event_id=grant_event_id(grant.id),
            source="animo/crm",
            brand=grant.brand,
            subject=grant.member_id,
            time=grant.granted_at,
        )
        changes.publish(to_message(envelope, f"{grant.brand}:{grant.member_id}"))
        self.directory.add_timeline(
            changes,
            grant.member_id,
            timeline_id("reward", grant.id),
            "reward",
            grant.granted_at,
            {
                "reward_id": grant.reward_id,
                "title": grant.title,
                "reason": grant.reason,
                "points_spent": grant.points_spent,
            },
            brand=grant.brand,
        )
