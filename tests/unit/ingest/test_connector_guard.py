"""The hostile-input guards on their own: entity declarations in any encoding, malformed XML, deep JSON, item caps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from animo_ingest.connectors import SourceError
from animo_ingest.connectors.feed import parse_feed
from animo_ingest.connectors.guard import (
    MAX_JSON_DEPTH,
    check_item_count,
    check_json_depth,
    check_well_formed,
    load_json,
    refuse_entity_declarations,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "connectors"
LAUGHS = (FIXTURES / "hostile_billion_laughs.xml").read_text(encoding="utf-8")


def refused(call: Callable[..., object], *args: object) -> SourceError:
    with pytest.raises(SourceError) as caught:
        call(*args)
    return caught.value


@pytest.mark.parametrize(
    "body",
    [
        LAUGHS.encode(),
        (FIXTURES / "hostile_xxe.xml").read_bytes(),  # a comment before the DOCTYPE
        LAUGHS.replace('"utf-8"', '"utf-16"').encode("utf-16"),  # with a byte-order mark
        LAUGHS.replace('"utf-8"', '"utf-16"').encode("utf-16-be"),  # without one
        LAUGHS.replace('"utf-8"', '"utf-32"').encode("utf-32-le"),
        b"\xef\xbb\xbf" + LAUGHS.encode(),
        b'<!doctype x [<!ENTITY a "b">]><x>&a;</x>',
    ],
    ids=["utf-8", "xxe", "utf-16-bom", "utf-16-be", "utf-32-le", "utf-8-bom", "lowercase"],
)
def test_entity_declarations_are_refused_in_any_encoding(body: bytes) -> None:
    error = refused(refuse_entity_declarations, body)

    assert "DTD internal subset refused" in error.reason
    assert not error.retryable


def test_a_doctype_without_subset_and_entity_text_in_cdata_pass() -> None:
    netscape = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91'
        b'//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"/>'
    )
    quoting = b'<rss><channel><item><description><![CDATA[<!DOCTYPE x [<!ENTITY a "b">]>]]>'
    quoting += b"</description></item></channel></rss>"

    refuse_entity_declarations(netscape)
    refuse_entity_declarations(quoting)
    check_well_formed(quoting)


def test_a_prolog_too_long_to_read_is_refused() -> None:
    hidden = b"<!--" + b" " * 70_000 + b"-->" + LAUGHS.split("?>", 1)[1].encode()

    assert "prolog too long" in refused(refuse_entity_declarations, hidden).reason


def test_the_strict_parse_refuses_entities_and_reports_where_xml_breaks() -> None:
    broken = (FIXTURES / "hostile_broken_truncated.xml").read_bytes()

    assert refused(check_well_formed, LAUGHS.encode()).reason == "XML refused: EntitiesForbidden"
    error = refused(check_well_formed, broken)
    assert error.reason.startswith("malformed XML:") and "no element found" in error.reason
    assert error.retryable  # a truncated download may well be complete next time


@pytest.mark.parametrize(
    ("codec", "word"),
    [("windows-1252", "café"), ("koi8-r", "привет"), ("shift_jis", "日本"), ("big5", "中文")],
)
def test_feeds_in_8_bit_and_multi_byte_encodings_pass_the_strict_check(
    codec: str, word: str
) -> None:
    feed = f"<?xml version='1.0' encoding='{codec}'?><rss version='2.0'><channel>"
    feed += f"<title>{word}</title><item><guid>1</guid><title>{word}</title></item></channel></rss>"

    assert parse_feed(feed.encode(codec), "text/xml").entries[0].title == word


def test_undecodable_or_unknown_encodings_are_malformed() -> None:
    bad_bytes = b'<?xml version="1.0" encoding="shift_jis"?><rss>\x82</rss>'
    unknown = b'<?xml version="1.0" encoding="no-such-codec"?><rss/>'

    assert refused(check_well_formed, bad_bytes).reason.startswith("malformed XML: not shift_jis")
    assert refused(check_well_formed, unknown).reason.startswith("malformed XML: unknown encoding")


def test_html_is_not_a_feed() -> None:
    page = b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body/></html>"

    assert refused(parse_feed, page, "text/html").reason.startswith("not an RSS or Atom feed")


def test_json_depth_counts_brackets_outside_strings_only() -> None:
    check_json_depth('{"a": "' + "[" * 1000 + '\\"[[[", "b": [[[]]]}')
    check_json_depth("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)

    error = refused(check_json_depth, "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert error.reason == "JSON nested deeper than 64 levels refused"
    assert not error.retryable


def test_load_json_refuses_deep_huge_numbers_and_garbage() -> None:
    deep = (FIXTURES / "hostile_deep.json").read_bytes()

    assert "nested deeper" in refused(load_json, deep).reason
    assert refused(load_json, b'{"n": ' + b"9" * 10_000 + b"}").reason.startswith("malformed JSON")
    assert refused(load_json, b"<html>").reason.startswith("malformed JSON")
    assert load_json('{"é": [1]}'.encode("utf-16")) == {"é": [1]}


def test_item_count_cap() -> None:
    check_item_count(1000)

    assert refused(check_item_count, 1001).reason == "1001 items in one response, over the 1000 cap"
