"""The embedded store: one SQLite file per service, JSON documents with expression indexes."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from .port import (
    Changes,
    Collection,
    Delete,
    Increment,
    Index,
    InsertIfAbsent,
    M,
    OutboxMessage,
    Put,
    Range,
    Scalar,
    Store,
    StoreError,
)

# One fixed width for every stored instant, so text order is time order in indexes. The year is
# padded by hand: `%Y` writes year 483 as "483" on glibc, which then does not parse back.
_TIME_FORMAT = "-%m-%dT%H:%M:%S.%fZ"
R = TypeVar("R")


def _scalar(value: Scalar) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return f"{value.year:04d}{value.strftime(_TIME_FORMAT)}"
    return value


def _default(value: object) -> Any:
    if isinstance(value, datetime):
        return _scalar(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"cannot store {type(value).__name__}")


def dumps(doc: Any) -> str:
    return json.dumps(doc, default=_default, ensure_ascii=False, separators=(",", ":"))


def _path(field: str) -> str:
    # Field names are checked against a dotted-identifier pattern before they get here.
    return "id" if field == "id" else f"json_extract(doc, '$.{field}')"


def _conditions(where: dict[str, Scalar], range_: Range | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for name, value in where.items():
        if value is None:
            clauses.append(f"{_path(name)} IS NULL")
        else:
            clauses.append(f"{_path(name)} = ?")
            params.append(_scalar(value))
    if range_ is not None:
        if range_.start is not None:
            clauses.append(f"{_path(range_.field)} >= ?")
            params.append(_scalar(range_.start))
        if range_.end is not None:
            clauses.append(f"{_path(range_.field)} < ?")
            params.append(_scalar(range_.end))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


class SqliteCollection(Collection[M]):
    def __init__(
        self, store: SqliteStore, name: str, model: type[M], indexes: Sequence[Index]
    ) -> None:
        super().__init__(name, model, indexes)
        self._store = store

    async def _find(
        self,
        where: dict[str, Scalar],
        range_: Range | None,
        order_by: str | None,
        descending: bool,
        limit: int,
        offset: int,
    ) -> list[dict[str, Any]]:
        condition, params = _conditions(where, range_)
        direction = "DESC" if descending else "ASC"
        order = f"{_path(order_by)} {direction}, id {direction}" if order_by else "id"
        sql = f'SELECT doc FROM "{self.name}"{condition} ORDER BY {order} LIMIT ? OFFSET ?'  # noqa: S608
        rows = await self._store.fetch(sql, [*params, limit, offset])
        return [json.loads(row[0]) for row in rows]

    async def _count(self, where: dict[str, Scalar], range_: Range | None) -> int:
        condition, params = _conditions(where, range_)
        rows = await self._store.fetch(f'SELECT count(*) FROM "{self.name}"{condition}', params)  # noqa: S608
        return int(rows[0][0])

    async def _get(self, doc_id: str) -> dict[str, Any] | None:
        rows = await self._store.fetch(f'SELECT doc FROM "{self.name}" WHERE id = ?', [doc_id])  # noqa: S608
        return json.loads(rows[0][0]) if rows else None

    async def _get_many(self, ids: list[str]) -> list[dict[str, Any]]:
        def run(db: sqlite3.Connection) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                sql = f'SELECT doc FROM "{self.name}" WHERE id IN ({marks})'  # noqa: S608
                found.extend(json.loads(row[0]) for row in db.execute(sql, chunk))
            return found

        return await self._store.run(run)

    async def _insert(self, doc_id: str, doc: dict[str, Any]) -> bool:
        return await self._store.run(lambda db: _write_docs(db, self.name, [(doc_id, doc)], False))

    async def _put(self, doc_id: str, doc: dict[str, Any]) -> None:
        await self._store.run(lambda db: _write_docs(db, self.name, [(doc_id, doc)], True))

    async def _delete(self, doc_id: str) -> bool:
        sql = f'DELETE FROM "{self.name}" WHERE id = ?'  # noqa: S608
        return await self._store.run(lambda db: db.execute(sql, [doc_id]).rowcount > 0)

    async def _update_if(
        self, doc_id: str, expect: dict[str, Scalar], values: dict[str, Any]
    ) -> bool:
        sets = ", ".join(f"'$.{name}', json(?)" for name in values)
        condition, params = _conditions(expect, None)
        condition = condition.replace(" WHERE ", " AND ", 1)
        sql = f'UPDATE "{self.name}" SET doc = json_set(doc, {sets}) WHERE id = ?{condition}'  # noqa: S608
        args = [*(dumps(v) for v in values.values()), doc_id, *params]
        return await self._store.run(lambda db: db.execute(sql, args).rowcount > 0)


def _write_docs(
    db: sqlite3.Connection, table: str, docs: list[tuple[str, Any]], replace: bool
) -> bool:
    """Insert (or replace) documents in one statement; True when any row was written."""
    action = "UPDATE SET doc = excluded.doc" if replace else "NOTHING"
    sql = f'INSERT INTO "{table}"(id, doc) VALUES (?, ?) ON CONFLICT(id) DO {action}'  # noqa: S608
    before = db.total_changes
    db.executemany(sql, [(doc_id, dumps({**doc, "id": doc_id})) for doc_id, doc in docs])
    return db.total_changes > before


def _increment(db: sqlite3.Connection, op: Increment) -> None:
    fresh: dict[str, Any] = {
        **op.on_insert,
        **op.set,
        **op.inc,
        **op.minimum,
        **op.maximum,
        "id": op.id,
    }
    updates: list[str] = []
    params: list[Any] = []
    for name, amount in op.inc.items():
        updates.append(f"'$.{name}', coalesce(json_extract(doc, '$.{name}'), 0) + ?")
        params.append(amount)
    for name, value in op.set.items():
        updates.append(f"'$.{name}', json(?)")
        params.append(dumps(value))
    for name, value, compare in [
        *((n, v, "<") for n, v in op.minimum.items()),
        *((n, v, ">") for n, v in op.maximum.items()),
    ]:
        current = f"json_extract(doc, '$.{name}')"
        updates.append(
            f"'$.{name}', CASE WHEN {current} IS NULL OR ? {compare} {current} "
            f"THEN ? ELSE {current} END"
        )
        params.extend([_scalar(value), _scalar(value)])
    action = f"UPDATE SET doc = json_set(doc, {', '.join(updates)})" if updates else "NOTHING"
    db.execute(
        f'INSERT INTO "{op.collection}"(id, doc) VALUES (?, ?) ON CONFLICT(id) DO {action}',  # noqa: S608
        [op.id, dumps(fresh), *params],
    )


def _apply(db: sqlite3.Connection, changes: Changes) -> None:
    """The whole batch in one transaction; consecutive puts/inserts of a table go in one statement."""
    pending: list[tuple[str, Any]] = []
    pending_key: tuple[str, bool] | None = None

    def flush() -> None:
        if pending_key is not None and pending:
            _write_docs(db, pending_key[0], pending, pending_key[1])
        pending.clear()

    for op in changes.operations:
        if isinstance(op, Put | InsertIfAbsent):
            key = (op.collection, isinstance(op, Put))
            if key != pending_key:
                flush()
                pending_key = key
            pending.append((op.id, dict(op.doc)))
            continue
        flush()
        pending_key = None
        if isinstance(op, Increment):
            _increment(db, op)
        elif isinstance(op, Delete):
            db.execute(f'DELETE FROM "{op.collection}" WHERE id = ?', [op.id])  # noqa: S608
    flush()
    now = time.time()
    db.executemany(
        "INSERT OR IGNORE INTO _processed(id, at) VALUES (?, ?)",
        [(event_id, now) for event_id in changes.processed],
    )
    db.executemany(
        "INSERT OR IGNORE INTO _outbox(id, topic, key, value, headers) VALUES (?, ?, ?, ?, ?)",
        [
            (m.id, m.topic, m.key, m.value, dumps([[k, v] for k, v in m.headers]))
            for m in changes.outbox
        ],
    )


class SqliteStore(Store):
    """All database work runs on one dedicated thread, so SQLite sees a single writer and the
    event loop never blocks; a batch is one call, hence one transaction and one thread hop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._collections: dict[str, SqliteCollection[Any]] = {}

    def collection(
        self, name: str, model: type[M], indexes: Sequence[Index] = ()
    ) -> SqliteCollection[M]:
        made = SqliteCollection(self, name, model, indexes)
        self._collections[name] = made
        return made

    async def run(self, work: Callable[[sqlite3.Connection], R]) -> R:
        if self._executor is None:
            raise StoreError("the store is not started")

        def call() -> R:
            assert self._db is not None
            return work(self._db)

        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, call)
        except sqlite3.Error as error:
            raise StoreError(f"sqlite: {error}") from error

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        return await self.run(lambda db: db.execute(sql, list(params)).fetchall())

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None)
        # WAL keeps readers and the writer apart; NORMAL sync survives a process crash.
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000"):
            db.execute(f"PRAGMA {pragma}")
        db.execute("CREATE TABLE IF NOT EXISTS _processed (id TEXT PRIMARY KEY, at REAL NOT NULL)")
        db.execute("CREATE INDEX IF NOT EXISTS ix__processed_at ON _processed (at)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS _outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
            "id TEXT UNIQUE NOT NULL, topic TEXT NOT NULL, key TEXT NOT NULL, "
            "value BLOB NOT NULL, headers TEXT NOT NULL)"
        )
        for coll in self._collections.values():
            db.execute(
                f'CREATE TABLE IF NOT EXISTS "{coll.name}" (id TEXT PRIMARY KEY, doc TEXT NOT NULL)'
            )
            for index in coll.indexes:
                label = "_".join(f.replace(".", "_") for f in index.fields)
                unique = "UNIQUE " if index.unique else ""
                columns = ", ".join(_path(f) for f in index.fields)
                db.execute(
                    f'CREATE {unique}INDEX IF NOT EXISTS "ix_{coll.name}_{label}" '
                    f'ON "{coll.name}" ({columns})'
                )
        self._db = db

    async def start(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._open)
        except sqlite3.Error as error:
            raise StoreError(f"sqlite: {error}") from error

    async def close(self) -> None:
        if self._executor is None:
            return

        def shut() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        await asyncio.get_running_loop().run_in_executor(self._executor, shut)
        self._executor.shutdown(wait=True)
        self._executor = None

    async def ping(self) -> None:
        await self.fetch("SELECT 1", [])

    async def commit(self, changes: Changes) -> None:
        if not changes:
            return

        def transaction(db: sqlite3.Connection) -> None:
            db.execute("BEGIN IMMEDIATE")
            try:
                _apply(db, changes)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

        await self.run(transaction)

    async def already_processed(self, event_ids: Sequence[str]) -> set[str]:
        ids = list(event_ids)

        def run(db: sqlite3.Connection) -> set[str]:
            found: set[str] = set()
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT id FROM _processed WHERE id IN ({marks})"  # noqa: S608
                found.update(row[0] for row in db.execute(sql, chunk))
            return found

        return await self.run(run)

    async def outbox_pending(self, limit: int) -> list[OutboxMessage]:
        rows = await self.fetch(
            "SELECT id, topic, key, value, headers FROM _outbox ORDER BY seq LIMIT ?", [limit]
        )
        return [
            OutboxMessage(
                id=row[0],
                topic=row[1],
                key=row[2],
                value=bytes(row[3]),
                headers=tuple((k, v.encode()) for k, v in json.loads(row[4])),
            )
            for row in rows
        ]

    async def forget_processed(self, before: float) -> int:
        return await self.run(
            lambda db: db.execute("DELETE FROM _processed WHERE at < ?", [before]).rowcount
        )

    async def outbox_sent(self, ids: Sequence[str]) -> None:
        def delete(db: sqlite3.Connection) -> None:
            # One transaction: in autocommit mode each DELETE would be a commit of its own.
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("DELETE FROM _outbox WHERE id = ?", [(i,) for i in ids])
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

        await self.run(delete)
