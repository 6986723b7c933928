"""HTTP plumbing every service mounts: auth, body limits, `$`-key refusal, correlation ids, health and metrics."""

from __future__ import annotations

import contextlib
import hmac
import json
import math
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .access import OPERATOR, KeyRegistry, Principal, RateLimiter, Refused, default_scope
from .observability import Metrics, correlation_id
from .store import InvalidQuery, StoreError

_CORRELATION = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_bearer = HTTPBearer(auto_error=False)


async def require_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Every /v1 route: a valid key (401), holding the route's scope and allowed the brand the
    request names (403), within its rate (429). The principal goes on `request.state`.

    `async` although it rarely awaits: FastAPI runs a plain `def` dependency on a worker
    thread, a hop (and a GIL hand-over) on every request.
    """
    if credentials is None:
        raise HTTPException(
            401,
            "missing API key: send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    state = request.app.state
    token = credentials.credentials
    if hmac.compare_digest(token.encode(), state.admin_key.encode()):
        principal = OPERATOR
    else:
        registry: KeyRegistry | None = getattr(state, "keys", None)
        try:
            if registry is None:
                raise Refused("invalid API key")
            principal = await registry.authenticate(token, datetime.now(UTC))
        except Refused as refused:
            raise HTTPException(
                401, str(refused), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
            ) from None
    scope, brand_query = _route_access(
        request.scope.get("route"), state.service_name, request.method
    )
    _check_scope(principal, scope)
    if principal.restricted:
        brand = request.path_params.get("brand") or request.query_params.get("brand")
        if brand is None and brand_query:
            raise HTTPException(403, "a brand-restricted API key must name its brand (brand=)")
        if brand is not None and not principal.may_see(brand):
            raise HTTPException(403, f"this API key may not act for brand {brand!r}")
    limiter: RateLimiter | None = getattr(state, "limiter", None)
    # The operator's key is not limited unless the deployment says so (operator_rate > 0).
    if limiter is not None and (principal is not OPERATOR or state.operator_rate):
        rate = state.operator_rate if principal is OPERATOR else principal.rate_per_second
        wait = limiter.wait(principal.key_id, rate)
        if wait > 0:
            raise HTTPException(
                429,
                "rate limit exceeded for this API key, retry later",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
    request.state.principal = principal
    return principal


def _check_scope(principal: Principal, scope: str) -> None:
    if not principal.may(scope):
        raise HTTPException(403, f"this API key lacks the scope {scope!r}")


def check_scope(request: Request, scope: str) -> None:
    """403 unless the caller's key holds this scope too: for a route whose body asks for more
    than the route's own scope (a review that also changes the brand's policy)."""
    _check_scope(principal_of(request), scope)


class Problem(BaseModel):
    detail: Any


class Invalid(BaseModel):
    detail: str | list[dict[str, Any]] | dict[str, Any]


REFUSALS: dict[int | str, dict[str, Any]] = {
    422: {
        "model": Invalid,
        "description": "Input refused: FastAPI's list of errors (each with `loc` and `msg`), "
        "or one sentence (or `{type, msg}`) when the fault is between fields or against stored "
        "state.",
    },
    401: {"model": Problem, "description": "No API key, or an invalid, revoked or expired one."},
    403: {"model": Problem, "description": "The key lacks the route's scope, or the brand."},
    429: {"model": Problem, "description": "Over the key's rate; see `Retry-After`."},
}


def principal_of(request: Request) -> Principal:
    """The caller of a /v1 route (set by `require_key`)."""
    return getattr(request.state, "principal", OPERATOR)


def may_see(request: Request, brand: str) -> bool:
    """Whether the caller's key may act for this brand. A route that read a resource by id
    answers its own 404 when not, so another brand's ids are not even confirmed to exist."""
    return principal_of(request).may_see(brand)


def check_brand(request: Request, brand: str) -> None:
    """403 unless the caller's key may act for this brand: for brands named in a body, or read
    from a stored resource (a member, a post) rather than from the URL."""
    if not principal_of(request).may_see(brand):
        raise HTTPException(403, f"this API key may not act for brand {brand!r}")


def visible_brands(request: Request) -> frozenset[str] | None:
    """The brands the caller may see (None: every brand), for lists across brands."""
    principal = principal_of(request)
    return principal.brands if principal.restricted else None


def needs(scope: str) -> dict[str, Any]:
    """`openapi_extra` for a route whose scope is not its service's read/write default."""
    return {"x-animo-scope": scope}


def _routes(routes: Sequence[BaseRoute]) -> list[APIRoute]:
    """Every APIRoute under these, through included routers (FastAPI includes them lazily)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (inner := getattr(route, "original_router", None)) is not None:
            found.extend(_routes(inner.routes))
    return found


def mark_scopes(service: str, routers: Sequence[APIRouter]) -> None:
    """Name each keyed route's scope in its `openapi_extra` (`x-animo-scope`, in the OpenAPI
    document too) and description, once, before the routers are included."""
    for route in _routes([r for router in routers for r in router.routes]):
        scope = _scope_of(route, service, sorted(route.methods or {"GET"})[0])
        route.openapi_extra = {**(route.openapi_extra or {}), "x-animo-scope": scope}
        lines = (route.description or "").rstrip()
        note = f"Scope: `{scope}`."
        if note not in lines:
            route.description = f"{lines}\n\n{note}".strip()


def _scope_of(route: Any, service: str, method: str) -> str:
    """The scope a route names (`needs`), else its service's read or write default."""
    extra = getattr(route, "openapi_extra", None) or {}
    scope: str = extra.get("x-animo-scope") or default_scope(service, method)
    return scope


def _route_access(route: Any, service: str, method: str) -> tuple[str, bool]:
    """The scope a matched route needs and whether it takes a `brand` query parameter."""
    cached: tuple[str, bool] | None = getattr(route, "_animo_access", None)
    if cached is not None:
        return cached
    dependant = getattr(route, "dependant", None)
    params = dependant.query_params if dependant is not None else []
    found = (_scope_of(route, service, method), any(p.name == "brand" for p in params))
    with contextlib.suppress(AttributeError):
        route._animo_access = found
    return found


Loc = list[str | int]


def _texts(value: Any, loc: Loc) -> Iterator[tuple[Loc, str, bool]]:
    """Every key and string of a parsed JSON body, in order: (where, text, is it a key)."""
    if isinstance(value, str):
        yield loc, value, False
    elif isinstance(value, dict):
        for key, item in value.items():
            yield [*loc, key], key, True
            yield from _texts(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, [*loc, index])


# A JSON escape of a UTF-16 surrogate: only then can a parsed string hold a lone one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _not_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _refusal(body: bytes) -> dict[str, Any] | None:
    """The 422 detail for a JSON body that is not UTF-8 or holds a `$` key or a lone surrogate."""
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            return {
                "type": "json_invalid",
                "loc": ["body", error.start],
                "msg": "the body is not UTF-8 (JSON must be)",
            }
    dollar = b"$" in body
    surrogate = _SURROGATE_ESCAPE.search(body) is not None
    if not (dollar or surrogate):
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None  # FastAPI answers malformed JSON with its own precise 422
    if dollar:
        for loc, key, is_key in _texts(parsed, ["body"]):
            if is_key and (key.startswith("$") or "\x00" in key):
                return {
                    "type": "forbidden_key",
                    "loc": loc,
                    "msg": "keys starting with '$' are not accepted",
                }
    if surrogate:
        for loc, text, _ in _texts(parsed, ["body"]):
            if _not_unicode(text):
                # A key that is not text cannot be shown as it is either.
                where = [
                    p.encode("utf-8", "backslashreplace").decode() if isinstance(p, str) else p
                    for p in loc
                ]
                return {
                    "type": "invalid_unicode",
                    "loc": where,
                    "msg": "a lone UTF-16 surrogate is not Unicode text",
                }
    return None


class BodyGuard:
    """Refuses bodies over the limit (413) and JSON with `$`-prefixed keys or lone surrogates
    (422), before any route runs."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send, 413, self._too_large())
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, 413, self._too_large())
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if b"json" in headers.get(b"content-type", b""):
            refused = _refusal(body)
            if refused is not None:
                await self._refuse(scope, receive, send, 422, {"detail": [refused]})
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> dict[str, Any]:
        return {"detail": f"request body larger than {self.max_bytes} bytes"}

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, body: Any) -> None:
        await JSONResponse(body, status_code=status)(scope, receive, send)


class Observe:
    """Correlation id in and out, and request metrics by route template.

    Plain ASGI rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs
    each request through a task group and memory streams, a fixed cost that showed in
    ingest's single-mention rate. Same behaviour: the id of `x-correlation-id` when it is
    well-formed (else a new one) is set for the request and echoed in the answer.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope["headers"]:
            if name == b"x-correlation-id":
                given = value.decode("latin-1")
                break
        current = given if _CORRELATION.fullmatch(given) else str(uuid.uuid4())
        token = correlation_id.set(current)
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", ()) if k != b"x-correlation-id"
                ]
                headers.append((b"x-correlation-id", current.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, answer)
        finally:
            correlation_id.reset(token)
        template = getattr(scope.get("route"), "path", "unmatched")
        service = self.metrics.service
        self.metrics.http_seconds.labels(service, template).observe(time.perf_counter() - started)
        self.metrics.http_requests.labels(service, template, scope["method"], str(status)).inc()


ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


def install_common(
    app: FastAPI, metrics: Metrics, readiness: ReadinessCheck, max_body_bytes: int
) -> None:
    """Health, readiness, metrics, correlation ids, error mapping and the body guard."""
    service = metrics.service
    app.add_middleware(Observe, metrics=metrics)

    @app.exception_handler(StoreError)
    async def store_down(request: Request, error: StoreError) -> JSONResponse:
        return JSONResponse(
            {"detail": "storage unavailable, try again"}, 503, headers={"Retry-After": "5"}
        )

    @app.exception_handler(InvalidQuery)
    async def bad_query(request: Request, error: InvalidQuery) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, 400)

    ops = APIRouter(tags=["operations"])

    @ops.get("/healthz", summary="Liveness: the process serves HTTP")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @ops.get("/readyz", summary="Readiness: broker, database and consumers answer")
    async def readyz() -> JSONResponse:
        checks = await readiness()
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "service": service, "checks": checks},
            200 if ready else 503,
        )

    @ops.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(ops)
    app.add_middleware(BodyGuard, max_bytes=max_body_bytes)
