"""Brands and their listening queries: the shapes, and the domain rules for changing them (no I/O here)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from animo_shared.events import BrandId
from animo_shared.store import Document

from .query import parse

MAX_QUERIES_PER_BRAND = 500
QueryKind = Literal["own", "competitor"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


_WEBHOOK_KEY_HELP = (
    "Shared secret of the signed webhooks (`/v1/hooks/{brand}/…`), 16 to 256 characters; "
    "stored, never returned."
)


class BrandIn(_Strict):
    id: BrandId = Field(examples=["velo-lumen"])
    name: str = Field(min_length=1, max_length=200, examples=["Vélo Lumen"])
    webhook_secret: str | None = Field(
        default=None, min_length=16, max_length=256, description=_WEBHOOK_KEY_HELP
    )


class BrandPatch(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    webhook_secret: str | None = Field(
        default=None, min_length=16, max_length=256, description=_WEBHOOK_KEY_HELP
    )


class BrandRecord(Document):
    name: str
    webhook_secret: str | None = None
    created_at: datetime
    updated_at: datetime


class BrandOut(BaseModel):
    id: str
    name: str
    webhook_secret_set: bool = Field(description="Whether signed webhooks are enabled.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: BrandRecord) -> BrandOut:
        return cls(
            id=record.id,
            name=record.name,
            webhook_secret_set=record.webhook_secret is not None,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


class BrandPage(BaseModel):
    items: list[BrandOut]
    total: int


class RotatedSecret(BaseModel):
    webhook_secret: str = Field(description="The new secret, shown this once only.")


class QueryIn(_Strict):
    """A listening query: what the brand, or one of its competitors, is listening for."""

    name: str = Field(min_length=1, max_length=200, examples=["Delivery complaints (fr)"])
    # The parser refuses over-long queries itself, pointing at the first character too many.
    query: str = Field(
        min_length=1,
        max_length=20_000,
        examples=['Colibri (livr* OR "colis perdu" OR retard*) lang:fr'],
        description="In the listening query language (docs/query-language.md).",
    )
    kind: QueryKind = Field(default="own", description="own: about the brand; competitor.")
    competitor: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The competitor's name; required for kind competitor.",
    )
    enabled: bool = True

    @model_validator(mode="after")
    def _competitor_named_only_for_competitors(self) -> QueryIn:
        if self.kind == "competitor" and self.competitor is None:
            raise ValueError("a competitor query needs `competitor`: the competitor's name")
        if self.kind == "own" and self.competitor is not None:
            raise ValueError("`competitor` is only for kind 'competitor'")
        return self


class QueryRecord(Document):
    brand: str
    name: str
    query: str
    kind: QueryKind
    competitor: str | None = None
    enabled: bool = True
    created_at: datetime
    updated_at: datetime


class QueryOut(QueryRecord):
    canonical: str = Field(description="The query fully parenthesised: how it was read.")

    @classmethod
    def of(cls, record: QueryRecord) -> QueryOut:
        return cls(**record.model_dump(), canonical=parse(record.query).canonical)


class QueryList(BaseModel):
    items: list[QueryOut]


class SampleText(_Strict):
    text: str = Field(min_length=1, max_length=100_000)
    lang: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}(?:[-_][A-Za-z0-9]{1,8})?$")
    source: str | None = Field(default=None, max_length=32, examples=["twitter"])
    author: str | None = Field(default=None, max_length=200, examples=["marie_l"])
    url: str | None = Field(default=None, max_length=2000)


class QueryTest(_Strict):
    query: str = Field(min_length=1, max_length=20_000)
    texts: list[Annotated[str, Field(min_length=1, max_length=100_000)] | SampleText] = Field(
        min_length=1, max_length=100, description="Plain strings, or texts with their fields."
    )


class SampleResult(BaseModel):
    matched: bool
    terms: list[str] = Field(description="The query's terms that matched, as written, in order.")


class QueryTestResults(BaseModel):
    canonical: str = Field(description="The query fully parenthesised: how it was read.")
    results: list[SampleResult] = Field(description="One per text, in the order given.")


class NotFound(LookupError):
    """No such brand or query."""


class Conflict(ValueError):
    """It exists already."""


class LimitReached(ValueError):
    """A brand has as many queries as it may."""


class BrandStore(Protocol):
    async def get_brand(self, brand: str) -> BrandRecord | None: ...
    async def insert_brand(self, record: BrandRecord) -> bool: ...
    async def put_brand(self, record: BrandRecord) -> None: ...
    async def page_brands(self, limit: int, offset: int) -> tuple[list[BrandRecord], int]: ...
    async def get_query(self, query_id: str) -> QueryRecord | None: ...
    async def put_query(self, record: QueryRecord) -> None: ...
    async def delete_query(self, query_id: str) -> bool: ...
    async def brand_queries(self, brand: str) -> list[QueryRecord]: ...
    async def count_queries(self, brand: str) -> int: ...


class BrandService:
    """Create and change brands and queries; `changed(brand)` tells the query cache to reload."""

    def __init__(self, store: BrandStore, changed: Callable[[str], None]) -> None:
        self.store = store
        self._changed = changed

    async def create_brand(self, body: BrandIn, now: datetime) -> BrandRecord:
        record = BrandRecord(
            id=body.id,
            name=body.name,
            webhook_secret=body.webhook_secret,
            created_at=now,
            updated_at=now,
        )
        if not await self.store.insert_brand(record):
            raise Conflict(f"brand {body.id!r} exists already")
        return record

    async def brand(self, brand: str) -> BrandRecord:
        record = await self.store.get_brand(brand)
        if record is None:
            raise NotFound(f"no brand {brand!r}")
        return record

    async def page_brands(
        self, limit: int, offset: int, only: frozenset[str] | None = None
    ) -> tuple[list[BrandRecord], int]:
        """A page of brands by id, and how many there are; `only`: of these brands alone."""
        if only is None:
            return await self.store.page_brands(limit, offset)
        # A brand-restricted key names a handful of brands: read each, page in memory.
        found = [record for b in sorted(only) if (record := await self.store.get_brand(b))]
        return found[offset : offset + limit], len(found)

    async def update_brand(self, brand: str, body: BrandPatch, now: datetime) -> BrandRecord:
        record = await self.brand(brand)
        changes = body.model_dump(exclude_unset=True, exclude_none=True)
        updated = record.model_copy(update={**changes, "updated_at": now})
        await self.store.put_brand(updated)
        return updated

    async def rotate_secret(self, brand: str, now: datetime) -> str:
        secret = "whsec_" + secrets.token_urlsafe(32)
        record = await self.brand(brand)
        await self.store.put_brand(
            record.model_copy(update={"webhook_secret": secret, "updated_at": now})
        )
        return secret

    async def webhook_secret(self, brand: str) -> str | None:
        record = await self.store.get_brand(brand)
        return record.webhook_secret if record else None

    async def queries(self, brand: str) -> Sequence[QueryRecord]:
        await self.brand(brand)
        return await self.store.brand_queries(brand)

    async def query(self, brand: str, query_id: str) -> QueryRecord:
        record = await self.store.get_query(query_id)
        if record is None or record.brand != brand:
            raise NotFound(f"brand {brand!r} has no query {query_id!r}")
        return record

    async def create_query(self, brand: str, body: QueryIn, now: datetime) -> QueryRecord:
        """Parse first (QuerySyntaxError, with its position), then store."""
        parse(body.query)
        await self.brand(brand)
        if await self.store.count_queries(brand) >= MAX_QUERIES_PER_BRAND:
            raise LimitReached(f"a brand has at most {MAX_QUERIES_PER_BRAND} queries")
        record = QueryRecord(
            id=str(uuid.uuid4()), brand=brand, created_at=now, updated_at=now, **body.model_dump()
        )
        await self.store.put_query(record)
        self._changed(brand)
        return record

    async def replace_query(
        self, brand: str, query_id: str, body: QueryIn, now: datetime
    ) -> QueryRecord:
        parse(body.query)
        current = await self.query(brand, query_id)
        record = current.model_copy(update={**body.model_dump(), "updated_at": now})
        await self.store.put_query(record)
        self._changed(brand)
        return record

    async def delete_query(self, brand: str, query_id: str) -> None:
        await self.query(brand, query_id)
        await self.store.delete_query(query_id)
        self._changed(brand)
