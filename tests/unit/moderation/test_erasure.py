"""Forgetting a member: texts, handles and excerpts blanked, actions and categories kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from animo_moderation.erasure import ErasureService, erasure_handler
from animo_moderation.models import Decision, ReviewItem, ReviewStatus
from animo_moderation.policy import DEFAULT_POLICY
from animo_moderation.policy_engine import CompiledPolicy
from animo_moderation.review import AlreadyReviewed, check_claimable
from animo_moderation.service import decide, judge, review_item
from animo_shared.events import (
    Author,
    Identity,
    MemberErased,
    MentionReceived,
    ModerationAction,
    make_event,
)
from animo_shared.store import Changes

from helpers.factories import T0

POLICY = CompiledPolicy.build("default", DEFAULT_POLICY)
ERASED_AT = T0 + timedelta(days=3)


class Fake:
    """Decisions or review items in memory, found by account like the repositories do."""

    def __init__(self, docs: list[Any]) -> None:
        self.docs = {d.id: d for d in docs}
        self.staged: list[Any] = []

    async def by_author(
        self, brand: str, source: str, handle: str, limit: int, offset: int = 0
    ) -> list[Any]:
        found = sorted(
            (
                d
                for d in self.docs.values()
                if (d.brand, d.source, d.author_handle) == (brand, source, handle)
            ),
            key=lambda d: d.id,
        )
        return found[offset : offset + limit]

    def stage(self, changes: Changes, doc: Any) -> None:
        self.staged.append(doc)


def decision(mid: str, text: str, handle: str = "bob", brand: str = "acme") -> Decision:
    mention = MentionReceived(
        mention_id=mid,
        brand=brand,
        source="twitter",
        external_id=mid,
        author=Author(handle=handle),
        text=text,
        published_at=T0,
        received_at=T0,
        lang="fr",
    )
    return decide(mention, judge(text, "fr", POLICY), T0)


def erased(*identities: tuple[str, str], brand: str = "acme") -> MemberErased:
    return MemberErased(
        member_id="member-1",
        brand=brand,
        identities=tuple(Identity(source=s, handle=h) for s, h in identities),
        erased_at=ERASED_AT,
    )


async def test_the_member_s_decisions_lose_text_handle_and_terms_but_keep_their_counts() -> None:
    insult = decision("m-1", "T'es vraiment un connard.")
    complaint = decision("m-2", "Mon colis n'est jamais arrivé")
    other = decision("m-3", "T'es vraiment un connard.", handle="alice")
    elsewhere = decision("m-4", "Mon colis n'est jamais arrivé", brand="globex")
    decisions = Fake([insult, complaint, other, elsewhere])
    service = ErasureService(decisions, Fake([]))
    await service.erase([erased(("twitter", "bob"))])
    staged = {d.id: d for d in decisions.staged}
    assert set(staged) == {"m-1", "m-2"}
    for before in (insult, complaint):
        after = staged[before.id]
        assert (after.text, after.author_handle, after.terms) == ("", "", [])
        assert after.complaint_evidence == []
        assert all(f.term == "" for f in [*after.findings, *after.allowed])
        assert after.erased_at == ERASED_AT
        # What reporting and the queue count by is untouched.
        assert (after.action, after.categories, after.brand, after.source) == (
            before.action,
            before.categories,
            before.brand,
            before.source,
        )
        assert [(f.rule, f.start, f.end) for f in after.findings] == [
            (f.rule, f.start, f.end) for f in before.findings
        ]
        assert (after.complaint_topic, after.decided_at) == (
            before.complaint_topic,
            before.decided_at,
        )
    assert staged["m-1"].action is ModerationAction.HIDE
    assert staged["m-2"].complaint_topic == "delivery"


async def test_a_pending_review_item_leaves_the_queue_a_settled_one_keeps_its_verdict() -> None:
    pending = review_item(decision("m-1", "t'es un idiot"))
    settled = review_item(decision("m-2", "t'es un idiot")).model_copy(
        update={"status": ReviewStatus.APPROVED, "final_action": ModerationAction.HIDE}
    )
    reviews = Fake([pending, settled])
    await ErasureService(Fake([]), reviews).erase([erased(("twitter", "bob"))])
    by_id: dict[str, ReviewItem] = {i.mention_id: i for i in reviews.staged}
    assert (by_id["m-1"].status, by_id["m-2"].status) == (
        ReviewStatus.ERASED,
        ReviewStatus.APPROVED,
    )
    for item in by_id.values():
        assert (item.excerpt, item.author_handle, item.erased_at) == ("", "", ERASED_AT)
    assert by_id["m-1"].revision == pending.revision + 1
    with pytest.raises(AlreadyReviewed):
        check_claimable(by_id["m-1"], "rita", ERASED_AT)


async def test_many_decisions_are_paged_and_every_identity_is_forgotten() -> None:
    many = [decision(f"m-{n:04d}", "Mon colis n'est jamais arrivé") for n in range(1203)]
    forum = decision("f-1", "Mon colis n'est jamais arrivé").model_copy(
        update={"source": "forum", "author_handle": "bob.b"}
    )
    decisions = Fake([*many, forum])
    await ErasureService(decisions, Fake([])).erase(
        [erased(("twitter", "bob"), ("forum", "bob.b"))]
    )
    assert len({d.id for d in decisions.staged}) == 1204


async def test_erasing_someone_moderation_never_saw_changes_nothing() -> None:
    decisions = Fake([decision("m-1", "T'es vraiment un connard.", handle="alice")])
    handle = erasure_handler(ErasureService(decisions, Fake([])))
    event = make_event(erased(("twitter", "bob")), event_id="e-1", source="tests", brand="acme")
    changes = await handle([event])
    assert not changes and decisions.staged == []


def test_an_erased_decision_is_stored_and_read_back_whole() -> None:
    from animo_moderation.erasure import forget_decision
    from animo_shared.store.port import plain

    gone = forget_decision(decision("m-1", "T'es vraiment un connard."), ERASED_AT)
    assert Decision.model_validate(plain(gone.model_dump(mode="python"))) == gone
