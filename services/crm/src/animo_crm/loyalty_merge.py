"""Points follow merges: on `member.merged` the merged member's balance moves to the survivor; on
`member.unmerged` what moved at the merges moves back, as far as the survivor still has it.

A transfer debits a wallet, so it holds it first like a redemption does (compare-and-set on the
version); the batch that writes the two ledger entries releases it. A wallet held by a
redemption makes the batch fail and retry, so a transfer never interleaves with a debit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from animo_shared.events import Envelope, MemberMerged, MemberUnmerged, derive_id
from animo_shared.store import Changes
from animo_shared.store.port import Increment

from .loyalty import order_key
from .loyalty_models import LedgerEntry, Transfer, Wallet
from .loyalty_repository import LoyaltyRepository


class WalletBusy(RuntimeError):
    """A redemption holds the wallet: the consumer retries the batch a moment later."""


def pending_balance(changes: Changes, collection: str, doc_id: str) -> int:
    """What `changes` already adds to a wallet's balance (earnings earlier in the same batch)."""
    total = 0
    for op in changes.operations:
        if isinstance(op, Increment) and op.collection == collection and op.id == doc_id:
            total += int(op.inc.get("balance", 0))
    return total


class Transfers:
    def __init__(
        self,
        repo: LoyaltyRepository,
        abandon: Callable[[Wallet], Awaitable[None]],
        lease: timedelta,
    ) -> None:
        self.repo = repo
        self.abandon = abandon  # undoes a crashed redemption's hold (see `Rewards`)
        self.lease = lease

    async def apply(self, events: Sequence[Envelope[Any]], changes: Changes) -> None:
        moves = [e for e in events if isinstance(e.data, MemberMerged | MemberUnmerged)]
        if not moves:
            return
        done = await self.repo.ledger.get_many([_entry_id(e.id, "out") for e in moves])
        held: set[str] = set()
        links: dict[str, Transfer] = {}
        for event in moves:
            if _entry_id(event.id, "out") in done:
                continue  # a replay: this move is in the ledger already
            data = event.data
            if isinstance(data, MemberMerged):
                source, target, survivor, other = (
                    data.merged_id,
                    data.member_id,
                    data.member_id,
                    data.merged_id,
                )
                at = data.merged_at
            else:
                source, target, survivor, other = (
                    data.member_id,
                    data.restored_id,
                    data.member_id,
                    data.restored_id,
                )
                at = data.unmerged_at
            link_id = derive_id("loyalty.link", survivor, other)
            if link_id not in links:
                links[link_id] = await self.repo.transfers.get(link_id) or Transfer(
                    id=link_id, member_id=survivor, other_id=other
                )
            link = links[link_id]
            available = await self._hold(changes, source, event.id, held, at)
            if isinstance(data, MemberMerged):
                amount = available
                links[link_id] = link.model_copy(update={"moved": link.moved + amount})
            else:
                amount = min(link.moved, available)
                links[link_id] = link.model_copy(update={"moved": link.moved - amount})
            if amount > 0:
                self._move(changes, event, data.brand, source, target, amount, at)
        for link in links.values():
            changes.put(self.repo.transfers, link)

    async def _hold(
        self, changes: Changes, member: str, event_id: str, held: set[str], now: datetime
    ) -> int:
        """Hold a wallet for this batch; its balance as the batch will see it."""
        hold = derive_id("loyalty.transfer", event_id)
        pending = pending_balance(changes, self.repo.wallets.name, member)
        for _ in range(5):
            wallet: Wallet | None = await self.repo.wallets.get(member)
            if wallet is None:
                return pending
            if wallet.hold is None:
                if not await self.repo.take_hold(wallet, hold, "", now):
                    continue
                held.add(hold)
            elif wallet.hold not in held and wallet.hold != hold:
                since = wallet.hold_since
                if since is not None and datetime.now(UTC) - since > self.lease:
                    await self.abandon(wallet)
                    continue
                raise WalletBusy(f"wallet {member} is held by a redemption")
            changes.increment(
                self.repo.wallets,
                member,
                set={"hold": None, "hold_since": None, "hold_reward": None, "hold_reserved": False},
            )
            return wallet.balance + pending
        raise WalletBusy(f"wallet {member} keeps changing")

    def _move(
        self,
        changes: Changes,
        event: Envelope[Any],
        brand: str,
        source: str,
        target: str,
        amount: int,
        at: datetime,
    ) -> None:
        for member, points, side in ((source, -amount, "out"), (target, amount, "in")):
            entry_id = _entry_id(event.id, side)
            self.repo.credit(
                changes,
                LedgerEntry(
                    id=entry_id,
                    brand=brand,
                    member_id=member,
                    points=points,
                    kind="transfer",
                    cause=event.id,
                    cause_type=event.type,
                    detail=f"{'to' if side == 'out' else 'from'} {target if side == 'out' else source}",
                    at=at,
                    order=order_key(at, entry_id),
                ),
                count=False,
            )


def _entry_id(event_id: str, side: str) -> str:
    return derive_id("loyalty.transfer", side, event_id)
