"""Member ids: every identity (a handle on a source) starts as a member of its own, with a stable id."""

from __future__ import annotations

import functools

from animo_shared.events import derive_id


@functools.lru_cache(maxsize=65_536)
def member_id(brand: str, source: str, handle: str) -> str:
    """The id of the member an identity was first seen as (also the identity's own id)."""
    return derive_id("member", brand, source, handle)


def email_key(brand: str, email: str) -> str:
    """The id of a verified email's link document (emails compare case-insensitively)."""
    return derive_id("email", brand, email.strip().lower())


def timeline_id(kind: str, *parts: str) -> str:
    """A timeline entry id derived from what caused it, so a replay writes the same entry."""
    return derive_id("timeline", kind, *parts)
