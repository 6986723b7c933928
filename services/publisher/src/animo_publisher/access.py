"""Who is acting: the actor named by the request, with its key's scopes and brands.

Every /v1 route already needs its scope (`animo_shared.http.require_key`): `publisher:read`
to read and to compute without storing (previews, slot checks, rendered replies),
`publisher:write` to change, `publisher:approve` to approve or reject. The service checks
`publisher:approve` again, so every caller of `approve`/`reject` needs it, not only the routes.

A key restricted to some brands acts for those only: a post of another brand is not found
(404, so its id is not even confirmed to exist) and a body naming another brand is refused
(403) before anything is stored. The service checks posts through the actor (so campaign
posts are covered too); the routes of channels, queues, campaigns and templates, which read
the repository directly, check with `animo_shared.http`'s helpers. Every list names its
brand (`brand=` is required), which `require_key` checks. The actor's name comes from `X-Animo-Actor` (default
"admin") and is what the audit trail records; it is a label the key holder chooses, not an
identity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import HTTPException, Request

from animo_shared.http import principal_of

from .errors import Forbidden

READ = "publisher:read"
WRITE = "publisher:write"
APPROVE = "publisher:approve"
_NAME = re.compile(r"^[A-Za-z0-9._@+-]{1,100}$")


@dataclass(frozen=True)
class Actor:
    name: str
    scopes: frozenset[str]
    brands: frozenset[str] = frozenset()  # empty: every brand

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"{self.name} lacks the {scope} scope")

    def may_see(self, brand: str) -> bool:
        return not self.brands or brand in self.brands

    def check_brand(self, brand: str) -> None:
        """403 unless the actor may act for this brand (one named in a body)."""
        if not self.may_see(brand):
            raise Forbidden(f"this API key may not act for brand {brand!r}")


def actor(request: Request) -> Actor:
    """A FastAPI dependency: the acting user, for the audit trail, scope and brand checks."""
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
    principal = principal_of(request)
    return Actor(name, principal.granted(), principal.brands)
