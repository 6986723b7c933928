"""Each pull connector against a local HTTP server serving recorded real payloads: the exact requests, the items, conditional requests and cursors."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from animo_dev.inprocess import serve
from animo_ingest.connectors import CONNECTORS, Cursor, PullResult, SourceConfig, new_client
from animo_ingest.connectors.mastodon import status_order

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "connectors"
Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Site:
    """A local server's routes (path -> handler) and every request it received."""

    base: str = ""
    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            self.seen.append(
                Seen(request.url.path, dict(request.query_params), dict(request.headers))
            )
            handler = self.routes.get(request.url.path)
            return await handler(request) if handler else Response(status_code=404)

        return Starlette(routes=[Route("/{path:path}", endpoint)])


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    server = Site()
    async with serve(server.app()) as base:
        server.base = base
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with new_client(timeout=5.0) as http:
        yield http


def static(
    body: bytes, media_type: str, etag: str | None = None, modified: str | None = None
) -> Handler:
    """Serve `body`, answering 304 when the request's validators match, like a web server."""

    async def handler(request: Request) -> Response:
        headers = {k: v for k, v in (("ETag", etag), ("Last-Modified", modified)) if v}
        if (etag and request.headers.get("if-none-match") == etag) or (
            modified and request.headers.get("if-modified-since") == modified
        ):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=media_type, headers=headers)

    return handler


async def pull(
    http: httpx.AsyncClient, config: SourceConfig, cursor: Cursor | None = None
) -> PullResult:
    return await CONNECTORS[config.kind].pull(http, config, cursor or Cursor())


def restart(cursor: Cursor) -> Cursor:
    """The cursor as it comes back from storage after a restart."""
    return Cursor.from_dict(json.loads(json.dumps(cursor.to_dict())))


# RSS / Atom ----------------------------------------------------------------------------


async def test_rss_pull_sends_validators_and_a_304_keeps_the_cursor(
    site: Site, client: httpx.AsyncClient
) -> None:
    body = (FIXTURES / "rss_google_blog.xml").read_bytes()
    modified = "Fri, 26 Jun 2026 16:00:00 GMT"
    site.routes["/rss/"] = static(body, "application/rss+xml", '"kw-1"', modified)
    config = SourceConfig(id="google-blog", kind="rss", url=f"{site.base}/rss/")

    first = await pull(client, config)

    assert [i.url for i in first.items] == [
        "https://blog.google/products-and-platforms/products/gemini/find-job-with-google-ai-tools/",
        "https://blog.google/company-news/inside-google/around-the-globe/google-europe/investing-in-ukraines-ai-leadership-and-economic-future/",
    ]  # oldest first
    newest = first.items[1]
    assert newest.source == "blog"
    assert newest.author_handle == newest.author_name == "Annette Kroeber-Riel"
    assert newest.text.startswith(
        "Investing in Ukraine\u2019s AI leadership and economic future\n\n"
    )
    assert "Google.org is providing a $5 million grant" in newest.text
    assert newest.published_at == datetime(2026, 6, 25, 17, 40, tzinfo=UTC)
    assert newest.lang == "en"
    assert newest.external_id == newest.url  # the guid
    assert "application/rss+xml" in site.seen[0].headers["accept"]
    assert "if-none-match" not in site.seen[0].headers
    assert (first.cursor.etag, first.cursor.last_modified) == ('"kw-1"', modified)

    second = await pull(client, config, restart(first.cursor))

    assert site.seen[1].headers["if-none-match"] == '"kw-1"'
    assert site.seen[1].headers["if-modified-since"] == modified
    assert second.not_modified
    assert second.items == []
    assert second.cursor == first.cursor


async def test_a_feed_without_validators_repeats_nothing_after_a_restart(
    site: Site, client: httpx.AsyncClient
) -> None:
    full = (FIXTURES / "rss_google_blog.xml").read_text(encoding="utf-8")
    # The feed as it was before its newest post: the first <item> removed.
    earlier = re.sub(r"<item>.*?</item>", "", full, count=1, flags=re.DOTALL)
    site.routes["/rss/"] = static(earlier.encode(), "text/xml; charset=utf-8")
    config = SourceConfig(id="google-blog", kind="rss", url=f"{site.base}/rss/")

    first = await pull(client, config)
    again = await pull(client, config, restart(first.cursor))
    site.routes["/rss/"] = static(full.encode(), "text/xml; charset=utf-8")
    later = await pull(client, config, restart(again.cursor))

    assert [i.text.split("\n")[0] for i in first.items] == [
        "Try these 3 Google AI tools to help find your next job."
    ]
    assert again.items == [] and not again.not_modified
    assert [i.text.split("\n")[0] for i in later.items] == [
        "Investing in Ukraine\u2019s AI leadership and economic future"
    ]
    assert len(later.cursor.seen_ids) == 2


async def test_atom_and_a_french_news_feed_map_author_date_and_language(
    site: Site, client: httpx.AsyncClient
) -> None:
    site.routes["/atom.xml"] = static(
        (FIXTURES / "atom_tonsky_blog.xml").read_bytes(), "application/atom+xml"
    )
    site.routes["/backend"] = static(
        (FIXTURES / "rss_reporterre_news.xml").read_bytes(), "application/rss+xml"
    )
    atom = await pull(client, SourceConfig(id="tonsky", kind="rss", url=f"{site.base}/atom.xml"))
    news = await pull(
        client,
        SourceConfig(
            id="reporterre", kind="rss", url=f"{site.base}/backend", options={"network": "news"}
        ),
    )

    [post] = atom.items
    assert post.external_id == "https://tonsky.me/blog/unicode/"
    assert (post.author_handle, post.author_name) == ("Nikita Prokopov", "Nikita Prokopov")
    assert post.published_at == datetime(2023, 10, 2, tzinfo=UTC)  # published, not updated
    assert post.text.endswith("Modern extension to classic 2003 article by Joel Spolsky")
    assert post.lang == "en"
    [article] = news.items
    assert article.source == "news"
    assert article.lang == "fr"
    assert article.author_handle == "127.0.0.1"  # no author anywhere: the site's host
    assert article.author_name is None
    assert article.published_at == datetime(2025, 2, 26, 16, 42, 45, tzinfo=UTC)  # dc:date
    assert article.text.startswith("Europe\xa0: vers un «\xa0affaiblissement historique")


# Mastodon ------------------------------------------------------------------------------


def mastodon_timeline(name: str, etag: str | None = None) -> Handler:
    """The recorded statuses, served with the API's min_id / since_id / limit semantics."""
    statuses: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))

    async def handler(request: Request) -> Response:
        limit = int(request.query_params.get("limit", "20"))
        newest_first = sorted(statuses, key=lambda s: status_order(s["id"]), reverse=True)
        if min_id := request.query_params.get("min_id"):
            # The statuses right after min_id, still listed newest first.
            above = [s for s in newest_first if status_order(s["id"]) > status_order(min_id)]
            page = above[-limit:]
        else:
            page = newest_first[:limit]
        return JSONResponse(page, headers={"ETag": etag} if etag else None)

    return handler


async def test_mastodon_hashtag_timeline_then_min_id_from_the_cursor(
    site: Site, client: httpx.AsyncClient
) -> None:
    site.routes["/api/v1/timelines/tag/hoot"] = mastodon_timeline(
        "mastodon_tag_timeline.json", etag='W/"2b0f51f846a105c96f9fbcf3101ad5d4"'
    )
    config = SourceConfig(
        id="masto-hoot", kind="mastodon", url=site.base, options={"hashtag": "#hoot"}
    )

    first = await pull(client, config)
    second = await pull(client, config, restart(first.cursor))

    assert site.seen[0].path == "/api/v1/timelines/tag/hoot"
    assert site.seen[0].query == {"limit": "40"}
    assert site.seen[1].query == {"limit": "40", "min_id": "109383678182834272"}
    assert site.seen[1].headers["if-none-match"] == 'W/"2b0f51f846a105c96f9fbcf3101ad5d4"'
    [status] = first.items
    assert status.source == "mastodon"
    assert status.external_id == (
        "http://localhost:3000/users/mastodonpy_test/statuses/109383678182834272"
    )
    assert status.author_handle == "mastodonpy_test@127.0.0.1"  # local acct, qualified
    assert status.author_name == "John Lennon"
    assert status.text == (
        '<p><a href="http://localhost:3000/tags/hoot" class="mention hashtag" rel="tag">'
        "#<span>hoot</span></a> (hashtag toot)</p>"
    )
    assert status.url == "http://localhost:3000/@mastodonpy_test/109383678182834272"
    assert status.published_at == datetime(2022, 11, 21, 20, 27, 52, 274000, tzinfo=UTC)
    assert status.lang == "ja"
    assert first.cursor.position == "109383678182834272"
    assert second.items == []
    assert second.cursor.position == first.cursor.position


async def test_mastodon_public_local_timeline_pages_forward_without_gaps(
    site: Site, client: httpx.AsyncClient
) -> None:
    site.routes["/api/v1/timelines/public"] = mastodon_timeline("mastodon_public_timeline.json")
    options = {"timeline": "public", "local": True, "limit": 2}
    config = SourceConfig(id="masto-local", kind="mastodon", url=f"{site.base}/", options=options)

    fresh = await pull(client, config)  # first pull: the newest page, no history
    resumed = await pull(client, config, Cursor(position="109383671694003672"))

    assert [s.query for s in site.seen] == [
        {"limit": "2", "local": "true"},
        {"limit": "2", "local": "true", "min_id": "109383671694003672"},
        {"limit": "2", "local": "true", "min_id": "109383675125308973"},
    ]
    assert [i.text for i in fresh.items] == ["<p>it&#39;s cool guy</p>", "<p>Toot!</p>"]
    assert [i.text for i in resumed.items] == [
        "<p>only real cars respond.</p>",
        "<p>it&#39;s cool guy</p>",
        "<p>Toot!</p>",
    ]
    assert resumed.cursor.position == "109383677960160722"


# Discourse -----------------------------------------------------------------------------


def discourse_posts(page_size: int = 50) -> Handler:
    """The recorded latest posts, with Discourse's `before` (ids below it) paging."""
    data = json.loads((FIXTURES / "discourse_posts_latest.json").read_text(encoding="utf-8"))

    async def handler(request: Request) -> Response:
        posts = data["latest_posts"]
        if before := request.query_params.get("before"):
            posts = [p for p in posts if p["id"] < int(before)]
        return JSONResponse({"latest_posts": posts[:page_size]})

    return handler


async def test_discourse_latest_posts_then_nothing_new(
    site: Site, client: httpx.AsyncClient
) -> None:
    site.routes["/forum/posts.json"] = discourse_posts()
    config = SourceConfig(id="forum", kind="discourse", url=f"{site.base}/forum")

    first = await pull(client, config)
    second = await pull(client, config, restart(first.cursor))

    assert [s.path for s in site.seen] == ["/forum/posts.json", "/forum/posts.json"]
    assert site.seen[0].query == {}
    assert [i.external_id for i in first.items] == [
        "127.0.0.1:2",
        "127.0.0.1:10",
        "127.0.0.1:14",
        "127.0.0.1:15",
    ]
    reply = first.items[-1]
    assert (reply.source, reply.author_handle, reply.author_name) == ("forum", "johndoe", None)
    assert reply.text == "holla bullhonky."  # raw, not cooked
    assert reply.url == f"{site.base}/forum/t/this-is-an-uncategorized-title/11/2"
    assert reply.published_at == datetime(2020, 1, 25, 2, 10, 7, 971000, tzinfo=UTC)
    assert first.items[0].author_name == "system"
    assert first.cursor.position == "15"
    assert second.items == []


async def test_discourse_pages_back_with_before_until_the_known_post(
    site: Site, client: httpx.AsyncClient
) -> None:
    site.routes["/posts.json"] = discourse_posts(page_size=2)
    config = SourceConfig(id="forum", kind="discourse", url=site.base)

    result = await pull(client, config, Cursor(position="2"))

    assert [s.query for s in site.seen] == [{}, {"before": "14"}]
    assert [i.external_id for i in result.items] == ["127.0.0.1:10", "127.0.0.1:14", "127.0.0.1:15"]
    assert result.cursor.position == "15"


# Generic JSON ---------------------------------------------------------------------------


async def test_json_source_maps_nested_fields_and_honours_etags(
    site: Site, client: httpx.AsyncClient
) -> None:
    body = (FIXTURES / "json_reddit_askreddit_new.json").read_bytes()
    site.routes["/r/AskReddit/new.json"] = static(body, "application/json", etag='"listing-1"')
    options = {
        "network": "reddit",
        "items": "data.children",
        "fields": {
            "external_id": "data.name",
            "text": ["data.selftext", "data.title"],  # link posts have no selftext
            "author": "data.author",
            "url": "data.permalink",
            "published_at": "data.created_utc",
        },
    }
    config = SourceConfig(
        id="askreddit", kind="json", url=f"{site.base}/r/AskReddit/new.json", options=options
    )

    first = await pull(client, config)
    second = await pull(client, config, restart(first.cursor))

    assert site.seen[0].headers["accept"] == "application/json"
    assert len(first.items) == 4
    newest = first.items[-1]
    assert newest.source == "reddit"
    assert newest.external_id == "127.0.0.1:t3_p7if57"
    assert newest.author_handle == "DoomedKiblets"
    assert newest.text.startswith("What can the average person anywhere do")
    assert newest.url == (
        f"{site.base}/r/AskReddit/comments/p7if57/what_can_the_average_person_anywhere_do_to_legit/"
    )
    assert newest.published_at == datetime.fromtimestamp(1629391016, UTC)
    assert site.seen[1].headers["if-none-match"] == '"listing-1"'
    assert second.not_modified and second.items == []
