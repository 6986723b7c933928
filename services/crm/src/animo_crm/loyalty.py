"""Loyalty's points: earning rules per brand, and the ledger credited from engagement events."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

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
        done = await self.repo.ledger.get_many([earn_entry_id(e.id) for e in engagements])
        rules: dict[str, RuleSet | None] = {}
        members: dict[tuple[str, str, str], str] = {}
        todo: list[tuple[Envelope[Any], str]] = []
        for event in engagements:
            data: EngagementRecorded = event.data
            if earn_entry_id(event.id) in done:
                continue
            if data.brand not in rules:
                rules[data.brand] = await self.repo.current_rules(data.brand)
            key = (data.brand, data.source, data.handle)
            if key not in members:
                found = await self.directory.resolve(*key)
                # Not seen yet by the members side: the id it will give this identity.
                members[key] = found or identity_member_id(*key)
            todo.append((event, members[key]))
        day_ids = {daily_id(m, e.data.kind.value, e.data.occurred_at) for e, m in todo}
        used = {k: d.points for k, d in (await self.repo.daily_points(sorted(day_ids))).items()}
        for event, member in todo:
            data = event.data
            ruleset = rules[data.brand]
            rule = ruleset.rules.get(data.kind) if ruleset else None
            if ruleset is None or rule is None:
                continue
            day = daily_id(member, data.kind.value, data.occurred_at)
            points = points_for(rule, data.value, used.get(day, 0))
            if points <= 0:
                continue
            used[day] = used.get(day, 0) + points
            changes.increment(
                self.repo.daily, day, inc={"points": points}, on_insert={"member_id": member}
            )
            entry_id = earn_entry_id(event.id)
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

    async def wallet(self, member_id: str) -> Wallet | None:
        return await self.repo.wallets.get(member_id)
