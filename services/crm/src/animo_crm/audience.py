"""Leaderboards and segments: a brand's active members by a score, narrowed by a filter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from .models import MemberView
from .repository import CrmRepository
from .segments import Filter


async def matching(
    repository: CrmRepository,
    brand: str,
    sort: str,
    where: Filter | None,
    now: datetime,
    *,
    descending: bool = True,
) -> AsyncIterator[MemberView]:
    async for member in repository.scan(brand, sort, descending=descending):
        if where is None or where.matches(member, now):
            yield member


async def select(
    repository: CrmRepository,
    brand: str,
    sort: str,
    where: Filter | None,
    *,
    limit: int,
    offset: int,
    now: datetime,
    descending: bool = True,
) -> tuple[list[MemberView], int]:
    """One page of members best first, and how many match in all."""
    if where is None:
        items = await repository.views(
            await repository.ranked(brand, sort, limit=limit, offset=offset, descending=descending)
        )
        return items, await repository.count_active(brand)
    page: list[MemberView] = []
    total = 0
    async for member in matching(repository, brand, sort, where, now, descending=descending):
        if offset <= total < offset + limit:
            page.append(member)
        total += 1
    return page, total
