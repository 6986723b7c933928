"""Scheduling through the API: bad input refused with the precise field, cadence rules with the
next free slot, brand time zones, queues, campaigns, embargoes and best-time suggestions."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from integration.test_publisher_api import (
    World,
    add_channel,
    approved,
    draft,
    wait_for,
    world,
)

pytestmark = pytest.mark.integration
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
async def w(tmp_path: Path, broker: str) -> AsyncIterator[World]:
    async with world(tmp_path, broker) as made:
        yield made


async def refusal(
    w: World, body: dict[str, Any], method: str = "POST", url: str = "/v1/posts"
) -> dict[str, Any]:
    response = await w.api.request(
        method, url, json={"brand": "acme", **body} if method == "POST" else body
    )
    assert response.status_code == 422, response.text
    first: dict[str, Any] = response.json()["detail"][0]
    return first


async def test_bad_posts_are_refused_with_the_precise_reason(w: World) -> None:
    x, forum = await add_channel(w, "x"), await add_channel(w, "discourse")
    gram = await w.api.post(
        "/v1/channels",
        json={
            "brand": "acme",
            "kind": "instagram",
            "name": "ig",
            "credentials": {"ig_user_id": "1", "access_token": "t"},
        },
    )
    other = await add_channel(w, brand="other")
    unknown = await refusal(w, {"text": "hi", "channels": [x, "ch_nope", other]})
    assert (unknown["loc"], unknown["input"]) == (["body", "channels"], ["ch_nope", other])
    long = await refusal(w, {"text": "hi", "channels": [x], "overrides": {x: "é" * 300}})
    assert long["loc"] == ["body", "overrides", x] and long["type"] == "variant_part_too_long"
    assert "limit is 280" in long["msg"]
    short = await refusal(w, {"text": "Trop court", "channels": [forum]})
    assert (short["loc"], short["type"]) == (["body", "text"], "variant_too_short")
    image = await refusal(w, {"text": "Photo du jour", "channels": [gram.json()["id"]]})
    assert (image["loc"], image["type"]) == (["body", "image_url"], "media_required")
    past = await refusal(w, {"text": "hi", "channels": [x], "publish_at": "2020-01-01T10:00:00Z"})
    assert (past["loc"], past["type"]) == (["body", "publish_at"], "in_past")
    stray = await refusal(w, {"text": "hi", "channels": [x], "overrides": {forum: "…"}})
    assert stray["loc"] == ["body", "overrides", forum]
    gap = await refusal(w, {"text": "hi", "channels": [x], "publish_at": "2031-03-30T02:30:00"})
    assert gap["type"] == "nonexistent_local_time" and "Europe/Paris" in gap["msg"]


async def test_an_embargo_holds_whatever_happens(w: World) -> None:
    hook = await add_channel(w)
    embargo = "2031-06-02T12:00:00+02:00"
    early = {"text": "hi", "channels": [hook], "embargo_until": embargo}
    before = await refusal(w, {**early, "publish_at": "2031-06-02T11:00:00+02:00"})
    assert (before["loc"], before["type"]) == (["body", "publish_at"], "embargo")
    post = await draft(
        w, [hook], "Résultats", embargo_until=embargo, publish_at="2031-06-02T12:30:00+02:00"
    )
    url = f"/v1/posts/{post}"
    moved = await refusal(w, {"publish_at": "2031-06-02T11:59:00+02:00"}, "PATCH", url)
    assert moved["type"] == "embargo"
    lifted = await refusal(w, {"embargo_until": None}, "PATCH", url)
    assert (lifted["loc"], lifted["type"]) == (["body", "embargo_until"], "embargo_shortened")
    shorter = await refusal(w, {"embargo_until": "2031-06-02T11:00:00+02:00"}, "PATCH", url)
    assert shorter["type"] == "embargo_shortened"
    later = await w.api.patch(url, json={"embargo_until": "2031-06-02T12:15:00+02:00"})
    assert later.status_code == 200

    soon = datetime.now(UTC) + timedelta(seconds=1.5)
    held = await approved(w, [hook], "Sous embargo", embargo_until=soon.isoformat())
    scheduled = (await w.api.get(f"/v1/posts/{held}")).json()
    assert datetime.fromisoformat(scheduled["scheduled_for"]) >= soon
    done = await wait_for(w, held, "published")
    assert datetime.fromisoformat(done["deliveries"][0]["sending_at"]) >= soon


async def test_cadence_refuses_with_the_reason_and_proposes_the_next_free_slot(w: World) -> None:
    await w.api.put(
        "/v1/brands/acme/settings",
        json={
            "timezone": "Europe/Paris",
            "cadence": {"max_per_day": 2, "quiet_hours": {"start": "22:00", "end": "08:00"}},
        },
    )
    hook = await add_channel(w, cadence={"min_gap_minutes": 120})
    quiet = await refusal(
        w, {"text": "hi", "channels": [hook], "publish_at": "2031-06-02T23:00:00"}
    )
    assert quiet["type"] == "cadence_quiet_hours" and "22:00 to 08:00" in quiet["msg"]
    assert quiet["ctx"]["next_free_slot"] == "2031-06-03T06:00:00+00:00"  # 08:00 in Paris
    await approved(w, [hook], "Un", publish_at="2031-06-03T09:00:00")
    near = await refusal(w, {"text": "hi", "channels": [hook], "publish_at": "2031-06-03T10:00:00"})
    assert near["type"] == "cadence_min_gap"
    assert near["ctx"]["next_free_slot"] == "2031-06-03T09:00:00+00:00"  # 11:00 in Paris
    await approved(w, [hook], "Deux", publish_at="2031-06-03T11:00:00")
    full = await refusal(w, {"text": "hi", "channels": [hook], "publish_at": "2031-06-03T18:00:00"})
    assert full["type"] == "cadence_max_per_day"
    assert full["ctx"]["next_free_slot"] == "2031-06-04T06:00:00+00:00"
    checked = await w.api.post(
        "/v1/schedule:check",
        json={"brand": "acme", "channels": [hook], "at": "2031-06-03T18:00:00"},
    )
    assert checked.json()["ok"] is False
    assert checked.json()["refusals"][0]["code"] == "max_per_day"
    auto = await approved(w, [hook], "Trois", publish_at="2031-06-04T07:00:00Z")
    assert (await w.api.get(f"/v1/posts/{auto}")).json()["scheduled_for"] == "2031-06-04T07:00:00Z"


async def test_the_brand_time_zone_decides_local_times(w: World) -> None:
    await w.api.put("/v1/brands/acme/settings", json={"timezone": "America/New_York"})
    bad = await w.api.put("/v1/brands/acme/settings", json={"timezone": "Mars/Olympus"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "timezone"]
    hook = await add_channel(w)
    post = await draft(w, [hook], publish_at="2031-06-02T09:00:00")
    found = (await w.api.get(f"/v1/posts/{post}")).json()
    assert found["publish_at"] == "2031-06-02T13:00:00Z"  # 09:00 EDT


async def test_a_queue_hands_out_its_weekly_slots_in_order(w: World) -> None:
    hook = await add_channel(w)
    queue = await w.api.post(
        "/v1/queues",
        json={
            "brand": "acme",
            "name": "semaine",
            "slots": [{"day": "mon", "time": "09:00"}, {"day": "thu", "time": "14:30"}],
        },
    )
    assert queue.status_code == 201
    qid = queue.json()["id"]
    nxt = (
        await w.api.get(f"/v1/queues/{qid}/next", params={"channels": [hook], "count": 3})
    ).json()
    locals_ = [datetime.fromisoformat(s["local"]) for s in nxt["slots"]]
    assert [(t.weekday(), t.hour, t.minute) for t in locals_][:2] in (
        [(0, 9, 0), (3, 14, 30)],
        [(3, 14, 30), (0, 9, 0)],
    )
    first = await approved(w, [hook], "Un", queue_id=qid)
    second = await approved(w, [hook], "Deux", queue_id=qid)
    times = [
        datetime.fromisoformat((await w.api.get(f"/v1/posts/{p}")).json()["scheduled_for"])
        for p in (first, second)
    ]
    assert times == [datetime.fromisoformat(s["at"]) for s in nxt["slots"][:2]]
    both = await refusal(
        w, {"text": "x", "channels": [hook], "queue_id": qid, "publish_at": "2031-06-02T10:00:00"}
    )
    assert both["type"] == "queue_and_time"
    bad = await w.api.post(
        "/v1/queues",
        json={"brand": "acme", "name": "q", "slots": [{"day": "mon", "time": "25:00"}]},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "time"


async def test_campaign_posts_stay_inside_the_window_spaced_by_the_cadence(w: World) -> None:
    hook = await add_channel(w, cadence={"min_gap_minutes": 180})
    made = await w.api.post(
        "/v1/campaigns",
        json={
            "brand": "acme",
            "name": "soldes",
            "starts_at": "2031-07-01T09:00:00",
            "ends_at": "2031-07-01T19:00:00",
        },
    )
    cid = made.json()["id"]
    outside = await refusal(
        w,
        {"text": "x", "channels": [hook], "campaign_id": cid, "publish_at": "2031-07-02T10:00:00"},
    )
    assert (outside["loc"], outside["type"]) == (["body", "publish_at"], "campaign_window")
    plan = (
        await w.api.get(f"/v1/campaigns/{cid}/plan", params={"channels": [hook], "count": 3})
    ).json()
    times = [datetime.fromisoformat(s["at"]) for s in plan["slots"]]
    assert len(times) == 3
    assert all(
        made.json()["starts_at"] <= s["at"].replace("+00:00", "Z") < made.json()["ends_at"]
        for s in plan["slots"]
    )
    assert all(b - a >= timedelta(minutes=180) for a, b in itertools.pairwise(times))
    announced = await approved(w, [hook], "C'est parti !", campaign_id=cid)
    at = (await w.api.get(f"/v1/posts/{announced}")).json()["scheduled_for"]
    assert at == "2031-07-01T07:00:00Z"  # the window opens at 09:00 in Paris


async def test_best_times_come_from_engagement_when_there_is_some(w: World) -> None:
    hook = await add_channel(w)
    defaults = (await w.api.get("/v1/brands/acme/best-times", params={"channels": [hook]})).json()
    assert defaults["basis"] == "defaults" and len(defaults["slots"]) == 3
    assert {datetime.fromisoformat(s["local"]).strftime("%H:%M") for s in defaults["slots"]} <= {
        "09:00",
        "12:30",
        "18:00",
        "11:00",
    }
    post = await approved(w, [hook], "Succès")
    await wait_for(w, post, "published")
    liked = await w.api.post(
        f"/v1/posts/{post}/engagement", json={"channel_id": hook, "likes": 40, "shares": 5}
    )
    assert liked.status_code == 200
    best = (await w.api.get("/v1/brands/acme/best-times", params={"channels": [hook]})).json()
    hour = datetime.now(PARIS).hour
    assert best["basis"] == "engagement"
    assert {datetime.fromisoformat(s["local"]).hour for s in best["slots"]} == {hour}


async def test_a_campaign_is_announced_then_reminded_inside_its_window(w: World) -> None:
    hook = await add_channel(w, cadence={"min_gap_minutes": 180})
    forum = await add_channel(w, "discourse")
    made = await w.api.post(
        "/v1/campaigns",
        json={
            "brand": "acme",
            "name": "vente flash",
            "starts_at": "2031-07-01T09:00:00",
            "ends_at": "2031-07-01T19:00:00",
        },
    )
    url = f"/v1/campaigns/{made.json()['id']}/posts"
    body = {
        "channels": [hook, forum],
        "announcement": "Vente flash : -30 % sur tout jusqu'à 19 h !",
    }
    short = await w.api.post(
        url, json={**body, "reminders": ["Plus que 5 h sur la boutique !", "Vite"]}
    )
    assert short.status_code == 422
    detail = short.json()["detail"][0]
    assert (detail["loc"], detail["type"]) == (["body", "reminders", 1], "variant_too_short")
    crowded = await w.api.post(
        url,
        json={**body, "reminders": [f"Rappel numéro {n} : la vente continue !" for n in range(4)]},
    )
    assert crowded.status_code == 422 and crowded.json()["detail"][0]["type"] == "campaign_full"
    assert len(crowded.json()["detail"][0]["ctx"]["planned"]) == 4  # 09:00, 12:00, 15:00, 18:00
    listed = (await w.api.get("/v1/posts", params={"brand": "acme"})).json()
    assert listed["total"] == 0, "a refusal leaves nothing half made"

    written = await w.api.post(
        url,
        json={
            **body,
            "reminders": ["Plus que 5 h pour en profiter !", "Dernière heure de la vente flash !"],
            "submit": True,
        },
    )
    assert written.status_code == 201, written.text
    posts = written.json()["items"]
    assert [p["status"] for p in posts] == ["awaiting_approval"] * 3
    times = [datetime.fromisoformat(p["publish_at"]) for p in posts]
    assert times[0] == datetime(2031, 7, 1, 7, tzinfo=UTC), "announced as the window opens"
    assert all(b - a >= timedelta(minutes=180) for a, b in itertools.pairwise(times))
    assert times[-1] < datetime(2031, 7, 1, 17, tzinfo=UTC), "inside the window (19:00 Paris)"
    for post in posts:
        approved_ = await w.api.post(f"/v1/posts/{post['id']}:approve")
        assert approved_.json()["status"] == "scheduled", approved_.text
        assert approved_.json()["scheduled_for"] == post["publish_at"].replace("+00:00", "Z")
