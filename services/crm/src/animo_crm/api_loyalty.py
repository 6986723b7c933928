"""Loyalty's HTTP routes: a member's points and rewards, a brand's rules, catalogue and programme.

Brand routes are checked by `require_key` (the brand is in the path). A member's routes answer
404 `unknown_member`, as for an unknown id, when the member is of a brand the caller's key may
not see, before anything is read or changed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.http import check_brand, may_see, principal_of

from .api import components
from .loyalty import LoyaltyError, NotFound
from .loyalty_app import Loyalty, grant_manually
from .loyalty_models import (
    Grant,
    GrantIn,
    GrantOut,
    GrantPage,
    LoyaltyView,
    PeriodRun,
    PoolIn,
    PoolOut,
    Program,
    ProgramIn,
    RedeemIn,
    RewardIn,
    RewardOut,
    RewardPage,
    RewardPatch,
    RuleHistory,
    RuleSet,
    RulesIn,
    Wallet,
)

router = APIRouter(prefix="/v1", tags=["loyalty"])
Brand = Annotated[str, Path(pattern=BRAND_PATTERN)]
PERIOD = r"^\d{4}-(?:0[1-9]|1[0-2]|W(?:0[1-9]|[1-4]\d|5[0-3]))$"


async def _loyalty(request: Request) -> AsyncIterator[Loyalty]:
    """The loyalty parts, with domain refusals turned into precise HTTP errors."""
    loyalty: Loyalty = request.app.state.loyalty
    try:
        yield loyalty
    except LoyaltyError as error:
        raise HTTPException(error.status, error.detail()) from None


Service = Annotated[Loyalty, Depends(_loyalty)]


async def _member_brand(
    request: Request, svc: Loyalty, member_id: str
) -> tuple[str | None, Wallet | None]:
    """The brand of a member loyalty knows: its wallet's, else its member's, merged or not
    (None: unknown, each route answers that as before); and the wallet, read once.

    404 `unknown_member` for a member of a brand the caller's key may not see and, for a
    brand-restricted key, for an unknown id too: the grants list answers an unknown id with an
    empty page, so a 404 for another brand's member alone would confirm that it exists.
    """
    wallet = await svc.repo.wallets.get(member_id)
    if wallet is not None:
        brand: str | None = wallet.brand
    else:
        member = await components(request).repository.member(member_id)
        brand = member.brand if member else None
    if (brand is None and principal_of(request).restricted) or (
        brand is not None and not may_see(request, brand)
    ):
        raise NotFound("unknown_member", f"no member {member_id!r}")
    return brand, wallet


@router.get("/members/{member_id}/loyalty", summary="A member's balance and ledger, newest first")
async def member_loyalty(
    request: Request,
    member_id: str,
    svc: Service,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> LoyaltyView:
    _, wallet = await _member_brand(request, svc, member_id)
    if wallet is None and not await svc.directory.exists(member_id):
        raise HTTPException(404, {"type": "unknown_member", "msg": f"no member {member_id!r}"})
    entries, total = await svc.repo.ledger_page(member_id, limit, offset)
    return LoyaltyView(
        member_id=member_id,
        brand=wallet.brand if wallet else None,
        balance=wallet.balance if wallet else 0,
        earned=wallet.earned if wallet else 0,
        spent=wallet.spent if wallet else 0,
        entries=entries,
        total=total,
    )


@router.post(
    "/members/{member_id}/loyalty/redemptions",
    status_code=201,
    summary="Spend points on a reward (409 when the balance or the stock falls short)",
)
async def redeem(request: Request, member_id: str, body: RedeemIn, svc: Service) -> Grant:
    # Before the idempotent replay too: a known request id must not return another brand's grant.
    await _member_brand(request, svc, member_id)
    return await svc.rewards.redeem(member_id, body, utcnow())


@router.post(
    "/members/{member_id}/loyalty/grants",
    status_code=201,
    summary="Offer a reward or bonus points (goodwill, manual); needs the member's consent",
)
async def grant(request: Request, member_id: str, body: GrantIn, svc: Service) -> GrantOut:
    check_brand(request, body.brand)
    brand, _ = await _member_brand(request, svc, member_id)
    if brand is not None and brand != body.brand:
        # `grant_manually` compares the wallet's brand only: a member without one yet would be
        # credited under the body's brand.
        raise NotFound("unknown_member", f"no member {member_id!r} in brand {body.brand!r}")
    return await grant_manually(svc, member_id, body, utcnow())


@router.get("/members/{member_id}/loyalty/grants", summary="A member's rewards, newest first")
async def member_grants(
    request: Request,
    member_id: str,
    svc: Service,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> GrantPage:
    await _member_brand(request, svc, member_id)
    items, total = await svc.repo.grants_of(member_id, limit, offset)
    return GrantPage(items=items, total=total)


@router.get("/brands/{brand}/loyalty/rules", summary="A brand's current earning rules")
async def get_rules(brand: Brand, svc: Service) -> RuleSet:
    current = await svc.repo.current_rules(brand)
    if current is None:
        raise HTTPException(404, {"type": "no_rules", "msg": f"brand {brand!r} has no rules yet"})
    return current


@router.put(
    "/brands/{brand}/loyalty/rules",
    status_code=201,
    summary="Save a new version of a brand's earning rules (older versions are kept)",
)
async def put_rules(brand: Brand, body: RulesIn, svc: Service) -> RuleSet:
    return await svc.points.set_rules(brand, body, utcnow())


@router.get(
    "/brands/{brand}/loyalty/rules/versions", summary="Every version of the rules, newest first"
)
async def rule_versions(brand: Brand, svc: Service) -> RuleHistory:
    return RuleHistory(items=await svc.repo.rule_history(brand))


@router.get(
    "/brands/{brand}/loyalty/rewards", summary="A brand's rewards catalogue, with units left"
)
async def catalogue(brand: Brand, svc: Service) -> RewardPage:
    return RewardPage(items=await svc.rewards.catalogue(brand))


@router.post(
    "/brands/{brand}/loyalty/rewards", status_code=201, summary="Add a reward to the catalogue"
)
async def add_reward(brand: Brand, body: RewardIn, svc: Service) -> RewardOut:
    return await svc.rewards.create(brand, body, utcnow())


@router.get("/brands/{brand}/loyalty/rewards/{reward_id}", summary="One reward")
async def get_reward(brand: Brand, reward_id: str, svc: Service) -> RewardOut:
    return await svc.rewards.out(await svc.rewards.reward(brand, reward_id))


@router.patch(
    "/brands/{brand}/loyalty/rewards/{reward_id}",
    summary="Retitle, reprice, withdraw or restock a reward",
)
async def patch_reward(brand: Brand, reward_id: str, body: RewardPatch, svc: Service) -> RewardOut:
    return await svc.rewards.patch(brand, reward_id, body)


@router.post(
    "/brands/{brand}/loyalty/rewards/{reward_id}/pool",
    status_code=201,
    summary="Upload voucher codes (all or none: duplicates are refused by name)",
)
async def upload_pool(brand: Brand, reward_id: str, body: PoolIn, svc: Service) -> PoolOut:
    return await svc.rewards.upload_pool(brand, reward_id, body)


@router.get(
    "/brands/{brand}/loyalty/program", summary="A brand's goodwill and top-advocate settings"
)
async def get_program(brand: Brand, svc: Service) -> Program:
    found = await svc.repo.programs.get(brand)
    return found or Program(id=brand, updated_at=utcnow())


@router.put("/brands/{brand}/loyalty/program", summary="Set the goodwill and top-advocate rewards")
async def put_program(brand: Brand, body: ProgramIn, svc: Service) -> Program:
    wanted = [body.goodwill_reward_id, body.top_advocates.reward_id if body.top_advocates else None]
    for reward_id in wanted:
        if reward_id is not None:
            await svc.rewards.reward(brand, reward_id)  # 404 for a reward of no such brand
    program = Program(id=brand, updated_at=utcnow(), **body.model_dump())
    await svc.repo.programs.put(program)
    return program


@router.post(
    "/brands/{brand}/loyalty/top-advocates/{period}",
    summary="Reward the top advocates of a period now (once per period: a repeat returns the run)",
)
async def run_top_advocates(
    brand: Brand, period: Annotated[str, Path(pattern=PERIOD)], svc: Service
) -> PeriodRun:
    return await svc.top.run(brand, period, utcnow())
