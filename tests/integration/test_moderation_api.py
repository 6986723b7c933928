"""Moderation over real HTTP: the synchronous check and brand policies as immutable versions."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from animo_dev.inprocess import serve
from animo_moderation.api_models import ModerateRequest, PolicyChange
from animo_moderation.config import Settings
from animo_moderation.main import create_app
from animo_shared.settings import CommonSettings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

KEY = "integration-key-" + "m" * 16


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(
    broker: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    data = tmp_path_factory.mktemp("moderation-api")
    common = CommonSettings(kafka_bootstrap=broker, data_dir=data, admin_key=KEY)
    async with (
        serve(create_app(Settings(common=common))) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as client,
    ):
        yield client


def brand() -> str:
    return f"pol-{uuid.uuid4().hex[:8]}"


async def test_moderate_gives_action_categories_evidence_sentiment_and_complaint(
    api: httpx.AsyncClient,
) -> None:
    text = "Mon colis n'est jamais arrivé, bande de connards"
    got = await api.post("/v1/moderate", json={"text": text, "lang": "fr"})
    assert got.status_code == 200
    body = got.json()
    assert (body["action"], body["language"], body["policy_version"]) == ("hide", "fr", "default")
    [insult] = body["categories"]
    assert (insult["name"], insult["action"], insult["severity"]) == ("insult", "hide", 2)
    [evidence] = insult["evidence"]
    assert text[evidence["start"] : evidence["end"]] == evidence["term"] == "bande de connards"
    assert body["sentiment"] == "negative"
    assert body["complaint"] == {
        "is_complaint": True,
        "topic": "delivery",
        "evidence": ["n'est jamais arrivé"],
    }


async def test_a_complaint_alone_is_allowed(api: httpx.AsyncClient) -> None:
    body = (await api.post("/v1/moderate", json={"text": "my parcel still hasn't arrived"})).json()
    assert (body["action"], body["categories"], body["complaint"]["topic"]) == (
        "allow",
        [],
        "delivery",
    )


@pytest.mark.parametrize(
    ("payload", "status", "where"),
    [
        ({"text": "x" * 20_001}, 422, ["body", "text"]),
        ({"text": ""}, 422, ["body", "text"]),
        ({"text": "ok", "lang": "french"}, 422, ["body", "lang"]),
        ({"text": "ok", "brand": "Not A Brand"}, 422, ["body", "brand"]),
        ({"text": "ok", "extra": 1}, 422, ["body", "extra"]),
    ],
)
async def test_moderate_refuses_bad_input_naming_the_field(
    api: httpx.AsyncClient, payload: dict[str, Any], status: int, where: list[str]
) -> None:
    got = await api.post("/v1/moderate", json=payload)
    assert got.status_code == status
    assert got.json()["detail"][0]["loc"] == where
    if len(payload["text"]) > 20_000:
        assert "at most 20000" in got.json()["detail"][0]["msg"]
        assert len(got.content) < 500  # the text is not echoed back


async def test_moderate_needs_the_key_and_takes_no_body_over_the_limit(
    api: httpx.AsyncClient,
) -> None:
    bare = httpx.AsyncClient(base_url=str(api.base_url))
    async with bare:
        assert (await bare.post("/v1/moderate", json={"text": "ok"})).status_code == 401
    huge = await api.post("/v1/moderate", json={"text": "x" * 1_100_000})
    assert huge.status_code == 413


async def test_a_policy_change_is_a_new_version_applied_at_once(api: httpx.AsyncClient) -> None:
    name = brand()
    start = await api.get(f"/v1/brands/{name}/policy")
    assert start.status_code == 200
    assert (start.json()["version"], start.json()["number"]) == ("default", 0)
    assert start.json()["policy"]["categories"]["insult"] == {
        "action": "hide",
        "min_severity": 2,
        "mild_action": "review",
        "min_score": 0.0,
    }
    check = {"text": "t'es un idiot", "lang": "fr", "brand": name}
    assert (await api.post("/v1/moderate", json=check)).json()["action"] == "review"

    strict = {"categories": {"insult": {"action": "hide"}}, "note": "launch week"}
    made = await api.put(f"/v1/brands/{name}/policy", json=strict, headers={"X-Animo-Actor": "cm"})
    assert made.status_code == 201
    assert (made.json()["version"], made.json()["created_by"]) == ("v1", "cm")
    again = await api.put(f"/v1/brands/{name}/policy", json=strict)
    assert (again.status_code, again.json()["version"]) == (200, "v1")  # unchanged: no version
    judged = (await api.post("/v1/moderate", json=check)).json()
    assert (judged["action"], judged["policy_version"]) == ("hide", "v1")

    lenient = {"allow_list": [{"term": "idiot"}]}
    assert (await api.put(f"/v1/brands/{name}/policy", json=lenient)).json()["version"] == "v2"
    judged = (await api.post("/v1/moderate", json=check)).json()
    assert (judged["action"], judged["policy_version"]) == ("allow", "v2")
    assert [e["term"] for e in judged["allowed"]] == ["idiot"]

    versions = (await api.get(f"/v1/brands/{name}/policy/versions")).json()
    assert versions["active"] == "v2"
    assert [(v["version"], v["active"], v["based_on"]) for v in versions["items"]] == [
        ("v2", True, 1),
        ("v1", False, None),
    ]
    first = (await api.get(f"/v1/brands/{name}/policy/versions/1")).json()
    assert (first["note"], first["active"]) == ("launch week", False)
    assert first["policy"]["categories"]["insult"]["action"] == "hide"

    back = await api.post(f"/v1/brands/{name}/policy/versions/1:activate")
    assert (back.status_code, back.json()["version"]) == (200, "v1")
    assert (await api.post("/v1/moderate", json=check)).json()["policy_version"] == "v1"
    missing = await api.post(f"/v1/brands/{name}/policy/versions/9:activate")
    assert missing.status_code == 404


async def test_two_concurrent_changes_get_two_versions(api: httpx.AsyncClient) -> None:
    name = brand()
    bodies = [{"custom_terms": [{"term": f"mot{n}", "category": "spam"}]} for n in range(4)]
    answers = await asyncio.gather(
        *(api.put(f"/v1/brands/{name}/policy", json=body) for body in bodies)
    )
    assert sorted(a.json()["number"] for a in answers) == [1, 2, 3, 4]
    versions = (await api.get(f"/v1/brands/{name}/policy/versions")).json()
    assert versions["total"] == 4
    assert versions["active"] in {"v1", "v2", "v3", "v4"}


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (
            {"categories": {"insult": {"action": "delete"}}},
            ["body", "categories", "insult", "action"],
        ),
        ({"categories": {"csam": {"action": "allow"}}}, ["body", "categories", "csam"]),
        ({"categories": {"gossip": {"action": "hide"}}}, ["body", "categories", "gossip"]),
        (
            {"custom_terms": [{"term": "x", "category": "rude"}]},
            ["body", "custom_terms", 0, "category"],
        ),
        (
            {"custom_terms": [{"term": "vendu", "category": "insult"}] * 2},
            ["body", "custom_terms", 1, "term"],
        ),
        ({"allow_list": [{"term": "!!!"}]}, ["body", "allow_list", 0, "term"]),
        (
            {"custom_terms": [{"term": f"t{n}", "category": "spam"} for n in range(2001)]},
            ["body", "custom_terms"],
        ),
    ],
)
async def test_a_bad_policy_is_refused_with_its_field_path_and_nothing_stored(
    api: httpx.AsyncClient, body: dict[str, Any], where: list[str | int]
) -> None:
    name = brand()
    got = await api.put(f"/v1/brands/{name}/policy", json=body)
    assert got.status_code == 422
    assert got.json()["detail"][0]["loc"] == where
    assert (await api.get(f"/v1/brands/{name}/policy/versions")).json()["total"] == 0


async def test_the_openapi_examples_are_accepted_as_documented(api: httpx.AsyncClient) -> None:
    schema = (await api.get("/openapi.json")).json()["components"]["schemas"]
    for example in schema["ModerateRequest"]["examples"]:
        ModerateRequest.model_validate(example)
        assert (await api.post("/v1/moderate", json=example)).status_code == 200
    [change] = schema["PolicyChange"]["examples"]
    PolicyChange.model_validate(change)
    made = await api.put(f"/v1/brands/{brand()}/policy", json=change)
    assert made.status_code == 201
    assert made.json()["policy"]["custom_terms"] == change["custom_terms"]
    assert made.json()["note"] == change["note"]
