"""The publisher over real HTTP with local doubles of the networks and of moderation: channels and
their secrets, the mounted preview, reply templates. The doubles here serve the other
`test_publisher_*` modules too."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from animo_dev.inprocess import serve
from animo_publisher.config import Settings
from animo_publisher.main import create_app
from animo_shared.settings import CommonSettings

pytestmark = pytest.mark.integration

KEY = "integration-key-" + "x" * 24
AUTH = {"Authorization": f"Bearer {KEY}"}
TOKEN = "tok-SECRET-91c3e0"
SECRET = "whsec-SECRET-" + "z" * 16


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Networks:
    """Every network at once, answering like each does. Records every request; a script per
    path fragment overrides the answer; Mastodon and webhooks honour Idempotency-Key (a repeat
    returns the first object), the others create a new object on every request."""

    base: str = ""
    seen: list[Seen] = field(default_factory=list)
    script: dict[str, list[Answer]] = field(default_factory=lambda: defaultdict(list))
    created: list[str] = field(default_factory=list)
    by_key: dict[str, str] = field(default_factory=dict)
    gate: asyncio.Event | None = None  # when set, requests wait for it before answering

    def paths(self, fragment: str) -> list[Seen]:
        return [s for s in self.seen if fragment in s.path]

    def _new(self, key: str | None) -> str:
        if key is not None and key in self.by_key:
            return self.by_key[key]
        made = str(1000 + len(self.created))
        self.created.append(made)
        if key is not None:
            self.by_key[key] = made
        return made

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{path:path}")
        async def endpoint(request: Request, path: str) -> Response:
            raw = await request.body()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode()
            self.seen.append(Seen("/" + path, dict(request.headers), body))
            if self.gate is not None:
                await self.gate.wait()
            for fragment, answers in self.script.items():
                if fragment in "/" + path and answers:
                    a = answers.pop(0)
                    return Response(json.dumps(a.body), a.status, a.headers, "application/json")
            return self._success("/" + path, request.headers.get("idempotency-key"))

        return app

    def _success(self, path: str, key: str | None) -> Response:
        def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
            return Response(json.dumps(body), status, headers, "application/json")

        if path.endswith("/2/tweets"):
            return ok({"data": {"id": self._new(None), "text": "…"}}, 201)
        if path.endswith("/api/v1/statuses"):
            return ok({"id": self._new(key)})
        if path.endswith("/posts.json"):
            return ok({"id": 1, "topic_id": 77, "post_number": int(self._new(None)) % 1000})
        if path.endswith("/rest/posts"):
            return ok({}, 201, {"x-restli-id": f"urn:li:share:{self._new(None)}"})
        if path.endswith("/media"):
            return ok({"id": "container-1"})
        return ok({"id": self._new(key)}, 200, {"x-external-id": self._new(key)})


@dataclass
class Moderation:
    """A stand-in for moderation's `POST /v1/moderate`: hides texts with a listed word."""

    hide: tuple[str, ...] = ("connard",)
    status: int = 200
    texts: list[str] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/moderate")
        async def moderate(request: Request) -> Response:
            assert request.headers["authorization"] == f"Bearer {KEY}"
            body = await request.json()
            self.texts.append(body["text"])
            if self.status != 200:
                return Response("down", self.status)
            found = [w for w in self.hide if w in body["text"].lower()]
            verdict = {
                "action": "hide" if found else "allow",
                "language": "fr",
                "categories": [
                    {"name": "insult", "severity": 2, "score": 0.97, "evidence": [{"term": w}]}
                    for w in found
                ],
                "sentiment": "negative" if found else "neutral",
            }
            return Response(json.dumps(verdict), 200, media_type="application/json")

        return app


@asynccontextmanager
async def publisher(
    data_dir: Path, moderation: str, bootstrap: str, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        common=CommonSettings(kafka_bootstrap=bootstrap, data_dir=data_dir, admin_key=KEY),
        moderation_url=moderation,
        tick_seconds=0.2,
        retry_base_seconds=0.05,
        retry_cap_seconds=0.2,
        **overrides,
    )
    async with (
        serve(create_app(settings)) as base,
        httpx.AsyncClient(base_url=base, headers=AUTH, timeout=10) as client,
    ):
        yield client


@dataclass
class World:
    api: httpx.AsyncClient
    networks: Networks
    moderation: Moderation


@asynccontextmanager
async def world(tmp_path: Path, bootstrap: str, **overrides: Any) -> AsyncIterator[World]:
    networks, moderation = Networks(), Moderation()
    async with serve(networks.app()) as net, serve(moderation.app()) as mod:
        networks.base = net
        async with publisher(tmp_path, mod, bootstrap, **overrides) as api:
            yield World(api, networks, moderation)


_names = itertools.count()


async def add_channel(w: World, kind: str = "webhook", brand: str = "acme", **extra: Any) -> str:
    creds = {
        "x": {"access_token": TOKEN},
        "mastodon": {"access_token": TOKEN},
        "discourse": {"api_key": TOKEN, "api_username": "animo", "category": "4"},
        "linkedin": {"author": "urn:li:organization:5", "access_token": TOKEN},
        "webhook": {"secret": SECRET},
    }[kind]
    base = w.networks.base + ("/hook" if kind == "webhook" else "")
    body = {"brand": brand, "kind": kind, "name": f"{kind}-{next(_names)}", "base_url": base}
    response = await w.api.post("/v1/channels", json={"credentials": creds, **body, **extra})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def draft(w: World, channels: list[str], text: str = "Bonjour !", **extra: Any) -> str:
    body = {"brand": "acme", "text": text, "channels": channels, **extra}
    response = await w.api.post("/v1/posts", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def approved(w: World, channels: list[str], text: str = "Bonjour !", **extra: Any) -> str:
    post = await draft(w, channels, text, submit=True, **extra)
    response = await w.api.post(f"/v1/posts/{post}:approve")
    assert response.status_code == 200, response.text
    return post


async def wait_for(w: World, post: str, *statuses: str, timeout: float = 10) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found: dict[str, Any] = (await w.api.get(f"/v1/posts/{post}")).json()
        if found["status"] in statuses:
            return found
        assert asyncio.get_running_loop().time() < deadline, f"still {found['status']}: {found}"
        await asyncio.sleep(0.05)


@pytest.fixture
async def w(tmp_path: Path, broker: str) -> AsyncIterator[World]:
    async with world(tmp_path, broker) as made:
        yield made


async def test_credentials_go_in_and_never_come_out(
    w: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    made = await w.api.post(
        "/v1/channels",
        json={
            "brand": "acme",
            "kind": "mastodon",
            "name": "fediverse",
            "base_url": w.networks.base,
            "credentials": {"access_token": TOKEN},
        },
    )
    assert made.status_code == 201
    listed = await w.api.get("/v1/channels", params={"brand": "acme"})
    one = await w.api.get(f"/v1/channels/{made.json()['id']}")
    refused = await w.api.post(
        "/v1/channels",
        json={
            "brand": "acme",
            "kind": "x",
            "name": "x",
            "credentials": {"access_token": TOKEN, "bogus": TOKEN},
        },
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "credentials"]
    assert "bogus" in refused.json()["detail"][0]["msg"]
    for response in (made, listed, one, refused):
        assert TOKEN not in response.text
    assert one.json()["credentials_set"] == ["access_token"]
    assert one.json()["health"] == "healthy"
    assert TOKEN not in caplog.text


async def test_each_kind_needs_its_credentials_and_base_url(w: World) -> None:
    cases = [
        ({"kind": "x", "credentials": {}}, ["body", "credentials"], "access_token"),
        ({"kind": "facebook", "credentials": {"page_id": "1"}}, ["body", "credentials"], "page_"),
        (
            {"kind": "mastodon", "credentials": {"access_token": "t"}},
            ["body", "base_url"],
            "base_url",
        ),
        (
            {"kind": "webhook", "url": "http://h/x", "secret": "short"},
            ["body", "credentials"],
            "16",
        ),
        ({"kind": "myspace", "credentials": {}}, ["body", "kind"], ""),
    ]
    for extra, loc, words in cases:
        response = await w.api.post("/v1/channels", json={"brand": "acme", "name": "n", **extra})
        assert response.status_code == 422, extra
        detail = response.json()["detail"][0]
        assert detail["loc"] == loc and words in detail["msg"], detail
    linkedin = await w.api.post(
        "/v1/channels",
        json={
            "brand": "acme",
            "kind": "linkedin",
            "name": "page",
            "credentials": {"author": "urn:li:organization:5", "access_token": "t"},
        },
    )
    assert linkedin.json()["base_url"] == "https://api.linkedin.com"


async def test_the_preview_route_is_mounted_behind_the_key(w: World) -> None:
    body = {"text": "Hello https://animo.example.org", "channels": ["x", "mastodon"]}
    answered = await w.api.post("/v1/posts:preview", json=body)
    assert answered.status_code == 200
    assert [v["channel"] for v in answered.json()["variants"]] == ["x", "mastodon"]
    async with httpx.AsyncClient(base_url=str(w.api.base_url)) as anonymous:
        assert (await anonymous.post("/v1/posts:preview", json=body)).status_code == 401


async def test_reply_templates_render_with_their_placeholders(w: World) -> None:
    template = {
        "brand": "acme",
        "topic": "delivery",
        "lang": "fr",
        "name": "colis",
        "text": "Bonjour {author}, {brand} a transmis votre demande au service livraison.",
    }
    made = await w.api.post("/v1/replies/templates", json=template)
    assert made.status_code == 201 and made.json()["placeholders"] == ["author", "brand"]
    await w.api.put("/v1/brands/acme/settings", json={"display_name": "Acme Vélos"})
    rendered = await w.api.post(
        "/v1/replies:render",
        json={"brand": "acme", "topic": "delivery", "lang": "fr", "values": {"author": "@marie"}},
    )
    assert rendered.json()["text"] == (
        "Bonjour @marie, Acme Vélos a transmis votre demande au service livraison."
    )
    missing = await w.api.post(
        "/v1/replies:render", json={"brand": "acme", "template_id": made.json()["id"]}
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "values"]
    assert "{author}" in missing.json()["detail"][0]["msg"]
    bad = await w.api.post("/v1/replies/templates", json={**template, "text": "{author.__class__}"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "text"]
    listed = await w.api.get("/v1/replies/templates", params={"brand": "acme", "topic": "delivery"})
    assert [t["id"] for t in listed.json()["items"]] == [made.json()["id"]]
    gone = await w.api.delete(f"/v1/replies/templates/{made.json()['id']}")
    assert gone.status_code == 204


async def test_a_reply_goes_out_as_a_reply_on_its_network(w: World) -> None:
    x = await add_channel(w, "x")
    post = await approved(w, [x], "Désolés pour le retard, on s'en occupe.", in_reply_to="1850")
    await wait_for(w, post, "published")
    (tweet,) = w.networks.paths("/2/tweets")
    assert tweet.body == {
        "text": "Désolés pour le retard, on s'en occupe.",
        "reply": {"in_reply_to_tweet_id": "1850"},
    }
    two = await w.api.post(
        "/v1/posts",
        json={
            "brand": "acme",
            "text": "t",
            "channels": [x, await add_channel(w)],
            "in_reply_to": "1",
        },
    )
    assert two.status_code == 422 and two.json()["detail"][0]["loc"] == ["body", "in_reply_to"]
