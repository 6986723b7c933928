"""Checking a post before it is stored or scheduled: its channels, its variants, and its times.

Every refusal names the field it is about (`loc`) and says exactly why; a refused time
comes with the next free slot when there is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .adaptation import adapt
from .cadence import NonexistentLocalTime, Refusal, localize
from .channels import Channel
from .errors import Issue, Refused
from .models import Problem, StoredVariant
from .plans import Campaign, Queue
from .repository import Repository
from .scheduling import Planner

PAST_GRACE = timedelta(seconds=5)  # clock skew between a client and the service


@dataclass(frozen=True)
class Content:
    text: str
    channel_ids: Sequence[str]
    overrides: dict[str, str]
    in_reply_to: str | None
    image_url: str | None


@dataclass(frozen=True)
class Timing:
    publish_at: datetime | None
    queue_id: str | None
    campaign_id: str | None
    embargo_until: datetime | None


async def check_content(
    repo: Repository, brand: str, content: Content, where: str = "body"
) -> tuple[list[Channel], list[StoredVariant], list[Issue]]:
    issues: list[Issue] = []
    ids = list(dict.fromkeys(content.channel_ids))
    found = await repo.channels(ids)
    missing = [c for c in ids if c not in found or found[c].brand != brand]
    if missing:
        issues.append(
            Issue(
                (where, "channels"),
                "unknown_channel",
                f"unknown channels for this brand: {', '.join(missing)}",
                input=missing,
            )
        )
    channels = [found[c] for c in ids if c not in missing]
    for key in content.overrides:
        if key not in ids:
            issues.append(
                Issue(
                    (where, "overrides", key),
                    "unknown_channel",
                    f"an override for {key}, which is not among the post's channels",
                )
            )
    if content.in_reply_to is not None and len(ids) != 1:
        issues.append(
            Issue(
                (where, "in_reply_to"),
                "reply_needs_one_channel",
                "a reply answers a mention on one network: give exactly one channel",
            )
        )
    variants: list[StoredVariant] = []
    for channel in channels:
        override = content.overrides.get(channel.id)
        variant = adapt(content.text, channel.kind, override=override)
        problems = [
            Problem(code=p.code, message=p.message, severity=p.severity) for p in variant.problems
        ]
        for problem in problems:
            if problem.severity != "error":
                continue
            loc = (where, "overrides", channel.id) if override is not None else (where, "text")
            issues.append(
                Issue(
                    loc,
                    f"variant_{problem.code}",
                    f"{channel.name} ({channel.kind}): {problem.message}",
                    ctx={
                        "channel_id": channel.id,
                        "weighted_lengths": list(variant.weighted_lengths),
                    },
                )
            )
        if channel.kind == "instagram" and not content.image_url and content.in_reply_to is None:
            issues.append(
                Issue(
                    (where, "image_url"),
                    "media_required",
                    f"{channel.name} (instagram) publishes only with an image: give image_url",
                )
            )
        variants.append(
            StoredVariant(
                channel_id=channel.id,
                kind=channel.kind,
                parts=list(variant.parts),
                weighted_lengths=list(variant.weighted_lengths),
                problems=problems,
                override=override is not None,
            )
        )
    return channels, variants, issues


def _local(
    value: datetime | None, tz: ZoneInfo, loc: tuple[str, ...], issues: list[Issue]
) -> datetime | None:
    if value is None:
        return None
    try:
        return localize(value, tz)
    except NonexistentLocalTime as error:
        issues.append(Issue(loc, "nonexistent_local_time", str(error)))
        return None


def _shown(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).isoformat(timespec="minutes")


async def check_timing(
    repo: Repository,
    planner: Planner,
    brand: str,
    timing: Timing,
    now: datetime,
    *,
    where: str = "body",
    previous_embargo: datetime | None = None,
) -> tuple[datetime | None, datetime | None, Queue | None, Campaign | None, list[Issue]]:
    """Times read in the brand's zone and checked against now, the embargo, the campaign and
    the queue (the cadence is checked separately, once everything else holds)."""
    issues: list[Issue] = []
    tz = await planner.tz(brand)
    at = _local(timing.publish_at, tz, (where, "publish_at"), issues)
    embargo = _local(timing.embargo_until, tz, (where, "embargo_until"), issues)
    if at is not None and at < now - PAST_GRACE:
        issues.append(
            Issue((where, "publish_at"), "in_past", f"{_shown(at, tz)} is in the past ({tz})")
        )
    if previous_embargo is not None and (embargo is None or embargo < previous_embargo):
        issues.append(
            Issue(
                (where, "embargo_until"),
                "embargo_shortened",
                f"the embargo until {_shown(previous_embargo, tz)} may be extended, never "
                "shortened or lifted",
            )
        )
        embargo = previous_embargo if embargo is None else max(embargo, previous_embargo)
    if at is not None and embargo is not None and at < embargo:
        issues.append(
            Issue(
                (where, "publish_at"),
                "embargo",
                f"{_shown(at, tz)} is before the embargo until {_shown(embargo, tz)}: nothing "
                "leaves before it",
            )
        )
    queue = campaign = None
    if timing.queue_id is not None:
        queue = await repo.queue(timing.queue_id)
        if queue is None or queue.brand != brand:
            issues.append(
                Issue(
                    (where, "queue_id"),
                    "unknown_queue",
                    f"no queue {timing.queue_id!r} for this brand",
                )
            )
        elif at is not None:
            issues.append(
                Issue(
                    (where, "queue_id"),
                    "queue_and_time",
                    "give either publish_at or queue_id, not both",
                )
            )
    if timing.campaign_id is not None:
        campaign = await repo.campaign(timing.campaign_id)
        if campaign is None or campaign.brand != brand:
            issues.append(
                Issue(
                    (where, "campaign_id"),
                    "unknown_campaign",
                    f"no campaign {timing.campaign_id!r} for this brand",
                )
            )
            campaign = None
        elif campaign.ends_at <= now:
            issues.append(
                Issue(
                    (where, "campaign_id"),
                    "campaign_over",
                    f"the campaign {campaign.name!r} has ended",
                )
            )
        elif at is not None and not campaign.starts_at <= at < campaign.ends_at:
            issues.append(
                Issue(
                    (where, "publish_at"),
                    "campaign_window",
                    f"{_shown(at, tz)} is outside the campaign {campaign.name!r} "
                    f"({_shown(campaign.starts_at, tz)} to {_shown(campaign.ends_at, tz)})",
                )
            )
    return at, embargo, queue, campaign, issues


async def cadence_issue(
    planner: Planner,
    brand: str,
    channels: Sequence[Channel],
    at: datetime,
    *,
    not_after: datetime | None,
    exclude: str | None,
    where: str = "body",
) -> Issue | None:
    """The first cadence refusal of `at`, with the next free slot proposed, or None."""
    found = await planner.refusals(brand, channels, at, exclude)
    if not found:
        return None
    return refusal_issue(
        found,
        await planner.next_free(brand, channels, at, not_after, exclude),
        await planner.tz(brand),
        where,
    )


def refusal_issue(
    found: list[Refusal], proposal: datetime | None, tz: ZoneInfo, where: str
) -> Issue:
    first = found[0]
    tail = (
        f"; the next free slot is {_shown(proposal, tz)}"
        if proposal
        else "; no free slot within the horizon (or the campaign)"
    )
    ctx: dict[str, object] = {
        "reasons": [{"code": r.code, "channel_id": r.channel_id, "msg": r.message} for r in found]
    }
    if proposal is not None:
        ctx["next_free_slot"] = proposal.isoformat()
    return Issue((where, "publish_at"), f"cadence_{first.code}", first.message + tail, ctx=ctx)


def refuse_if(issues: list[Issue]) -> None:
    if issues:
        raise Refused(*issues)
