"""The approver scope: approving and rejecting need `posts:approve`, whatever the route."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from animo_publisher.access import ALL_SCOPES, APPROVE, Actor, actor, scopes_of
from animo_publisher.errors import Forbidden
from animo_publisher.service import PublisherService


def request(headers: dict[str, str] | None = None, **state: Any) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    made = Request({"type": "http", "method": "POST", "path": "/", "headers": raw})
    for name, value in state.items():
        setattr(made.state, name, value)
    return made


def test_the_admin_key_holds_every_scope_and_a_scoped_key_only_its_own() -> None:
    assert APPROVE in scopes_of(request()) == ALL_SCOPES
    assert scopes_of(request(scopes=["posts:write"])) == {"posts:write"}
    writer = actor(request({"X-Animo-Actor": "camille"}, scopes=["posts:write"]))
    assert writer.name == "camille" and APPROVE not in writer.scopes


@pytest.mark.parametrize("action", ["approve", "reject"])
async def test_approving_or_rejecting_without_the_scope_is_forbidden(action: str) -> None:
    # Refused before anything is read: the repository and moderation are never touched.
    service = PublisherService(None, None, None)  # type: ignore[arg-type]
    writer = Actor("camille", frozenset({"posts:write"}))
    attempt = (
        service.approve("post_1", writer)
        if action == "approve"
        else service.reject("post_1", "hors charte", writer)
    )
    with pytest.raises(Forbidden, match="camille lacks the posts:approve scope"):
        await attempt
