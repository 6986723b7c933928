"""The publisher service's composition root: storage, moderation client, networks, dispatcher, routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from animo_shared.app import create_service_app
from animo_shared.events import Topic, utcnow
from animo_shared.runtime import Runtime

from . import api, api_channels, api_plans, api_replies, preview
from .community import Community
from .config import Settings
from .consumers import engagement_handler, erasure_handler
from .delivery import Dispatcher
from .errors import Conflict, Forbidden, NotFound, Refused
from .gateway import HttpNetworks
from .moderation import HttpModerator
from .outcomes import Backoff, DeliveryMetrics
from .repository import Repository
from .scheduling import Planner
from .service import PublisherService
from .workflow import WorkflowConflict

log = logging.getLogger(__name__)
_SECRET_LOCS = frozenset({"credentials", "secret"})


def _redacted(errors: list[Any]) -> list[Any]:
    """Validation errors without the input of a credential field: a 422 never echoes a secret."""
    out = []
    for error in errors:
        if isinstance(error, dict) and _SECRET_LOCS & {str(p) for p in error.get("loc", ())}:
            error = {k: v for k, v in error.items() if k not in ("input", "ctx")}
        out.append(error)
    return out


def install_errors(app: FastAPI) -> None:
    async def refused(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, Refused)
        return JSONResponse({"detail": [i.detail() for i in error.issues]}, 422)

    async def invalid(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return JSONResponse({"detail": jsonable_encoder(_redacted(list(error.errors())))}, 422)

    def plain(status: int) -> Any:
        async def handler(request: Request, error: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(error)}, status)

        return handler

    app.add_exception_handler(Refused, refused)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(NotFound, plain(404))
    app.add_exception_handler(Forbidden, plain(403))
    app.add_exception_handler(Conflict, plain(409))
    app.add_exception_handler(WorkflowConflict, plain(409))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    def wire(runtime: Runtime) -> PublisherService:
        repo = Repository(runtime.store, runtime.publish)
        planner = Planner(repo, settings.default_timezone)
        # Keep-alive for every delivery in flight: a closed connection costs a handshake.
        limits = httpx.Limits(
            max_connections=2 * settings.delivery_concurrency,
            max_keepalive_connections=settings.delivery_concurrency,
        )
        networks = HttpNetworks(
            httpx.AsyncClient(timeout=settings.delivery_timeout_seconds, limits=limits)
        )
        key = (
            settings.moderation_key.get_secret_value()
            if settings.moderation_key
            else runtime.common.resolved_admin_key()[0]
        )
        moderation_http = httpx.AsyncClient(timeout=settings.moderation_timeout_seconds)
        moderator = HttpModerator(moderation_http, str(settings.moderation_url), key)
        dispatcher = Dispatcher(
            repo,
            networks,
            backoff=Backoff(
                settings.retry_base_seconds, settings.retry_cap_seconds, settings.max_attempts
            ),
            concurrency=settings.delivery_concurrency,
            lease=timedelta(seconds=settings.claim_lease_seconds),
            metrics=DeliveryMetrics(runtime.metrics.registry),
            degraded_after=settings.degraded_after_failures,
        )
        service = PublisherService(repo, moderator, planner, wake=dispatcher.wake)
        community = Community(repo)
        runtime.consume([Topic.ENGAGEMENT], engagement_handler(community), group="engagement")
        runtime.consume([Topic.CRM], erasure_handler(community), group="erasure")

        async def deliver() -> None:
            try:
                await dispatcher.run(settings.tick_seconds)
            finally:
                await networks.close()

        async def recheck() -> None:
            try:
                while True:
                    await asyncio.sleep(min(settings.moderation_retry_seconds, 5.0))
                    try:
                        await service.recheck(utcnow(), settings.moderation_retry_seconds)
                    except Exception:
                        log.exception("moderation recheck failed; trying again later")
            finally:
                with contextlib.suppress(Exception):
                    await moderation_http.aclose()

        runtime.background("dispatcher", deliver)
        runtime.background("moderation recheck", recheck)
        return service

    app = create_service_app(
        service="publisher",
        title="Animo publisher",
        description="Publishes the right message at the right moment in each network's own "
        "language: channels per brand (X, Mastodon, Facebook, LinkedIn, Instagram, Discourse, "
        "signed webhooks), per-network variants and previews, a moderated and approved "
        "workflow, cadence-aware scheduling with queues, campaigns and embargoes, replies "
        "from templates, and deliveries that never double-post; reports `post.published` / "
        "`post.failed` on `animo.posts.v1`.",
        settings=settings,
        routers=[
            preview.router,
            api.router,
            api_channels.router,
            api_plans.router,
            api_replies.router,
        ],
        wire=wire,
    )
    install_errors(app)
    return app
