"""Loyalty's stored documents and API shapes: wallets, the points ledger, rules, rewards, codes, grants."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from animo_shared.events import BRAND_PATTERN, EngagementKind, RewardKind
from animo_shared.store import Document

GrantReason = Literal["redemption", "goodwill", "top_advocate", "manual"]
AdvocateSort = Literal["love", "influence", "reach", "sentiment"]


class Wallet(Document):
    """A member's points, kept equal to the sum of their ledger entries.

    `version` grows with every change of `balance`; `hold` names the one redemption that may
    debit the wallet right now (taken with compare-and-set), so two debits never interleave."""

    brand: str
    balance: int = 0
    earned: int = 0
    spent: int = 0
    version: int = 0
    hold: str | None = None
    hold_since: datetime | None = None
    hold_reward: str | None = None
    hold_reserved: bool = False


class LedgerEntry(Document):
    """One append-only change of a member's points, naming the event that caused it."""

    brand: str
    member_id: str
    points: int
    kind: Literal["earn", "redeem", "grant", "transfer"]
    cause: str = Field(description="Id of the event (or request) that caused the entry.")
    cause_type: str
    detail: str
    rule_version: int | None = None
    at: datetime
    order: str = Field(description="Sort key: time then id, so pages are stable.")


class Transfer(Document):
    """Net points moved from `other_id` into `member_id` by merges (moved back on unmerge)."""

    member_id: str
    other_id: str
    moved: int = 0


class DailyEarning(Document):
    """Points a member earned for one engagement kind on one UTC day (the daily cap's counter)."""

    member_id: str
    points: int = 0


class EarningRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: int = Field(default=0, ge=0, le=1_000_000, description="Points per event.")
    per_unit: float = Field(
        default=0,
        ge=0,
        le=10_000,
        description="Extra points per unit of the event's value (euros of a purchase), rounded down.",
    )
    daily_cap: int | None = Field(
        default=None, ge=0, le=10_000_000, description="Most points per member per UTC day."
    )


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: dict[EngagementKind, EarningRule]
    changed_by: str = Field(default="api", min_length=1, max_length=200)
    expected_version: int | None = Field(
        default=None, ge=0, description="Refuse (409) unless this is still the current version."
    )


class RuleSet(Document):
    """One version of a brand's earning rules; versions are never changed, only superseded."""

    brand: str
    version: int
    rules: dict[EngagementKind, EarningRule]
    changed_by: str
    created_at: datetime


class RuleHistory(BaseModel):
    items: list[RuleSet]


class Reward(Document):
    """A catalogue item. Vouchers' stock is their unclaimed codes; others keep a counter
    (`stock` None: unlimited)."""

    brand: str
    kind: RewardKind
    title: str
    description: str = ""
    points_cost: int
    stock: int | None = None
    active: bool = True
    created_at: datetime


class RewardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: RewardKind
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    points_cost: int = Field(ge=0, le=100_000_000)
    stock: int | None = Field(
        default=None, ge=0, le=10_000_000, description="Gifts and discounts only; vouchers: pool."
    )


class RewardPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    points_cost: int | None = Field(default=None, ge=0, le=100_000_000)
    active: bool | None = None
    add_stock: int | None = Field(default=None, ge=1, le=10_000_000)


class RewardOut(Reward):
    available: int | None = Field(description="Units left: codes in the pool, or the stock.")


class RewardPage(BaseModel):
    items: list[RewardOut]


class VoucherCode(Document):
    """One code of a voucher's pool; once granted, it stays granted (an anonymous record after
    an erasure)."""

    brand: str
    reward_id: str
    code: str
    status: Literal["available", "granted"] = "available"
    grant_id: str | None = None
    member_id: str | None = None
    granted_at: datetime | None = None


class PoolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    codes: list[str] = Field(min_length=1, max_length=50_000)


class PoolOut(BaseModel):
    reward_id: str
    added: int
    available: int


class Grant(Document):
    """A reward given to a member, by redemption or offered."""

    brand: str
    member_id: str | None
    reward_id: str
    kind: RewardKind
    title: str
    code: str | None = None
    points_spent: int = 0
    reason: GrantReason
    note: str | None = None
    granted_at: datetime


class GrantPage(BaseModel):
    items: list[Grant]
    total: int


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reward_id: str = Field(min_length=1, max_length=100)
    request_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Idempotency key: the same request id returns the first redemption's grant.",
    )


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brand: str = Field(pattern=BRAND_PATTERN)

    reward_id: str | None = Field(default=None, min_length=1, max_length=100)
    points: int = Field(default=0, ge=0, le=1_000_000, description="Bonus points to credit.")
    reason: Literal["goodwill", "manual"] = "manual"
    note: str | None = Field(default=None, max_length=2000)
    request_id: str = Field(min_length=1, max_length=100, description="Idempotency key.")


class GrantOut(BaseModel):
    grant: Grant | None
    points: int
    balance: int


class LoyaltyView(BaseModel):
    member_id: str
    brand: str | None
    balance: int
    earned: int
    spent: int
    entries: list[LedgerEntry]
    total: int


class TopAdvocates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reward_id: str = Field(min_length=1, max_length=100)
    sort: AdvocateSort = "love"
    count: int = Field(default=10, ge=1, le=1000)
    period: Literal["week", "month"] = "month"


class Program(Document):
    """A brand's loyalty programme: which reward answers a resolved complaint, and the periodic
    reward of its top advocates."""

    goodwill_reward_id: str | None = None
    top_advocates: TopAdvocates | None = None
    updated_at: datetime


class ProgramIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goodwill_reward_id: str | None = Field(default=None, min_length=1, max_length=100)
    top_advocates: TopAdvocates | None = None


class Complaint(Document):
    """A complaint mention and whether the brand answered it, to offer goodwill once."""

    brand: str
    mention_id: str
    member_id: str | None = None
    topic: str | None = None
    replied_at: datetime | None = None
    outcome: str | None = None


class PeriodRun(Document):
    """The top-advocate award of one brand and period was done: it is never done twice."""

    brand: str
    period: str
    granted: int
    skipped: int
    ran_at: datetime
