"""Erased identities, remembered by a hash only, so what they said before their erasure and
reaches a service late (a backlog, a replay, a slow partition) is not stored again.

`member.erased` and a mention of the same person travel on different topics: a service may
apply the erasure first and the mention after. Each service that keeps personal data stages
`Forgotten.remember` in its erasure batch and asks `Forgotten.erased_before` for the authors
of each batch. The marker's id is a hash of brand, source and handle: it names no one, and is
found again only by someone who already knows the handle.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .events import MemberErased, derive_id
from .store import Changes, Document, Store

Author = tuple[str, str, str]  # brand, source, handle


class ErasedIdentity(Document):
    erased_at: datetime


def marker_id(brand: str, source: str, handle: str) -> str:
    return derive_id("erased", brand, source, handle)


class Forgotten:
    def __init__(self, store: Store) -> None:
        self.markers = store.collection("erased_identities", ErasedIdentity)

    def remember(self, changes: Changes, erased: MemberErased) -> None:
        for identity in erased.identities:
            marker = marker_id(erased.brand, identity.source, identity.handle)
            changes.put(self.markers, ErasedIdentity(id=marker, erased_at=erased.erased_at))

    async def erased_at(self, authors: Iterable[Author]) -> dict[Author, datetime]:
        """When each of these authors was erased, for those that were (one read)."""
        ids = {author: marker_id(*author) for author in set(authors)}
        if not ids:
            return {}
        found = await self.markers.get_many(sorted(set(ids.values())))
        return {author: found[i].erased_at for author, i in ids.items() if i in found}


def said_before(erased: dict[Author, datetime], author: Author, at: datetime) -> bool:
    """Whether this author was erased after saying something at `at` (so it stays forgotten)."""
    when = erased.get(author)
    return when is not None and at <= when
