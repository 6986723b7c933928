"""Dry run: a draft policy replayed on the mentions a brand already has, nothing stored.

Each stored decision keeps the text and language it was decided on; the draft judges them
again (with today's analyser) and the report says what would change: counts by (current action
-> draft action), per category, and a few examples with their evidence.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from animo_shared.events import ModerationAction

from .models import Decision
from .policy_engine import CompiledPolicy, Outcome
from .repository import DecisionRepository
from .service import judge

PAGE = 500


@dataclass(frozen=True)
class Example:
    decision: Decision
    outcome: Outcome


@dataclass
class CategoryTally:
    mentions: int = 0
    changed: int = 0
    draft_actions: Counter[ModerationAction] = field(default_factory=Counter)


@dataclass
class Report:
    scanned: int = 0
    erased: int = 0  # mentions whose author was forgotten: no text left to replay
    changed: int = 0
    truncated: bool = False
    transitions: Counter[tuple[ModerationAction, ModerationAction]] = field(default_factory=Counter)
    categories: dict[str, CategoryTally] = field(default_factory=dict)
    examples: list[Example] = field(default_factory=list)


def _judge_all(decisions: list[Decision], draft: CompiledPolicy) -> list[Outcome]:
    return [judge(d.text, d.lang, draft) for d in decisions]


def tally(
    report: Report, decisions: list[Decision], outcomes: list[Outcome], examples: int
) -> None:
    """Add one page of replayed decisions to the report."""
    for decision, outcome in zip(decisions, outcomes, strict=True):
        report.scanned += 1
        changed = outcome.action is not decision.action
        report.transitions[(decision.action, outcome.action)] += 1
        if changed:
            report.changed += 1
            if len(report.examples) < examples:
                report.examples.append(Example(decision, outcome))
        for category in outcome.categories:
            counts = report.categories.setdefault(category.bucket.value, CategoryTally())
            counts.mentions += 1
            counts.changed += changed
            counts.draft_actions[category.action] += 1


async def dry_run(
    decisions: DecisionRepository,
    brand: str,
    draft: CompiledPolicy,
    start: datetime,
    end: datetime,
    *,
    limit: int,
    examples: int,
) -> Report:
    """Replay up to `limit` of the brand's mentions published in [start, end) through `draft`."""
    report = Report()
    offset = 0
    while offset < limit:
        size = min(PAGE, limit - offset)
        page = await decisions.published_between(brand, start, end, size + 1, offset)
        if len(page) > size:
            page = page[:size]
            report.truncated = offset + size >= limit
        if not page:
            break
        offset += len(page)
        kept = [d for d in page if d.erased_at is None]
        report.erased += len(page) - len(kept)
        # CPU work in a thread, a page at a time: the service keeps answering meanwhile.
        outcomes = await asyncio.to_thread(_judge_all, kept, draft)
        tally(report, kept, outcomes, examples)
        if len(page) < size:
            break
    return report
