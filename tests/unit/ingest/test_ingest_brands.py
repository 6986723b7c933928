"""Brands and listening queries without I/O: the rules for creating and changing them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from animo_ingest import brands
from animo_ingest.brands import (
    BrandIn,
    BrandOut,
    BrandPatch,
    BrandRecord,
    BrandService,
    Conflict,
    LimitReached,
    NotFound,
    QueryIn,
    QueryRecord,
)
from animo_ingest.query import QuerySyntaxError

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
SECRET = "a-long-shared-secret-for-hooks"


class FakeStore:
    def __init__(self) -> None:
        self.brands: dict[str, BrandRecord] = {}
        self.queries: dict[str, QueryRecord] = {}

    async def get_brand(self, brand: str) -> BrandRecord | None:
        return self.brands.get(brand)

    async def insert_brand(self, record: BrandRecord) -> bool:
        if record.id in self.brands:
            return False
        self.brands[record.id] = record
        return True

    async def put_brand(self, record: BrandRecord) -> None:
        self.brands[record.id] = record

    async def page_brands(self, limit: int, offset: int) -> tuple[list[BrandRecord], int]:
        ordered = sorted(self.brands.values(), key=lambda b: b.id)
        return ordered[offset : offset + limit], len(ordered)

    async def get_query(self, query_id: str) -> QueryRecord | None:
        return self.queries.get(query_id)

    async def put_query(self, record: QueryRecord) -> None:
        self.queries[record.id] = record

    async def delete_query(self, query_id: str) -> bool:
        return self.queries.pop(query_id, None) is not None

    async def brand_queries(self, brand: str) -> list[QueryRecord]:
        return [q for q in self.queries.values() if q.brand == brand]

    async def count_queries(self, brand: str) -> int:
        return len(await self.brand_queries(brand))


@pytest.fixture
def changed() -> list[str]:
    return []


@pytest.fixture
async def service(changed: list[str]) -> BrandService:
    svc = BrandService(FakeStore(), changed.append)
    await svc.create_brand(BrandIn(id="acme", name="Acme", webhook_secret=SECRET), NOW)
    return svc


async def test_a_brand_id_is_taken_once_and_its_secret_is_never_shown(
    service: BrandService,
) -> None:
    with pytest.raises(Conflict):
        await service.create_brand(BrandIn(id="acme", name="Again"), NOW)
    shown = BrandOut.of(await service.brand("acme")).model_dump_json()
    assert SECRET not in shown and '"webhook_secret_set":true' in shown
    assert await service.webhook_secret("acme") == SECRET
    assert await service.webhook_secret("nobody") is None


async def test_updating_and_rotating_the_secret(service: BrandService) -> None:
    renamed = await service.update_brand("acme", BrandPatch(name="Acme SA"), NOW)
    assert (renamed.name, renamed.webhook_secret) == ("Acme SA", SECRET)
    rotated = await service.rotate_secret("acme", NOW)
    assert rotated != SECRET and len(rotated) > 32
    assert await service.webhook_secret("acme") == rotated
    with pytest.raises(NotFound):
        await service.rotate_secret("nobody", NOW)


def test_webhook_secrets_must_be_long_enough() -> None:
    with pytest.raises(ValidationError, match="at least 16"):
        BrandIn(id="acme", name="Acme", webhook_secret="short")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "competitor"}, "needs `competitor`"),
        ({"kind": "own", "competitor": "Ondine"}, "only for kind 'competitor'"),
        ({"kind": "partner"}, "'own' or 'competitor'"),
    ],
)
def test_a_competitor_query_names_its_competitor_and_only_it_does(
    body: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        QueryIn.model_validate({"name": "q", "query": "Ondine", **body})


async def test_queries_are_parsed_before_they_are_stored(
    service: BrandService, changed: list[str]
) -> None:
    with pytest.raises(QuerySyntaxError) as refused:
        await service.create_query("acme", QueryIn(name="q", query="colis)"), NOW)
    assert refused.value.position == 5
    assert await service.queries("acme") == [] and changed == []
    query = QueryIn(name="Ondine", query="Ondine", kind="competitor", competitor="Ondine")
    saved = await service.create_query("acme", query, NOW)
    assert (saved.brand, saved.kind, saved.competitor, saved.enabled) == (
        "acme",
        "competitor",
        "Ondine",
        True,
    )
    assert changed == ["acme"]


async def test_replace_and_delete_touch_only_the_brand_s_own_queries(
    service: BrandService, changed: list[str]
) -> None:
    await service.create_brand(BrandIn(id="other", name="Other"), NOW)
    saved = await service.create_query("acme", QueryIn(name="q", query="colis"), NOW)
    with pytest.raises(NotFound):
        await service.query("other", saved.id)
    with pytest.raises(NotFound):
        await service.delete_query("other", saved.id)
    with pytest.raises(QuerySyntaxError):
        await service.replace_query("acme", saved.id, QueryIn(name="q", query="AND"), NOW)
    replaced = await service.replace_query(
        "acme", saved.id, QueryIn(name="q2", query="colis perdu", enabled=False), NOW
    )
    assert (replaced.id, replaced.name, replaced.enabled) == (saved.id, "q2", False)
    assert replaced.created_at == saved.created_at
    await service.delete_query("acme", saved.id)
    assert await service.queries("acme") == []
    assert changed == ["acme", "acme", "acme"]


async def test_queries_need_a_known_brand_and_stay_within_the_limit(
    service: BrandService, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(NotFound):
        await service.create_query("nobody", QueryIn(name="q", query="colis"), NOW)
    with pytest.raises(NotFound):
        await service.queries("nobody")
    monkeypatch.setattr(brands, "MAX_QUERIES_PER_BRAND", 2)
    for n in range(2):
        await service.create_query("acme", QueryIn(name=f"q{n}", query="colis"), NOW)
    with pytest.raises(LimitReached):
        await service.create_query("acme", QueryIn(name="q3", query="colis"), NOW)
