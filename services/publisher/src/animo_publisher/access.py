"""Who is acting: the actor named by the request, and what the approve step requires of them.

Every key is the admin key for now, so every actor holds every scope; scoped keys will only
change `scopes_of`. The actor's name comes from `X-Animo-Actor` (default "admin") and is what
the audit trail records.
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
    # The Bearer dependency already accepted the key; the admin key holds every scope.
    return ALL_SCOPES


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
