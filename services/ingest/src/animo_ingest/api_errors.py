"""How ingest's domain errors answer over HTTP: 404, 409, and 422s shaped like FastAPI's own."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .brands import Conflict, LimitReached, NotFound
from .query import QuerySyntaxError
from .sources import InvalidSource


def unprocessable(loc: list[str | int], kind: str, message: str, **extra: Any) -> JSONResponse:
    """A 422 in FastAPI's validation shape: a `detail` list of {type, loc, msg, …}."""
    return JSONResponse(
        {"detail": [{"type": kind, "loc": loc, "msg": message, **extra}]}, status_code=422
    )


def query_syntax(error: QuerySyntaxError) -> JSONResponse:
    """A query that does not parse: where (0-based code points into the query) and why."""
    return unprocessable(
        ["body", "query"],
        "query_syntax",
        str(error),
        position=error.position,
        reason=error.reason,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=404)

    @app.exception_handler(Conflict)
    async def conflict(request: Request, error: Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=409)

    @app.exception_handler(LimitReached)
    async def limit(request: Request, error: LimitReached) -> JSONResponse:
        return unprocessable(["body"], "limit_reached", str(error))

    @app.exception_handler(QuerySyntaxError)
    async def syntax(request: Request, error: QuerySyntaxError) -> JSONResponse:
        return query_syntax(error)

    @app.exception_handler(InvalidSource)
    async def invalid_source(request: Request, error: InvalidSource) -> JSONResponse:
        loc: list[str | int] = ["body", error.field] if error.field else ["body"]
        return unprocessable(loc, "invalid_source", str(error))
