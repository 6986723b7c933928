"""Moderation under API keys, over real HTTP and a real broker: a brand's key sees and decides
its brand's decisions and review items only, and deciding a review item takes its own scope."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from animo_dev.inprocess import serve
from animo_moderation.config import Settings
from animo_moderation.main import create_app
from animo_shared.events import Topic
from animo_shared.settings import CommonSettings

from helpers.factories import mention_event
from helpers.kafka import produce

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

KEY = "integration-key-" + "a" * 16
INSULT = "you idiot"  # a mild insult: `review` under the default policy
DRAFT = {"categories": {"insult": {"action": "hide", "min_severity": 1}}}


@dataclass
class Moderation:
    api: httpx.AsyncClient  # the operator's key
    bootstrap: str

    async def issue(self, scopes: list[str], brands: list[str] | None = None) -> dict[str, str]:
        """A new key's Authorization header."""
        spec = {"name": "t", "scopes": scopes, "brands": brands or []}
        answer = await self.api.post("/v1/admin/keys", json=spec)
        assert answer.status_code == 201, answer.text
        return {"Authorization": f"Bearer {answer.json()['secret']}"}

    async def queue(self, brand: str, count: int) -> list[dict[str, Any]]:
        """`count` fresh review items of `brand`, once moderation has decided them."""
        for _ in range(count):
            message = mention_event(brand, text=INSULT)
            await produce(
                self.bootstrap, Topic.MENTIONS.value, [message.value], key=message.key.encode()
            )
        for _ in range(300):
            items: list[dict[str, Any]] = (
                await self.api.get("/v1/review", params={"brand": brand})
            ).json()["items"]
            if len(items) >= count:
                return items
            await asyncio.sleep(0.1)
        raise AssertionError(f"{count} items not queued for {brand}")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def moderation(
    broker: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Moderation]:
    common = CommonSettings(
        kafka_bootstrap=broker,
        data_dir=tmp_path_factory.mktemp("moderation-access"),
        admin_key=KEY,
        consumer_session_timeout_ms=6000,
        consumer_heartbeat_ms=1000,
    )
    async with (
        serve(create_app(Settings(common=common))) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as client,
    ):
        for _ in range(600):  # ready once the mentions consumer has joined its group
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        yield Moderation(client, broker)


def brand() -> str:
    return f"acc-{uuid.uuid4().hex[:8]}"


async def test_a_brand_key_reads_its_brand_and_not_another(moderation: Moderation) -> None:
    api, ours, theirs = moderation.api, brand(), brand()
    [mine] = await moderation.queue(ours, 1)
    [other] = await moderation.queue(theirs, 1)
    key = await moderation.issue(["moderation:read"], brands=[ours])

    listed = await api.get("/v1/decisions", params={"brand": ours}, headers=key)
    assert [d["id"] for d in listed.json()["items"]] == [mine["mention_id"]]
    refused = await api.get("/v1/decisions", params={"brand": theirs}, headers=key)
    assert refused.status_code == 403
    assert refused.json()["detail"] == f"this API key may not act for brand {theirs!r}"

    # Another brand's ids answer exactly as ids that do not exist.
    unknown = await api.get("/v1/decisions/no-such-mention", headers=key)
    assert unknown.status_code == 404
    assert (await api.get(f"/v1/decisions/{mine['mention_id']}", headers=key)).status_code == 200
    hidden = await api.get(f"/v1/decisions/{other['mention_id']}", headers=key)
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == f"no decision for mention {other['mention_id']!r} (yet)"
    audit = f"/v1/decisions/{mine['mention_id']}/audit"
    assert (await api.get(audit, headers=key)).status_code == 200
    hidden_audit = await api.get(f"/v1/decisions/{other['mention_id']}/audit", headers=key)
    assert hidden_audit.status_code == 404
    assert hidden_audit.json()["detail"] == hidden.json()["detail"]

    assert (await api.get(f"/v1/review/{mine['id']}", headers=key)).status_code == 200
    hidden_item = await api.get(f"/v1/review/{other['id']}", headers=key)
    assert hidden_item.status_code == 404
    assert hidden_item.json()["detail"] == f"decision {other['id']!r} is not in the review queue"

    queue = await api.get("/v1/review", params={"brand": ours}, headers=key)
    assert [i["id"] for i in queue.json()["items"]] == [mine["id"]]
    assert (await api.get("/v1/review", params={"brand": theirs}, headers=key)).status_code == 403
    # The queue across brands is the operator's: a brand's key names its brand.
    unnamed = await api.get("/v1/review", headers=key)
    assert unnamed.status_code == 403
    assert unnamed.json()["detail"] == "a brand-restricted API key must name its brand (brand=)"


async def test_a_brand_key_checks_texts_and_drafts_for_its_brand_only(
    moderation: Moderation,
) -> None:
    api, ours, theirs = moderation.api, brand(), brand()
    key = await moderation.issue(["moderation:read"], brands=[ours])
    for body in ({"text": INSULT}, {"text": INSULT, "brand": ours}):
        checked = await api.post("/v1/moderate", json=body, headers=key)
        assert (checked.status_code, checked.json()["action"]) == (200, "review")
    refused = await api.post("/v1/moderate", json={"text": INSULT, "brand": theirs}, headers=key)
    assert refused.status_code == 403
    assert refused.json()["detail"] == f"this API key may not act for brand {theirs!r}"

    draft = await api.post(f"/v1/brands/{ours}/policy:dry-run", json=DRAFT, headers=key)
    assert draft.status_code == 200, draft.text
    other = await api.post(f"/v1/brands/{theirs}/policy:dry-run", json=DRAFT, headers=key)
    assert other.status_code == 403
    # Reading does not change policies.
    change = await api.put(f"/v1/brands/{ours}/policy", json=DRAFT, headers=key)
    assert change.status_code == 403
    assert change.json()["detail"] == "this API key lacks the scope 'moderation:write'"


async def test_a_brand_key_cannot_decide_another_brands_items_and_nothing_changes(
    moderation: Moderation,
) -> None:
    api, ours, theirs = moderation.api, brand(), brand()
    [mine] = await moderation.queue(ours, 1)
    [other] = await moderation.queue(theirs, 1)
    scopes = ["moderation:read", "moderation:review", "moderation:write"]
    key = await moderation.issue(scopes, brands=[ours])

    verdicts: list[tuple[str, dict[str, Any]]] = [
        (":claim", {"reviewer": "mallory"}),
        (":approve", {"reviewer": "mallory"}),
        (":reject", {"reviewer": "mallory", "action": "allow", "reason": "x", "allow_list": True}),
    ]
    for verb, body in verdicts:
        answer = await api.post(f"/v1/review/{other['id']}{verb}", json=body, headers=key)
        assert answer.status_code == 404, (verb, answer.text)
        assert answer.json()["detail"] == f"decision {other['id']!r} is not in the review queue"
    untouched = (await api.get(f"/v1/review/{other['id']}")).json()
    assert untouched == other
    trail = (await api.get(f"/v1/decisions/{other['mention_id']}/audit")).json()
    assert [e["kind"] for e in trail["entries"]] == ["decided"]
    assert (await api.get(f"/v1/brands/{theirs}/policy/versions")).json()["total"] == 0

    claimed = await api.post(
        f"/v1/review/{mine['id']}:claim", json={"reviewer": "ann"}, headers=key
    )
    assert (claimed.status_code, claimed.json()["claimed_by"]) == (200, "ann")
    done = await api.post(f"/v1/review/{mine['id']}:approve", json={"reviewer": "ann"}, headers=key)
    assert done.status_code == 200, done.text
    assert (done.json()["item"]["status"], done.json()["decision"]["action"]) == (
        "approved",
        "hide",
    )


async def test_deciding_takes_the_review_scope_and_allow_listing_the_write_scope(
    moderation: Moderation,
) -> None:
    api, name = moderation.api, brand()
    first, second, third = await moderation.queue(name, 3)
    reader = await moderation.issue(["moderation:read"])
    reviewer = await moderation.issue(["moderation:review"])
    editor = await moderation.issue(["moderation:review", "moderation:write"])

    lacks_review = "this API key lacks the scope 'moderation:review'"
    verdicts: list[tuple[str, dict[str, Any]]] = [
        (":claim", {}),
        (":approve", {}),
        (":reject", {"action": "allow", "reason": "banter"}),
    ]
    for verb, body in verdicts:
        answer = await api.post(f"/v1/review/{first['id']}{verb}", json=body, headers=reader)
        assert answer.status_code == 403, (verb, answer.text)
        assert answer.json()["detail"] == lacks_review
    # Reading is enough to check a text (a draft) or dry-run a policy: neither stores anything.
    assert (await api.post("/v1/moderate", json={"text": INSULT}, headers=reader)).is_success
    dry = await api.post(f"/v1/brands/{name}/policy:dry-run", json=DRAFT, headers=reader)
    assert dry.status_code == 200, dry.text

    url = f"/v1/review/{first['id']}"
    assert (await api.post(f"{url}:claim", json={"reviewer": "bo"}, headers=reviewer)).is_success
    approved = await api.post(f"{url}:approve", json={"reviewer": "bo"}, headers=reviewer)
    assert (approved.status_code, approved.json()["item"]["status"]) == (200, "approved")
    rejected = await api.post(
        f"/v1/review/{second['id']}:reject",
        json={"action": "allow", "reason": "banter"},
        headers=reviewer,
    )
    assert (rejected.status_code, rejected.json()["decision"]["action"]) == (200, "allow")

    # Allow-listing a decision's terms is a policy change: it takes `moderation:write` too.
    allow = {"action": "allow", "reason": "not an insult here", "allow_list": True}
    refused = await api.post(f"/v1/review/{third['id']}:reject", json=allow, headers=reviewer)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this API key lacks the scope 'moderation:write'"
    assert (await api.get(f"/v1/review/{third['id']}")).json() == third
    assert (await api.get(f"/v1/brands/{name}/policy/versions")).json()["total"] == 0
    listed = await api.post(f"/v1/review/{third['id']}:reject", json=allow, headers=editor)
    assert (listed.status_code, listed.json()["policy_version"]) == (200, "v1")
