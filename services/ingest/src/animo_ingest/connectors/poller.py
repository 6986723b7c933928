"""One poll of one source: pull through its connector, then the new cursor and health; a failing source never raises out of here."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import NamedTuple

import httpx

from .health import SourceHealth, after_failure, after_success
from .models import Connector, Cursor, PulledItem, SourceConfig, SourceError
from .registry import CONNECTORS

log = logging.getLogger(__name__)
# A whole pull, every page included; per-request timeouts are the client's.
DEFAULT_DEADLINE_SECONDS = 120.0


class PollOutcome(NamedTuple):
    items: list[PulledItem]
    cursor: Cursor
    health: SourceHealth


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Poller:
    """Pure orchestration: no storage, no broker. The caller stores the cursor and health
    it gets back (cursor only after the items are safely handed on) and calls again
    when `health.due(now)`."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        connectors: Mapping[str, Connector] = CONNECTORS,
        *,
        deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
        clock: Callable[[], datetime] = _utcnow,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.client = client
        self.connectors = connectors
        self.deadline_seconds = deadline_seconds
        self.clock = clock
        self.rng = rng

    async def poll(
        self, config: SourceConfig, cursor: Cursor | None, health: SourceHealth | None
    ) -> PollOutcome:
        cursor = cursor or Cursor()
        health = health or SourceHealth(source_id=config.id)
        try:
            items, new_cursor = await self._pull(config, cursor)
        except SourceError as error:
            log.warning(
                "source %s failed: %s",
                config.id,
                error.reason,
                extra={"source_id": config.id, "retryable": error.retryable},
            )
            failed = after_failure(health, self.clock(), error, config.interval_seconds, self.rng)
            # The old cursor stays: nothing from the failed pull is taken as seen.
            return PollOutcome([], cursor, failed)
        healthy = after_success(health, self.clock(), len(items), config.interval_seconds, self.rng)
        return PollOutcome(items, new_cursor, healthy)

    async def _pull(self, config: SourceConfig, cursor: Cursor) -> tuple[list[PulledItem], Cursor]:
        """The connector's pull with every way it can fail turned into a `SourceError`."""
        connector = self.connectors.get(config.kind)
        if connector is None:
            raise SourceError(f"no connector for kind {config.kind!r}", retryable=False)
        try:
            async with asyncio.timeout(self.deadline_seconds):
                result = await connector.pull(self.client, config, cursor)
        except SourceError:
            raise
        except TimeoutError as exc:
            raise SourceError(f"pull took over {self.deadline_seconds:g} s") from exc
        except httpx.HTTPError as exc:
            raise SourceError(f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            # A connector bug or a payload shape nobody foresaw: one source's problem, so it
            # is logged with its trace and reported as that source's failure.
            log.exception("source %s: unexpected error", config.id)
            raise SourceError(f"unexpected {type(exc).__name__}: {exc}", False) from exc
        return result.items, result.cursor
