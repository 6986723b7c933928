"""Mastodon hashtag and public timelines through the REST API, paged forward from the newest status already seen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from .fetch import Fetched, fetch
from .guard import check_item_count, load_json
from .item import MAX_NAME, clip, external_id, finish, http_url, lang, name, parse_datetime
from .models import Cursor, PulledItem, PullResult, SourceConfig, SourceError

PAGE_LIMIT = 40  # the API's maximum
MAX_PAGES = 5


def status_order(status_id: str) -> tuple[int, str]:
    """Mastodon ids are numeric strings of growing length: compare length, then text."""
    return (len(status_id), status_id)


def timeline_request(options: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """The timeline path and its fixed query parameters, from the source's options."""
    limit = options.get("limit", PAGE_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise SourceError("options.limit must be an integer", retryable=False)
    params = {"limit": str(max(1, min(limit, PAGE_LIMIT)))}
    for flag in ("local", "remote", "only_media"):
        if options.get(flag) is True:
            params[flag] = "true"
    if "hashtag" in options:
        hashtag = str(options["hashtag"] or "").strip().lstrip("#")
        if not hashtag:
            raise SourceError("options.hashtag is empty", retryable=False)
        return f"/api/v1/timelines/tag/{quote(hashtag, safe='')}", params
    if options.get("timeline", "public") == "public":
        return "/api/v1/timelines/public", params
    raise SourceError("mastodon source needs options.hashtag or options.timeline='public'", False)


def status_item(status: Mapping[str, Any], network: str, host: str) -> PulledItem | None:
    """A status as a pulled item; a boost stands for the status it boosts."""
    reblog = status.get("reblog")
    original: Mapping[str, Any] = reblog if isinstance(reblog, dict) else status
    account = original.get("account")
    acct = account.get("acct") if isinstance(account, dict) else None
    if not isinstance(acct, str) or not acct.strip() or not isinstance(account, dict):
        return None
    # A local account's acct has no domain; qualify it so handles are unique across instances.
    handle = acct.strip() if "@" in acct else f"{acct.strip()}@{host}"
    content = original.get("content") if isinstance(original.get("content"), str) else ""
    spoiler = original.get("spoiler_text") if isinstance(original.get("spoiler_text"), str) else ""
    text = f"{spoiler}\n\n{content}".strip() if spoiler else str(content).strip()
    # The uri is the status's global ActivityPub id: the same post seen through two
    # instances has one uri but two local ids.
    item_id = external_id(original.get("uri") or original.get("id"), host)
    if not text or item_id is None:
        return None
    return PulledItem(
        source=network,
        external_id=item_id,
        author_handle=clip(handle, MAX_NAME),
        author_name=name(account.get("display_name")),
        text=clip(text),
        url=http_url(original.get("url")) or http_url(original.get("uri")),
        published_at=parse_datetime(original.get("created_at")),
        lang=lang(original.get("language")),
    )


class MastodonConnector:
    """Options: `hashtag` ("velo") or `timeline` ("public"), `local`/`remote`/`only_media`
    (booleans), `limit` (<= 40), `network` (default "mastodon"), `headers` (a bearer
    token when the instance has disabled public preview).

    `config.url` is the instance's base URL. The cursor's position is the newest status id;
    the next pull asks for `min_id` (the statuses right after it, not the newest page as
    `since_id` would) and pages forward, so a burst over one page leaves no gap.
    """

    async def pull(
        self, client: httpx.AsyncClient, config: SourceConfig, cursor: Cursor
    ) -> PullResult:
        path, params = timeline_request(config.options)
        url = config.url.rstrip("/") + path
        newest = cursor.position
        statuses: list[Mapping[str, Any]] = []
        first: Fetched | None = None
        for page in range(MAX_PAGES):
            query = {**params, "min_id": newest} if newest else params
            fetched = await fetch(
                client,
                url,
                cursor=cursor if page == 0 else None,
                params=query,
                headers=config.extra_headers(),
            )
            if fetched.not_modified:
                return PullResult([], cursor, not_modified=True)
            first = first or fetched
            batch = load_json(fetched.body)
            if not isinstance(batch, list):
                raise SourceError("expected a JSON array of statuses")
            check_item_count(len(batch))
            page_statuses = [s for s in batch if isinstance(s, dict) and s.get("id")]
            statuses.extend(page_statuses)
            ids = [str(s["id"]) for s in page_statuses]
            if ids:
                newest = max([*ids, *([newest] if newest else [])], key=status_order)
            # The first pull takes the newest page only (no history); later ones page
            # forward until a short page says there is nothing newer.
            if cursor.position is None or len(batch) < int(params["limit"]):
                break
        network = config.network("mastodon")
        candidates = [
            item for s in statuses if (item := status_item(s, network, config.host)) is not None
        ]
        assert first is not None  # the loop ran at least once
        items, new_cursor = finish(
            candidates,
            cursor,
            etag=first.etag,
            last_modified=first.last_modified,
            position=newest,
        )
        return PullResult(items, new_cursor)
