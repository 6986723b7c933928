"""Source configs, cursors and the field clean-up each connector shares: ids, languages, URLs, dates, seen ids, JSON paths."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from animo_ingest.connectors import Cursor, PulledItem, SourceConfig, SourceError
from animo_ingest.connectors.discourse import post_item
from animo_ingest.connectors.item import (
    external_id,
    finish,
    http_url,
    lang,
    parse_datetime,
    remember,
)
from animo_ingest.connectors.mapping import field_mapping, first_value, resolve
from animo_ingest.connectors.mastodon import status_item, timeline_request


@pytest.mark.parametrize(
    ("kw", "problem"),
    [
        ({"kind": "twitter"}, "unknown kind"),
        ({"url": "file:///etc/passwd"}, "absolute http"),
        ({"url": "/relative"}, "absolute http"),
        ({"interval_seconds": 5}, "interval_seconds"),
        ({"options": {"network": "Not A Name"}}, "options.network"),
        ({"id": " "}, "non-empty id"),
    ],
)
def test_bad_source_configs_are_refused(kw: dict[str, Any], problem: str) -> None:
    args: dict[str, Any] = {"id": "s", "kind": "rss", "url": "https://s.example/feed", **kw}

    with pytest.raises(ValueError, match=problem):
        SourceConfig(**args)


def test_config_options_are_read_only_and_give_network_and_headers() -> None:
    options = {"network": "news", "headers": {"Api-Key": "k"}}
    config = SourceConfig(id="s", kind="rss", url="https://s.example/feed", options=options)
    options["network"] = "changed"

    assert config.network("blog") == "news"
    assert config.extra_headers() == {"Api-Key": "k"}
    assert config.host == "s.example"
    assert "Api-Key" not in repr(config)
    with pytest.raises(TypeError):
        config.options["network"] = "x"  # type: ignore[index,unused-ignore]


def test_cursor_round_trip() -> None:
    cursor = Cursor(etag='W/"1"', last_modified="Sat, 21 Nov 2026", position="9", seen_ids=("a",))

    assert Cursor.from_dict(cursor.to_dict()) == cursor
    assert Cursor.from_dict({}) == Cursor()


def test_external_ids_are_made_globally_unique_and_short() -> None:
    assert external_id("https://blog.example/p/1", "h") == "https://blog.example/p/1"
    assert external_id("tag:blog.example,2026:1", "h") == "tag:blog.example,2026:1"
    assert external_id(15, "forum.example") == "forum.example:15"
    assert str(external_id("https://x.example/" + "a" * 300, "h")).startswith("sha256:")
    assert [external_id(v, "h") for v in (None, "", "  ", True)] == [None] * 4


def test_languages_urls_and_dates() -> None:
    assert [lang(v) for v in ("en-US", "FR", "pt_BR", "eng", None, "")] == [
        "en", "fr", "pt", None, None, None,
    ]  # fmt: skip
    assert http_url("/r/x/", "https://www.reddit.com/r/new.json") == "https://www.reddit.com/r/x/"
    assert [http_url(v) for v in ("javascript:alert(1)", "mailto:a@b", "//x", 3)] == [None] * 4
    expected = datetime(2022, 11, 21, 20, 27, 52, 274000, tzinfo=UTC)
    assert parse_datetime("2022-11-21T20:27:52.274Z") == expected
    assert parse_datetime(1669062472.274) == expected
    assert parse_datetime(1669062472274) == expected  # milliseconds
    assert parse_datetime("2022-11-21T21:27:52.274+01:00") == expected
    odd: list[object] = ["yesterday", True, None, [], 10**30]
    assert [parse_datetime(v) for v in odd] == [None] * 5


def test_remember_keeps_what_the_source_still_shows_first_and_stays_bounded() -> None:
    older = tuple(f"old{i}" for i in range(600))

    assert remember(older, ["n1", "n2", "old0"], limit=500)[:3] == ("n1", "n2", "old0")
    assert len(remember(older, ["n1"], limit=500)) == 500
    assert len(remember((), [f"i{i}" for i in range(800)], limit=500)) == 800


def pulled(external: str, day: int | None) -> PulledItem:
    when = datetime(2026, 1, day, tzinfo=UTC) if day else None
    return PulledItem("blog", external, "a", None, "t", None, when, None)


def test_finish_drops_seen_and_repeated_ids_and_sorts_oldest_first() -> None:
    candidates = [pulled("c", 3), pulled("a", 1), pulled("b", None), pulled("c", 3), pulled("d", 2)]

    items, cursor = finish(
        candidates, Cursor(seen_ids=("a",)), etag="e", last_modified=None, position="p"
    )

    assert [i.external_id for i in items] == ["b", "d", "c"]
    assert cursor == Cursor(etag="e", position="p", seen_ids=("c", "a", "b", "d"))


def test_json_paths_and_mapping_validation() -> None:
    doc = {"data": {"children": [{"data": {"id": "x", "tags": ["t0"]}}], "empty": ""}}

    assert resolve(doc, "data.children.0.data.tags.0") == "t0"
    assert resolve(doc, "data.children.5.data") is None
    assert resolve(doc, "data.children.x") is None
    assert resolve(doc, "") is doc
    assert first_value(doc, ["data.empty", "data.missing", "data.children.0.data.id"]) == "x"
    with pytest.raises(SourceError, match=r"missing \['author'\]"):
        field_mapping({"fields": {"external_id": "id", "text": "body"}})
    with pytest.raises(SourceError, match=r"unknown \['title'\]"):
        field_mapping({"fields": {"external_id": "id", "text": "t", "author": "a", "title": "t"}})
    with pytest.raises(SourceError, match=r"needs options\.fields"):
        field_mapping({})


def test_mastodon_requests_and_boosts() -> None:
    assert timeline_request({"hashtag": "#vélo", "local": True}) == (
        "/api/v1/timelines/tag/v%C3%A9lo",
        {"limit": "40", "local": "true"},
    )
    assert timeline_request({"timeline": "public", "limit": 500})[1] == {"limit": "40"}
    with pytest.raises(SourceError, match="hashtag"):
        timeline_request({"timeline": "home"})
    with pytest.raises(SourceError, match="hashtag is empty"):
        timeline_request({"hashtag": "#"})
    with pytest.raises(SourceError, match="limit"):
        timeline_request({"hashtag": "velo", "limit": "forty"})
    original = {
        "id": "2",
        "uri": "https://other.example/users/lea/statuses/2",
        "content": "<p>Super vélo</p>",
        "spoiler_text": "avis",
        "account": {"acct": "lea@other.example", "display_name": ""},
        "language": "fr",
    }
    boost = {"id": "3", "reblog": original, "account": {"acct": "bob"}, "content": ""}

    shared = status_item(boost, "mastodon", "masto.example")

    assert shared is not None
    assert shared.external_id == "https://other.example/users/lea/statuses/2"
    assert (shared.author_handle, shared.author_name) == ("lea@other.example", None)
    assert shared.text == "avis\n\n<p>Super vélo</p>"
    assert status_item({"id": "4", "account": {}}, "mastodon", "h") is None


@pytest.mark.parametrize(
    "change",
    [{"hidden": True}, {"deleted_at": "2020-01-01"}, {"post_type": 3}, {"raw": "", "cooked": ""}],
)
def test_discourse_skips_posts_nobody_should_see_as_mentions(change: dict[str, Any]) -> None:
    post = {"id": 7, "username": "marie", "raw": "Salut", "topic_id": 1, "post_number": 1}

    assert post_item(post, "https://f.example", "forum", "f.example") is not None
    assert post_item({**post, **change}, "https://f.example", "forum", "f.example") is None
