"""The store: one document-store contract, with MongoDB (production) and SQLite (embedded) behind it."""

from __future__ import annotations

from ..settings import CommonSettings
from .port import (
    Changes,
    Collection,
    Document,
    Index,
    InvalidQuery,
    OutboxMessage,
    Range,
    Store,
    StoreError,
)

__all__ = [
    "Changes",
    "Collection",
    "Document",
    "Index",
    "InvalidQuery",
    "OutboxMessage",
    "Range",
    "Store",
    "StoreError",
    "open_store",
]


def open_store(common: CommonSettings, service: str) -> Store:
    """MongoDB when `MONGODB_URL` is set, else one SQLite file for this service under the data dir."""
    if common.mongodb_url is not None:
        from motor.motor_asyncio import AsyncIOMotorClient

        from .mongo import MongoStore

        client: AsyncIOMotorClient = AsyncIOMotorClient(  # type: ignore[type-arg]
            common.mongodb_url.get_secret_value(),
            tz_aware=True,
            serverSelectionTimeoutMS=5000,
        )
        return MongoStore(client, f"animo_{service}")
    from .sqlite import SqliteStore

    return SqliteStore(common.data_dir / f"{service}.sqlite3")
