"""A generic JSON HTTP source: a dotted path to the item list and a field mapping, for any API without a connector of its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from .fetch import fetch
from .guard import check_item_count, load_json
from .item import MAX_NAME, clip, external_id, finish, http_url, lang, name, parse_datetime
from .models import Cursor, PulledItem, PullResult, SourceConfig, SourceError

REQUIRED_FIELDS = ("external_id", "text", "author")
KNOWN_FIELDS = (*REQUIRED_FIELDS, "author_name", "url", "published_at", "lang")


def resolve(document: Any, path: str) -> Any:
    """The value at a dotted path ("data.children", "user.name", "tags.0"); None if absent."""
    node = document
    for part in path.split(".") if path else []:
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def first_value(document: Any, spec: str | Sequence[str]) -> Any:
    """The first present, non-empty value among one path or a list of fallback paths."""
    for path in [spec] if isinstance(spec, str) else spec:
        value = resolve(document, path)
        if value not in (None, "", [], {}):
            return value
    return None


def field_mapping(options: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """The validated `options.fields`; a broken mapping is a configuration error."""
    fields = options.get("fields")
    if not isinstance(fields, Mapping):
        raise SourceError("json source needs options.fields", retryable=False)
    missing = [key for key in REQUIRED_FIELDS if key not in fields]
    unknown = [key for key in fields if key not in KNOWN_FIELDS]
    if missing or unknown:
        raise SourceError(f"options.fields: missing {missing}, unknown {unknown}", False)
    mapping: dict[str, str | list[str]] = {}
    for key, spec in fields.items():
        if isinstance(spec, str):
            mapping[key] = spec
        elif isinstance(spec, list) and all(isinstance(p, str) for p in spec):
            mapping[key] = list(spec)
        else:
            raise SourceError(f"options.fields.{key} must be a path or a list of paths", False)
    return mapping


def mapped_item(
    raw: Any, fields: Mapping[str, str | list[str]], network: str, base: str, host: str
) -> PulledItem | None:
    """One raw item through the mapping; None when its id, text or author is missing."""

    def get(key: str) -> Any:
        spec = fields.get(key)
        return first_value(raw, spec) if spec is not None else None

    item_id = external_id(get("external_id"), host)
    text, author = get("text"), get("author")
    if item_id is None or not isinstance(text, str | int | float) or isinstance(text, bool):
        return None
    author_handle = name(author) if isinstance(author, str) else None
    if author_handle is None or not str(text).strip():
        return None
    return PulledItem(
        source=network,
        external_id=item_id,
        author_handle=clip(author_handle, MAX_NAME),
        author_name=name(get("author_name")),
        text=clip(str(text).strip()),
        url=http_url(get("url"), base),
        published_at=parse_datetime(get("published_at")),
        lang=lang(get("lang")),
    )


class JsonConnector:
    """Options: `items` (dotted path to the list; empty or absent when the body is the
    list), `fields` (our field -> a dotted path, or a list of paths tried in order):
    `external_id`, `text`, `author` required; `author_name`, `url` (relative ones are
    resolved against the source URL), `published_at` (ISO 8601 or epoch), `lang` optional.
    `network` (default "web"), `headers`.

    No ordering is assumed: the cursor's bounded `seen_ids` keeps repeats out.
    """

    async def pull(
        self, client: httpx.AsyncClient, config: SourceConfig, cursor: Cursor
    ) -> PullResult:
        fields = field_mapping(config.options)
        fetched = await fetch(client, config.url, cursor=cursor, headers=config.extra_headers())
        if fetched.not_modified:
            return PullResult([], cursor, not_modified=True)
        document = load_json(fetched.body)
        items_path = config.options.get("items") or ""
        raw_items = resolve(document, str(items_path))
        if not isinstance(raw_items, list):
            raise SourceError(f"no JSON array at {items_path or 'the top level'!r}")
        check_item_count(len(raw_items))
        network = config.network("web")
        candidates = [
            item
            for raw in raw_items
            if (item := mapped_item(raw, fields, network, fetched.url, config.host)) is not None
        ]
        items, new_cursor = finish(
            candidates,
            cursor,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            position=None,
        )
        return PullResult(items, new_cursor)
