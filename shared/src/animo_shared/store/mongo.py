"""The production store: MongoDB through motor, batches made atomic by a journal of idempotent steps."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError, PyMongoError

from .port import (
    Changes,
    Collection,
    Delete,
    Increment,
    Index,
    M,
    Operation,
    OutboxMessage,
    Put,
    Range,
    Scalar,
    Store,
    StoreError,
)

# How many journal steps a document remembers; journals are finished before the
# next batch starts, so only a few batches' steps can be in flight for a document.
_APPLIED_KEEP = 64


def _key(field: str) -> str:
    return "_id" if field == "id" else field


def _from_mongo(raw: Mapping[str, Any]) -> dict[str, Any]:
    doc = {key: value for key, value in raw.items() if not key.startswith("_")}
    doc["id"] = raw["_id"]
    return doc


def _to_mongo(doc_id: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in doc.items() if k != "id"}, "_id": doc_id}


def _filter(where: dict[str, Scalar], range_: Range | None) -> dict[str, Any]:
    # Keys are checked dotted identifiers and values checked scalars: a user's
    # string is only ever compared, never read as an operator.
    query: dict[str, Any] = {_key(name): value for name, value in where.items()}
    if range_ is not None:
        bounds: dict[str, Any] = {}
        if range_.start is not None:
            bounds["$gte"] = range_.start
        if range_.end is not None:
            bounds["$lt"] = range_.end
        if bounds:
            query[_key(range_.field)] = bounds
    return query


class MongoCollection(Collection[M]):
    def __init__(self, store: MongoStore, name: str, model: type[M], indexes: Sequence[Index]):
        super().__init__(name, model, indexes)
        self._store = store

    @property
    def _raw(self) -> Any:
        return self._store.db[self.name]

    async def _find(
        self,
        where: dict[str, Scalar],
        range_: Range | None,
        order_by: str | None,
        descending: bool,
        limit: int,
        offset: int,
    ) -> list[dict[str, Any]]:
        direction = DESCENDING if descending else ASCENDING
        sort = [(_key(order_by), direction)] if order_by else []
        sort.append(("_id", direction if order_by else ASCENDING))
        async with self._store.guard():
            cursor = self._raw.find(_filter(where, range_)).sort(sort).skip(offset).limit(limit)
            return [_from_mongo(raw) for raw in await cursor.to_list(length=None)]

    async def _count(self, where: dict[str, Scalar], range_: Range | None) -> int:
        async with self._store.guard():
            return int(await self._raw.count_documents(_filter(where, range_)))

    async def _get(self, doc_id: str) -> dict[str, Any] | None:
        async with self._store.guard():
            raw = await self._raw.find_one({"_id": doc_id})
        return None if raw is None else _from_mongo(raw)

    async def _get_many(self, ids: list[str]) -> list[dict[str, Any]]:
        async with self._store.guard():
            cursor = self._raw.find({"_id": {"$in": ids}})
            return [_from_mongo(raw) for raw in await cursor.to_list(length=None)]

    async def _insert(self, doc_id: str, doc: dict[str, Any]) -> bool:
        async with self._store.guard():
            try:
                await self._raw.insert_one(_to_mongo(doc_id, doc))
            except DuplicateKeyError:
                return False
            return True

    async def _put(self, doc_id: str, doc: dict[str, Any]) -> None:
        async with self._store.guard():
            await self._raw.replace_one({"_id": doc_id}, _to_mongo(doc_id, doc), upsert=True)

    async def _delete(self, doc_id: str) -> bool:
        async with self._store.guard():
            result = await self._raw.delete_one({"_id": doc_id})
        return bool(result.deleted_count)

    async def _update_if(
        self, doc_id: str, expect: dict[str, Scalar], values: dict[str, Any]
    ) -> bool:
        async with self._store.guard():
            result = await self._raw.update_one(
                {"_id": doc_id, **_filter(expect, None)}, {"$set": values}
            )
        return bool(result.modified_count)


def _encode(op: Operation) -> dict[str, Any]:
    if isinstance(op, Increment):
        return {
            "op": "inc",
            "c": op.collection,
            "id": op.id,
            "inc": dict(op.inc),
            "set": dict(op.set),
            "min": dict(op.minimum),
            "max": dict(op.maximum),
            "ins": dict(op.on_insert),
        }
    if isinstance(op, Delete):
        return {"op": "del", "c": op.collection, "id": op.id}
    kind = "put" if isinstance(op, Put) else "ins"
    return {"op": kind, "c": op.collection, "id": op.id, "doc": dict(op.doc)}


class _Guard:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, kind: type[BaseException] | None, error: Any, tb: Any) -> None:
        if isinstance(error, PyMongoError) and not isinstance(error, DuplicateKeyError):
            raise StoreError(f"mongodb: {error}") from error


class MongoStore(Store):
    """A MongoDB database; `client` is a motor client (or mongomock-motor's, in tests)."""

    def __init__(self, client: Any, database: str) -> None:
        self.client = client
        self.db = client[database]
        self._collections: dict[str, MongoCollection[Any]] = {}

    @staticmethod
    def guard() -> _Guard:
        return _Guard()

    def collection(
        self, name: str, model: type[M], indexes: Sequence[Index] = ()
    ) -> MongoCollection[M]:
        made = MongoCollection(self, name, model, indexes)
        self._collections[name] = made
        return made

    async def start(self) -> None:
        async with self.guard():
            for coll in self._collections.values():
                for index in coll.indexes:
                    keys = [(_key(f), ASCENDING) for f in index.fields]
                    label = "_".join(f.replace(".", "_") for f in index.fields)
                    await self.db[coll.name].create_index(keys, name=label, unique=index.unique)
            await self.db["_outbox"].create_index([("seq", ASCENDING)], name="seq")
            await self.db["_processed"].create_index([("at", ASCENDING)], name="at")
            await self._finish_journals()

    async def close(self) -> None:
        self.client.close()

    async def ping(self) -> None:
        async with self.guard():
            await self.db.command("ping")

    async def _apply(self, step_id: str, op: Mapping[str, Any]) -> None:
        coll = self.db[op["c"]]
        if op["op"] == "put":
            await coll.replace_one({"_id": op["id"]}, _to_mongo(op["id"], op["doc"]), upsert=True)
        elif op["op"] == "ins":
            with contextlib.suppress(DuplicateKeyError):
                await coll.insert_one(_to_mongo(op["id"], op["doc"]))
        elif op["op"] == "del":
            await coll.delete_one({"_id": op["id"]})
        else:
            update: dict[str, Any] = {
                "$push": {"_applied": {"$each": [step_id], "$slice": -_APPLIED_KEEP}}
            }
            for part, operator in (
                ("inc", "$inc"),
                ("set", "$set"),
                ("min", "$min"),
                ("max", "$max"),
                ("ins", "$setOnInsert"),
            ):
                if op[part]:
                    update[operator] = op[part]
            # The filter skips a document that already holds this journal's step;
            # the upsert then collides on _id, which means "done".
            with contextlib.suppress(DuplicateKeyError):
                await coll.update_one(
                    {"_id": op["id"], "_applied": {"$ne": step_id}}, update, upsert=True
                )

    async def _run_journal(self, journal: Mapping[str, Any]) -> None:
        # Each step has its own id: one batch may touch the same document many times.
        for number, op in enumerate(journal["ops"]):
            await self._apply(f"{journal['_id']}:{number}", op)
        await self.db["_journal"].delete_one({"_id": journal["_id"]})

    async def _finish_journals(self) -> None:
        """Re-apply batches a crash interrupted; every step is idempotent, so this is safe."""
        async for journal in self.db["_journal"].find({}).sort("at", ASCENDING):
            await self._run_journal(journal)

    async def commit(self, changes: Changes) -> None:
        if not changes:
            return
        now = time.time()
        ops = [_encode(op) for op in changes.operations]
        ops += [
            {"op": "put", "c": "_processed", "id": event_id, "doc": {"at": now}}
            for event_id in changes.processed
        ]
        ops += [
            {
                "op": "ins",
                "c": "_outbox",
                "id": m.id,
                "doc": {
                    "seq": time.time_ns() + n,
                    "topic": m.topic,
                    "key": m.key,
                    "value": m.value,
                    "headers": [[k, v] for k, v in m.headers],
                },
            }
            for n, m in enumerate(changes.outbox)
        ]
        journal = {"_id": str(uuid.uuid4()), "at": now, "ops": ops}
        async with self.guard():
            # Written first and alone, so a crash leaves either nothing or a journal
            # that the next batch (here or in another instance) finishes.
            await self.db["_journal"].insert_one(journal)
            await self._run_journal(journal)

    async def already_processed(self, event_ids: Sequence[str]) -> set[str]:
        async with self.guard():
            await self._finish_journals()
            cursor = self.db["_processed"].find({"_id": {"$in": list(event_ids)}}, {"_id": 1})
            return {raw["_id"] for raw in await cursor.to_list(length=None)}

    async def outbox_pending(self, limit: int) -> list[OutboxMessage]:
        async with self.guard():
            cursor = self.db["_outbox"].find({}).sort("seq", ASCENDING).limit(limit)
            rows = await cursor.to_list(length=None)
        return [
            OutboxMessage(
                id=row["_id"],
                topic=row["topic"],
                key=row["key"],
                value=bytes(row["value"]),
                headers=tuple((k, bytes(v)) for k, v in row["headers"]),
            )
            for row in rows
        ]

    async def forget_processed(self, before: float) -> int:
        async with self.guard():
            result = await self.db["_processed"].delete_many({"at": {"$lt": before}})
        return int(result.deleted_count)

    async def outbox_sent(self, ids: Sequence[str]) -> None:
        async with self.guard():
            await self.db["_outbox"].delete_many({"_id": {"$in": list(ids)}})
