"""After publishing: a human's word on an unknown delivery, and the engagement a post earned."""

from __future__ import annotations

from typing import Any

from animo_shared.store import Changes

from .access import Actor
from .audit import entry
from .delivery import newly_done, settled
from .errors import Issue, Refused
from .keeper import PostKeeper
from .models import Attempt, DeliveryState, Engagement, EngagementIn, Post, Resolution
from .outcomes import event_for
from .workflow import check


class FollowUp(PostKeeper):
    async def resolve(self, post_id: str, channel_id: str, res: Resolution, actor: Actor) -> Post:
        """A human's word on a delivery whose outcome is unknown: it went out, it did not, or
        send it again (their call: on a network without idempotency it may then post twice)."""
        post = await self.find(post_id, actor)
        check("resolve", post.status)
        now = self.clock()
        current = next((d for d in post.deliveries if d.channel_id == channel_id), None)
        if current is None or current.state is not DeliveryState.UNKNOWN:
            raise Refused(
                Issue(
                    ("path", "channel_id"),
                    "not_unknown",
                    f"no delivery to {channel_id} awaits a decision",
                )
            )
        history = [*current.history, Attempt(at=now, outcome="resolved", error=res.note)]
        update: dict[str, Any] = {"history": history, "done_at": now}
        if res.outcome == "published":
            ids = (
                [*current.external_ids, res.external_id]
                if res.external_id
                else current.external_ids
            )
            update |= {"state": DeliveryState.SENT, "external_ids": ids, "error": None}
        elif res.outcome == "failed":
            update |= {
                "state": DeliveryState.FAILED,
                "error": res.note or f"marked failed by {actor.name}",
            }
        else:
            update |= {"state": DeliveryState.RETRYING, "next_attempt_at": now, "done_at": None}
        deliveries = [
            current.model_copy(update=update) if d is current else d for d in post.deliveries
        ]
        after = await self.swap(
            post, settled(post.model_copy(update={"deliveries": deliveries}), now)
        )
        changes = Changes()
        for d in newly_done(post.deliveries, after.deliveries):
            changes.publish(event_for(after, d, now))
        self.repo.stage_audit(
            changes,
            entry(
                post.id,
                post.brand,
                actor.name,
                "resolved",
                now,
                channel_id=channel_id,
                outcome=res.outcome,
                note=res.note,
            ),
        )
        await self.repo.commit(changes)
        self.wake()
        return after

    async def record_engagement(self, post_id: str, body: EngagementIn, actor: Actor) -> Post:
        post = await self.find(post_id, actor)
        check("metrics", post.status)
        sent = {d.channel_id for d in post.deliveries if d.state is DeliveryState.SENT}
        if body.channel_id not in sent:
            raise Refused(
                Issue(
                    ("body", "channel_id"),
                    "not_published",
                    f"the post was not published on {body.channel_id}",
                )
            )
        metrics = {k: v for k, v in body.model_dump().items() if k != "channel_id"}
        engagement = {**post.engagement, body.channel_id: Engagement(**metrics)}
        after = await self.swap(post, post.model_copy(update={"engagement": engagement}))
        await self.log(
            after, actor.name, "engagement_recorded", channel_id=body.channel_id, **metrics
        )
        return after
