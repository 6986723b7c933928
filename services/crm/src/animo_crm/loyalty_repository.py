"""Loyalty's storage: its collections, their indexes, and the compare-and-set steps redemption needs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from animo_shared.store import Changes, Index, Store

from .loyalty_models import (
    Complaint,
    DailyEarning,
    Grant,
    LedgerEntry,
    PeriodRun,
    Program,
    Reward,
    RuleSet,
    Transfer,
    VoucherCode,
    Wallet,
)

PAGE = 500


class LoyaltyRepository:
    def __init__(self, store: Store) -> None:
        self.wallets = store.collection("loyalty_wallets", Wallet)
        self.ledger = store.collection(
            "loyalty_ledger", LedgerEntry, [Index(("member_id", "order"))]
        )
        self.daily = store.collection("loyalty_daily", DailyEarning, [Index(("member_id",))])
        self.rules = store.collection("loyalty_rules", RuleSet, [Index(("brand", "version"))])
        self.rewards = store.collection("loyalty_rewards", Reward, [Index(("brand", "created_at"))])
        self.codes = store.collection(
            "loyalty_codes",
            VoucherCode,
            [Index(("reward_id", "status")), Index(("grant_id",)), Index(("member_id",))],
        )
        self.grants = store.collection(
            "loyalty_grants",
            Grant,
            [Index(("member_id", "granted_at")), Index(("brand", "granted_at"))],
        )
        self.programs = store.collection("loyalty_programs", Program)
        self.complaints = store.collection("loyalty_complaints", Complaint, [Index(("member_id",))])
        self.periods = store.collection("loyalty_periods", PeriodRun)
        self.transfers = store.collection(
            "loyalty_transfers", Transfer, [Index(("member_id",)), Index(("other_id",))]
        )

    # --- rules ---------------------------------------------------------------

    async def current_rules(self, brand: str) -> RuleSet | None:
        found = await self.rules.find(
            {"brand": brand}, order_by="version", descending=True, limit=1
        )
        return found[0] if found else None

    async def rule_history(self, brand: str) -> list[RuleSet]:
        return await self.rules.find(
            {"brand": brand}, order_by="version", descending=True, limit=1000
        )

    async def add_rules(self, rules: RuleSet) -> bool:
        """False when that version exists already (someone else saved meanwhile)."""
        return await self.rules.insert(rules)

    # --- ledger and wallets ---------------------------------------------------

    async def ledger_page(
        self, member_id: str, limit: int, offset: int
    ) -> tuple[list[LedgerEntry], int]:
        where = {"member_id": member_id}
        items = await self.ledger.find(
            where, order_by="order", descending=True, limit=limit, offset=offset
        )
        return items, await self.ledger.count(where)

    async def all_entries(self, member_id: str) -> list[LedgerEntry]:
        entries: list[LedgerEntry] = []
        while page := await self.ledger.find(
            {"member_id": member_id}, order_by="order", limit=PAGE, offset=len(entries)
        ):
            entries.extend(page)
        return entries

    def credit(self, changes: Changes, entry: LedgerEntry, *, count: bool = True) -> None:
        """Append an entry and move the wallet by it, in the same atomic batch (`count`: add
        it to the earned or spent totals too; a transfer between merged members does not)."""
        changes.put(self.ledger, entry)
        inc: dict[str, int] = {"balance": entry.points, "version": 1}
        if count:
            inc["earned" if entry.points >= 0 else "spent"] = abs(entry.points)
        changes.increment(self.wallets, entry.member_id, inc=inc, on_insert={"brand": entry.brand})

    def debit_and_release(self, changes: Changes, entry: LedgerEntry) -> None:
        """Append a redemption's entry, debit the wallet and let go of its hold, atomically."""
        changes.put(self.ledger, entry)
        changes.increment(
            self.wallets,
            entry.member_id,
            inc={"balance": entry.points, "spent": -entry.points, "version": 1},
            set={"hold": None, "hold_since": None, "hold_reward": None, "hold_reserved": False},
        )

    async def take_hold(self, wallet: Wallet, hold: str, reward_id: str, now: datetime) -> bool:
        """Compare-and-set: hold the wallet if nobody changed it since it was read."""
        return await self.wallets.update_if(
            wallet.id,
            {"version": wallet.version, "hold": wallet.hold},
            {
                "version": wallet.version + 1,
                "hold": hold,
                "hold_since": now,
                "hold_reward": reward_id,
                "hold_reserved": False,
            },
        )

    async def mark_reserved(self, member_id: str, hold: str) -> bool:
        return await self.wallets.update_if(member_id, {"hold": hold}, {"hold_reserved": True})

    async def release_hold(self, member_id: str, hold: str) -> bool:
        return await self.wallets.update_if(
            member_id,
            {"hold": hold},
            {"hold": None, "hold_since": None, "hold_reward": None, "hold_reserved": False},
        )

    async def daily_points(self, ids: Sequence[str]) -> dict[str, DailyEarning]:
        return await self.daily.get_many(ids)

    # --- catalogue ------------------------------------------------------------

    async def rewards_of(self, brand: str) -> list[Reward]:
        return await self.rewards.find({"brand": brand}, order_by="created_at", limit=1000)

    async def available_codes(self, reward_id: str) -> int:
        return await self.codes.count({"reward_id": reward_id, "status": "available"})

    async def some_available_codes(self, reward_id: str, limit: int) -> list[VoucherCode]:
        return await self.codes.find({"reward_id": reward_id, "status": "available"}, limit=limit)

    async def code_of_grant(self, grant_id: str) -> VoucherCode | None:
        found = await self.codes.find({"grant_id": grant_id}, limit=1)
        return found[0] if found else None

    async def claim_code(
        self, code: VoucherCode, grant_id: str, member_id: str, now: datetime
    ) -> bool:
        return await self.codes.update_if(
            code.id,
            {"status": "available"},
            {"status": "granted", "grant_id": grant_id, "member_id": member_id, "granted_at": now},
        )

    async def unclaim_code(self, code_id: str, grant_id: str) -> bool:
        return await self.codes.update_if(
            code_id,
            {"grant_id": grant_id, "status": "granted"},
            {"status": "available", "grant_id": None, "member_id": None, "granted_at": None},
        )

    async def take_stock(self, reward: Reward) -> bool:
        """Compare-and-set one unit off a counted stock; False if it moved or ran out."""
        if reward.stock is None or reward.stock <= 0:
            return False
        return await self.rewards.update_if(
            reward.id, {"stock": reward.stock}, {"stock": reward.stock - 1}
        )

    def give_back_stock(self, changes: Changes, reward_id: str) -> None:
        changes.increment(self.rewards, reward_id, inc={"stock": 1})

    # --- grants -----------------------------------------------------------------

    async def grants_of(self, member_id: str, limit: int, offset: int) -> tuple[list[Grant], int]:
        where = {"member_id": member_id}
        items = await self.grants.find(
            where, order_by="granted_at", descending=True, limit=limit, offset=offset
        )
        return items, await self.grants.count(where)

    async def all_of(self, collection: Any, member_id: str) -> list[Any]:
        """Every document of a collection indexed by member id (erasure walks them all)."""
        found: list[Any] = []
        while page := await collection.find(
            {"member_id": member_id}, limit=PAGE, offset=len(found)
        ):
            found.extend(page)
        return found

    async def programs_all(self) -> list[Program]:
        return await self.programs.find(limit=10_000)

    async def complaints_by_id(self, ids: Sequence[str]) -> dict[str, Complaint]:
        return await self.complaints.get_many(ids)

    async def period_done(self, period_id: str) -> bool:
        return await self.periods.get(period_id) is not None
