"""Active policies as the consumer reads them: no database trip per batch, changes still apply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from animo_moderation.models import PolicyVersion
from animo_moderation.policy import Complaints, Policy
from animo_moderation.policy_service import PolicyService

from helpers.factories import T0


class FakeRepository:
    """Active versions by brand, shared by every instance, counting the reads."""

    def __init__(self) -> None:
        self.active_by_brand: dict[str, PolicyVersion] = {}
        self.reads: list[list[str]] = []

    async def active(self, brand: str) -> PolicyVersion | None:
        return self.active_by_brand.get(brand)

    async def active_many(self, brands: Sequence[str]) -> dict[str, PolicyVersion]:
        self.reads.append(list(brands))
        return {b: self.active_by_brand[b] for b in brands if b in self.active_by_brand}

    async def create(self, brand: str, policy: Policy, **fields: Any) -> PolicyVersion:
        current = self.active_by_brand.get(brand)
        number = current.number + 1 if current else 1
        made = PolicyVersion(
            id=f"{brand}:{number}",
            brand=brand,
            number=number,
            policy=policy,
            created_at=fields["now"],
            created_by=fields["author"],
        )
        self.active_by_brand[brand] = made
        return made


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def service(repository: FakeRepository, clock: Clock) -> PolicyService:
    return PolicyService(repository, clock=clock)  # type: ignore[arg-type]


QUIET = Policy(complaints=Complaints(route=False))


async def change(policies: PolicyService, now: datetime = T0) -> None:
    await policies.change("acme", QUIET, author="rita", note=None, now=now)


async def test_pointers_are_read_once_a_second_not_once_a_batch() -> None:
    repository, clock = FakeRepository(), Clock()
    policies = service(repository, clock)
    for _ in range(5):
        await policies.active(["acme", "acme", "globex"])
    assert repository.reads == [["acme", "globex"]]
    clock.now += 1.0
    await policies.active(["acme"])
    assert repository.reads[-1] == ["acme"]


async def test_a_change_applies_here_at_once_and_in_another_instance_within_a_second() -> None:
    repository, clock = FakeRepository(), Clock()
    here, there = service(repository, clock), service(repository, clock)
    assert (await here.active(["acme"]))["acme"].version == "default"
    assert (await there.active(["acme"]))["acme"].version == "default"
    await change(here)
    assert (await here.active(["acme"]))["acme"].version == "v1"
    assert (await there.active(["acme"]))["acme"].version == "default"
    clock.now += 1.0
    assert (await there.active(["acme"]))["acme"].version == "v1"
