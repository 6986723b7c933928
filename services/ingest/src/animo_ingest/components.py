"""What the ingest lifespan builds from the runtime, and what the routes use: one object on `app.state`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request

from animo_shared.runtime import Runtime

from .brands import BrandService
from .catalog import QueryCatalog
from .config import Settings
from .consumers import INBOUND_TOPICS, decode_inbound, inbound_handler
from .repository import MentionRepository
from .repository_listening import BrandRepository, SourceRepository
from .scheduler import PullMetrics, PullScheduler
from .service import IngestService
from .sources import SourceService
from .text import NearDuplicateIndex, default_detector

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ingest:
    settings: Settings
    service: IngestService
    mentions: MentionRepository
    brands: BrandService
    catalog: QueryCatalog
    sources: SourceService
    scheduler: PullScheduler


def build(runtime: Runtime, settings: Settings) -> Ingest:
    """Wire the parts, register the inbound consumer and the background loops."""
    mentions = MentionRepository(runtime)
    brand_store = BrandRepository(runtime)
    source_store = SourceRepository(runtime)
    catalog = QueryCatalog(brand_store, settings.query_cache_seconds)
    near = NearDuplicateIndex(settings.near_duplicate_max_items, settings.near_duplicate_threshold)
    service = IngestService(
        mentions,
        catalog,
        near,
        exact_window=timedelta(seconds=settings.exact_duplicate_window_seconds),
    )
    scheduler = PullScheduler(
        source_store,
        service,
        runtime.publish,
        PullMetrics(runtime.metrics.registry),
        concurrency=settings.pull_concurrency,
        tick_seconds=settings.scheduler_tick_seconds,
        timeout_seconds=settings.pull_timeout_seconds,
    )
    runtime.consume(
        INBOUND_TOPICS, inbound_handler(service), decode=decode_inbound, group="inbound"
    )
    runtime.background("pull scheduler", scheduler.run)

    async def warm_up() -> None:
        # The language model takes about a second to load: at start, not in a request.
        await asyncio.to_thread(default_detector)
        recent = await mentions.recent(settings.near_duplicate_warm_items)
        for record in reversed(recent):
            if record.simhash and record.duplicate_of is None:
                near.add(record.brand, record.id, int(record.simhash, 16))
        log.info("near-duplicate index warmed with %d recent mentions", len(near))

    runtime.background("warm-up", warm_up)
    return Ingest(
        settings=settings,
        service=service,
        mentions=mentions,
        brands=BrandService(brand_store, catalog.invalidate),
        catalog=catalog,
        sources=SourceService(source_store),
        scheduler=scheduler,
    )


def ingest_of(request: Request) -> Ingest:
    """The wired parts, for a route."""
    ingest: Ingest = request.app.state.service
    return ingest
