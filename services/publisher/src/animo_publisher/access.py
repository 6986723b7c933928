"""Who is acting: the actor named by the request, and the scopes the workflow requires.

Approving or rejecting a post needs the `posts:approve` scope (the service checks it, so
every caller of `approve`/`reject` does); a caller without it gets a 403 naming the scope.
Today every API key is the admin key, which holds every scope. Scoped API keys are
project-wide work (issue 8): the authentication dependency will put the key's scopes on
`request.state.scopes`, and `scopes_of` already reads them from there, so nothing else here
changes. The actor's name comes from `X-Animo-Actor` (default "admin") and is what the
audit trail records; it is a label the key holder chooses, not an identity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import HTTPException, Request

from .errors import Forbidden

APPROVE = "posts:approve"
ALL_SCOPES = frozenset({"posts:write", APPROVE, "channels:write"})
_NAME = re.compile(r"^[A-Za-z0-9._@+-]{1,100}$")


@dataclass(frozen=True)
class Actor:
    name: str
    scopes: frozenset[str]

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"{self.name} lacks the {scope} scope")


def scopes_of(request: Request) -> frozenset[str]:
    """The scopes of the request's key: those the authentication put on the request, else
    (the admin key, the only kind there is yet) every scope."""
    given = getattr(request.state, "scopes", None)
    return ALL_SCOPES if given is None else frozenset(given)


def actor(request: Request) -> Actor:
    """A FastAPI dependency: the acting user, for the audit trail and scope checks."""
    name = request.headers.get("x-animo-actor", "admin").strip() or "admin"
    if not _NAME.fullmatch(name):
        raise HTTPException(
            422,
            [
                {
                    "type": "invalid_actor",
                    "loc": ["header", "x-animo-actor"],
                    "msg": "1 to 100 characters among letters, digits and . _ @ + -",
                }
            ],
        )
    return Actor(name, scopes_of(request))
