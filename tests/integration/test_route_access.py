"""Every route of every service, walked from its own OpenAPI document: none answers without a
key, none answers a key that lacks its scope, none answers a key restricted to another brand
when the brand is in the URL. Id-addressed resources of another brand: each service's
`test_<service>_access.py`."""

from __future__ import annotations

import importlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from animo_dev.inprocess import serve
from animo_shared.access import SCOPES
from animo_shared.settings import CommonSettings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]
KEY = "integration-key-" + "w" * 16
SERVICES = ("ingest", "moderation", "publisher", "crm", "reporting")
# Routes that authenticate by signature instead of by key (ingest's signed webhooks).
SIGNED = {
    ("ingest", "POST", "/v1/hooks/{brand}/mentions"),
    ("ingest", "POST", "/v1/hooks/{brand}/engagement"),
}
PARAM = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    scope: str | None
    query: frozenset[str]

    def url(self) -> str:
        return PARAM.sub(
            lambda m: "acme" if m.group(1) == "brand" else "0123456789abcdef", self.path
        )


@dataclass
class Walk:
    clients: dict[str, httpx.AsyncClient]
    routes: list[Route]
    without: dict[str, str]  # scope -> a key holding every other scope but admin
    elsewhere: dict[str, str]  # scope -> a key holding it for brand "other" only


def settings_for(service: str, data: Path, broker: str) -> Any:
    config = importlib.import_module(f"animo_{service}.config")
    common = CommonSettings(kafka_bootstrap=broker, data_dir=data, admin_key=KEY)
    extra: dict[str, Any] = {}
    if service == "ingest":
        extra["scheduler_tick_seconds"] = 3600
    return config.Settings(common=common, **extra)


def routes_of(service: str, document: dict[str, Any]) -> list[Route]:
    found = []
    for path, operations in document["paths"].items():
        if not path.startswith("/v1"):
            continue
        for method, operation in operations.items():
            query = frozenset(
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            )
            found.append(
                Route(service, method.upper(), path, operation.get("x-animo-scope"), query)
            )
    return found


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def walk(broker: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Walk]:
    data = tmp_path_factory.mktemp("walk")
    apps = {
        s: importlib.import_module(f"animo_{s}.main").create_app(settings_for(s, data, broker))
        for s in SERVICES
    }
    routes = [r for s, app in apps.items() for r in routes_of(s, app.openapi())]
    async with (
        serve(apps["ingest"]) as ingest,
        serve(apps["moderation"]) as moderation,
        serve(apps["publisher"]) as publisher,
        serve(apps["crm"]) as crm,
        serve(apps["reporting"]) as reporting,
    ):
        bases = dict(zip(SERVICES, (ingest, moderation, publisher, crm, reporting), strict=True))
        clients = {s: httpx.AsyncClient(base_url=b, timeout=30) for s, b in bases.items()}
        admin = {"Authorization": f"Bearer {KEY}"}
        without, elsewhere = {}, {}
        for scope in SCOPES:
            others = [s for s in SCOPES if s not in (scope, "admin")]
            made = await clients["crm"].post(
                "/v1/admin/keys", json={"name": f"all but {scope}", "scopes": others}, headers=admin
            )
            without[scope] = made.json()["secret"]
            made = await clients["crm"].post(
                "/v1/admin/keys",
                json={"name": f"{scope} for other", "scopes": [scope], "brands": ["other"]},
                headers=admin,
            )
            elsewhere[scope] = made.json()["secret"]
        try:
            yield Walk(clients, routes, without, elsewhere)
        finally:
            for client in clients.values():
                await client.aclose()


async def send(walk: Walk, route: Route, key: str | None, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = {} if route.method in ("POST", "PUT", "PATCH") else None
    return await walk.clients[route.service].request(
        route.method, route.url(), headers=headers, params=params, json=body
    )


async def test_every_route_names_a_known_scope(walk: Walk) -> None:
    assert len(walk.routes) > 100
    for route in walk.routes:
        if (route.service, route.method, route.path) in SIGNED:
            assert route.scope is None
        else:
            assert route.scope in SCOPES, route


async def test_no_route_answers_without_a_key(walk: Walk) -> None:
    for route in walk.routes:
        answer = await send(walk, route, None)
        assert answer.status_code == 401, (route, answer.text)


async def test_no_route_answers_a_key_without_its_scope(walk: Walk) -> None:
    for route in walk.routes:
        if route.scope is None:
            continue
        answer = await send(walk, route, walk.without[route.scope], brand="acme")
        assert answer.status_code == 403, (route, answer.text)
        assert answer.json()["detail"] == f"this API key lacks the scope {route.scope!r}"


async def test_no_route_answers_for_a_brand_the_key_is_not_for(walk: Walk) -> None:
    walked = 0
    for route in walk.routes:
        if route.scope is None or ("{brand}" not in route.path and "brand" not in route.query):
            continue
        walked += 1
        answer = await send(walk, route, walk.elsewhere[route.scope], brand="acme")
        assert answer.status_code == 403, (route, answer.text)
        assert "brand 'acme'" in answer.json()["detail"]
    assert walked > 30
