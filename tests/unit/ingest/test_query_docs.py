"""docs/query-language.md stays true: its examples parse, its refusals and its API example are what the code says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from animo_ingest.query import Document, QuerySyntaxError, parse, prepare

DOC = (Path(__file__).resolve().parents[3] / "docs" / "query-language.md").read_text()


def section(title: str) -> str:
    return DOC.split(f"## {title}")[1].split("\n## ")[0]


def test_every_example_query_parses() -> None:
    examples = re.findall(r"^\|[^|]+\| `([^`]+)` \|$", section("Examples"), re.MULTILINE)
    assert len(examples) == 10
    for query in examples:
        parse(query)


def test_the_refusal_table_is_what_the_parser_says() -> None:
    rows = re.findall(r"^\| `([^`]+)` \| (\d+) \| (.+) \|$", section("Limits and refusals"), re.M)
    assert len(rows) == 13
    for query, position, reason in rows:
        with pytest.raises(QuerySyntaxError) as caught:
            parse(query)
        assert caught.value.position == int(position), query
        assert caught.value.reason == reason.strip("`"), query


def test_the_queries_test_example_is_what_the_library_answers() -> None:
    blocks = re.findall(
        r"```http\n(.*?)```", section("Trying a query: `POST /v1/queries:test`"), re.S
    )
    request = json.loads(blocks[0].split("\n\n", 1)[1])
    response = json.loads(blocks[1].split("\n\n", 1)[1])
    query = parse(request["query"])
    answers = [query.match(prepare(Document(**text))) for text in request["texts"]]
    results = [{"matched": a.matched, "terms": list(a.terms)} for a in answers]
    assert response == {"results": results}
    error = json.loads(blocks[2].split("\n\n", 1)[1])["detail"][0]
    with pytest.raises(QuerySyntaxError) as caught:
        parse("livraison AND (retard OR")
    assert (error["position"], error["reason"]) == (caught.value.position, caught.value.reason)
    assert error["msg"] == str(caught.value)
    assert (error["type"], error["loc"]) == ("query_syntax", ["body", "query"])
