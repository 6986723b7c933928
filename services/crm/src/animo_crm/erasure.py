"""The erasure hook: every part of the CRM that keeps personal data purges it in the erasing batch."""

from __future__ import annotations

from typing import Protocol

from animo_shared.store import Changes


class ErasureParticipant(Protocol):
    """Adds to `changes` the deletions of what it keeps about these member ids (a member and
    every alias merged into it); the erasure commits all participants' changes at once."""

    async def erase(self, changes: Changes, brand: str, member_ids: list[str]) -> None: ...
