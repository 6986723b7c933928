"""`/v1/admin/keys`: create, list, rotate and revoke API keys, on every service (one registry).

Managing keys needs the `admin` scope on a key restricted to no brand: a brand's admin could
otherwise mint a key for every brand. The secret is in the answer to create and rotate only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from .access import SCOPES, ApiKey, KeyRegistry, check_names, new_key_id, new_secret
from .http import needs, principal_of

KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="The key's id.")]


class KeySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="Who or what uses the key.")
    scopes: list[str] = Field(min_length=1, max_length=len(SCOPES), description="See `SCOPES`.")
    brands: list[str] = Field(
        default_factory=list, max_length=1000, description="Brands it may act for; [] = all."
    )
    rate_per_second: float | None = Field(
        default=None, gt=0, le=100_000, description="Requests a second; default: deployment's."
    )
    expires_at: datetime | None = Field(default=None, description="When it stops working.")


class KeyView(BaseModel):
    """A key as the API shows it: never the secret nor its digest."""

    id: str
    name: str
    scopes: list[str]
    brands: list[str]
    rate_per_second: float | None
    created_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyView:
        return cls.model_validate(key.model_dump(exclude={"digest"}))


class KeyIssued(BaseModel):
    key: KeyView
    secret: str = Field(description="The API key itself, shown this once: store it now.")


class KeyList(BaseModel):
    keys: list[KeyView]
    total: int


def _registry(request: Request) -> KeyRegistry:
    registry: KeyRegistry | None = getattr(request.app.state, "keys", None)
    if registry is None:
        raise HTTPException(503, "the key registry is not open yet, try again")
    return registry


def _unrestricted_admin(request: Request) -> None:
    if principal_of(request).restricted:
        raise HTTPException(403, "managing API keys needs an admin key restricted to no brand")


router = APIRouter(
    prefix="/v1/admin/keys", tags=["access"], dependencies=[Depends(_unrestricted_admin)]
)
ADMIN_ONLY = needs("admin")


def _refuse(problems: list[str]) -> None:
    if problems:
        raise HTTPException(
            422,
            [
                {"type": "value_error", "loc": ["body"], "msg": problem, "input": None}
                for problem in problems
            ],
        )


async def _get(registry: KeyRegistry, key_id: str) -> ApiKey:
    key = await registry.keys.get(key_id)
    if key is None:
        raise HTTPException(404, f"no API key {key_id}")
    return key


@router.post("", status_code=201, openapi_extra=ADMIN_ONLY, summary="Create an API key")
async def create_key(spec: KeySpec, request: Request) -> KeyIssued:
    _refuse(check_names(spec.scopes, spec.brands))
    registry = _registry(request)
    key_id = new_key_id()
    secret, digest = new_secret(key_id)
    key = ApiKey(
        id=key_id,
        digest=digest,
        created_at=datetime.now(UTC),
        **spec.model_dump(exclude={"scopes", "brands"}),
        scopes=sorted(set(spec.scopes)),
        brands=sorted(set(spec.brands)),
    )
    await registry.keys.put(key)
    return KeyIssued(key=KeyView.of(key), secret=secret)


@router.get("", openapi_extra=ADMIN_ONLY, summary="List API keys, newest first")
async def list_keys(
    request: Request,
    revoked: Annotated[bool, Query(description="Include revoked keys.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> KeyList:
    registry = _registry(request)
    where: dict[str, Any] = {} if revoked else {"revoked_at": None}
    total = await registry.keys.count(where)
    found = await registry.keys.find(
        where, order_by="created_at", descending=True, limit=limit, offset=offset
    )
    return KeyList(keys=[KeyView.of(k) for k in found], total=total)


@router.get("/{key_id}", openapi_extra=ADMIN_ONLY, summary="One API key")
async def get_key(key_id: KeyId, request: Request) -> KeyView:
    return KeyView.of(await _get(_registry(request), key_id))


@router.post(
    "/{key_id}:rotate",
    openapi_extra=ADMIN_ONLY,
    summary="Replace a key's secret: the old one stops working at once",
)
async def rotate_key(key_id: KeyId, request: Request) -> KeyIssued:
    registry = _registry(request)
    key = await _get(registry, key_id)
    if key.revoked_at is not None:
        raise HTTPException(409, f"API key {key_id} is revoked; create a new one")
    secret, digest = new_secret(key_id)
    rotated = key.model_copy(update={"digest": digest, "rotated_at": datetime.now(UTC)})
    await registry.keys.put(rotated)
    registry.forget(key_id)
    return KeyIssued(key=KeyView.of(rotated), secret=secret)


@router.delete("/{key_id}", openapi_extra=ADMIN_ONLY, summary="Revoke an API key (kept, unusable)")
async def revoke_key(key_id: KeyId, request: Request) -> KeyView:
    registry = _registry(request)
    key = await _get(registry, key_id)
    if key.revoked_at is None:
        key = key.model_copy(update={"revoked_at": datetime.now(UTC)})
        await registry.keys.put(key)
        registry.forget(key_id)
    return KeyView.of(key)
