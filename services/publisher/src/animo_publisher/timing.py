"""When an approved post goes out: its own time, its queue's next slot, or the first free one.

Checked again at approval against everything that may have changed since the draft: the
clock, the calendar, the campaign and the embargo, which no choice here can ever precede.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .channels import Channel
from .errors import Issue, Refused
from .models import Post
from .repository import Repository
from .scheduling import Planner
from .validation import PAST_GRACE, cadence_issue


async def slot_for(
    repo: Repository, planner: Planner, post: Post, channels: Sequence[Channel], now: datetime
) -> datetime:
    tz = await planner.tz(post.brand)
    campaign = None
    if post.campaign_id is not None:
        campaign = await repo.campaign(post.campaign_id)
        if campaign is None:
            raise Refused(
                Issue(("post", "campaign_id"), "unknown_campaign", "the campaign was deleted")
            )
    end = campaign.ends_at if campaign else None
    floor = max(now, post.embargo_until or now, campaign.starts_at if campaign else now)
    if end is not None and floor >= end:
        raise Refused(
            Issue(
                ("post", "campaign_id"),
                "campaign_over",
                f"the campaign {campaign and campaign.name!r} has ended",
            )
        )
    if post.publish_at is not None:
        if post.publish_at < now - PAST_GRACE:
            proposal = await planner.next_free(post.brand, channels, floor, end, post.id)
            shown = post.publish_at.astimezone(tz).isoformat(timespec="minutes")
            raise Refused(
                Issue(
                    ("post", "publish_at"),
                    "in_past",
                    f"{shown} passed while the post waited for approval: edit its time",
                    ctx={"next_free_slot": proposal.isoformat()} if proposal else {},
                )
            )
        at = max(post.publish_at, now)
        if end is not None and at >= end:
            raise Refused(
                Issue(
                    ("post", "publish_at"),
                    "campaign_window",
                    "the asked time is after the campaign",
                )
            )
        if at < floor:  # an embargo or campaign start after the asked time: never earlier
            raise Refused(
                Issue(
                    ("post", "publish_at"),
                    "embargo",
                    "the asked time precedes the embargo or the campaign start",
                )
            )
        issue = await cadence_issue(
            planner, post.brand, channels, at, not_after=end, exclude=post.id, where="post"
        )
        if issue:
            raise Refused(issue)
        return at
    if post.queue_id is not None:
        queue = await repo.queue(post.queue_id)
        if queue is None:
            raise Refused(Issue(("post", "queue_id"), "unknown_queue", "the queue was deleted"))
        found = await planner.queue_slot(queue, channels, floor, end, exclude=post.id)
        if not found:
            raise Refused(
                Issue(
                    ("post", "queue_id"),
                    "queue_full",
                    f"no free slot in the queue {queue.name!r} within 60 days"
                    + (" and the campaign" if end else ""),
                )
            )
        return found[0]
    free = await planner.next_free(post.brand, channels, floor, end, post.id)
    if free is None:
        raise Refused(
            Issue(
                ("post", "publish_at"),
                "no_free_slot",
                "the cadence leaves no free slot within 60 days"
                + (" and the campaign" if end else ""),
            )
        )
    return free
