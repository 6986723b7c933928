"""The erasure hook: every part of the CRM that keeps personal data purges it in the erasing batch."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from animo_shared.store import Changes


class ErasureParticipant(Protocol):
    """Adds to `changes` the deletions of what it keeps about these member ids (a member and
    every alias merged into it); the erasure commits all participants' changes at once."""

    async def erase(self, changes: Changes, brand: str, member_ids: list[str]) -> None: ...


@runtime_checkable
class ExportParticipant(Protocol):
    """A participant that also says what it keeps, for the GDPR export (JSON-ready values); its
    keys are added to the export's."""

    async def export(self, member_ids: list[str]) -> dict[str, Any]: ...
