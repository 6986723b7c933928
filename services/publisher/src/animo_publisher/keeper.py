"""What every post operation shares: finding a post, swapping it by version, writing the audit."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from animo_shared.events import utcnow
from animo_shared.store import Changes

from .access import Actor
from .audit import entry
from .errors import Conflict, NotFound
from .models import AuditEntry, Post
from .moderation import Moderator
from .repository import Repository
from .scheduling import Planner


class PostKeeper:
    def __init__(
        self,
        repo: Repository,
        moderator: Moderator,
        planner: Planner,
        *,
        clock: Callable[[], datetime] = utcnow,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.repo = repo
        self.moderator = moderator
        self.planner = planner
        self.clock = clock
        self.wake = wake
        # Scheduling reads the calendar then writes to it: one brand at a time per process.
        self._calendar: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def get(self, post_id: str) -> Post:
        """A post whoever asks (the service's own re-reads); callers go through `find`."""
        post = await self.repo.post(post_id)
        if post is None:
            raise NotFound(f"no post {post_id!r}")
        return post

    async def find(self, post_id: str, actor: Actor) -> Post:
        """A post the actor may see: another brand's is not found, like a missing one, so a
        brand-restricted key cannot even learn that the id exists."""
        post = await self.repo.post(post_id)
        if post is None or not actor.may_see(post.brand):
            raise NotFound(f"no post {post_id!r}")
        return post

    async def audit(self, post_id: str, actor: Actor) -> list[AuditEntry]:
        await self.find(post_id, actor)
        return await self.repo.audit(post_id)

    async def swap(self, before: Post, after: Post) -> Post:
        after = after.model_copy(update={"version": before.version + 1})
        if not await self.repo.replace_if(after, before.version):
            raise Conflict(f"post {before.id} changed meanwhile: read it again and retry")
        return after

    async def log(self, post: Post, actor: str, action: str, /, **detail: Any) -> None:
        changes = Changes()
        self.repo.stage_audit(
            changes, entry(post.id, post.brand, actor, action, self.clock(), **detail)
        )
        await self.repo.commit(changes)
