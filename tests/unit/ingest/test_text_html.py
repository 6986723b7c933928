"""HTML stripping: tags, entities, scripts and styles go, plain text stays, hostile input is linear."""

from __future__ import annotations

import time

import pytest

from animo_ingest.text import clean
from animo_ingest.text_html import looks_like_html, strip_html


def test_tags_go_block_tags_end_lines_and_entities_are_unescaped() -> None:
    html = (
        "<div class='post'><p>Le <b>vélo</b> &amp; la <a href=\"/x\">batterie</a>&nbsp;:"
        "</p><p>top&#33;<br/>Merci &eacute;quipe &#x1F44D;</p></div>"
    )
    assert clean(html).text == "Le vélo & la batterie :\ntop!\nMerci équipe 👍"


def test_scripts_styles_and_comments_go_with_their_content() -> None:
    html = (
        "<style>p { color: red }</style>avant<script type='text/javascript'>"
        "if (a < b) { alert('<p>x</p>') }</SCRIPT >après<!-- <p>caché</p> -->fin"
    )
    assert strip_html(html) == "avantaprèsfin"


def test_an_unclosed_script_or_comment_swallows_the_rest_as_browsers_do() -> None:
    assert strip_html("texte<script>alert(1) et la suite") == "texte"
    assert strip_html("texte<!-- commentaire sans fin <p>x</p>") == "texte"


def test_escaped_markup_stays_text_and_is_not_parsed_again() -> None:
    assert clean("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>").text == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "text",
    [
        "I <3 my bike",
        "si x<y et y>z alors",
        "Tom & Jerry, R&D; AT&T",
        "prix < 500 € > attentes",
        "<not a tag> mais du texte",
    ],
)
def test_plain_text_with_angle_brackets_or_ampersands_is_not_html(text: str) -> None:
    assert not looks_like_html(text)
    assert clean(text).text == text


@pytest.mark.parametrize(
    "text",
    ["<p>x</p>", "a<br>b", "<BR/>", "x &amp; y", "&#233;t&#xE9;", "<!-- c -->", "<img src=x>"],
)
def test_known_tags_comments_and_entities_are_html(text: str) -> None:
    assert looks_like_html(text)


def test_html_can_be_forced_either_way() -> None:
    assert clean("a &amp; <b>b</b>", html=False).text == "a &amp; <b>b</b>"
    assert clean("<x-custom>a</x-custom> <3", html=True).text == "a <3"


@pytest.mark.parametrize(
    "hostile",
    [
        "<" * 1_000_000,
        "<a" * 500_000,
        "<a " + "x" * 1_000_000,
        "<!--" * 250_000,
        "<script>" * 125_000,
        "</" * 500_000,
        "&amp;" * 200_000,
        "&" * 1_000_000,
        "<div>" * 200_000 + "texte" + "</div>" * 160_000,
        "<p title='" + "a>" * 500_000,
    ],
    ids=[
        "lt",
        "open",
        "unclosed",
        "comments",
        "scripts",
        "closers",
        "entities",
        "ampersands",
        "nested",
        "attribute",
    ],
)
def test_a_megabyte_of_hostile_html_is_stripped_in_linear_time(hostile: str) -> None:
    start = time.perf_counter()
    clean(hostile, html=True)
    assert time.perf_counter() - start < 2.0


def test_deep_nesting_keeps_the_text() -> None:
    html = "<div><span>" * 100_000 + "au fond" + "</span></div>" * 100_000
    start = time.perf_counter()
    assert clean(html).text == "au fond"
    assert time.perf_counter() - start < 2.0
