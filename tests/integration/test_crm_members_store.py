"""The CRM members side on every store (SQLite, mongomock-motor, MongoDB when MONGODB_URL is set):
counting, leaderboards, timeline pages across aliases, merge and unmerge, erasure, replays."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from animo_crm.directory import MemberDirectory
from animo_crm.gdpr import Gdpr
from animo_crm.identity import member_id
from animo_crm.members import MemberAdmin
from animo_shared.events import EngagementKind
from animo_shared.store import Changes, Store
from animo_shared.store.mongo import MongoStore
from animo_shared.store.sqlite import SqliteStore

from helpers.crm_members import Harness, T, decision, engagement, mention

pytestmark = pytest.mark.integration
BACKENDS = ["sqlite", "mongomock"] + (["mongodb"] if os.environ.get("MONGODB_URL") else [])
HOUR = timedelta(hours=1)
ANN = member_id("acme", "twitter", "ann")
SHOP = member_id("acme", "shop", "ann42")


@pytest.fixture(params=BACKENDS)
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    opened: Store
    if request.param == "sqlite":
        opened = SqliteStore(tmp_path / "crm.sqlite3")
    elif request.param == "mongomock":
        from mongomock_motor import AsyncMongoMockClient

        opened = MongoStore(AsyncMongoMockClient(tz_aware=True), "crm")
    else:
        from motor.motor_asyncio import AsyncIOMotorClient

        client = AsyncIOMotorClient(os.environ["MONGODB_URL"], tz_aware=True)
        opened = MongoStore(client, f"crm_{uuid.uuid4().hex[:8]}")
    made = Harness(opened)
    await opened.start()
    yield made
    await opened.close()


class Participant:
    """Another part of the crm keeping personal data (as loyalty does)."""

    def __init__(self) -> None:
        self.erased: list[tuple[str, list[str]]] = []

    async def erase(self, changes: Changes, brand: str, member_ids: list[str]) -> None:
        self.erased.append((brand, member_ids))

    async def export(self, member_ids: list[str]) -> dict[str, Any]:
        return {"points": {"members": member_ids}}


def stream() -> list[object]:
    events: list[object] = []
    for n in range(6):
        events.append(mention(f"a{n}", "ann", T + n * HOUR, followers=999))
        events.append(decision(f"a{n}", "ann", T + n * HOUR, score=0.5))
    events.append(mention("b0", "bob", T, followers=99_999))
    events.append(mention("c0", "carl", T))
    events.append(engagement("s0", "ann42", EngagementKind.PURCHASE, T + 10 * HOUR))
    return events


async def test_leaderboards_and_timeline_pages(harness: Harness) -> None:
    await harness.feed(stream())  # type: ignore[arg-type]
    repository = harness.repository
    by_reach = [m.handle for m in await repository.ranked("acme", "reach", limit=10)]
    assert by_reach[:2] == ["bob", "ann"] and set(by_reach[2:]) == {"ann42", "carl"}
    by_love = [m.handle for m in await repository.ranked("acme", "love", limit=2)]
    assert by_love == ["ann", "ann42"]  # 6 mentions beat one purchase
    assert await repository.count_active("acme") == 4

    page1 = await repository.member_timeline([ANN], limit=5)
    page2 = await repository.member_timeline([ANN], limit=5, offset=5)
    times = [e.at for e in page1 + page2]
    assert times == sorted(times, reverse=True) and len(times) == 10
    assert len({e.id for e in page1 + page2}) == 10
    older = await repository.member_timeline([ANN], limit=50, before=T + 3 * HOUR)
    assert {e.at for e in older} == {T, T + HOUR, T + 2 * HOUR}


async def test_merge_unmerge_and_erase(harness: Harness) -> None:
    await harness.feed(stream())  # type: ignore[arg-type]
    now = T + 20 * HOUR
    admin = MemberAdmin(harness.repository, harness.service, harness.store.commit, lambda: now)
    directory = MemberDirectory(harness.repository)
    await admin.merge(ANN, SHOP)
    assert await directory.aliases(ANN) == [ANN, SHOP]
    keys = [("acme", "shop", "ann42"), ("acme", "twitter", "carl"), ("acme", "x", "nobody")]
    assert await directory.resolve_many(keys) == dict(
        zip(keys, [ANN, member_id("acme", "twitter", "carl"), None], strict=True)
    )
    timeline = await harness.repository.member_timeline(await directory.aliases(ANN), limit=3)
    assert [e.kind for e in timeline][:2] == ["merge", "merge"]
    assert timeline[2].kind == "engagement"  # the newest event, from the merged account
    _, restored = await admin.unmerge(ANN, SHOP)
    assert restored.engagements == 1 and await directory.resolve("acme", "shop", "ann42") == SHOP

    await admin.merge(ANN, SHOP)
    participant = Participant()
    gdpr = Gdpr(admin, [participant])
    exported = await gdpr.export(ANN)
    assert exported["points"] == {"members": [ANN, SHOP]}
    # six mentions and verdicts, the purchase, merge + unmerge + merge on each side
    assert len(exported["timeline"]) == 12 + 1 + 6
    record = await gdpr.erase(ANN)
    assert (record.aliases, record.mentions, record.engagements) == (2, 6, 1)
    assert participant.erased == [("acme", [ANN, SHOP])]
    assert await directory.resolve("acme", "twitter", "ann") is None
    assert await directory.aliases(ANN) == []
    assert await harness.repository.member_timeline([ANN, SHOP], limit=100) == []
    assert await harness.repository.merge_history(ANN) == []
    assert await harness.repository.count_active("acme") == 2
    erased = [m for m in (await harness.store.outbox_pending(100)) if b"member.erased" in m.value]
    assert len(erased) == 1 and b'"ann42"' in erased[0].value

    # What the person said before the erasure and still arrives (a backlog) is not counted again;
    # what they say afterwards is new.
    late = [mention("late", "ann", T + 7 * HOUR), decision("late", "ann", T + 7 * HOUR)]
    await harness.feed([*late, engagement("late", "ann42", EngagementKind.LIKE, T)])
    assert await harness.repository.members_by_id([ANN, SHOP]) == {}
    assert await harness.repository.member_timeline([ANN, SHOP], limit=10) == []
    await harness.feed([mention("after", "ann", now + HOUR)])
    back = await harness.repository.member(ANN)
    assert back is not None and back.mentions == 1


async def test_the_same_stream_twice_changes_nothing(harness: Harness) -> None:
    await harness.feed(stream())  # type: ignore[arg-type]
    before = [m.model_dump() for m in await harness.repository.ranked("acme", "influence", limit=9)]
    await harness.feed(stream())  # type: ignore[arg-type]
    after = [m.model_dump() for m in await harness.repository.ranked("acme", "influence", limit=9)]
    assert before == after
