"""`POST /v1/posts:preview` over real HTTP (uvicorn on loopback): the exact answer shape and refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from animo_dev.inprocess import serve
from animo_publisher.preview import router

ALL = ["x", "mastodon", "linkedin", "instagram", "facebook", "discourse", "webhook"]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(router)
    async with serve(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        yield client


async def test_every_kind_gets_a_variant_in_the_order_asked(http: httpx.AsyncClient) -> None:
    text = "Animo 1.0 is out! Notes: https://animo.example.org/notes #opensource"
    response = await http.post("/v1/posts:preview", json={"text": text, "channels": ALL[::-1]})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["variants"]
    assert [v["channel"] for v in body["variants"]] == ALL[::-1]
    for variant in body["variants"]:
        assert set(variant) == {"channel", "parts", "weighted_lengths", "problems"}
        assert variant["parts"] == [text]
    by_kind = {v["channel"]: v for v in body["variants"]}
    assert by_kind["x"]["weighted_lengths"] == [
        len(text) - len("https://animo.example.org/notes") + 23
    ]
    assert by_kind["instagram"]["problems"] == [
        {
            "code": "links_not_clickable",
            "message": "Instagram does not make links in a caption clickable; "
            "point to the profile link instead.",
            "severity": "warning",
        },
        {
            "code": "media_required",
            "message": "Instagram publishes only with an image: the post needs an image_url.",
            "severity": "warning",
        },
    ]


async def test_a_long_text_becomes_a_thread_and_overrides_win(http: httpx.AsyncClient) -> None:
    text = " ".join(f"Sentence {i} says something worth reading." for i in range(20))
    response = await http.post(
        "/v1/posts:preview",
        json={
            "text": text,
            "channels": ["x", "linkedin"],
            "overrides": {"linkedin": "Written by hand for LinkedIn."},
        },
    )
    assert response.status_code == 200
    x, linkedin = response.json()["variants"]
    assert len(x["parts"]) == len(x["weighted_lengths"]) > 1
    assert x["parts"][0].endswith(f" (1/{len(x['parts'])})")
    assert all(n <= 280 for n in x["weighted_lengths"])
    assert linkedin["parts"] == ["Written by hand for LinkedIn."]
    assert linkedin["problems"] == []


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ({"text": "hi", "channels": ["x", "tiktok"]}, "tiktok"),
        ({"text": "hi", "channels": []}, "at least 1"),
        ({"text": "hi", "channels": ["x", "x"]}, "unique"),
        ({"text": "hi", "channels": ["x"], "images": []}, "Extra inputs"),
        ({"text": "hi", "channels": ["x"], "overrides": {"mastodon": "yo"}}, "mastodon"),
        ({"text": "hi", "channels": ["x"], "overrides": {"myspace": "yo"}}, "myspace"),
        ({"channels": ["x"]}, "Field required"),
    ],
)
async def test_bad_requests_are_refused_with_422(
    http: httpx.AsyncClient, payload: dict[str, Any], complaint: str
) -> None:
    response = await http.post("/v1/posts:preview", json=payload)
    assert response.status_code == 422
    assert complaint in response.text
