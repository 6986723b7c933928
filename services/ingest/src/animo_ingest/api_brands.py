"""Ingest's HTTP routes for brands, their listening queries, and the query tester."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response

from animo_shared.events import BRAND_PATTERN, utcnow
from animo_shared.http import check_brand, needs, visible_brands

from .brands import (
    BrandIn,
    BrandOut,
    BrandPage,
    BrandPatch,
    QueryIn,
    QueryList,
    QueryOut,
    QueryTest,
    QueryTestResults,
    RotatedSecret,
)
from .catalog import try_query
from .components import ingest_of

router = APIRouter(prefix="/v1")

BrandPath = Annotated[str, Path(pattern=BRAND_PATTERN, examples=["velo-lumen"])]
SYNTAX_ERROR = {
    422: {
        "description": "Invalid body, or a query that does not parse: `position` (0-based "
        "code points into the query) and `reason` say where and why.",
        "content": {
            "application/json": {
                "example": {
                    "detail": [
                        {
                            "type": "query_syntax",
                            "loc": ["body", "query"],
                            "msg": "at position 22: 'OR' needs a term on its right",
                            "position": 22,
                            "reason": "'OR' needs a term on its right",
                        }
                    ]
                }
            }
        },
    }
}
QUERY_EXAMPLES: dict[str, Any] = {
    "own": {
        "summary": "About the brand",
        "value": {
            "name": "Livraison (fr)",
            "query": 'Colibri (livr* OR "colis perdu" OR retard*) lang:fr',
            "kind": "own",
        },
    },
    "competitor": {
        "summary": "About a competitor",
        "value": {
            "name": "Ondine SAV",
            "query": 'Ondine NEAR/5 ("service client" OR sav OR rembours*)',
            "kind": "competitor",
            "competitor": "Ondine",
        },
    },
}


@router.post(
    "/brands",
    status_code=201,
    tags=["brands"],
    summary="Register a brand",
    description="A brand-restricted API key may register only its own brands (403 otherwise).",
)
async def create_brand(
    request: Request,
    body: Annotated[
        BrandIn,
        Body(
            openapi_examples={
                "brand": {
                    "summary": "A brand with signed webhooks",
                    "value": {
                        "id": "velo-lumen",
                        "name": "Vélo Lumen",
                        "webhook_secret": "a-long-random-shared-secret",
                    },
                }
            }
        ),
    ],
) -> BrandOut:
    check_brand(request, body.id)
    return BrandOut.of(await ingest_of(request).brands.create_brand(body, utcnow()))


@router.get(
    "/brands",
    tags=["brands"],
    summary="Registered brands, by id",
    description="To a brand-restricted API key, only its own brands (and `total` counts only "
    "them).",
)
async def list_brands(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> BrandPage:
    brands = ingest_of(request).brands
    items, total = await brands.page_brands(limit, offset, only=visible_brands(request))
    return BrandPage(items=[BrandOut.of(b) for b in items], total=total)


@router.get("/brands/{brand}", tags=["brands"], summary="One brand")
async def get_brand(request: Request, brand: BrandPath) -> BrandOut:
    return BrandOut.of(await ingest_of(request).brands.brand(brand))


@router.patch(
    "/brands/{brand}", tags=["brands"], summary="Rename a brand or set its webhook secret"
)
async def update_brand(request: Request, brand: BrandPath, body: BrandPatch) -> BrandOut:
    return BrandOut.of(await ingest_of(request).brands.update_brand(brand, body, utcnow()))


@router.post(
    "/brands/{brand}/webhook-secret",
    tags=["brands"],
    summary="Generate a new webhook secret (shown once; the old one stops working)",
)
async def rotate_secret(request: Request, brand: BrandPath) -> RotatedSecret:
    secret = await ingest_of(request).brands.rotate_secret(brand, utcnow())
    return RotatedSecret(webhook_secret=secret)


@router.post(
    "/brands/{brand}/queries",
    status_code=201,
    tags=["queries"],
    summary="Add a listening query",
    responses=SYNTAX_ERROR,  # type: ignore[arg-type]
)
async def create_query(
    request: Request,
    brand: BrandPath,
    body: Annotated[QueryIn, Body(openapi_examples=QUERY_EXAMPLES)],
) -> QueryOut:
    return QueryOut.of(await ingest_of(request).brands.create_query(brand, body, utcnow()))


@router.get("/brands/{brand}/queries", tags=["queries"], summary="A brand's listening queries")
async def list_queries(request: Request, brand: BrandPath) -> QueryList:
    records = await ingest_of(request).brands.queries(brand)
    return QueryList(items=[QueryOut.of(r) for r in records])


@router.get("/brands/{brand}/queries/{query_id}", tags=["queries"], summary="One query")
async def get_query(request: Request, brand: BrandPath, query_id: str) -> QueryOut:
    return QueryOut.of(await ingest_of(request).brands.query(brand, query_id))


@router.put(
    "/brands/{brand}/queries/{query_id}",
    tags=["queries"],
    summary="Replace a listening query",
    responses=SYNTAX_ERROR,  # type: ignore[arg-type]
)
async def replace_query(
    request: Request,
    brand: BrandPath,
    query_id: str,
    body: Annotated[QueryIn, Body(openapi_examples=QUERY_EXAMPLES)],
) -> QueryOut:
    record = await ingest_of(request).brands.replace_query(brand, query_id, body, utcnow())
    return QueryOut.of(record)


@router.delete(
    "/brands/{brand}/queries/{query_id}",
    status_code=204,
    tags=["queries"],
    summary="Delete a listening query",
)
async def delete_query(request: Request, brand: BrandPath, query_id: str) -> Response:
    await ingest_of(request).brands.delete_query(brand, query_id)
    return Response(status_code=204)


@router.post(
    "/queries:test",
    tags=["queries"],
    summary="Try a query on sample texts before saving it",
    description="Computes only: nothing is stored, no brand's data is read.",
    responses=SYNTAX_ERROR,  # type: ignore[arg-type]
    openapi_extra=needs("ingest:read"),
)
async def try_out_query(
    body: Annotated[
        QueryTest,
        Body(
            openapi_examples={
                "delivery": {
                    "summary": "Delivery complaints in French",
                    "value": {
                        "query": '(livr* OR "colis perdu" OR @colibri_fr) NOT (#promo OR soldes) '
                        "lang:fr",
                        "texts": [
                            {
                                "text": "Toujours pas de livraison, mon colis perdu depuis lundi "
                                "@Colibri_FR 😡",
                                "lang": "fr",
                                "source": "twitter",
                                "author": "marie_l",
                            },
                            {"text": "Livraison offerte ce week-end ! #promo", "lang": "fr"},
                            "My parcel never arrived",
                        ],
                    },
                }
            }
        ),
    ],
) -> QueryTestResults:
    return try_query(body.query, body.texts)
