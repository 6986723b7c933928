"""Brand policies as the rest of the service sees them: the active one compiled, changes versioned."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime

from animo_shared.events import Category

from .models import PolicyVersion
from .policy import DEFAULT_POLICY, DEFAULT_VERSION, Policy, with_allowed
from .policy_engine import CompiledPolicy, PolicyCache
from .policy_repository import PolicyRepository


class UnknownVersion(LookupError):
    pass


# How long a brand's active-version pointer is trusted before it is read again: a change made
# through another instance applies here within this time; one made here, at once.
POINTER_SECONDS = 1.0


class PolicyService:
    def __init__(
        self,
        repository: PolicyRepository,
        cache: PolicyCache | None = None,
        *,
        pointer_seconds: float = POINTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repository = repository
        self._cache = cache or PolicyCache()
        self.default = CompiledPolicy.build(DEFAULT_VERSION, DEFAULT_POLICY)
        self._pointer_seconds = pointer_seconds
        self._clock = clock
        self._pointers: dict[str, tuple[float, PolicyVersion | None]] = {}

    def compile(self, version: PolicyVersion | None) -> CompiledPolicy:
        if version is None:
            return self.default
        return self._cache.get(version.id, version.policy, version.label)

    async def active(self, brands: Sequence[str]) -> dict[str, CompiledPolicy]:
        """Each brand's active policy, compiled (the defaults for a brand without one). A change
        made here applies from the next batch on; one made through another instance within
        POINTER_SECONDS (the pointers are read at most that often: a hot consumer then makes no
        database round trip per batch). Compiled versions are cached: they never change."""
        now = self._clock()
        wanted = sorted(set(brands))
        stale = [
            brand
            for brand in wanted
            if (seen := self._pointers.get(brand)) is None or now - seen[0] >= self._pointer_seconds
        ]
        if stale:
            stored = await self.repository.active_many(stale)
            if len(self._pointers) > 10_000:
                self._pointers.clear()
            for brand in stale:
                self._pointers[brand] = (now, stored.get(brand))
        return {brand: self.compile(self._pointers[brand][1]) for brand in wanted}

    def _changed(self, brand: str) -> None:
        self._pointers.pop(brand, None)

    async def active_one(self, brand: str | None) -> CompiledPolicy:
        if brand is None:
            return self.default
        return (await self.active([brand]))[brand]

    async def current(self, brand: str) -> PolicyVersion | None:
        return await self.repository.active(brand)

    async def change(
        self, brand: str, policy: Policy, *, author: str, note: str | None, now: datetime
    ) -> tuple[PolicyVersion | None, bool]:
        """Store a new version unless the policy is the active one already; (version, created).
        Setting the defaults on a brand that never had a policy stores them as v1."""
        current = await self.repository.active(brand)
        if current is not None and current.policy == policy:
            return current, False
        made = await self.repository.create(
            brand,
            policy,
            author=author,
            note=note,
            based_on=current.number if current else None,
            now=now,
        )
        self._changed(brand)
        return made, True

    async def allow(
        self,
        brand: str,
        terms: Sequence[tuple[str, Category | None]],
        *,
        author: str,
        note: str,
        now: datetime,
    ) -> PolicyVersion | None:
        """A new version with these terms allowed (the active one if they already are)."""
        current = await self.repository.active(brand)
        base = current.policy if current else DEFAULT_POLICY
        allowed = with_allowed(base, terms)
        if allowed == base:
            return current  # nothing new to allow: no version
        version, _ = await self.change(brand, allowed, author=author, note=note, now=now)
        return version

    async def activate(self, brand: str, number: int, *, author: str, now: datetime) -> None:
        if await self.repository.version(brand, number) is None:
            raise UnknownVersion(f"{brand!r} has no policy version {number}")
        await self.repository.activate(brand, number, author=author, now=now)
        self._changed(brand)
