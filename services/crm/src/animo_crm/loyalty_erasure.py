"""Loyalty's part of an erasure: what ties points, grants and codes to a person goes.

Removed: the wallet, every ledger entry, the daily-cap counters, the grants (they hold the code
and the member id), the complaint records and the merge transfer links. Kept, anonymous: a
granted voucher code stays `granted` with no member and no grant, so it is never handed out
again and the pool's stock stays true; a counted stock is not given back. No aggregate reads
the ledger, so amounts are not kept; the `reward.granted` events already published are the
brand-side systems' to purge on `member.erased`."""

from __future__ import annotations

from typing import Any

from animo_shared.store import Changes

from .loyalty_repository import LoyaltyRepository


class LoyaltyErasure:
    def __init__(self, repo: LoyaltyRepository) -> None:
        self.repo = repo

    async def erase(self, changes: Changes, brand: str, member_ids: list[str]) -> None:
        repo = self.repo
        for member in member_ids:
            changes.delete(repo.wallets, member)
            for entry in await repo.all_of(repo.ledger, member):
                changes.delete(repo.ledger, entry.id)
            for day in await repo.all_of(repo.daily, member):
                changes.delete(repo.daily, day.id)
            for grant in await repo.all_of(repo.grants, member):
                changes.delete(repo.grants, grant.id)
            for complaint in await repo.all_of(repo.complaints, member):
                changes.delete(repo.complaints, complaint.id)
            for link in [
                *await repo.all_of(repo.transfers, member),
                *await repo.transfers.find({"other_id": member}, limit=10_000),
            ]:
                changes.delete(repo.transfers, link.id)
            for code in await repo.all_of(repo.codes, member):
                # Nulling fields in a batch: an increment that only sets them.
                changes.increment(
                    repo.codes,
                    code.id,
                    set={"member_id": None, "grant_id": None, "granted_at": None},
                )

    async def export(self, member_ids: list[str]) -> dict[str, Any]:
        """Everything loyalty keeps about these member ids, for a GDPR export."""
        repo = self.repo
        wallets = await repo.wallets.get_many(member_ids)
        out: dict[str, Any] = {"wallets": [], "ledger": [], "grants": [], "complaints": []}
        for member in member_ids:
            if member in wallets:
                out["wallets"].append(wallets[member].model_dump(mode="json"))
            for key, collection in (
                ("ledger", repo.ledger),
                ("grants", repo.grants),
                ("complaints", repo.complaints),
            ):
                out[key].extend(
                    d.model_dump(mode="json") for d in await repo.all_of(collection, member)
                )
        return out
