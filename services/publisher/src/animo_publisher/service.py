"""The publisher's domain: posts through their workflow, from draft to the calendar, with an audit.

Every change to a post is a compare-and-set on its version, so a user's edit, an approval
and the dispatcher never overwrite one another; a lost race is a 409, never a silent merge.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from animo_shared.store import Changes

from .access import APPROVE, Actor
from .audit import entry
from .channels import Channel
from .errors import Conflict, Forbidden, Issue, Refused
from .followup import FollowUp
from .models import (
    ChannelDelivery,
    DeliveryState,
    ModerationCheck,
    Post,
    PostEdit,
    PostIn,
    PostStatus,
)
from .moderation import ModerationUnavailable
from .timing import slot_for
from .validation import Content, Timing, cadence_issue, check_content, check_timing, refuse_if
from .workflow import ON_THE_CALENDAR, after_edit, after_moderation, check

S = PostStatus
MODERATION = "moderation"  # the actor of moderation's verdicts in the audit trail


class PublisherService(FollowUp):
    """Posts from draft to the calendar: moderation, approval, scheduling, edits, cancels."""

    # --- drafting -------------------------------------------------------------

    async def create(self, body: PostIn, actor: Actor) -> Post:
        actor.check_brand(body.brand)
        now = self.clock()
        image = str(body.image_url) if body.image_url else None
        content = Content(body.text, body.channels, body.overrides, body.in_reply_to, image)
        channels, variants, issues = await check_content(self.repo, body.brand, content)
        timing = Timing(body.publish_at, body.queue_id, body.campaign_id, body.embargo_until)
        at, embargo, _, campaign, more = await check_timing(
            self.repo, self.planner, body.brand, timing, now
        )
        refuse_if(issues + more)
        if at is not None:
            end = campaign.ends_at if campaign else None
            issue = await cadence_issue(
                self.planner, body.brand, channels, at, not_after=end, exclude=None
            )
            refuse_if([issue] if issue else [])
        post = Post(
            id="post_" + secrets.token_hex(8),
            brand=body.brand,
            text=body.text,
            channels=[c.id for c in channels],
            overrides=body.overrides,
            variants=variants,
            in_reply_to=body.in_reply_to,
            reply_to_mention=body.reply_to_mention,
            reply_to_author=body.reply_to_author,
            image_url=image,
            publish_at=at,
            queue_id=body.queue_id,
            campaign_id=body.campaign_id,
            embargo_until=embargo,
            status=S.DRAFT,
            created_by=actor.name,
            created_at=now,
            updated_at=now,
        )
        await self.repo.add_post(post)
        await self.log(post, actor.name, "created", channels=post.channels, publish_at=at)
        return await self.submit(post.id, actor) if body.submit else post

    async def edit(self, post_id: str, edit: PostEdit, actor: Actor) -> Post:
        post = await self.find(post_id, actor)
        check("edit", post.status, post.deliveries)
        given = edit.model_fields_set
        now = self.clock()

        def pick(name: str) -> Any:
            value = getattr(edit, name)
            return value if name in given and value is not None else getattr(post, name)

        def take(name: str) -> Any:  # a field that may be cleared with null
            return getattr(edit, name) if name in given else getattr(post, name)

        image = take("image_url")
        content = Content(
            pick("text"),
            pick("channels"),
            pick("overrides"),
            take("in_reply_to"),
            str(image) if image else None,
        )
        channels, variants, issues = await check_content(self.repo, post.brand, content)
        new_time = "publish_at" in given and edit.publish_at is not None
        timing = Timing(
            edit.publish_at if new_time else None,
            take("queue_id"),
            take("campaign_id"),
            take("embargo_until"),
        )
        at, embargo, _, campaign, more = await check_timing(
            self.repo, self.planner, post.brand, timing, now, previous_embargo=post.embargo_until
        )
        if not new_time and "publish_at" not in given:
            at = post.publish_at
            if at is not None and embargo is not None and at < embargo:
                more.append(
                    Issue(
                        ("body", "embargo_until"),
                        "embargo",
                        "the post's publish_at is before this embargo",
                    )
                )
            if at is not None and timing.queue_id is not None:
                more.append(
                    Issue(
                        ("body", "queue_id"),
                        "queue_and_time",
                        "the post has a publish_at: clear it (null) to use a queue",
                    )
                )
        refuse_if(issues + more)
        if new_time and at is not None:
            end = campaign.ends_at if campaign else None
            issue = await cadence_issue(
                self.planner, post.brand, channels, at, not_after=end, exclude=post.id
            )
            refuse_if([issue] if issue else [])
        status = after_edit(post.status)
        edited = post.model_copy(
            update={
                "text": content.text,
                "channels": [c.id for c in channels],
                "overrides": content.overrides,
                "variants": variants,
                "in_reply_to": content.in_reply_to,
                "image_url": content.image_url,
                "publish_at": at,
                "queue_id": timing.queue_id,
                "campaign_id": timing.campaign_id,
                "embargo_until": embargo,
                "status": status,
                "moderation": ModerationCheck(),
                "scheduled_for": None,
                "dispatch_at": None,
                "deliveries": [],
                "approved_by": None,
                "approved_at": None,
                "rejection": None,
                "updated_at": now,
            }
        )
        edited = await self.swap(post, edited)
        changes = Changes()
        if post.status in ON_THE_CALENDAR:
            self.repo.unstage_slots(changes, post)
        self.repo.stage_audit(
            changes,
            entry(
                post.id,
                post.brand,
                actor.name,
                "edited",
                now,
                fields=sorted(given),
                was=post.status.value,
            ),
        )
        await self.repo.commit(changes)
        return await self._moderate(edited) if status is S.SUBMITTED else edited

    # --- moderation and approval ------------------------------------------------

    async def submit(self, post_id: str, actor: Actor) -> Post:
        post = await self.find(post_id, actor)
        check("submit", post.status)
        if post.status is S.DRAFT:
            submitted = post.model_copy(update={"status": S.SUBMITTED, "updated_at": self.clock()})
            post = await self.swap(post, submitted)
            await self.log(post, actor.name, "submitted")
        return await self._moderate(post)

    async def _moderate(self, post: Post) -> Post:
        """Ask moderation; a post it cannot check stays submitted and is asked again later."""
        attempts = post.moderation.attempts + 1
        try:
            verdict = await self.moderator.check([post.text, *post.overrides.values()], post.brand)
        except ModerationUnavailable as error:
            check_ = ModerationCheck(
                state="unreachable", error=str(error), attempts=attempts, checked_at=self.clock()
            )
            after = post.model_copy(update={"moderation": check_, "updated_at": self.clock()})
            try:
                after = await self.swap(post, after)
            except Conflict:
                return await self.get(post.id)
            await self.log(after, MODERATION, "moderation_unreachable", error=str(error))
            return after
        status = after_moderation(verdict.action)
        state = (
            "blocked"
            if status is S.BLOCKED
            else "review"
            if verdict.action == "review"
            else "passed"
        )
        check_ = ModerationCheck(
            state=state,
            action=verdict.action,
            categories=list(verdict.categories),
            checked_at=self.clock(),
            attempts=attempts,
        )
        after = post.model_copy(
            update={"status": status, "moderation": check_, "updated_at": self.clock()}
        )
        try:
            after = await self.swap(post, after)
        except Conflict:
            return await self.get(post.id)
        names = sorted({c.name for c in verdict.categories})
        await self.log(
            after, MODERATION, f"moderation_{state}", action=verdict.action, categories=names
        )
        return after

    async def recheck(self, now: datetime, older_than: float) -> int:
        """Posts left submitted because moderation could not answer: ask again."""
        posts = await self.repo.unchecked(now - timedelta(seconds=older_than), 20)
        for post in posts:
            await self._moderate(post)
        return len(posts)

    async def approve(self, post_id: str, actor: Actor) -> Post:
        actor.require(APPROVE)
        post = await self.find(post_id, actor)
        check("approve", post.status)
        if (await self.planner.settings(post.brand)).four_eyes and actor.name == post.created_by:
            raise Forbidden(f"{actor.name} wrote this post: another person must approve it")
        async with self._calendar[post.brand]:
            now = self.clock()
            found = await self.repo.channels(post.channels)
            gone = [c for c in post.channels if c not in found]
            if gone:
                raise Refused(
                    Issue(
                        ("post", "channels"),
                        "unknown_channel",
                        f"deleted channels: {', '.join(gone)}",
                        input=gone,
                    )
                )
            channels: list[Channel] = [found[c] for c in post.channels]
            at = await slot_for(self.repo, self.planner, post, channels, now)
            deliveries = [
                ChannelDelivery(channel_id=c.id, kind=c.kind, idempotency_key=f"{post.id}:{c.id}")
                for c in channels
            ]
            scheduled = post.model_copy(
                update={
                    "status": S.SCHEDULED,
                    "approved_by": actor.name,
                    "approved_at": now,
                    "scheduled_for": at,
                    "dispatch_at": at,
                    "deliveries": deliveries,
                    "updated_at": now,
                }
            )
            # The slots first: one left behind by a failed swap is ignored (its post does not
            # hold it), whereas a post scheduled without its slots would escape the cadence.
            slots = Changes()
            self.repo.stage_slots(slots, scheduled)
            await self.repo.commit(slots)
            scheduled = await self.swap(post, scheduled)
        changes = Changes()
        self.repo.stage_audit(changes, entry(post.id, post.brand, actor.name, "approved", now))
        self.repo.stage_audit(
            changes,
            entry(post.id, post.brand, actor.name, "scheduled", now, at=at, queue_id=post.queue_id),
        )
        await self.repo.commit(changes)
        self.wake()
        return scheduled

    async def reject(self, post_id: str, reason: str, actor: Actor) -> Post:
        actor.require(APPROVE)
        post = await self.find(post_id, actor)
        check("reject", post.status)
        rejected = await self.swap(
            post,
            post.model_copy(
                update={"status": S.REJECTED, "rejection": reason, "updated_at": self.clock()}
            ),
        )
        await self.log(rejected, actor.name, "rejected", reason=reason)
        return rejected

    async def cancel(self, post_id: str, actor: Actor) -> Post:
        post = await self.find(post_id, actor)
        check("cancel", post.status, post.deliveries)
        final = {DeliveryState.SENT, DeliveryState.FAILED}
        deliveries = [
            d
            if d.state in final
            else d.model_copy(update={"state": DeliveryState.CANCELLED, "next_attempt_at": None})
            for d in post.deliveries
        ]
        cancelled = await self.swap(
            post,
            post.model_copy(
                update={
                    "status": S.CANCELLED,
                    "dispatch_at": None,
                    "deliveries": deliveries,
                    "updated_at": self.clock(),
                }
            ),
        )
        changes = Changes()
        if post.status in ON_THE_CALENDAR:
            self.repo.unstage_slots(changes, post)
        self.repo.stage_audit(
            changes,
            entry(
                post.id, post.brand, actor.name, "cancelled", self.clock(), was=post.status.value
            ),
        )
        await self.repo.commit(changes)
        return cancelled
