"""Dry run: a draft replayed on stored decisions, counted by transition and category, paged."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from animo_moderation.dryrun import dry_run
from animo_moderation.models import Decision
from animo_moderation.policy import Categories, Policy, Rule
from animo_moderation.policy_engine import CompiledPolicy
from animo_moderation.repository import DecisionRepository
from animo_shared.events import ModerationAction

from helpers.factories import T0

ALLOW, HIDE, REVIEW = ModerationAction.ALLOW, ModerationAction.HIDE, ModerationAction.REVIEW


def decision(n: int, text: str, action: ModerationAction) -> Decision:
    return Decision(
        id=f"m-{n}",
        brand="acme",
        source="twitter",
        author_handle="bob",
        action=action,
        categories=[],
        terms=[],
        findings=[],
        text=text,
        lang="fr",
        published_at=T0 + timedelta(minutes=n),
        decided_at=T0,
        ruleset="r",
    )


class FakeDecisions:
    """The stored decisions, served oldest first in pages like the repository's."""

    def __init__(self, decisions: list[Decision]) -> None:
        self.decisions = decisions
        self.pages: list[tuple[int, int]] = []

    async def published_between(
        self, brand: str, start: datetime, end: datetime, limit: int, offset: int
    ) -> list[Decision]:
        self.pages.append((limit, offset))
        window = [d for d in self.decisions if d.brand == brand and start <= d.published_at < end]
        return window[offset : offset + limit]


STRICT = CompiledPolicy.build(
    "draft", Policy(categories=Categories(insult=Rule(action=HIDE, min_severity=1)))
)
STORED = [
    decision(0, "t'es un idiot", REVIEW),
    decision(1, "espèce d'imbécile", REVIEW),
    decision(2, "T'es vraiment un connard.", HIDE),
    decision(3, "J'adore ce vélo", ALLOW),
]


async def run(stored: list[Decision], **kwargs: Any) -> Any:
    fake = FakeDecisions(stored)
    options: dict[str, Any] = {"limit": 100, "examples": 5, **kwargs}
    end = T0 + timedelta(days=1)
    report = await dry_run(cast(DecisionRepository, fake), "acme", STRICT, T0, end, **options)
    return report, fake


async def test_the_report_counts_transitions_categories_and_shows_what_changes() -> None:
    report, _ = await run(STORED)
    assert (report.scanned, report.changed, report.truncated) == (4, 2, False)
    assert dict(report.transitions) == {(REVIEW, HIDE): 2, (HIDE, HIDE): 1, (ALLOW, ALLOW): 1}
    insult = report.categories["insult"]
    assert (insult.mentions, insult.changed, dict(insult.draft_actions)) == (3, 2, {HIDE: 3})
    assert [e.decision.id for e in report.examples] == ["m-0", "m-1"]
    assert report.examples[0].outcome.categories[0].findings[0].term == "idiot"


async def test_examples_are_capped_and_a_limit_below_the_window_says_truncated() -> None:
    report, _ = await run(STORED, limit=3, examples=1)
    assert (report.scanned, report.truncated, len(report.examples)) == (3, True, 1)
    report, _ = await run(STORED, limit=4)
    assert report.truncated is False


async def test_a_large_window_is_read_page_by_page() -> None:
    stored = [decision(n, "t'es un idiot", REVIEW) for n in range(1200)]
    report, fake = await run(stored, limit=1100, examples=0)
    assert (report.scanned, report.changed, report.truncated) == (1100, 1100, True)
    assert fake.pages == [(501, 0), (501, 500), (101, 1000)]
    assert report.examples == []


async def test_nothing_in_the_window_is_an_empty_report() -> None:
    report, _ = await run([])
    assert (report.scanned, report.changed, dict(report.transitions)) == (0, 0, {})
