"""The shape every service's `create_app()` shares: a lifespan that opens the runtime, common routes, auth."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import APIRouter, Depends, FastAPI

from . import keys_api
from .access import KeyRegistry, RateLimiter
from .http import REFUSALS, install_common, mark_scopes, require_key
from .observability import Metrics, configure_logging
from .runtime import Runtime
from .settings import RunMode, ServiceSettings
from .store import open_store

log = logging.getLogger(__name__)

Wire = Callable[[Runtime], Any]


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    settings: ServiceSettings,
    routers: Sequence[APIRouter],
    wire: Wire,
    public_routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """Build (not start) a service: `wire(runtime)` registers consumers and returns the service object."""
    common = settings.common
    metrics = Metrics(service)
    admin_key, generated = common.resolved_admin_key()
    if generated and common.env is RunMode.EMBEDDED:
        # Printed, never logged: logs are shipped elsewhere, stdout is the operator's terminal.
        print(
            f"[animo-{service}] generated admin key (set ANIMO_ADMIN_KEY to fix it): {admin_key}",
            file=sys.stdout,
            flush=True,
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(service, common, open_store(common, service), metrics)
        keys = KeyRegistry(open_store(common, "access"), common.key_cache_seconds)
        app.state.service = wire(runtime)
        app.state.runtime = runtime
        await keys.start()
        app.state.keys = keys
        try:
            await runtime.start()
            log.info("%s started", service)
            try:
                yield
            finally:
                await runtime.stop()
                log.info("%s stopped", service)
        finally:
            await keys.close()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.admin_key = admin_key
    app.state.service_name = service
    app.state.limiter = RateLimiter(common.key_rate_per_second)
    app.state.operator_rate = common.operator_rate_per_second

    async def readiness() -> dict[str, bool]:
        runtime: Runtime | None = getattr(app.state, "runtime", None)
        if runtime is None:
            return {"started": False}
        return await runtime.readiness()

    install_common(app, metrics, readiness, common.max_body_bytes)
    keyed = [*routers, keys_api.router]
    mark_scopes(service, keyed)
    for router in keyed:
        app.include_router(router, dependencies=[Depends(require_key)], responses=REFUSALS)
    # Routes that authenticate otherwise (signed webhooks) and must not ask for a key.
    for router in public_routers:
        app.include_router(router)
    return app


def serve(
    service: str, settings: ServiceSettings, *, loop: str = "asyncio", http: str = "h11"
) -> None:
    """Run one service under uvicorn with JSON logs (the `python -m animo_<service>` entry point).

    `loop` and `http` are uvicorn's: a hot service passes "uvloop" and "httptools" (which it
    then depends on); the defaults name what the others ran on before either was installed.
    """
    configure_logging(service, settings.common.log_level)
    uvicorn.run(
        f"animo_{service}.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
        loop=loop,
        http=http,
    )
