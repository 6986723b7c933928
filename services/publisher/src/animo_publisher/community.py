"""What the publisher takes from the community's events: engagement by hour, and erasures.

`engagement.recorded` feeds the engagement history best-time suggestions read (see
`activity`). `member.erased` takes the person out of the posts: their handles in texts,
thread parts, hand-written variants, the network's answers kept in the delivery log, and
the `reply_to_author` of the replies to them; the posts themselves, their outcomes and their
engagement counts stay. Both are idempotent: the consumer skips event ids it has applied,
and erasing twice finds nothing more to erase.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from animo_shared.events import EngagementRecorded, Envelope, MemberErased, utcnow
from animo_shared.store import Changes

from .activity import hour_of, weight
from .audit import entry
from .models import Post
from .repository import Repository

log = logging.getLogger(__name__)
ERASED = "[erased]"
PAGE = 500
ERASER = "crm"  # the actor of an erasure in the audit trail: the member asked the CRM


class Redactor:
    """Finds one person's handles in a text: `@handle` anywhere, the bare handle as a word
    in the replies addressed to them (a template's `{author}` may have put it there)."""

    def __init__(self, handles: Iterable[str]) -> None:
        names = sorted({h.strip().lstrip("@").lower() for h in handles if h.strip("@ ")}, key=len)
        alternatives = "|".join(re.escape(n) for n in reversed(names))
        self.handles = frozenset(names)
        # `@marie` and `@marie@instance.social`, not `@marie_d` nor `@marie.dupont`.
        self._at = re.compile(
            rf"(?<![\w@])@(?:{alternatives})(?:@[\w.-]*\w)?(?!\w|[.-]\w)", re.IGNORECASE
        )
        self._bare = re.compile(rf"(?<![\w@])(?:{alternatives})(?!\w|[.-]\w|@)", re.IGNORECASE)

    def text(self, value: str, addressed: bool) -> str:
        value = self._at.sub("@" + ERASED, value)
        return self._bare.sub(ERASED, value) if addressed else value

    def post(self, post: Post) -> Post | None:
        """The post without this person, or None when it does not name them."""
        addressed = (post.reply_to_author or "").lstrip("@").lower() in self.handles

        def clean(value: str | None) -> str | None:
            return None if value is None else self.text(value, addressed)

        variants = [
            v.model_copy(update={"parts": [self.text(p, addressed) for p in v.parts]})
            for v in post.variants
        ]
        deliveries = [
            d.model_copy(update={"error": clean(d.error), "body_excerpt": clean(d.body_excerpt)})
            for d in post.deliveries
        ]
        after = post.model_copy(
            update={
                "text": self.text(post.text, addressed),
                "overrides": {c: self.text(t, addressed) for c, t in post.overrides.items()},
                "variants": variants,
                "deliveries": deliveries,
                "reply_to_author": None if addressed else post.reply_to_author,
            }
        )
        return None if after == post else after


class Community:
    def __init__(self, repo: Repository, clock: Callable[[], datetime] = utcnow) -> None:
        self.repo = repo
        self.clock = clock

    async def engagement(self, events: Sequence[Envelope[Any]]) -> Changes:
        changes = Changes()
        for event in events:
            data = event.data
            if isinstance(data, EngagementRecorded):
                self.repo.stage_activity(
                    changes, data.brand, hour_of(data.occurred_at), weight(data)
                )
        return changes

    async def erasures(self, events: Sequence[Envelope[Any]]) -> Changes:
        for event in events:
            if isinstance(event.data, MemberErased):
                await self.erase(event.data)
        return Changes()

    async def erase(self, erased: MemberErased) -> int:
        """Take the member's handles out of every post of the brand; how many posts changed.
        Each post changes by compare-and-set, so a claim or an edit in between is kept."""
        redactor = Redactor(i.handle for i in erased.identities)
        if not redactor.handles:
            return 0
        count, offset = 0, 0
        while page := await self.repo.brand_posts(erased.brand, PAGE, offset):
            offset += len(page)
            for post in page:
                if await self._redact(post, redactor, erased):
                    count += 1
        if count:
            log.info(
                "erased a member from %d post(s)",
                count,
                extra={"brand": erased.brand, "member_id": erased.member_id},
            )
        return count

    async def _redact(self, post: Post, redactor: Redactor, erased: MemberErased) -> bool:
        current: Post | None = post
        for _ in range(10):
            if current is None:
                return False
            after = redactor.post(current)
            if after is None:
                return False
            after = after.model_copy(update={"version": current.version + 1})
            if await self.repo.replace_if(after, current.version):
                changes = Changes()
                self.repo.stage_audit(
                    changes,
                    entry(
                        post.id,
                        post.brand,
                        ERASER,
                        "personal_data_erased",
                        self.clock(),
                        member_id=erased.member_id,
                    ),
                )
                await self.repo.commit(changes)
                return True
            current = await self.repo.post(post.id)  # changed meanwhile: read it again
        raise RuntimeError(f"post {post.id} kept changing during an erasure; retrying the batch")
