"""The document-store port: typed collections and atomic batches, met by SQLite and MongoDB alike."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

Scalar = str | int | float | bool | datetime | None

# Field names become SQL JSON paths and MongoDB keys: only plain dotted identifiers
# pass, so no caller can smuggle in a `$` operator or a quote.
_FIELD = re.compile(r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*$")
_COUNTER = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class StoreError(RuntimeError):
    """The store could not do what was asked (unreachable, or a broken invariant)."""


class InvalidQuery(ValueError):
    """A caller asked for a field or value the collection does not allow."""


class Document(BaseModel):
    """Base of every stored document: it is found by its `id`."""

    id: str


M = TypeVar("M", bound=Document)


_LEAVES = frozenset({str, int, float, bool, type(None), datetime})


def plain(value: Any) -> Any:
    """Enums to their values and tuples to lists, so both backends store the same shapes."""
    # Exact-type checks first: documents are mostly plain leaves, and a hot consumer converts
    # hundreds per batch (a StrEnum is a str subclass, so it never takes the leaf shortcut).
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is dict:
        return {k: item if type(item) in _LEAVES else plain(item) for k, item in value.items()}
    if kind is list or kind is tuple:
        return [item if type(item) in _LEAVES else plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


@dataclass(frozen=True)
class Index:
    fields: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True)
class Range:
    """A half-open range on one indexed field: start <= value < end."""

    field: str
    start: Scalar = None
    end: Scalar = None


def check_field(name: str) -> str:
    if not _FIELD.fullmatch(name):
        raise InvalidQuery(f"field name {name!r} is not a plain dotted identifier")
    return name


def check_scalar(name: str, value: object) -> Scalar:
    if isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(value, str | int | float | bool | datetime):
        return value
    raise InvalidQuery(f"value for {name!r} must be a scalar, not {type(value).__name__}")


@dataclass(frozen=True)
class Increment:
    """Add to counters and set, lower or raise fields of one document, creating it if absent."""

    collection: str
    id: str
    inc: Mapping[str, int | float] = field(default_factory=dict)
    set: Mapping[str, Any] = field(default_factory=dict)
    minimum: Mapping[str, Scalar] = field(default_factory=dict)
    maximum: Mapping[str, Scalar] = field(default_factory=dict)
    on_insert: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for part in (self.inc, self.set, self.minimum, self.maximum, self.on_insert):
            for name in part:
                if not _COUNTER.fullmatch(name) or name == "id":
                    raise InvalidQuery(f"field {name!r} cannot be updated in place")
                if name in seen:
                    raise InvalidQuery(f"field {name!r} appears in two parts of one update")
                seen.add(name)


@dataclass(frozen=True)
class Put:
    collection: str
    id: str
    doc: Mapping[str, Any]


@dataclass(frozen=True)
class InsertIfAbsent:
    collection: str
    id: str
    doc: Mapping[str, Any]


@dataclass(frozen=True)
class Delete:
    collection: str
    id: str


Operation = Put | InsertIfAbsent | Increment | Delete


def _pick(current: Any, value: Any, *, lower: bool) -> Any:
    """The lower (or higher) of two bounds of one field; values of one field share a type."""
    if current is None:
        return value
    if value is None:
        return current
    return min(current, value) if lower else max(current, value)


def _merge(first: Increment, then: Increment) -> Increment:
    inc = dict(first.inc)
    for name, amount in then.inc.items():
        inc[name] = inc.get(name, 0) + amount
    minimum = dict(first.minimum)
    for name, value in then.minimum.items():
        minimum[name] = _pick(minimum.get(name), value, lower=True)
    maximum = dict(first.maximum)
    for name, value in then.maximum.items():
        maximum[name] = _pick(maximum.get(name), value, lower=False)
    return Increment(
        first.collection,
        first.id,
        inc=inc,
        set={**first.set, **then.set},
        minimum=minimum,
        maximum=maximum,
        on_insert={**then.on_insert, **first.on_insert},
    )


@dataclass(frozen=True)
class OutboxMessage:
    """An event to publish once the batch that produced it is stored."""

    id: str
    topic: str
    key: str
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


class Changes:
    """Everything one batch changes, stored all-or-nothing by `Store.commit`."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []
        self.processed: list[str] = []
        self.outbox: list[OutboxMessage] = []
        self._increments: dict[tuple[str, str], int] = {}

    def __bool__(self) -> bool:
        return bool(self.operations or self.processed or self.outbox)

    def put(self, collection: Collection[M], doc: M) -> None:
        self.operations.append(Put(collection.name, doc.id, collection.to_storage(doc)))

    def insert_if_absent(self, collection: Collection[M], doc: M) -> None:
        self.operations.append(InsertIfAbsent(collection.name, doc.id, collection.to_storage(doc)))

    def increment(
        self,
        collection: Collection[M],
        doc_id: str,
        *,
        inc: Mapping[str, int | float] | None = None,
        set: Mapping[str, Any] | None = None,
        minimum: Mapping[str, Scalar] | None = None,
        maximum: Mapping[str, Scalar] | None = None,
        on_insert: Mapping[str, Any] | None = None,
    ) -> None:
        op = Increment(
            collection.name,
            doc_id,
            inc=dict(inc or {}),
            set=plain(dict(set or {})),
            minimum=dict(minimum or {}),
            maximum=dict(maximum or {}),
            on_insert=plain(dict(on_insert or {})),
        )
        # Pre-aggregate: one write per document per batch, however many events touch it.
        key = (op.collection, op.id)
        previous = self._increments.get(key)
        if previous is None:
            self._increments[key] = len(self.operations)
            self.operations.append(op)
        else:
            earlier = self.operations[previous]
            assert isinstance(earlier, Increment)
            self.operations[previous] = _merge(earlier, op)

    def delete(self, collection: Collection[M], doc_id: str) -> None:
        self.operations.append(Delete(collection.name, doc_id))

    def mark_processed(self, event_ids: Iterable[str]) -> None:
        self.processed.extend(event_ids)

    def publish(self, message: OutboxMessage) -> None:
        self.outbox.append(message)


class Collection(ABC, Generic[M]):
    """One typed collection: documents in and out as pydantic models, queries on declared fields."""

    def __init__(self, name: str, model: type[M], indexes: Sequence[Index] = ()) -> None:
        if not _NAME.fullmatch(name):
            raise InvalidQuery(f"collection name {name!r} is not a plain identifier")
        self.name = name
        self.model = model
        self.indexes = tuple(indexes)
        self.queryable = frozenset(
            {"id"} | {check_field(f) for index in self.indexes for f in index.fields}
        )

    def to_storage(self, doc: M) -> dict[str, Any]:
        return plain(doc.model_dump(mode="python"))  # type: ignore[no-any-return]

    def from_storage(self, raw: Mapping[str, Any]) -> M:
        return self.model.model_validate(raw)

    def _where(self, where: Mapping[str, object]) -> dict[str, Scalar]:
        checked: dict[str, Scalar] = {}
        for name, value in where.items():
            if name not in self.queryable:
                raise InvalidQuery(f"{self.name} cannot be queried by {name!r} (not indexed)")
            checked[name] = check_scalar(name, value)
        return checked

    def _order(self, order_by: str | None, range_: Range | None) -> None:
        for name in (order_by, range_.field if range_ else None):
            if name is not None and name not in self.queryable:
                raise InvalidQuery(f"{self.name} cannot be sorted or ranged by {name!r}")
        if range_:
            check_scalar(range_.field, range_.start)
            check_scalar(range_.field, range_.end)

    async def find(
        self,
        where: Mapping[str, object] | None = None,
        *,
        range: Range | None = None,
        order_by: str | None = None,
        descending: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[M]:
        """Documents matching equality on indexed fields and one range, sorted, paged."""
        checked = self._where(where or {})
        self._order(order_by, range)
        if limit < 0 or offset < 0:
            raise InvalidQuery("limit and offset must not be negative")
        rows = await self._find(checked, range, order_by, descending, limit, offset)
        return [self.from_storage(row) for row in rows]

    async def count(
        self,
        where: Mapping[str, object] | None = None,
        *,
        range: Range | None = None,
    ) -> int:
        checked = self._where(where or {})
        self._order(None, range)
        return await self._count(checked, range)

    async def get(self, doc_id: str) -> M | None:
        raw = await self._get(doc_id)
        return None if raw is None else self.from_storage(raw)

    async def get_many(self, ids: Sequence[str]) -> dict[str, M]:
        return {raw["id"]: self.from_storage(raw) for raw in await self._get_many(list(ids))}

    async def insert(self, doc: M) -> bool:
        """Store a new document; False (and nothing changed) when its id already exists."""
        return await self._insert(doc.id, self.to_storage(doc))

    async def put(self, doc: M) -> None:
        """Create or replace a document by id."""
        await self._put(doc.id, self.to_storage(doc))

    async def delete(self, doc_id: str) -> bool:
        return await self._delete(doc_id)

    async def update_if(
        self, doc_id: str, expect: Mapping[str, object], values: Mapping[str, Any]
    ) -> bool:
        """Set fields only if the document's current fields equal `expect` (compare-and-set)."""
        checked = {name: check_scalar(name, value) for name, value in expect.items()}
        for name in [*checked, *values]:
            if not _COUNTER.fullmatch(name) or name == "id":
                raise InvalidQuery(f"field {name!r} cannot be compared or set in place")
        return await self._update_if(doc_id, checked, dict(values))

    @abstractmethod
    async def _find(
        self,
        where: dict[str, Scalar],
        range_: Range | None,
        order_by: str | None,
        descending: bool,
        limit: int,
        offset: int,
    ) -> list[dict[str, Any]]: ...

    @abstractmethod
    async def _count(self, where: dict[str, Scalar], range_: Range | None) -> int: ...

    @abstractmethod
    async def _get(self, doc_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    async def _get_many(self, ids: list[str]) -> list[dict[str, Any]]: ...

    @abstractmethod
    async def _insert(self, doc_id: str, doc: dict[str, Any]) -> bool: ...

    @abstractmethod
    async def _put(self, doc_id: str, doc: dict[str, Any]) -> None: ...

    @abstractmethod
    async def _delete(self, doc_id: str) -> bool: ...

    @abstractmethod
    async def _update_if(
        self, doc_id: str, expect: dict[str, Scalar], values: dict[str, Any]
    ) -> bool: ...


class Store(ABC):
    """One service's database: its collections, atomic batches, the idempotency ledger, the outbox."""

    @abstractmethod
    def collection(
        self, name: str, model: type[M], indexes: Sequence[Index] = ()
    ) -> Collection[M]: ...

    @abstractmethod
    async def start(self) -> None:
        """Open the database, create declared indexes, finish any interrupted batch."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def ping(self) -> None:
        """Raise StoreError unless the database answers."""

    @abstractmethod
    async def commit(self, changes: Changes) -> None:
        """Store every operation, processed event id and outbox message, all or nothing."""

    @abstractmethod
    async def already_processed(self, event_ids: Sequence[str]) -> set[str]:
        """Which of these event ids a committed batch has already applied."""

    @abstractmethod
    async def outbox_pending(self, limit: int) -> list[OutboxMessage]:
        """Messages committed but not yet published, oldest first."""

    @abstractmethod
    async def outbox_sent(self, ids: Sequence[str]) -> None: ...

    @abstractmethod
    async def forget_processed(self, before: float) -> int:
        """Drop idempotency records older than `before` (epoch seconds); returns how many."""
