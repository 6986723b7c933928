"""Loyalty on real stores (SQLite, mongomock-motor, MongoDB when MONGODB_URL is set): earning
under rules and caps, replays, pools, redemption refusals and races, goodwill, top advocates,
erasure. Balances here are computed by hand in the comments."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from animo_crm.identity import member_id
from animo_crm.loyalty import Conflict, Refused
from animo_crm.loyalty_app import Loyalty, build_loyalty
from animo_crm.loyalty_config import LoyaltySettings
from animo_crm.loyalty_merge import WalletBusy
from animo_crm.loyalty_models import (
    EarningRule,
    PoolIn,
    ProgramIn,
    RedeemIn,
    RewardIn,
    RewardPatch,
    RulesIn,
    TopAdvocates,
)
from animo_crm.loyalty_repository import LoyaltyRepository
from animo_shared.events import (
    EngagementKind,
    EngagementRecorded,
    Envelope,
    Identity,
    MemberMerged,
    MemberUnmerged,
    MentionModerated,
    ModerationAction,
    PostPublished,
    RewardKind,
    decode_event,
    make_event,
    utcnow,
)
from animo_shared.store import Changes, Store
from animo_shared.store.mongo import MongoStore
from animo_shared.store.sqlite import SqliteStore

pytestmark = pytest.mark.integration
BRAND = "chouchou"
DAY1 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ALICE = member_id(BRAND, "shop", "alice")
BOB = member_id(BRAND, "shop", "bob")
BACKENDS = ["sqlite", "mongomock"] + (["mongodb"] if os.environ.get("MONGODB_URL") else [])


@dataclass
class Consent:
    rewards: bool


@dataclass
class FakeDirectory:
    consenting: set[str] = field(default_factory=set)
    ranked: list[str] = field(default_factory=list)
    timeline: list[tuple[str, str]] = field(default_factory=list)

    async def resolve(self, brand: str, source: str, handle: str) -> str | None:
        return None  # nobody known yet: loyalty uses the identity's own member id

    async def consents(self, member: str) -> Consent:
        return Consent(rewards=member in self.consenting)

    async def exists(self, member: str) -> bool:
        return True

    async def top(self, brand: str, sort: str, limit: int) -> list[str]:
        return self.ranked[:limit]

    def add_timeline(
        self,
        changes: Changes,
        member: str,
        entry_id: str,
        kind: str,
        at: datetime,
        summary: dict[str, Any],
        *,
        brand: str = "",
    ) -> None:
        self.timeline.append((member, kind))


@dataclass
class BulkDirectory(FakeDirectory):
    """Resolves a batch's identities in one call, as a directory may; counts the calls."""

    calls: list[int] = field(default_factory=list)

    async def resolve_many(
        self, keys: list[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], str | None]:
        self.calls.append(len(keys))
        return dict.fromkeys(keys)


async def open_store(backend: str, tmp_path: Path) -> Store:
    opened: Store
    if backend == "sqlite":
        opened = SqliteStore(tmp_path / f"crm-{uuid.uuid4().hex[:6]}.sqlite3")
    elif backend == "mongomock":
        from mongomock_motor import AsyncMongoMockClient

        opened = MongoStore(AsyncMongoMockClient(tz_aware=True), f"crm_{uuid.uuid4().hex[:6]}")
    else:
        from motor.motor_asyncio import AsyncIOMotorClient

        client = AsyncIOMotorClient(os.environ["MONGODB_URL"], tz_aware=True)
        opened = MongoStore(client, f"crm_{uuid.uuid4().hex[:8]}")
    return opened


async def loyalty_on(store: Store, directory: FakeDirectory) -> Loyalty:
    repo = LoyaltyRepository(store)
    await store.start()
    return build_loyalty(repo, directory, store.commit, LoyaltySettings(hold_wait_seconds=20))


@pytest.fixture(params=BACKENDS)
async def world(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Loyalty, FakeDirectory, Store]]:
    store = await open_store(request.param, tmp_path)
    directory = FakeDirectory()
    loyalty = await loyalty_on(store, directory)
    yield loyalty, directory, store
    await store.close()


RULES = RulesIn(
    rules={
        EngagementKind.PURCHASE: EarningRule(points=10, per_unit=1, daily_cap=100),
        EngagementKind.LIKE: EarningRule(points=2, daily_cap=5),
        EngagementKind.COMMENT: EarningRule(points=5),
    },
    changed_by="test",
)


def engagement(
    n: int, handle: str, kind: EngagementKind, at: datetime, value: float | None = None
) -> Envelope[Any]:
    payload = EngagementRecorded(
        engagement_id=f"g{n}",
        brand=BRAND,
        kind=kind,
        source="shop",
        handle=handle,
        occurred_at=at,
        value=value,
    )
    return make_event(payload, event_id=f"eng-{n}", source="t", brand=BRAND, time=at)


P, L = EngagementKind.PURCHASE, EngagementKind.LIKE
STREAM = [
    engagement(1, "alice", P, DAY1, 42.7),  # 10 + 42 = 52 (52 of 100 today)
    engagement(2, "alice", P, DAY1 + timedelta(hours=1), 80),  # 90, capped to 48
    engagement(3, "alice", P, DAY1 + timedelta(hours=2), 5),  # cap reached: nothing
    engagement(4, "alice", P, DAY2, 5),  # a new day: 15
    *(engagement(5 + i, "alice", L, DAY1 + timedelta(minutes=i)) for i in range(4)),  # 2,2,1,0
    engagement(9, "alice", EngagementKind.SHARE, DAY1),  # no rule: nothing
    engagement(10, "alice", EngagementKind.COMMENT, DAY1),  # 5
    engagement(11, "bob", L, DAY1),  # 2
]
ALICE_POINTS = 52 + 48 + 15 + 5 + 5


async def feed(loyalty: Loyalty, store: Store, events: list[Envelope[Any]], size: int) -> None:
    for start in range(0, len(events), size):
        await store.commit(await loyalty.apply(events[start : start + size]))


async def balances(loyalty: Loyalty) -> dict[str, tuple[int, int]]:
    out = {}
    for member in (ALICE, BOB):
        wallet = await loyalty.repo.wallets.get(member)
        entries = await loyalty.repo.all_entries(member)
        assert wallet is not None
        assert wallet.balance == sum(e.points for e in entries)
        out[member] = (wallet.balance, len(entries))
    return out


async def test_points_follow_rules_and_caps_and_a_replay_changes_nothing(
    world: tuple[Loyalty, FakeDirectory, Store], tmp_path: Path
) -> None:
    loyalty, _, store = world
    await loyalty.points.set_rules(BRAND, RULES, NOW)
    await feed(loyalty, store, STREAM, size=len(STREAM))
    first = await balances(loyalty)
    assert first == {ALICE: (ALICE_POINTS, 7), BOB: (2, 1)}
    await feed(loyalty, store, STREAM, size=4)  # the same stream again, cut differently
    assert await balances(loyalty) == first
    page, total = await loyalty.repo.ledger_page(ALICE, limit=2, offset=0)
    assert total == 7
    assert [e.cause for e in page] == ["eng-4", "eng-2"]  # newest first by occurrence
    assert all(e.rule_version == 1 for e in page)

    # The stream replayed into a fresh store, in batches of one, gives the same balances.
    other = await open_store("sqlite", tmp_path)
    bulk = BulkDirectory()
    fresh = await loyalty_on(other, bulk)
    await fresh.points.set_rules(BRAND, RULES, NOW)
    await feed(fresh, other, STREAM, size=3)
    assert await balances(fresh) == first
    # Batches of 3 of 11 events: one lookup each, of alice, then alice and bob in the last.
    assert bulk.calls == [1, 1, 1, 2]
    await other.close()


async def test_rules_are_versioned_and_a_stale_version_is_refused(
    world: tuple[Loyalty, FakeDirectory, Store],
) -> None:
    loyalty, _, _ = world
    await loyalty.points.set_rules(BRAND, RULES, NOW)
    second = RULES.model_copy(update={"expected_version": 1})
    assert (await loyalty.points.set_rules(BRAND, second, NOW)).version == 2
    with pytest.raises(Conflict) as refused:
        await loyalty.points.set_rules(BRAND, second, NOW)
    assert refused.value.detail()["current_version"] == 2
    assert [r.version for r in await loyalty.repo.rule_history(BRAND)] == [2, 1]


async def voucher(loyalty: Loyalty, cost: int, codes: list[str]) -> str:
    reward = await loyalty.rewards.create(
        BRAND, RewardIn(kind=RewardKind.VOUCHER, title="-10 %", points_cost=cost), NOW
    )
    await loyalty.rewards.upload_pool(BRAND, reward.id, PoolIn(codes=codes))
    return reward.id


async def test_a_pool_with_duplicates_is_refused_whole_with_the_duplicates_named(
    world: tuple[Loyalty, FakeDirectory, Store],
) -> None:
    loyalty, _, _ = world
    reward = await voucher(loyalty, 10, ["A1", "A2"])
    with pytest.raises(Refused) as refused:
        await loyalty.rewards.upload_pool(BRAND, reward, PoolIn(codes=["B1", "B2", "B1", "A2"]))
    detail = refused.value.detail()
    assert detail["type"] == "duplicate_codes"
    assert detail["repeated"] == ["B1"]
    assert detail["already_stored"] == ["A2"]
    assert detail["duplicates"] == ["B1", "A2"]
    assert await loyalty.repo.available_codes(reward) == 2  # B1 and B2 were not stored
    with pytest.raises(Refused, match="code"):
        await loyalty.rewards.upload_pool(BRAND, reward, PoolIn(codes=["ok", "not ok"]))


async def test_redeeming_more_than_the_balance_is_refused_and_writes_nothing(
    world: tuple[Loyalty, FakeDirectory, Store],
) -> None:
    loyalty, _, store = world
    await loyalty.points.set_rules(BRAND, RULES, NOW)
    await feed(loyalty, store, STREAM, size=50)
    reward = await voucher(loyalty, 200, ["C1"])
    with pytest.raises(Conflict) as refused:
        await loyalty.rewards.redeem(ALICE, RedeemIn(reward_id=reward), NOW)
    assert refused.value.detail() == {
        "type": "insufficient_points",
        "msg": f"the reward costs 200 points; the balance is {ALICE_POINTS}",
        "balance": ALICE_POINTS,
        "cost": 200,
        "missing": 200 - ALICE_POINTS,
    }
    wallet = await loyalty.repo.wallets.get(ALICE)
    assert wallet is not None
    assert (wallet.balance, wallet.hold) == (ALICE_POINTS, None)
    assert len(await loyalty.repo.all_entries(ALICE)) == 7
    assert await loyalty.repo.available_codes(reward) == 1
    assert await store.outbox_pending(10) == []


async def test_redemption_spends_points_draws_a_code_and_announces_the_grant(
    world: tuple[Loyalty, FakeDirectory, Store],
) -> None:
    loyalty, directory, store = world
    await loyalty.points.set_rules(BRAND, RULES, NOW)
    await feed(loyalty, store, STREAM, size=50)
    reward = await voucher(loyalty, 100, ["D1"])
    body = RedeemIn(reward_id=reward, request_id="req-1")
    grant = await loyalty.rewards.redeem(ALICE, body, NOW)
    again = await loyalty.rewards.redeem(ALICE, body, NOW)  # the same request: the same grant
    assert again.id == grant.id
    assert grant.code == "D1"
    wallet = await loyalty.repo.wallets.get(ALICE)
    assert wallet is not None
    assert (wallet.balance, wallet.spent, wallet.hold) == (ALICE_POINTS - 100, 100, None)
    newest = (await loyalty.repo.ledger_page(ALICE, 1, 0))[0][0]
    assert (newest.points, newest.kind) == (-100, "redeem")
    [message] = await store.outbox_pending(10)
    event = decode_event(message.topic, message.value)
    assert event.type == "reward.granted"
    assert newest.cause == event.id
    assert (event.data.code, event.data.points_spent, event.data.reason) == (
        "D1",
        100,
        "redemption",
    )
    assert directory.timeline == [(ALICE, "reward")]
    cheap = await voucher(loyalty, 1, ["D2"])
    await loyalty.rewards.redeem(ALICE, RedeemIn(reward_id=cheap), NOW)
    with pytest.raises(Conflict, match="out of stock") as refused:
        await loyalty.rewards.redeem(ALICE, RedeemIn(reward_id=cheap), NOW)
    assert refused.value.kind == "out_of_stock"
    wallet = await loyalty.repo.wallets.get(ALICE)
    assert wallet is not None
    assert (wallet.balance, wallet.hold) == (ALICE_POINTS - 101, None)  # the hold was let go


async def test_concurrent_redemptions_never_overdraw_nor_oversell(
    world: tuple[Loyalty, FakeDirectory, Store],
) -> None:
    loyalty, _, store = world
    await loyalty.points.set_rules(BRAND, RULES, NOW)
    await feed(loyalty, store, STREAM, size=50)  # alice: 125 points
    reward = await voucher(loyalty, 20, [f"E{i}" for i in range(8)])
    gift = await loyalty.rewards.create(
        BRAND, RewardIn(kind=RewardKind.GIFT, title="mug", points_cost=1, stock=3), NOW
    )
    calls = [loyalty.rewards.redeem(ALICE, RedeemIn(reward_id=reward), NOW) for _ in range(12)]
    calls += [loyalty.rewards.redeem(ALICE, RedeemIn(reward_id=gift.id), NOW) for _ in range(5)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    granted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(granted) + len(refused) == len(results)
    codes = [g.code for g in granted if g.kind is RewardKind.VOUCHER]
    mugs = [g for g in granted if g.kind is RewardKind.GIFT]
    assert len(mugs) == 3  # 3 in stock, and points enough for them whatever the order
    assert len(codes) == len(set(codes))
    wallet = await loyalty.repo.wallets.get(ALICE)
    assert wallet is not None
    spent = 20 * len(codes) + len(mugs)
    assert wallet.balance == ALICE_POINTS - spent >= 0
    assert wallet.balance < 20  # it stopped only when the next voucher no longer fitted
    assert wallet.balance == sum(e.points for e in await loyalty.repo.all_entries(ALICE))
    assert await loyalty.repo.available_codes(reward) == 8 - len(codes)
    left = await loyalty.repo.rewards.get(gift.id)
    assert left is not None
    assert left.stock == 0


async def test_a_crashed_redemptions_hold_is_taken_over_and_its_code_given_back(
    world: tuple[Loyalty, FakeDirectory, Store],
) -> None:
    loyalty, _, store = world
    await loyalty.points.set_rules(BRAND, RULES, NOW)
    await feed(loyalty, store, STREAM, size=50)
    reward = await voucher(loyalty, 100, ["F1"])
    wallet = await loyalty.repo.wallets.get(ALICE)
    assert wallet is not None
    crashed = "crashed-redemption"
    assert await loyalty.repo.take_hold(wallet, crashed, reward, NOW - timedelta(hours=1))
    [code] = await loyalty.repo.some_available_codes(reward, 1)
    assert await loyalty.repo.claim_code(code, crashed, ALICE, NOW)
    grant = await loyalty.rewards.redeem(ALICE, RedeemIn(reward_id=reward), NOW)
    assert grant.code == "F1"  # given back by the takeover, then drawn again
    after = await loyalty.repo.wallets.get(ALICE)
    assert after is not None
    assert (after.balance, after.hold) == (ALICE_POINTS - 100, None)


def complaint(n: int, handle: str) -> Envelope[Any]:
    payload = MentionModerated(
        decision_id=f"d{n}",
        mention_id=f"m{n}",
        brand=BRAND,
        source="shop",
        author_handle=handle,
        action=ModerationAction.ALLOW,
        published_at=DAY1,
        decided_at=DAY1,
        ruleset="t",
        complaint_topic="delivery",
    )
    return make_event(payload, event_id=f"mod-{n}", source="t", brand=BRAND)


def reply(n: int) -> Envelope[Any]:
    payload = PostPublished(
        post_id=f"p{n}",
        brand=BRAND,
        channel_id="c",
        channel_kind="x",
        published_at=DAY2,
        in_reply_to=f"m{n}",
    )
    return make_event(payload, event_id=f"post-{n}", source="t", brand=BRAND)


async def test_an_answered_complaint_earns_goodwill_once_and_only_with_consent(
    world: tuple[Loyalty, FakeDirectory, Store],
) -> None:
    loyalty, directory, store = world
    directory.consenting = {ALICE}
    reward = await voucher(loyalty, 500, ["G1", "G2", "G3"])
    await loyalty.repo.programs.put(
        loyalty.repo.programs.model(id=BRAND, goodwill_reward_id=reward, updated_at=NOW)
    )
    # Alice: complaint then answer in two batches; Bob (no consent): answer before complaint.
    await store.commit(await loyalty.apply([complaint(1, "alice"), reply(2)]))
    await store.commit(await loyalty.apply([reply(1), complaint(2, "bob"), reply(1)]))
    await store.commit(await loyalty.apply([reply(1)]))  # a second answer: still one grant
    grants, total = await loyalty.repo.grants_of(ALICE, 10, 0)
    assert total == 1
    assert (grants[0].reason, grants[0].points_spent, grants[0].granted_at) == ("goodwill", 0, DAY2)
    assert await loyalty.repo.grants_of(BOB, 10, 0) == ([], 0)
    outcomes = {c.mention_id: c.outcome for c in (await loyalty.repo.complaints.find(limit=10))}
    assert outcomes == {"m1": f"granted:{grants[0].id}", "m2": "no_rewards_consent"}
    assert await loyalty.repo.available_codes(reward) == 2
    wallet = await loyalty.repo.wallets.get(ALICE)
    assert wallet is None  # an offered reward costs no points


async def test_top_advocates_are_rewarded_once_per_period_with_consent(
    world: tuple[Loyalty, FakeDirectory, Store],
) -> None:
    loyalty, directory, store = world
    carol = member_id(BRAND, "shop", "carol")
    directory.ranked = [ALICE, BOB, carol]
    directory.consenting = {ALICE, carol}
    gift = await loyalty.rewards.create(
        BRAND, RewardIn(kind=RewardKind.GIFT, title="tote", points_cost=0, stock=10), NOW
    )
    program = ProgramIn(top_advocates=TopAdvocates(reward_id=gift.id, count=3, period="month"))
    await loyalty.repo.programs.put(
        loyalty.repo.programs.model(id=BRAND, updated_at=NOW, **program.model_dump())
    )
    assert await loyalty.top.run_due(NOW) == 1
    run = await loyalty.top.run(BRAND, "2026-10", NOW)  # the same period: the same run
    assert (run.granted, run.skipped) == (2, 1)
    assert await loyalty.top.run_due(NOW + timedelta(days=3)) == 0
    granted = [m for m in (ALICE, BOB, carol) if (await loyalty.repo.grants_of(m, 5, 0))[1]]
    assert granted == [ALICE, carol]
    left = await loyalty.repo.rewards.get(gift.id)
    assert left is not None
    assert left.stock == 8
    assert len(await store.outbox_pending(10)) == 2


async def test_erasure_removes_the_person_and_keeps_codes_as_anonymous_stock(
    world: tuple[Loyalty, FakeDirectory, Store],
) -> None:
    loyalty, _, store = world
    await loyalty.points.set_rules(BRAND, RULES, NOW)
    await feed(loyalty, store, STREAM, size=50)
    reward = await voucher(loyalty, 100, ["H1", "H2"])
    grant = await loyalty.rewards.redeem(ALICE, RedeemIn(reward_id=reward), NOW)
    exported = await loyalty.erasure.export([ALICE])
    assert [w["balance"] for w in exported["wallets"]] == [ALICE_POINTS - 100]
    assert len(exported["ledger"]) == 8
    assert [g["code"] for g in exported["grants"]] == [grant.code]
    changes = Changes()
    await loyalty.erasure.erase(changes, BRAND, [ALICE])
    await store.commit(changes)
    repo = loyalty.repo
    assert await repo.wallets.get(ALICE) is None
    assert await repo.all_entries(ALICE) == []
    assert await repo.grants.get(grant.id) is None
    assert await repo.all_of(repo.daily, ALICE) == []
    codes = await repo.codes.find({"reward_id": reward, "status": "granted"})
    assert [(c.code, c.member_id, c.grant_id) for c in codes] == [(grant.code, None, None)]
    assert await repo.available_codes(reward) == 1
    assert (await repo.wallets.get(BOB)) is not None  # others untouched
    assert await loyalty.erasure.export([ALICE]) == {
        "wallets": [],
        "ledger": [],
        "grants": [],
        "complaints": [],
    }


def merged(n: int, survivor: str, other: str) -> Envelope[Any]:
    payload = MemberMerged(
        member_id=survivor,
        merged_id=other,
        brand=BRAND,
        reason="link",
        identities=(Identity(source="shop", handle="alice"),),
        merged_at=DAY2,
    )
    return make_event(payload, event_id=f"merge-{n}", source="t", brand=BRAND)


def unmerged(n: int, survivor: str, other: str) -> Envelope[Any]:
    payload = MemberUnmerged(
        member_id=survivor,
        restored_id=other,
        brand=BRAND,
        identities=(Identity(source="shop", handle="bob"),),
        unmerged_at=DAY2 + timedelta(hours=1),
    )
    return make_event(payload, event_id=f"unmerge-{n}", source="t", brand=BRAND)


async def test_points_follow_a_merge_and_come_back_on_unmerge(
    world: tuple[Loyalty, FakeDirectory, Store],
) -> None:
    loyalty, _, store = world
    await loyalty.points.set_rules(BRAND, RULES, NOW)
    await feed(loyalty, store, STREAM, size=50)  # alice 125, bob 2
    bob_like = engagement(12, "bob", L, DAY2)  # 2 more, earned in the merge's own batch
    await feed(loyalty, store, [bob_like, merged(1, ALICE, BOB)], size=2)
    await feed(loyalty, store, [merged(1, ALICE, BOB)], size=1)  # a replay moves nothing
    wallets = await loyalty.repo.wallets.get_many([ALICE, BOB])
    assert (wallets[ALICE].balance, wallets[BOB].balance) == (ALICE_POINTS + 4, 0)
    assert (wallets[ALICE].earned, wallets[ALICE].hold, wallets[BOB].hold) == (
        ALICE_POINTS,
        None,
        None,
    )
    assert await balances(loyalty) == {ALICE: (ALICE_POINTS + 4, 8), BOB: (0, 3)}

    # A redemption under way on the survivor: the unmerge waits (its batch fails and retries).
    wallet = wallets[ALICE]
    assert await loyalty.repo.take_hold(wallet, "redeeming", "r", utcnow())
    with pytest.raises(WalletBusy):
        await loyalty.apply([unmerged(1, ALICE, BOB)])
    # That redemption crashed: once its lease is over, the transfer takes its hold over.
    assert await loyalty.repo.release_hold(ALICE, "redeeming")
    held = await loyalty.repo.wallets.get(ALICE)
    assert held is not None
    assert await loyalty.repo.take_hold(held, "crashed", "r", utcnow() - timedelta(minutes=5))
    await feed(loyalty, store, [unmerged(1, ALICE, BOB)], size=1)
    assert await balances(loyalty) == {ALICE: (ALICE_POINTS, 9), BOB: (4, 4)}


async def test_patching_a_reward_keeps_an_unlimited_stock_and_restocks_a_counted_one(
    world: tuple[Loyalty, FakeDirectory, Store],
) -> None:
    loyalty, _, _ = world
    discount = await loyalty.rewards.create(
        BRAND, RewardIn(kind=RewardKind.DISCOUNT, title="-5 %", points_cost=5), NOW
    )
    patched = await loyalty.rewards.patch(BRAND, discount.id, RewardPatch(title="-6 %"))
    assert (patched.title, patched.stock, patched.available) == ("-6 %", None, None)
    with pytest.raises(Refused, match="stock"):
        await loyalty.rewards.patch(BRAND, discount.id, RewardPatch(add_stock=3))
    gift = await loyalty.rewards.create(
        BRAND, RewardIn(kind=RewardKind.GIFT, title="mug", points_cost=5, stock=1), NOW
    )
    restocked = await loyalty.rewards.patch(
        BRAND, gift.id, RewardPatch(add_stock=4, active=False, points_cost=7)
    )
    assert (restocked.stock, restocked.active, restocked.points_cost) == (5, False, 7)
    with pytest.raises(Conflict, match="withdrawn"):
        await loyalty.rewards.redeem(ALICE, RedeemIn(reward_id=gift.id), NOW)
