"""Writes and checks the committed event contracts: a JSON Schema per event type, and AsyncAPI."""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from animo_shared.events import BRAND_PATTERN, EVENT_TYPES, Payload, Topic, event_json_schemas

REPO_ROOT = Path(__file__).resolve().parents[3]
SCHEMA_DIR = "shared/schemas"
ASYNCAPI_FILE = "docs/asyncapi.yaml"
CONTENT_TYPE = "application/cloudevents+json"
SERVICES = ("ingest", "moderation", "publisher", "crm", "reporting")
_COMPONENT_KEY = re.compile(r"^[a-zA-Z0-9.\-_]+$")


@dataclass(frozen=True)
class Flow:
    """Who writes a topic, who reads it, and which key keeps its events in order."""

    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    key: str | None
    summary: str
    # Readers beyond the five services (hooks, people): named, but given no operation.
    outside: tuple[str, ...] = ()


# The table of ARCHITECTURE.md, as data: a new topic fails generation until it is added here.
_EVENT_FLOWS: dict[Topic, Flow] = {
    Topic.MENTIONS: Flow(
        ("ingest",),
        ("moderation", "crm", "reporting"),
        "brand:source:author_handle",
        "Mentions of a brand heard on a source, accepted once (deduplicated by ingest).",
    ),
    Topic.ENGAGEMENT: Flow(
        ("ingest",),
        ("publisher", "crm", "reporting"),
        "brand:source:handle",
        "What members did, as reported by brand-side systems.",
    ),
    Topic.MODERATION: Flow(
        ("moderation",),
        ("crm", "reporting"),
        "brand:source:author_handle",
        "Moderation decisions on mentions, with the findings behind them, and the reviews "
        "people made of them.",
    ),
    Topic.POSTS: Flow(
        ("publisher",),
        ("crm", "reporting"),
        "brand:post_id",
        "Outcomes of delivering scheduled posts to channels, and channels' health (keyed "
        "brand:channel_id).",
    ),
    Topic.CRM: Flow(
        ("crm",),
        ("ingest", "moderation", "publisher", "reporting"),
        "brand:member_id",
        "Changes to the community's members: new, merged, tiers, rewards granted, and "
        "erasures every service obeys.",
    ),
    Topic.ALERTS: Flow(
        ("reporting", "moderation", "publisher"),
        ("reporting",),
        "brand",
        "Early warnings: a brand's metric left, or returned to, its baseline, complaints "
        "to answer fast, and channels whose delivery failed for good.",
        outside=("webhooks", "ops"),
    ),
}
FLOWS: dict[Topic, Flow] = {
    **_EVENT_FLOWS,
    Topic.INBOUND_MENTIONS: Flow(
        (),
        ("ingest",),
        None,
        "Raw mention JSON (the POST /v1/mentions item shape) from brand-side systems.",
        outside=("brand-side systems",),
    ),
    Topic.INBOUND_ENGAGEMENT: Flow(
        (),
        ("ingest",),
        None,
        "Raw engagement JSON (the POST /v1/engagement item shape) from brand-side systems.",
        outside=("brand-side systems",),
    ),
    # Any consumer may give up on a message, so every consumer writes the dead letters.
    Topic.DEAD_LETTER: Flow(
        tuple(s for s in SERVICES if any(s in f.consumers for f in _EVENT_FLOWS.values())),
        (),
        None,
        "Messages a consumer could not process, kept byte for byte with the reason.",
        outside=("ops",),
    ),
}

DLQ_HEADERS: dict[str, str] = {
    "x-animo-dlq-reason": "Why the consumer gave up: the decode error or the handler failure.",
    "x-animo-dlq-topic": "The topic the message was read from.",
    "x-animo-dlq-partition": "The partition it was read from, as a decimal string.",
    "x-animo-dlq-offset": "Its offset in that partition, as a decimal string.",
    "x-animo-dlq-group": "The consumer group that gave up on it.",
}


class Drift(NamedTuple):
    """A committed file that differs from what the code generates."""

    path: str
    reason: str


def channel_name(topic: Topic) -> str:
    """`animo.mentions.v1` -> `mentions`, `animo.inbound.mentions.v1` -> `inbound_mentions`."""
    return "_".join(topic.value.split(".")[1:-1])


def _schema_file(event_type: str) -> str:
    return f"{SCHEMA_DIR}/{event_type}.json"


def _retarget(node: Any) -> Any:
    """The same schema with `#/$defs/X` references pointing at `#/components/schemas/X`."""
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/$defs/", "#/components/schemas/", 1)
                if key == "$ref" and isinstance(value, str)
                else _retarget(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_retarget(item) for item in node]
    return node


def _hoist(name: str, schema: dict[str, Any], into: dict[str, Any]) -> None:
    """Put a schema and its `$defs` into the shared components, refusing clashing names."""
    schema = copy.deepcopy(schema)
    named = {**schema.pop("$defs", {}), name: schema}
    for key, sub in named.items():
        if not _COMPONENT_KEY.match(key):
            raise ValueError(f"schema name {key!r} is not a valid AsyncAPI component key")
        sub = _retarget(sub)
        if key in into and into[key] != sub:
            raise ValueError(f"two different schemas are both named {key!r}")
        into[key] = sub


def _event_headers(event_type: str) -> dict[str, Any]:
    # Metadata also travels in headers so a consumer can route or drop before parsing.
    properties: dict[str, Any] = {
        "ce_id": {"type": "string", "description": "The envelope id: the idempotency key."},
        "ce_type": {"type": "string", "const": event_type},
        "ce_source": {"type": "string", "description": "The envelope source: its producer."},
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_brand": {"type": "string", "pattern": BRAND_PATTERN},
        "ce_correlationid": {
            "type": "string",
            "description": "Present when the envelope carries one.",
        },
        "content-type": {"type": "string", "const": CONTENT_TYPE},
    }
    required = [name for name in properties if name != "ce_correlationid"]
    return {"type": "object", "required": required, "properties": properties}


def _summary(model: type[Payload]) -> str:
    return (model.__doc__ or model.__name__).strip().splitlines()[0]


def _message(event_type: str, model: type[Payload], flow: Flow) -> dict[str, Any]:
    return {
        "name": event_type,
        "title": model.__name__,
        "summary": _summary(model),
        "contentType": CONTENT_TYPE,
        "headers": _event_headers(event_type),
        "payload": {"$ref": f"#/components/schemas/{event_type}"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"Ordering key: {flow.key}"},
                "bindingVersion": "0.5.0",
            }
        },
        "x-animo-producers": list(flow.producers),
        "x-animo-consumers": list(flow.consumers + flow.outside),
    }


def _dead_letter_message(flow: Flow) -> dict[str, Any]:
    return {
        "name": "deadletter",
        "title": "Dead letter",
        "summary": flow.summary,
        "contentType": "application/octet-stream",
        "headers": {
            "type": "object",
            "required": list(DLQ_HEADERS),
            "properties": {
                name: {"type": "string", "description": text} for name, text in DLQ_HEADERS.items()
            },
        },
        "payload": {
            "type": "string",
            "format": "binary",
            "description": "The original message value, unchanged: raw bytes, maybe not JSON.",
        },
        "x-animo-producers": list(flow.producers),
        "x-animo-consumers": list(flow.consumers + flow.outside),
    }


def _check_flows() -> None:
    missing = [topic.value for topic in Topic if topic not in FLOWS]
    if missing:
        raise ValueError(f"no producer/consumer entry in FLOWS for {', '.join(missing)}")
    for topic, flow in FLOWS.items():
        unknown = set(flow.producers + flow.consumers) - set(SERVICES)
        if unknown:
            raise ValueError(f"{topic.value}: unknown services {sorted(unknown)}")


def asyncapi_document(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The AsyncAPI 3.0 document: a channel per topic, a message per event type."""
    _check_flows()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    components: dict[str, Any] = {}
    for topic, flow in FLOWS.items():
        name = channel_name(topic)
        readers = ", ".join(flow.consumers + flow.outside) or "none"
        writers = ", ".join(flow.producers) or ", ".join(flow.outside)
        description = f"{flow.summary} Written by {writers}; read by {readers}."
        if flow.key:
            description += f" Kafka key: `{flow.key}`."
        types = EVENT_TYPES.get(topic, {})
        for event_type, model in types.items():
            _hoist(event_type, schemas[event_type], components)
            messages[event_type] = _message(event_type, model, flow)
        if topic is Topic.DEAD_LETTER:
            messages["deadletter"] = _dead_letter_message(flow)
            types = {"deadletter": Payload}
        channels[name] = {
            "address": topic.value,
            "title": {"crm": "CRM", "deadletter": "Dead letter"}.get(
                name, name.replace("_", " ").capitalize()
            ),
            "description": description,
            "messages": {t: {"$ref": f"#/components/messages/{t}"} for t in types},
        }
        for action, services in (("send", flow.producers), ("receive", flow.consumers)):
            for service in services:
                operations[f"{service}.{action}.{name}"] = {
                    "action": action,
                    "channel": {"$ref": f"#/channels/{name}"},
                    "title": f"{service} {action}s {topic.value}",
                    "messages": [{"$ref": f"#/channels/{name}/messages/{t}"} for t in types],
                }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Animo events",
            "version": "1",
            "description": (
                "Every event Animo's services exchange over Kafka. Each value is a"
                " CloudEvents 1.0 structured envelope (plus `brand`, `schemaversion`,"
                " `correlationid`); see docs/events.md. Generated by `make schemas`"
                " from animo_shared.events: do not edit by hand."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": components},
    }


def render() -> dict[str, str]:
    """Every generated file's text, keyed by its path relative to the repository root."""
    import yaml  # pyyaml is a dev dependency: only this generator needs it, never a service.

    schemas = event_json_schemas()
    files = {
        _schema_file(event_type): json.dumps(
            {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema},
            indent=2,
            sort_keys=True,
            ensure_ascii=False,
        )
        + "\n"
        for event_type, schema in schemas.items()
    }
    # A round trip through JSON unshares repeated objects, so the YAML has no &anchors.
    plain = json.loads(json.dumps(asyncapi_document(schemas)))
    document = yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, width=100)
    files[ASYNCAPI_FILE] = (
        "# Generated by `make schemas` (python -m animo_shared.schemas --write): do not edit.\n"
        + document
    )
    return files


def _stale(root: Path, expected: dict[str, str]) -> list[str]:
    committed = sorted((root / SCHEMA_DIR).glob("*.json"))
    relative = (path.relative_to(root).as_posix() for path in committed)
    return [path for path in relative if path not in expected]


def check(root: Path) -> list[Drift]:
    """Every committed file that is missing, different or stale compared with the code."""
    expected = render()
    drifts = []
    for path, text in expected.items():
        target = root / path
        if not target.is_file():
            drifts.append(Drift(path, "missing"))
        elif target.read_text(encoding="utf-8") != text:
            drifts.append(Drift(path, "differs"))
    drifts += [Drift(path, "stale: no such event type") for path in _stale(root, expected)]
    return drifts


def write(root: Path) -> list[str]:
    """Write every generated file and remove stale schemas; returns the paths written."""
    expected = render()
    for path in _stale(root, expected):
        (root / path).unlink()
    for path, text in expected.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return list(expected)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m animo_shared.schemas",
        description="Generate or check the committed JSON Schemas and docs/asyncapi.yaml.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="regenerate the committed files")
    mode.add_argument(
        "--check",
        action="store_true",
        help="exit 1, listing them, if committed files drifted from the code",
    )
    parser.add_argument(
        "--root", type=Path, default=REPO_ROOT, help=f"repository root (default: {REPO_ROOT})"
    )
    args = parser.parse_args(argv)
    root: Path = args.root
    if args.write:
        written = write(root)
        print(f"wrote {len(written)} files under {root}")
        return 0
    if args.check:
        drifts = check(root)
        if not drifts:
            print("event schemas are up to date")
            return 0
        print(
            "event schemas drifted from animo_shared.events; run `make schemas`:", file=sys.stderr
        )
        for drift in drifts:
            print(f"  {drift.path} ({drift.reason})", file=sys.stderr)
        return 1
    parser.print_usage()
    return 2


if __name__ == "__main__":
    sys.exit(main())
