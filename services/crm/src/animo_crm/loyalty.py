"""Loyalty's points: earning rules per brand, and the ledger credited from engagement events."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from animo_shared.events import EngagementRecorded, Envelope, derive_id
from animo_shared.store import Changes

from .identity import member_id as identity_member_id
from .loyalty_models import EarningRule, LedgerEntry, RuleSet, RulesIn, Wallet
from .loyalty_repository import LoyaltyRepository


class RewardsConsent(Protocol):
    @property
    def rewards(self) -> bool: ...


class Directory(Protocol):
    """What loyalty asks of the members side (`animo_crm.directory.MemberDirectory`)."""

    async def resolve(self, brand: str, source: str, handle: str) -> str | None: ...
    async def consents(self, member_id: str) -> RewardsConsent: ...
    async def exists(self, member_id: str) -> bool: ...
    async def top(self, brand: str, sort: str, limit: int) -> list[str]: ...
    def add_timeline(
        self,
        changes: Changes,
        member_id: str,
        entry_id: str,
        kind: str,
        at: datetime,
        summary: dict[str, Any],
        *,
        brand: str = "",
    ) -> None: ...


@runtime_checkable
class BulkResolver(Protocol):
    """A directory that resolves many identities in one store round trip (optional)."""

    async def resolve_many(
        self, keys: Sequence[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], str | None]: ...


class LoyaltyError(Exception):
    """A refusal with its HTTP status and a machine-readable type; `extra` goes in the detail."""

    status = 400

    def __init__(self, kind: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.kind = kind
        self.extra = extra

    def detail(self) -> dict[str, Any]:
        return {"type": self.kind, "msg": str(self), **self.extra}


class NotFound(LoyaltyError):
    status = 404


class Conflict(LoyaltyError):
    status = 409


class Refused(LoyaltyError):
    status = 422


def order_key(at: datetime, entry_id: str) -> str:
    """Entries sort by time (UTC, fixed width) then id: a stable newest-first order."""
    return f"{at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')}|{entry_id}"


def points_for(rule: EarningRule, value: float | None, earned_today: int) -> int:
    """Points one event earns under a rule, given what the member earned today for that kind."""
    points = rule.points
    if rule.per_unit and value is not None and value > 0:
        points += math.floor(value * rule.per_unit)
    if rule.daily_cap is not None:
        points = min(points, max(0, rule.daily_cap - earned_today))
    return max(0, points)


def daily_id(member_id: str, kind: str, at: datetime) -> str:
    return derive_id("loyalty.daily", member_id, kind, at.astimezone(UTC).date().isoformat())


def earn_entry_id(event_id: str) -> str:
    return derive_id("loyalty.earn", event_id)


class Points:
    """Credits members from `engagement.recorded` under their brand's current rules."""

    def __init__(self, repo: LoyaltyRepository, directory: Directory) -> None:
        self.repo = repo
        self.directory = directory

    async def set_rules(self, brand: str, body: RulesIn, now: datetime) -> RuleSet:
        current = await self.repo.current_rules(brand)
        version = current.version if current else 0
        if body.expected_version is not None and body.expected_version != version:
            raise Conflict(
                "version_mismatch",
                f"rules of {brand!r} are at version {version}, not {body.expected_version}",
                current_version=version,
            )
        rules = RuleSet(
            id=f"{brand}:{version + 1:08d}",
            brand=brand,
            version=version + 1,
            rules=body.rules,
            changed_by=body.changed_by,
            created_at=now,
        )
        if not await self.repo.add_rules(rules):
            raise Conflict("version_mismatch", "the rules changed meanwhile; read them and retry")
        return rules

    async def earn(self, events: Sequence[Envelope[Any]], changes: Changes) -> None:
        """Add one ledger entry per rewarded engagement; an event already in the ledger adds
        nothing, so a replay (even past the consumer's processed-id retention) changes no balance."""
        engagements = [e for e in events if isinstance(e.data, EngagementRecorded)]
        if not engagements:
            return
        entry_ids = {e.id: earn_entry_id(e.id) for e in engagements}
        done = await self.repo.ledger.get_many(list(entry_ids.values()))
        brands = sorted({e.data.brand for e in engagements})
        rules = dict(zip(brands, [await self.repo.current_rules(b) for b in brands], strict=True))
        earning: list[tuple[Envelope[Any], RuleSet, EarningRule]] = []
        for event in engagements:
            ruleset = rules[event.data.brand]
            rule = ruleset.rules.get(event.data.kind) if ruleset else None
            if ruleset and rule and entry_ids[event.id] not in done:
                earning.append((event, ruleset, rule))
        if not earning:
            return
        keys = sorted({(e.data.brand, e.data.source, e.data.handle) for e, _, _ in earning})
        found = await self._resolve(keys)
        # Not seen yet by the members side: the id it will give this identity.
        members = {
            key: owner or identity_member_id(*key) for key, owner in zip(keys, found, strict=True)
        }
        todo = []
        for event, ruleset, rule in earning:
            data = event.data
            member = members[(data.brand, data.source, data.handle)]
            todo.append(
                (event, ruleset, rule, member, daily_id(member, data.kind, data.occurred_at))
            )
        capped = sorted({day for _, _, rule, _, day in todo if rule.daily_cap is not None})
        used = {k: d.points for k, d in (await self.repo.daily_points(capped)).items()}
        for event, ruleset, rule, member, day in todo:
            data = event.data
            points = points_for(rule, data.value, used.get(day, 0))
            if points <= 0:
                continue
            if rule.daily_cap is not None:
                used[day] = used.get(day, 0) + points
                changes.increment(
                    self.repo.daily, day, inc={"points": points}, on_insert={"member_id": member}
                )
            entry_id = entry_ids[event.id]
            self.repo.credit(
                changes,
                LedgerEntry(
                    id=entry_id,
                    brand=data.brand,
                    member_id=member,
                    points=points,
                    kind="earn",
                    cause=event.id,
                    cause_type=event.type,
                    detail=data.kind.value,
                    rule_version=ruleset.version,
                    at=data.occurred_at,
                    order=order_key(data.occurred_at, entry_id),
                ),
            )

    async def _resolve(self, keys: list[tuple[str, str, str]]) -> list[str | None]:
        """Owners of identities: in one lookup when the directory offers it, else pipelined."""
        if isinstance(self.directory, BulkResolver):
            owners = await self.directory.resolve_many(keys)
            return [owners.get(key) for key in keys]
        return list(await asyncio.gather(*(self.directory.resolve(*key) for key in keys)))

    async def wallet(self, member_id: str) -> Wallet | None:
        return await self.repo.wallets.get(member_id)
