"""The publisher under API keys, over real HTTP: a key restricted to one brand reads, lists,
changes and approves that brand's posts, channels, campaigns, queues and templates and no
other's (another brand's ids are a 404, another brand in a body or a list a 403, and nothing
is stored); approving takes `publisher:approve`; previews and checks take `publisher:read`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration.test_publisher_api import World, add_channel, world

pytestmark = pytest.mark.integration

WINDOW = {"starts_at": "2031-07-01T09:00:00", "ends_at": "2031-07-01T19:00:00"}
WEEKLY = [{"day": "mon", "time": "09:00"}]


@dataclass
class Brand:
    """One brand's things, made with the operator's key."""

    name: str
    channel: str
    post: str  # awaiting approval
    campaign: str
    queue: str
    template: str


@dataclass
class Two:
    w: World
    acme: Brand
    globex: Brand

    async def key(self, scopes: list[str], brands: list[str] | None = None) -> httpx.AsyncClient:
        """A client holding a new key with these scopes, for these brands (none: every one)."""
        spec = {"name": "t", "scopes": scopes, "brands": brands or []}
        made = await self.w.api.post("/v1/admin/keys", json=spec)
        assert made.status_code == 201, made.text
        client = httpx.AsyncClient(base_url=self.w.api.base_url, timeout=10)
        client.headers["Authorization"] = f"Bearer {made.json()['secret']}"
        return client

    async def seen(self, path: str, **params: Any) -> Any:
        """What the operator's key reads there: the truth to compare with after a refusal."""
        answer = await self.w.api.get(path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()


async def things(w: World, brand: str) -> Brand:
    api = w.api
    channel = await add_channel(w, brand=brand)
    body = {"brand": brand, "text": f"Bonjour de {brand}", "channels": [channel], "submit": True}
    post = await api.post("/v1/posts", json=body)
    assert post.json()["status"] == "awaiting_approval", post.text
    campaign = await api.post("/v1/campaigns", json={"brand": brand, "name": "soldes", **WINDOW})
    queue = await api.post("/v1/queues", json={"brand": brand, "name": "lundi", "slots": WEEKLY})
    template = await api.post(
        "/v1/replies/templates",
        json={"brand": brand, "topic": "delivery", "name": "colis", "text": "Bonjour {author}"},
    )
    for made in (campaign, queue, template):
        assert made.status_code == 201, made.text
    return Brand(
        brand,
        channel,
        post.json()["id"],
        campaign.json()["id"],
        queue.json()["id"],
        template.json()["id"],
    )


@pytest.fixture
async def two(tmp_path: Path, broker: str) -> AsyncIterator[Two]:
    async with world(tmp_path, broker) as w:
        yield Two(w, await things(w, "acme"), await things(w, "globex"))


def refused(answer: httpx.Response, status: int, words: str) -> None:
    assert (answer.status_code, words in answer.text) == (status, True), answer.text


async def test_a_brand_key_reads_and_lists_its_brand_only(two: Two) -> None:
    acme, globex = two.acme, two.globex
    async with await two.key(["publisher:read"], ["acme"]) as api:
        for path, mine, theirs in (
            ("/v1/posts/{}", acme.post, globex.post),
            ("/v1/posts/{}/audit", acme.post, globex.post),
            ("/v1/channels/{}", acme.channel, globex.channel),
            ("/v1/campaigns/{}", acme.campaign, globex.campaign),
            ("/v1/campaigns/{}/plan", acme.campaign, globex.campaign),
            ("/v1/queues/{}", acme.queue, globex.queue),
            ("/v1/queues/{}/next", acme.queue, globex.queue),
            ("/v1/replies/templates/{}", acme.template, globex.template),
        ):
            assert (await api.get(path.format(mine))).status_code == 200, path
            # Another brand's id answers exactly like an id that does not exist.
            other = await api.get(path.format(theirs))
            missing = await api.get(path.format("nope_0"))
            assert (other.status_code, other.json()["detail"].replace(theirs, "")) == (
                404,
                missing.json()["detail"].replace("nope_0", ""),
            ), path
        for path in ("/v1/posts", "/v1/channels", "/v1/campaigns", "/v1/queues"):
            listed = await api.get(path, params={"brand": "acme"})
            assert {i["brand"] for i in listed.json()["items"]} == {"acme"}, path
            refused(await api.get(path, params={"brand": "globex"}), 403, "brand 'globex'")
            refused(await api.get(path), 403, "must name its brand")
        refused(await api.get("/v1/brands/globex/settings"), 403, "brand 'globex'")
        # Computing without storing is reading: previews, slot checks, rendered replies.
        preview = {"text": "Bonjour", "channels": ["x"]}
        assert (await api.post("/v1/posts:preview", json=preview)).status_code == 200
        check = {"channels": [acme.channel], "at": "2031-06-02T10:00:00"}
        assert (
            await api.post("/v1/schedule:check", json={"brand": "acme", **check})
        ).status_code == 200
        render = {"topic": "delivery", "values": {"author": "@marie"}}
        assert (await api.post("/v1/replies:render", json={"brand": "acme", **render})).json()[
            "text"
        ] == "Bonjour @marie"
        their_check = {"brand": "globex", "channels": [globex.channel], "at": check["at"]}
        refused(await api.post("/v1/schedule:check", json=their_check), 403, "brand 'globex'")
        their_render = {"brand": "globex", **render}
        refused(await api.post("/v1/replies:render", json=their_render), 403, "brand 'globex'")
        by_id = {"brand": "acme", "template_id": globex.template, **render}
        assert (await api.post("/v1/replies:render", json=by_id)).status_code == 404
        # A reader writes nothing.
        post = {"brand": "acme", "text": "Salut", "channels": [acme.channel]}
        refused(await api.post("/v1/posts", json=post), 403, "'publisher:write'")


async def test_a_brand_key_changes_its_brand_only_and_stores_nothing_for_another(
    two: Two,
) -> None:
    acme, globex = two.acme, two.globex
    before = {
        "post": await two.seen(f"/v1/posts/{globex.post}"),
        "posts": await two.seen("/v1/posts", brand="globex"),
        "channels": await two.seen("/v1/channels", brand="globex"),
        "campaigns": await two.seen("/v1/campaigns", brand="globex"),
        "queues": await two.seen("/v1/queues", brand="globex"),
        "templates": await two.seen("/v1/replies/templates", brand="globex"),
    }
    async with await two.key(["publisher:read", "publisher:write"], ["acme"]) as api:
        # Bodies naming another brand: 403, before anything is stored.
        template = {"topic": "refund", "name": "r", "text": "Bonjour"}
        for path, body in (
            ("/v1/posts", {"text": "Salut", "channels": [globex.channel]}),
            (
                "/v1/channels",
                {"kind": "webhook", "name": "h", "url": "http://h/", "secret": "s" * 20},
            ),
            ("/v1/campaigns", {"name": "c", **WINDOW}),
            ("/v1/queues", {"name": "q", "slots": WEEKLY}),
            ("/v1/replies/templates", template),
        ):
            answer = await api.post(path, json={"brand": "globex", **body})
            refused(answer, 403, "may not act for brand 'globex'")
        refused(
            await api.put(
                f"/v1/replies/templates/{globex.template}", json={"brand": "globex", **template}
            ),
            403,
            "brand 'globex'",
        )
        refused(await api.put("/v1/brands/globex/settings", json={}), 403, "brand 'globex'")
        # Another brand's things by id: 404, and they stay as they were.
        by_id: list[tuple[str, str, dict[str, Any] | None]] = [
            ("PATCH", f"/v1/posts/{globex.post}", {"text": "Piraté"}),
            ("POST", f"/v1/posts/{globex.post}:submit", None),
            ("POST", f"/v1/posts/{globex.post}:cancel", None),
            ("POST", f"/v1/posts/{globex.post}/engagement", {"channel_id": globex.channel}),
            (
                "POST",
                f"/v1/posts/{globex.post}/deliveries/{globex.channel}:resolve",
                {"outcome": "failed"},
            ),
            ("PATCH", f"/v1/channels/{globex.channel}", {"name": "piraté"}),
            ("DELETE", f"/v1/channels/{globex.channel}", None),
            (
                "POST",
                f"/v1/campaigns/{globex.campaign}/posts",
                {"channels": [globex.channel], "announcement": "Piraté"},
            ),
            ("DELETE", f"/v1/campaigns/{globex.campaign}", None),
            ("DELETE", f"/v1/queues/{globex.queue}", None),
            ("PUT", f"/v1/replies/templates/{globex.template}", {"brand": "acme", **template}),
            ("DELETE", f"/v1/replies/templates/{globex.template}", None),
        ]
        for method, path, payload in by_id:
            answer = await api.request(method, path, json=payload)
            assert answer.status_code == 404, (method, path, answer.text)
        # A post's channels stay within its brand, for a brand key as for the operator's.
        mixed = {"brand": "acme", "text": "Salut", "channels": [acme.channel, globex.channel]}
        answer = await api.post("/v1/posts", json=mixed)
        assert answer.status_code == 422 and answer.json()["detail"][0]["type"] == "unknown_channel"
        # Its own brand: everything works.
        edited = await api.patch(f"/v1/posts/{acme.post}", json={"text": "Bonjour, Acme !"})
        assert edited.json()["text"] == "Bonjour, Acme !", edited.text
        assert (await api.post(f"/v1/posts/{acme.post}:cancel")).json()["status"] == "cancelled"
        renamed = await api.patch(f"/v1/channels/{acme.channel}", json={"name": "site"})
        assert renamed.json()["name"] == "site"
        written = await api.post(
            f"/v1/campaigns/{acme.campaign}/posts",
            json={"channels": [acme.channel], "announcement": "C'est parti !"},
        )
        assert written.status_code == 201 and written.json()["items"][0]["brand"] == "acme"
        new = await api.post(
            "/v1/posts", json={"brand": "acme", "text": "Salut", "channels": [acme.channel]}
        )
        assert new.status_code == 201, new.text
        for path in (
            f"/v1/queues/{acme.queue}",
            f"/v1/campaigns/{acme.campaign}",
            f"/v1/replies/templates/{acme.template}",
            f"/v1/channels/{acme.channel}",
        ):
            assert (await api.delete(path)).status_code == 204, path
    after = {
        "post": await two.seen(f"/v1/posts/{globex.post}"),
        "posts": await two.seen("/v1/posts", brand="globex"),
        "channels": await two.seen("/v1/channels", brand="globex"),
        "campaigns": await two.seen("/v1/campaigns", brand="globex"),
        "queues": await two.seen("/v1/queues", brand="globex"),
        "templates": await two.seen("/v1/replies/templates", brand="globex"),
    }
    assert after == before


async def test_approving_takes_the_approver_scope_and_the_posts_brand(two: Two) -> None:
    acme, globex = two.acme, two.globex
    async with await two.key(["publisher:read", "publisher:write"]) as writer:
        for action, body in ((":approve", None), (":reject", {"reason": "hors charte"})):
            answer = await writer.post(f"/v1/posts/{acme.post}{action}", json=body)
            refused(answer, 403, "lacks the scope 'publisher:approve'")
    async with await two.key(["publisher:approve"], ["acme"]) as approver:
        for action, body in ((":approve", None), (":reject", {"reason": "hors charte"})):
            answer = await approver.post(f"/v1/posts/{globex.post}{action}", json=body)
            assert answer.status_code == 404, answer.text
        assert (await two.seen(f"/v1/posts/{globex.post}"))["status"] == "awaiting_approval"
        approved = await approver.post(f"/v1/posts/{acme.post}:approve")
        assert approved.json()["status"] == "scheduled", approved.text
        refused(await approver.get(f"/v1/posts/{acme.post}"), 403, "'publisher:read'")
    async with await two.key(["publisher:approve"]) as everywhere:
        rejected = await everywhere.post(f"/v1/posts/{globex.post}:reject", json={"reason": "non"})
        assert rejected.json()["status"] == "rejected", rejected.text
    audit = (await two.seen(f"/v1/posts/{globex.post}/audit"))["items"]
    assert [e["action"] for e in audit][-1] == "rejected"
