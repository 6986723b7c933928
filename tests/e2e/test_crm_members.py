"""CRM members end to end with real processes: mentions and engagement posted to ingest, moderated,
known in the crm with sentiment and scores, merged by verified email, segmented, erased."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from animo_dev.stack import Stack

from helpers.factories import T0, mention_body

pytestmark = pytest.mark.e2e


def poll(check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {timeout} s")
        time.sleep(0.2)


def test_a_member_is_known_scored_merged_segmented_and_erased(
    stack: Stack, api: httpx.Client
) -> None:
    brand = f"crm-{uuid.uuid4().hex[:10]}"
    crm = stack.url("crm")
    texts = ["J'adore mon nouveau vélo, merci pour tout !", "Super service, très rapide, bravo"]
    posted = api.post(
        stack.url("ingest") + "/v1/mentions",
        json={
            "mentions": [
                mention_body(
                    brand,
                    author={"handle": "lea_v", "name": "Léa", "followers": 9999},
                    text=text,
                    published_at=T0.isoformat(),
                )
                for text in texts
            ]
        },
    )
    assert posted.status_code == 202, posted.text
    for handle, source in (("lea_v", "twitter"), ("lea.v", "shop")):
        engaged = api.post(
            stack.url("ingest") + "/v1/engagement",
            json={
                "brand": brand,
                "kind": "purchase",
                "source": source,
                "handle": handle,
                "email": "lea@example.org",
                "email_verified": True,
                "occurred_at": T0.isoformat(),
            },
        )
        assert engaged.status_code == 202, engaged.text

    def merged() -> dict[str, Any] | None:
        page = api.get(crm + "/v1/members", params={"brand": brand}).json()
        items = page["items"]
        ok = len(items) == 1 and len(items[0]["accounts"]) == 2 and items[0]["sentiment_count"] == 2
        return items[0] if ok else None

    lea = poll(merged, 15)
    # The account whose verified email the crm saw first survives (the topic's partitions
    # may deliver either engagement first).
    assert {a["handle"] for a in lea["accounts"]} == {"lea_v", "lea.v"}
    assert (lea["mentions"], lea["engagements"]) == (2, 2)
    assert lea["sentiment"] > 0, "moderation found both mentions positive"
    assert lea["reach"] == pytest.approx(57.1429)
    profile = api.get(crm + f"/v1/members/{lea['id']}").json()
    kinds = sorted(e["kind"] for e in profile["timeline"])
    assert kinds.count("mention") == 2 and kinds.count("moderation") == 2
    assert kinds.count("engagement") == 2 and "merge" in kinds

    api.patch(crm + f"/v1/members/{lea['id']}", json={"consents": {"marketing": True}})
    segment = api.post(
        crm + "/v1/segments",
        json={"brand": brand, "name": "fans", "filter": "consent.marketing = true and love >= 5"},
    )
    assert segment.status_code == 201 and segment.json()["size"] == 1
    injected = api.post(
        crm + "/v1/segments",
        json={"brand": brand, "name": "x", "filter": "love >= 0 and $where = 'sleep(100)'"},
    )
    assert injected.status_code == 422 and "$where" in injected.text

    erased = api.delete(crm + f"/v1/members/{lea['id']}")
    assert erased.status_code == 200, erased.text
    assert api.get(crm + f"/v1/members/{lea['id']}").status_code == 404
    assert api.get(crm + "/v1/members", params={"brand": brand}).json()["total"] == 0

    def clean() -> bool:
        with sqlite3.connect(stack.home / "data" / "crm.sqlite3") as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            rows = "\n".join(
                "\t".join(map(str, row))
                for table in tables
                for row in db.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            )
        return not any(p in rows for p in ("lea_v", "lea.v", "lea@example.org", "Léa", lea["id"]))

    poll(clean, 10)
