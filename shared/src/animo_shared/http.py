"""HTTP plumbing every service mounts: auth, body limits, `$`-key refusal, correlation ids, health and metrics."""

from __future__ import annotations

import hmac
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .observability import Metrics, correlation_id
from .store import InvalidQuery, StoreError

_CORRELATION = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_bearer = HTTPBearer(auto_error=False)


async def require_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """Every /v1 route: a valid `Authorization: Bearer <key>` or a 401 that says what is wrong.

    `async` although it never awaits: FastAPI runs a plain `def` dependency on a worker
    thread, a hop (and a GIL hand-over) on every request for a comparison of two strings.
    """
    if credentials is None:
        raise HTTPException(
            401,
            "missing API key: send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    expected: str = request.app.state.admin_key
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise HTTPException(
            401, "invalid API key", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )
    return "admin"


def _dollar_key(value: Any, path: list[str | int]) -> list[str | int] | None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("$") or "\x00" in key:
                return [*path, key]
            found = _dollar_key(item, [*path, key])
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _dollar_key(item, [*path, index])
            if found is not None:
                return found
    return None


class BodyGuard:
    """Refuses bodies over the limit (413) and JSON with `$`-prefixed keys (422), before any route runs."""

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
        if b"json" in headers.get(b"content-type", b"") and b"$" in body:
            try:
                found = _dollar_key(json.loads(body), ["body"])
            except ValueError:
                found = None  # FastAPI answers malformed JSON with its own precise 422
            if found is not None:
                detail = [
                    {
                        "type": "forbidden_key",
                        "loc": found,
                        "msg": "keys starting with '$' are not accepted",
                    }
                ]
                await self._refuse(scope, receive, send, 422, {"detail": detail})
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
