"""Top advocates' rewards: after each week or month, a brand's best members (by its chosen score)
who agreed to rewards are offered its reward, once per period whatever the restarts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from animo_shared.events import derive_id
from animo_shared.store import Changes

from .loyalty import Conflict, Directory, NotFound, Refused
from .loyalty_models import PeriodRun, Program
from .loyalty_repository import LoyaltyRepository
from .rewards import Commit, Rewards

log = logging.getLogger(__name__)


def last_period(kind: str, now: datetime) -> str:
    """The last complete period before `now`: `2026-10` (month) or `2026-W46` (ISO week)."""
    now = now.astimezone(UTC)
    if kind == "month":
        first = now.replace(day=1)
        previous = first - timedelta(days=1)
        return f"{previous.year:04d}-{previous.month:02d}"
    year, week, _ = (now - timedelta(days=7)).isocalendar()
    return f"{year:04d}-W{week:02d}"


def period_run_id(brand: str, period: str) -> str:
    return f"{brand}:{period}"


class TopAdvocates:
    def __init__(
        self, repo: LoyaltyRepository, directory: Directory, rewards: Rewards, commit: Commit
    ) -> None:
        self.repo = repo
        self.directory = directory
        self.rewards = rewards
        self.commit = commit

    async def run(self, brand: str, period: str, now: datetime) -> PeriodRun:
        """Offer the period's reward to the brand's top members; a period already run is left
        as it was (each grant's id derives from brand, period and member, so a crash midway
        resumes without granting anyone twice)."""
        done = await self.repo.periods.get(period_run_id(brand, period))
        if done is not None:
            return done
        program = await self.repo.programs.get(brand)
        if program is None or program.top_advocates is None:
            raise Refused("no_top_advocates", f"brand {brand!r} has no top-advocate reward set")
        config = program.top_advocates
        granted = skipped = 0
        for member in await self.directory.top(brand, config.sort, config.count):
            changes = Changes()
            grant_id = derive_id("loyalty.top", brand, period, member)
            try:
                await self.rewards.offer(
                    changes,
                    brand,
                    member,
                    config.reward_id,
                    grant_id,
                    "top_advocate",
                    now,
                    note=f"top advocate by {config.sort}, {period}",
                )
            except (Conflict, NotFound) as refused:
                skipped += 1
                log.info(
                    "top advocate not rewarded",
                    extra={"brand": brand, "period": period, "reason": refused.kind},
                )
                continue
            await self.commit(changes)
            granted += 1
        run = PeriodRun(
            id=period_run_id(brand, period),
            brand=brand,
            period=period,
            granted=granted,
            skipped=skipped,
            ran_at=now,
        )
        await self.repo.periods.insert(run)
        return run

    async def run_due(self, now: datetime) -> int:
        """Run the last complete period of every brand with a top-advocate reward."""
        count = 0
        programs: list[Program] = await self.repo.programs_all()
        for program in programs:
            if program.top_advocates is None:
                continue
            period = last_period(program.top_advocates.period, now)
            if await self.repo.period_done(period_run_id(program.id, period)):
                continue
            await self.run(program.id, period, now)
            count += 1
        return count


def every(seconds: float, work: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
    async def loop() -> None:
        while True:
            await work()
            await asyncio.sleep(seconds)

    return loop
