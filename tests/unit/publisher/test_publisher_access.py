"""The actor of a request carries its key's scopes and brands: approving and rejecting need
`publisher:approve` whatever the route, and a brand-restricted key neither finds another
brand's post nor names another brand in a body."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.requests import Request

from animo_publisher.access import APPROVE, WRITE, Actor, actor
from animo_publisher.errors import Forbidden, NotFound
from animo_publisher.models import Post, PostIn, PostStatus
from animo_publisher.service import PublisherService
from animo_shared.access import SCOPES, Principal

T0 = datetime(2031, 6, 2, 10, 0, tzinfo=UTC)


def request(headers: dict[str, str] | None = None, **state: Any) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    made = Request({"type": "http", "method": "POST", "path": "/", "headers": raw})
    for name, value in state.items():
        setattr(made.state, name, value)
    return made


def key(*scopes: str, brands: frozenset[str] = frozenset()) -> Principal:
    return Principal(key_id="k1", name="k1", scopes=frozenset(scopes), brands=brands)


class OnePost:
    """A repository holding one post of brand `acme`; it fails on anything but reading it."""

    def __init__(self) -> None:
        self.stored = Post(
            id="post_1",
            brand="acme",
            text="Bonjour",
            channels=["ch_1"],
            status=PostStatus.AWAITING_APPROVAL,
            created_by="camille",
            created_at=T0,
            updated_at=T0,
        )

    async def post(self, post_id: str) -> Post | None:
        return self.stored if post_id == self.stored.id else None


def test_the_admin_key_holds_every_scope_for_every_brand() -> None:
    admin = actor(request())  # no principal on the request: the operator's key
    assert admin.scopes == frozenset(SCOPES) and admin.brands == frozenset()
    assert admin.may_see("acme") and admin.may_see("globex")


def test_a_scoped_key_holds_its_own_scopes_and_brands_only() -> None:
    principal = key(WRITE, brands=frozenset({"acme"}))
    writer = actor(request({"X-Animo-Actor": "camille"}, principal=principal))
    assert (writer.name, writer.scopes, writer.brands) == ("camille", {WRITE}, {"acme"})
    assert APPROVE not in writer.scopes
    assert writer.may_see("acme") and not writer.may_see("globex")
    approver = actor(request(principal=key("admin", brands=frozenset({"acme"}))))
    assert APPROVE in approver.scopes and not approver.may_see("globex")


@pytest.mark.parametrize("action", ["approve", "reject"])
async def test_approving_or_rejecting_without_the_scope_is_forbidden(action: str) -> None:
    # Refused before anything is read: the repository and moderation are never touched.
    service = PublisherService(None, None, None)  # type: ignore[arg-type]
    writer = Actor("camille", frozenset({WRITE}))
    attempt = (
        service.approve("post_1", writer)
        if action == "approve"
        else service.reject("post_1", "hors charte", writer)
    )
    with pytest.raises(Forbidden, match="camille lacks the publisher:approve scope"):
        await attempt


@pytest.mark.parametrize("action", ["find", "audit", "edit", "submit", "approve", "reject"])
async def test_another_brands_post_is_not_found_before_anything_changes(action: str) -> None:
    # The repository can only read the post: a step past the 404 would fail differently.
    service = PublisherService(OnePost(), None, None)  # type: ignore[arg-type]
    outsider = Actor("lea", frozenset(SCOPES), frozenset({"globex"}))
    calls = {
        "find": lambda: service.find("post_1", outsider),
        "audit": lambda: service.audit("post_1", outsider),
        "edit": lambda: service.edit("post_1", None, outsider),  # type: ignore[arg-type]
        "submit": lambda: service.submit("post_1", outsider),
        "approve": lambda: service.approve("post_1", outsider),
        "reject": lambda: service.reject("post_1", "hors charte", outsider),
    }
    with pytest.raises(NotFound, match="no post 'post_1'"):
        await calls[action]()
    insider = Actor("lea", frozenset(SCOPES), frozenset({"acme"}))
    assert (await service.find("post_1", insider)).brand == "acme"


async def test_a_post_for_another_brand_is_refused_before_anything_is_read() -> None:
    service = PublisherService(None, None, None)  # type: ignore[arg-type]
    writer = Actor("camille", frozenset({WRITE}), frozenset({"acme"}))
    body = PostIn(brand="globex", text="Bonjour", channels=["ch_1"])
    with pytest.raises(Forbidden, match="may not act for brand 'globex'"):
        await service.create(body, writer)
