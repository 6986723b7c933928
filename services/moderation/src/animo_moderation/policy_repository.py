"""Policy storage: immutable numbered versions per brand, and a pointer to the active one.

A new version takes the next number with an insert that fails on a taken id, so two concurrent
changes get two numbers, never one overwritten. The pointer moves by compare-and-set on its
revision; a version made by a change only moves it forward, an explicit activation anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from animo_shared.store import Index, Store, StoreError

from .models import ActivePolicy, PolicyVersion
from .policy import Policy

_ATTEMPTS = 20


def version_id(brand: str, number: int) -> str:
    return f"{brand}:{number:09d}"


class PolicyRepository:
    def __init__(self, store: Store) -> None:
        self._versions = store.collection(
            "policy_versions", PolicyVersion, [Index(("brand", "number"), unique=True)]
        )
        self._active = store.collection("active_policies", ActivePolicy)

    async def active(self, brand: str) -> PolicyVersion | None:
        pointers = await self.active_many([brand])
        return pointers.get(brand)

    async def active_many(self, brands: Sequence[str]) -> dict[str, PolicyVersion]:
        """The active version of each brand that has one (two reads, whatever the count)."""
        pointers = await self._active.get_many(list(brands))
        ids = {brand: version_id(brand, p.number) for brand, p in pointers.items()}
        versions = await self._versions.get_many(list(ids.values()))
        return {brand: versions[vid] for brand, vid in ids.items() if vid in versions}

    async def version(self, brand: str, number: int) -> PolicyVersion | None:
        return await self._versions.get(version_id(brand, number))

    async def versions(
        self, brand: str, limit: int, offset: int
    ) -> tuple[list[PolicyVersion], int]:
        where = {"brand": brand}
        items = await self._versions.find(
            where, order_by="number", descending=True, limit=limit, offset=offset
        )
        return items, await self._versions.count(where)

    async def create(
        self,
        brand: str,
        policy: Policy,
        *,
        author: str,
        note: str | None,
        based_on: int | None,
        now: datetime,
    ) -> PolicyVersion:
        """Store the policy as the brand's next version and make it active."""
        for _ in range(_ATTEMPTS):
            latest = await self._versions.find(
                {"brand": brand}, order_by="number", descending=True, limit=1
            )
            number = latest[0].number + 1 if latest else 1
            made = PolicyVersion(
                id=version_id(brand, number),
                brand=brand,
                number=number,
                policy=policy,
                created_at=now,
                created_by=author,
                note=note,
                based_on=based_on,
            )
            if await self._versions.insert(made):
                await self.activate(brand, number, author=author, now=now, forward_only=True)
                return made
        raise StoreError(f"could not number a new policy version for {brand!r}")

    async def activate(
        self, brand: str, number: int, *, author: str, now: datetime, forward_only: bool = False
    ) -> None:
        """Point the brand at a version; `forward_only` never moves it back to an older one."""
        for _ in range(_ATTEMPTS):
            current = await self._active.get(brand)
            if current is None:
                fresh = ActivePolicy(
                    id=brand, number=number, revision=1, activated_at=now, activated_by=author
                )
                if await self._active.insert(fresh):
                    return
                continue
            if current.number == number or (forward_only and current.number > number):
                return
            moved = await self._active.update_if(
                brand,
                {"revision": current.revision},
                {
                    "number": number,
                    "revision": current.revision + 1,
                    "activated_at": now,
                    "activated_by": author,
                },
            )
            if moved:
                return
        raise StoreError(f"could not activate policy v{number} of {brand!r}")
