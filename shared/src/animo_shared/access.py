"""API keys: who may call what, for which brands, how often.

A key is `ak_<id>_<secret>`. Only the SHA-256 of the secret is stored (the secret is 32 random
bytes, so a fast hash is enough: there is nothing to guess a dictionary from), and the full key
is shown once, when it is created or rotated. Every key has scopes and may be restricted to some
brands; the operator's bootstrap key (`ANIMO_ADMIN_KEY`) holds every scope for every brand.

Keys live in one registry every service reads (`access.sqlite3` beside the services' files when
embedded, the `animo_access` database on MongoDB), so a key made through any service works on
all of them. Each process keeps what it read for `key_cache_seconds`: a revoked or rotated key
stops working everywhere within that delay.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import Field

from .events import BRAND_PATTERN
from .store import Document, Index, Store

SCOPES: dict[str, str] = {
    "admin": "every scope, and managing API keys",
    "ingest:read": "read brands, listening queries, sources and mentions",
    "ingest:write": "push mentions and engagement, manage brands, queries and sources",
    "moderation:read": "read decisions, policies and the review queue",
    "moderation:write": "analyse texts, manage policies",
    "moderation:review": "decide review items",
    "publisher:read": "read channels, posts, campaigns and previews",
    "publisher:write": "write posts, campaigns and channels",
    "publisher:approve": "approve or reject posts",
    "crm:read": "read members, segments, loyalty",
    "crm:write": "change members, segments, loyalty",
    "crm:gdpr": "export a member's personal data, erase a member everywhere (GDPR requests)",
    "reports:read": "read reports, alerts and spike settings",
    "reports:write": "change report settings (thresholds, alert rules)",
}
ADMIN = "admin"
# The scope family of each service: `<prefix>:read` for its GET routes, `<prefix>:write` else.
PREFIX = {
    "ingest": "ingest",
    "moderation": "moderation",
    "publisher": "publisher",
    "crm": "crm",
    "reporting": "reports",
}
_TOKEN = re.compile(r"^ak_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_BRAND = re.compile(BRAND_PATTERN)


def default_scope(service: str, method: str) -> str:
    """The scope a route needs unless it names one: read for GET and HEAD, write else."""
    verb = "read" if method in ("GET", "HEAD") else "write"
    return f"{PREFIX[service]}:{verb}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(key_id: str) -> tuple[str, str]:
    """A fresh key for this id and the digest to store."""
    secret = secrets.token_urlsafe(32)
    return f"ak_{key_id}_{secret}", digest(secret)


def new_key_id() -> str:
    return secrets.token_hex(8)


class ApiKey(Document):
    """A stored key: never its secret, only the secret's digest."""

    name: str
    digest: str
    scopes: list[str]
    brands: list[str] = Field(default_factory=list)  # empty: every brand
    rate_per_second: float | None = None  # None: the deployment's default
    created_at: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id and name, what it may do and for which brands."""

    key_id: str
    name: str
    scopes: frozenset[str]
    brands: frozenset[str] = frozenset()  # empty: every brand
    rate_per_second: float | None = None

    @property
    def restricted(self) -> bool:
        return bool(self.brands)

    def may(self, scope: str) -> bool:
        return ADMIN in self.scopes or scope in self.scopes

    def may_see(self, brand: str) -> bool:
        return not self.brands or brand in self.brands

    def granted(self) -> frozenset[str]:
        """Every scope this principal holds (`admin` holds them all)."""
        return frozenset(SCOPES) if ADMIN in self.scopes else self.scopes


OPERATOR = Principal(key_id="admin", name="admin", scopes=frozenset({ADMIN}))


class Refused(Exception):
    """Why a key was not accepted (the 401's detail)."""


def check_names(scopes: list[str], brands: list[str]) -> list[str]:
    """What is wrong with a key's scopes and brands (empty when nothing)."""
    problems = [f"unknown scope {s!r}" for s in scopes if s not in SCOPES]
    problems += [f"not a brand id: {b!r}" for b in brands if not _BRAND.fullmatch(b)]
    return problems


class KeyRegistry:
    """The shared store of keys, read through a short per-process cache."""

    def __init__(self, store: Store, cache_seconds: float = 2.0) -> None:
        self.store = store
        self.keys = store.collection(
            "api_keys", ApiKey, [Index(("revoked_at", "created_at")), Index(("created_at",))]
        )
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}

    async def start(self) -> None:
        await self.store.start()

    async def close(self) -> None:
        await self.store.close()

    async def lookup(self, key_id: str) -> ApiKey | None:
        now = time.monotonic()
        cached = self._cache.get(key_id)
        if cached is not None and now - cached[0] < self.cache_seconds:
            return cached[1]
        found = await self.keys.get(key_id)
        if len(self._cache) > 10_000:
            self._cache.clear()  # unknown ids tried at random cannot grow it without bound
        self._cache[key_id] = (now, found)
        return found

    def forget(self, key_id: str) -> None:
        self._cache.pop(key_id, None)

    async def authenticate(self, token: str, now: datetime) -> Principal:
        found = _TOKEN.fullmatch(token)
        if found is None:
            raise Refused("invalid API key")
        key_id, secret = found.groups()
        key = await self.lookup(key_id)
        if key is None or not hmac.compare_digest(digest(secret), key.digest):
            raise Refused("invalid API key")
        if key.revoked_at is not None:
            raise Refused("revoked API key")
        if key.expires_at is not None and key.expires_at <= now:
            raise Refused("expired API key")
        return Principal(
            key_id=key.id,
            name=key.name,
            scopes=frozenset(key.scopes),
            brands=frozenset(key.brands),
            rate_per_second=key.rate_per_second,
        )


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class RateLimiter:
    """A token bucket per key in this process: `rate` a second, bursts up to `burst_seconds`
    of it. Returns how long to wait when a request is over the limit (0 when allowed)."""

    default_rate: float
    burst_seconds: float = 2.0
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def wait(self, key: str, rate: float | None = None) -> float:
        rate = rate or self.default_rate
        if rate <= 0:
            return 0.0
        capacity = max(1.0, rate * self.burst_seconds)
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            bucket = self._buckets[key] = _Bucket(capacity, now)
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / rate
