"""Discourse forums: the latest posts through `/posts.json`, paged back with `before` until the last post already seen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from .fetch import Fetched, fetch
from .guard import check_item_count, load_json
from .item import MAX_NAME, clip, external_id, finish, http_url, name, parse_datetime
from .models import Cursor, PulledItem, PullResult, SourceConfig, SourceError

MAX_PAGES = 5
_REGULAR_POST = 1  # 2 moderator action, 3 small action ("closed this topic"), 4 whisper


def _post_id(post: Mapping[str, Any]) -> int | None:
    value = post.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def post_item(post: Mapping[str, Any], base: str, network: str, host: str) -> PulledItem | None:
    """A post as a pulled item; hidden, deleted and non-regular posts are skipped."""
    post_id = _post_id(post)
    username = post.get("username")
    if post_id is None or not isinstance(username, str) or not username.strip():
        return None
    if post.get("hidden") or post.get("deleted_at") or post.get("user_deleted"):
        return None
    if post.get("post_type", _REGULAR_POST) != _REGULAR_POST:
        return None
    # `raw` is what the author typed; `cooked` adds rendered oneboxes of other pages.
    raw, cooked = post.get("raw"), post.get("cooked")
    text = raw if isinstance(raw, str) and raw.strip() else cooked
    if not isinstance(text, str) or not text.strip():
        return None
    item_id = external_id(post_id, host)
    if item_id is None:
        return None
    return PulledItem(
        source=network,
        external_id=item_id,
        author_handle=clip(username.strip(), MAX_NAME),
        author_name=name(post.get("name")),
        text=clip(text.strip()),
        url=_post_url(post, base),
        published_at=parse_datetime(post.get("created_at")),
        lang=None,
    )


def _post_url(post: Mapping[str, Any], base: str) -> str | None:
    slug, topic, number = post.get("topic_slug"), post.get("topic_id"), post.get("post_number")
    if not isinstance(topic, int) or not isinstance(number, int):
        return None
    slug_part = quote(slug, safe="") if isinstance(slug, str) and slug else "-"
    return http_url(f"{base}/t/{slug_part}/{topic}/{number}")


class DiscourseConnector:
    """Options: `network` (default "forum"), `headers` (`Api-Key`/`Api-Username` for
    private categories). `config.url` is the forum's base URL.

    The cursor's position is the highest post id seen. `/posts.json` returns the newest
    posts; when a whole page is newer than the position, earlier pages are fetched with
    `before=<lowest id>` (up to `MAX_PAGES`), so a busy hour is not skipped.
    """

    async def pull(
        self, client: httpx.AsyncClient, config: SourceConfig, cursor: Cursor
    ) -> PullResult:
        base = config.url.rstrip("/")
        after = int(cursor.position) if cursor.position and cursor.position.isdigit() else None
        posts: list[Mapping[str, Any]] = []
        first: Fetched | None = None
        before: int | None = None
        for page in range(MAX_PAGES):
            fetched = await fetch(
                client,
                f"{base}/posts.json",
                cursor=cursor if page == 0 else None,
                params={"before": str(before)} if before is not None else None,
                headers=config.extra_headers(),
            )
            if fetched.not_modified:
                return PullResult([], cursor, not_modified=True)
            first = first or fetched
            data = load_json(fetched.body)
            batch = data.get("latest_posts") if isinstance(data, dict) else None
            if not isinstance(batch, list):
                raise SourceError("expected a JSON object with a latest_posts array")
            check_item_count(len(batch))
            page_posts = [p for p in batch if isinstance(p, dict) and _post_id(p) is not None]
            posts.extend(page_posts)
            ids = [i for p in page_posts if (i := _post_id(p)) is not None]
            # First pull: the newest page only. Later: stop once the known region is reached.
            if after is None or not ids or min(ids) <= after + 1:
                break
            before = min(ids)
        assert first is not None  # the loop ran at least once
        newer = [p for p in posts if after is None or (_post_id(p) or 0) > after]
        all_ids = [i for p in posts if (i := _post_id(p)) is not None]
        highest = max([*all_ids, *([after] if after is not None else [])], default=None)
        network = config.network("forum")
        candidates = [
            item for p in newer if (item := post_item(p, base, network, config.host)) is not None
        ]
        items, new_cursor = finish(
            candidates,
            cursor,
            etag=first.etag,
            last_modified=first.last_modified,
            position=str(highest) if highest is not None else None,
        )
        return PullResult(items, new_cursor)
