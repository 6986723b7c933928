"""Scheduling against the calendar: the brand's zone and cadence, queues, campaigns and best times.

Reads the slots scheduled posts hold and hands them to the pure rules in `cadence`. A slot
counts only while its post still holds it (scheduled or sent at that time), so a slot left
behind by an interrupted change never blocks the calendar.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .cadence import (
    HORIZON,
    CadenceRule,
    ChannelPlan,
    Refusal,
    WeeklySlot,
    next_free,
    refusals,
    weekly,
    zone,
)
from .channels import Channel
from .models import Slot
from .plans import BrandSettings, Campaign, Queue, SlotProposal
from .repository import Repository
from .workflow import ON_THE_CALENDAR

# Without engagement history: mornings, lunch and early evening on weekdays, late morning at
# weekends — the usual community-management advice, then filtered through the cadence.
DEFAULT_TIMES = [
    WeeklySlot(day, at) for day in range(5) for at in (time(9), time(12, 30), time(18))
]
DEFAULT_TIMES += [WeeklySlot(day, time(11)) for day in (5, 6)]
BEST_HOURS = 5  # the best (weekday, hour) buckets tried
HISTORY_POSTS = 500
HISTORY_WEEKS = timedelta(weeks=8)


class Planner:
    def __init__(self, repo: Repository, default_timezone: str) -> None:
        self.repo = repo
        self.default_timezone = default_timezone

    async def settings(self, brand: str) -> BrandSettings:
        found = await self.repo.brand(brand)
        return found or BrandSettings(id=brand, timezone=self.default_timezone)

    async def tz(self, brand: str) -> ZoneInfo:
        return zone((await self.settings(brand)).timezone)

    async def _verified(self, slots: list[Slot], exclude: str | None) -> list[Slot]:
        posts = await self.repo.posts([s.post_id for s in slots if s.post_id != exclude])
        return [
            s
            for s in slots
            if (p := posts.get(s.post_id)) is not None
            and p.status in ON_THE_CALENDAR
            and p.scheduled_for == s.at
            and s.channel_id in p.channels
        ]

    async def plans(
        self,
        brand: str,
        channels: Sequence[Channel],
        start: datetime,
        end: datetime,
        exclude: str | None = None,
    ) -> list[ChannelPlan]:
        base = (await self.settings(brand)).cadence
        made = []
        for channel in channels:
            rule = channel.cadence.over(base) if channel.cadence else base or CadenceRule()
            taken = await self._verified(await self.repo.slots_on(channel.id, start, end), exclude)
            made.append(ChannelPlan(channel.id, channel.name, rule, [s.at for s in taken]))
        return made

    async def refusals(
        self, brand: str, channels: Sequence[Channel], at: datetime, exclude: str | None = None
    ) -> list[Refusal]:
        tz = await self.tz(brand)
        plans = await self.plans(
            brand, channels, at - timedelta(days=2), at + timedelta(days=2), exclude
        )
        return refusals(at, plans, tz)

    async def next_free(
        self,
        brand: str,
        channels: Sequence[Channel],
        after: datetime,
        not_after: datetime | None = None,
        exclude: str | None = None,
    ) -> datetime | None:
        tz = await self.tz(brand)
        plans = await self.plans(
            brand, channels, after - timedelta(days=2), after + HORIZON + timedelta(days=2), exclude
        )
        return next_free(after, plans, tz, not_after=not_after)

    async def queue_slot(
        self,
        queue: Queue,
        channels: Sequence[Channel],
        after: datetime,
        not_after: datetime | None = None,
        exclude: str | None = None,
        count: int = 1,
    ) -> list[datetime]:
        """The next `count` free occurrences of the queue's weekly slots: not held by another
        post of the queue and allowed by every channel's cadence as they are."""
        tz = await self.tz(queue.brand)
        end = after + HORIZON
        plans = await self.plans(queue.brand, channels, after - timedelta(days=2), end, exclude)
        held = await self._verified(await self.repo.queue_slots(queue.id, after, end), exclude)
        taken = {s.at for s in held}
        found: list[datetime] = []
        for at in weekly(after, queue.weekly(), tz, HORIZON.days):
            if (not_after is not None and at >= not_after) or len(found) >= count:
                break
            if at not in taken and not refusals(at, plans, tz):
                found.append(at)
                for plan in plans:
                    plan.take(at)
        return found

    async def campaign_plan(
        self, campaign: Campaign, channels: Sequence[Channel], count: int, now: datetime
    ) -> list[datetime]:
        """`count` times spread across what is left of the campaign, each moved to the next
        time the cadence allows (counting the ones proposed before it)."""
        tz = await self.tz(campaign.brand)
        start = max(campaign.starts_at, now)
        if start >= campaign.ends_at:
            return []
        plans = await self.plans(
            campaign.brand,
            channels,
            start - timedelta(days=2),
            campaign.ends_at + timedelta(days=2),
        )
        span = campaign.ends_at - start
        found: list[datetime] = []
        for index in range(count):
            target = start + span * (index / count)
            at = next_free(
                max(target, found[-1] if found else start), plans, tz, not_after=campaign.ends_at
            )
            if at is None:
                break
            found.append(at)
            for plan in plans:
                plan.take(at)
        return found

    async def best_times(
        self, brand: str, channels: Sequence[Channel], count: int, now: datetime
    ) -> tuple[str, list[str], list[datetime]]:
        """Upcoming times at the brand's best local (weekday, hour) buckets, with the sources
        that ranked them; only times the cadence allows are proposed.

        Two sources, each scaled to its best bucket (1.0) so neither drowns the other, then
        averaged where both have data: the mean score of the published posts at that hour
        (optionally on these channels; `Engagement.score`), and the community's weighted
        engagement events at that hour over the last `HISTORY_WEEKS` weeks (`activity`).
        Without either, the defaults."""
        tz = await self.tz(brand)
        wanted = {c.id for c in channels}
        scores: dict[tuple[int, int], list[int]] = defaultdict(list)
        for post in await self.repo.published(brand, HISTORY_POSTS):
            metrics = [e for c, e in post.engagement.items() if not wanted or c in wanted]
            if post.scheduled_for is None or not metrics:
                continue
            local = post.scheduled_for.astimezone(tz)
            scores[(local.weekday(), local.hour)].append(sum(m.score() for m in metrics))
        posts = {bucket: sum(s) / len(s) for bucket, s in scores.items()}
        activity: dict[tuple[int, int], float] = defaultdict(float)
        for hour in await self.repo.activity(brand, now - HISTORY_WEEKS, now):
            local = hour.hour.astimezone(tz)
            activity[(local.weekday(), local.hour)] += hour.score
        sources = [
            name
            for name, found in (("post_metrics", posts), ("engagement_events", activity))
            if any(v > 0 for v in found.values())
        ]
        ranked = rank([posts, activity])
        basis = "engagement" if ranked else "defaults"
        slots = [WeeklySlot(day, time(hour)) for day, hour in ranked[:BEST_HOURS]] or DEFAULT_TIMES
        plans = await self.plans(brand, channels, now - timedelta(days=2), now + timedelta(days=16))
        found: list[datetime] = []
        for at in weekly(now, slots, tz, 14):
            if len(found) >= count:
                break
            if not refusals(at, plans, tz):
                found.append(at)
                for plan in plans:
                    plan.take(at)
        return basis, sources, found


def rank(sources: Sequence[Mapping[tuple[int, int], float]]) -> list[tuple[int, int]]:
    """Buckets by the mean of their share of each source's best bucket (sources without any
    positive value left out), best first; ties go to the earlier weekday and hour."""
    scaled = []
    for values in sources:
        top = max(values.values(), default=0)
        if top > 0:
            scaled.append({bucket: v / top for bucket, v in values.items()})
    buckets = {b for values in scaled for b in values}
    combined = {b: sum(v.get(b, 0.0) for v in scaled) / len(scaled) for b in buckets}
    return [b for b, v in sorted(combined.items(), key=lambda kv: (-kv[1], kv[0])) if v > 0]


def proposals(times: Sequence[datetime], tz: ZoneInfo) -> list[SlotProposal]:
    return [SlotProposal(at=t, local=t.astimezone(tz).isoformat(timespec="minutes")) for t in times]
