"""The committed event schemas and AsyncAPI catalogue match the code, and the generator says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from animo_shared import schemas
from animo_shared.events import EVENT_TYPES, Topic

ROOT = Path(__file__).resolve().parents[3]
EVENT_TYPE_NAMES = sorted(t for types in EVENT_TYPES.values() for t in types)
GENERATED = schemas.render()


@pytest.mark.parametrize("path", sorted(GENERATED))
def test_committed_file_matches_the_code(path: str) -> None:
    committed = ROOT / path
    assert committed.is_file(), f"{path} is missing: run `make schemas` and commit it"
    assert committed.read_text(encoding="utf-8") == GENERATED[path], (
        f"{path} drifted from animo_shared.events: run `make schemas` and commit the result"
    )


def test_every_event_type_has_a_committed_schema() -> None:
    missing = [t for t in EVENT_TYPE_NAMES if not (ROOT / f"shared/schemas/{t}.json").is_file()]
    assert not missing, f"no committed schema for {missing}: run `make schemas`"


def test_no_stale_schema_is_committed() -> None:
    committed = sorted(path.stem for path in (ROOT / "shared/schemas").glob("*.json"))
    stale = sorted(set(committed) - set(EVENT_TYPE_NAMES))
    assert not stale, f"schemas of no event type: {stale}: run `make schemas` to remove them"


def test_a_committed_schema_is_the_envelope_around_its_payload() -> None:
    schema = json.loads(GENERATED["shared/schemas/mention.received.json"])
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"id", "type", "source", "time", "brand", "data"} <= set(schema["required"])
    assert schema["properties"]["data"] == {"$ref": "#/$defs/MentionReceived"}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"external reference {ref}"
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_asyncapi_has_a_channel_per_topic_and_a_message_per_event_type() -> None:
    document = yaml.safe_load(GENERATED[schemas.ASYNCAPI_FILE])
    assert document["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {topic.value for topic in Topic}
    messages = document["components"]["messages"]
    assert set(EVENT_TYPE_NAMES) <= set(messages)
    dead_letters = messages["deadletter"]["headers"]["properties"]
    assert set(dead_letters) == {
        "x-animo-dlq-reason",
        "x-animo-dlq-topic",
        "x-animo-dlq-partition",
        "x-animo-dlq-offset",
        "x-animo-dlq-group",
    }
    assert messages["mention.received"]["x-animo-producers"] == ["ingest"]
    assert messages["mention.received"]["x-animo-consumers"] == ["moderation", "crm", "reporting"]
    assert messages["alert.raised"]["x-animo-producers"] == ["reporting", "moderation", "publisher"]


def test_asyncapi_references_all_resolve_inside_the_document() -> None:
    document = yaml.safe_load(GENERATED[schemas.ASYNCAPI_FILE])
    for ref in _refs(document):
        _resolve(document, ref)


def test_every_topic_has_producers_in_the_flow_table() -> None:
    assert set(schemas.FLOWS) == set(Topic)
    for topic, flow in schemas.FLOWS.items():
        assert flow.producers or flow.outside, topic
        assert set(flow.producers + flow.consumers) <= set(schemas.SERVICES)


def test_event_catalogue_names_every_topic_and_event_type() -> None:
    catalogue = (ROOT / "docs/events.md").read_text(encoding="utf-8")
    missing = [
        name
        for name in [*EVENT_TYPE_NAMES, *(t.value for t in Topic)]
        if f"`{name}`" not in catalogue
    ]
    assert not missing, f"docs/events.md does not mention {missing}"


def test_check_lists_missing_changed_and_stale_files(tmp_path: Path) -> None:
    schemas.write(tmp_path)
    assert schemas.check(tmp_path) == []
    (tmp_path / "shared/schemas/post.failed.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "shared/schemas/post.deleted.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / schemas.ASYNCAPI_FILE).unlink()

    assert sorted(schemas.check(tmp_path)) == [
        schemas.Drift("docs/asyncapi.yaml", "missing"),
        schemas.Drift("shared/schemas/post.deleted.json", "stale: no such event type"),
        schemas.Drift("shared/schemas/post.failed.json", "differs"),
    ]

    schemas.write(tmp_path)
    assert schemas.check(tmp_path) == []
    assert not (tmp_path / "shared/schemas/post.deleted.json").exists()


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert schemas.main(["--check", "--root", str(tmp_path)]) == 1
    assert "run `make schemas`" in capsys.readouterr().err
    assert schemas.main(["--write", "--root", str(tmp_path)]) == 0
    assert schemas.main(["--check", "--root", str(tmp_path)]) == 0
    assert schemas.main([]) == 2
    assert "usage:" in capsys.readouterr().out
