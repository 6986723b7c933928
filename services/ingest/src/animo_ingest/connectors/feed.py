"""RSS and Atom feeds (blogs, news sites, forum feeds) read with feedparser once the hostile-XML guard has passed them."""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import io
import re
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx

from .fetch import FEED_ACCEPT, fetch
from .guard import check_item_count, check_well_formed, refuse_entity_declarations
from .item import clip, external_id, finish, http_url, lang, name
from .models import Cursor, PulledItem, PullResult, SourceConfig, SourceError

_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)


def parse_feed(body: bytes, content_type: str = "", base: str = "", lenient: bool = False) -> Any:
    """Guard, then parse; refuses what is not a feed. Blocking: run it off the event loop."""
    refuse_entity_declarations(body)
    if not lenient:
        check_well_formed(body)
    # Servers label feeds text/html or text/plain; feedparser would then parse loosely and
    # ignore the XML declaration's encoding. The body is XML (checked), so say so.
    charset = _CHARSET.search(content_type)
    media_type = f"application/xml; charset={charset.group(1)}" if charset else "application/xml"
    # A stream, never bytes or str: feedparser treats those as a URL or a local file name.
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-type": media_type, "content-location": base},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise SourceError("not an RSS or Atom feed" + (f": {problem}" if problem else ""))
    check_item_count(len(parsed.entries))
    return parsed


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _detail(node: Any, key: str) -> Any:
    value = node.get(key)
    return value if isinstance(value, dict) else {}


def _when(entry: Any) -> datetime | None:
    # feedparser normalises every date format it knows to a UTC struct_time.
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not stamp:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(stamp), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def entry_item(entry: Any, feed: Any, network: str, base: str, host: str) -> PulledItem | None:
    """One feed entry as a pulled item: title and body together, since both carry mentions."""
    title = _text(entry.get("title"))
    # Empty content blocks occur in real feeds (Google's blog nests an empty Open Graph
    # description that feedparser reads as content), so the first non-empty one wins.
    contents = [c for c in entry.get("content") or [] if _text(c.get("value"))]
    body = _text(contents[0].get("value")) if contents else _text(entry.get("summary"))
    text = "\n\n".join(part for part in (title, body) if part)
    if not text:
        return None
    # id (Atom id, RSS guid), else link, else the text itself: an entry with neither is rare.
    fallback = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    item_id = external_id(entry.get("id") or entry.get("link") or fallback, host)
    if item_id is None:
        return None
    author = name(_detail(entry, "author_detail").get("name")) or name(entry.get("author"))
    handle = author or name(_detail(feed, "author_detail").get("name")) or host
    language = (
        (contents[0].get("language") if contents else None)
        or _detail(entry, "summary_detail").get("language")
        or _detail(entry, "title_detail").get("language")
        or feed.get("language")
    )
    return PulledItem(
        source=network,
        external_id=item_id,
        author_handle=handle,
        author_name=author,
        text=clip(text),
        url=http_url(entry.get("link"), base),
        published_at=_when(entry),
        lang=lang(language),
    )


class FeedConnector:
    """RSS 0.9x/1.0/2.0 and Atom.

    Options: `network` (default "blog"; "news", "forum"… for other feeds), `lenient`
    (default false: XML that is not well-formed is refused; true lets feedparser recover
    what it can, e.g. HTML entities like `&nbsp;`), `headers`.
    """

    async def pull(
        self, client: httpx.AsyncClient, config: SourceConfig, cursor: Cursor
    ) -> PullResult:
        fetched = await fetch(
            client, config.url, cursor=cursor, accept=FEED_ACCEPT, headers=config.extra_headers()
        )
        if fetched.not_modified:
            return PullResult([], cursor, not_modified=True)
        lenient = config.options.get("lenient") is True
        parsed = await asyncio.to_thread(
            parse_feed, fetched.body, fetched.content_type, fetched.url, lenient
        )
        network = config.network("blog")
        candidates = [
            item
            for entry in parsed.entries
            if (item := entry_item(entry, parsed.feed, network, fetched.url, config.host))
        ]
        items, new_cursor = finish(
            candidates,
            cursor,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            position=None,
        )
        return PullResult(items, new_cursor)
