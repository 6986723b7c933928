"""Counting as each network counts: twitter-text v3 conformance, URLs, emoji, Mastodon, UTF-16."""

from __future__ import annotations

import pytest

from animo_publisher.adaptation_count import (
    grapheme_length,
    mastodon_length,
    utf16_length,
    x_weighted_length,
)
from animo_publisher.adaptation_urls import urls

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points, 1 emoji
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
POEM = (
    "故人西辞黄鹤楼,烟花三月下扬州。孤帆远影碧空尽,唯见长江天际流。朱雀桥边野草花,乌衣巷口夕阳斜。"
    "旧时王谢堂前燕,飞入寻常百姓家。朝辞白帝彩云间,千里江陵一日还。两岸猿声啼不住,轻舟已过万重山。"
    "泪湿罗巾梦不成,夜深前殿按歌声。红颜未老恩先断,斜倚薰笼坐到明。独在异乡为异客,每逢佳节倍思亲。"
    "遥知兄弟登高处,遍插茱萸少一人。"
).replace(",", "\uff0c")  # the poem's commas are full-width (U+FF0C)
KANA = "あいうえおかきくけこ"
LONG_LABEL_URL = "https://" + "somesuperlongurl" * 249 + ".com/foo"

# Ported from twitter/twitter-text, conformance/tests/validate.yml (commit 3b8031c8), section
# WeightedTweetsWithDiscountedEmojiCounterTest, i.e. config v3 (emojiParsingEnabled). Each
# case keeps its upstream description and expected weightedLength; texts are spelled with
# escapes where the YAML holds invisible characters (ZWJ, tags, directional marks).
CONFORMANCE = [
    ("Regular Tweet with url", "Hi http://test.co", 26),
    ("Just url", "http://test.co", 23),
    ("Long tweet, overflow at char index 280", "285 chars-" + "xxxxxxxxxx-" * 25, 285),
    (
        "Long tweet with url in the middle, overflow at char index 284",
        "285 chars- http://www.twitter.com/jack " + "xxxxxxxxxx-" * 24,
        299,
    ),
    (
        "Long tweet with url at the end, overflow at char index 265",
        "xxxxxxxxxx-" * 24 + " http://www.twitter.com/jack ",
        289,
    ),
    ("10 url string, no overflow", "https://www.twitter.com/aloha " * 10, 240),
    ("160 CJK char, overflow at char index 140", POEM, 320),
    ("160 emoji char, overflow at char index 140", "\U0001f637" * 160, 320),
    ("3 latin char + 160 CJK char, overflow at char index 141", "the" + POEM, 323),
    ("'Á' is normalized into 1 char", "A\u0301B", 2),
    ("שּׁ is normalized into 3 chars", "A\ufb2c", 4),
    (
        "282 chars with a normalized character within valid range but outside 280",
        "282 chars-" + "xxxxxxxxxx-" * 24 + "xxxxxA\u0301x",
        281,
    ),
    (
        "Count a mix of single byte single word, and double word unicode characters",
        "H\U0001f431\u263a" + FAMILY,
        7,
    ),
    (
        "Count unicode emoji chars inside the basic multilingual plane",
        "\U0001f637\U0001f47e\U0001f621\U0001f525\U0001f4a9",
        10,
    ),
    (
        "Count unicode emoji chars outside the basic multilingual plane with skin tone modifiers",
        "\U0001f64b\U0001f3fd\U0001f468\u200d\U0001f3a4",
        4,
    ),
    (
        "Handle General Punctuation Characters with visible spaces(u2000-200A), no ZWJ/ZWNJ",
        "This is a tweet with general punctuation characters: "
        "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b "
        "\u2010 \u2011 \u2012 \u2013 \u2014 \u2015 \u2016  \u2017 \u2018 \u2019 \u201a \u201b "
        "\u201c \u201d \u201e \u201f \u2032 \u2033 \u2034 \u2035 \u2036 \u2037",
        110,
    ),
    (
        "Handle long url with invalid domain labels and short url",
        "Long url with invalid domain labels and a short url: "
        + (LONG_LABEL_URL + " ") * 3
        + "https://validurl.com",
        12079,
    ),
    (
        "Handle a 64 character domain without protocol",
        "randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com",
        68,
    ),
    (
        "Do not allow > 140 CJK characters by virtue of CJK chars greater than 63 punycode "
        "encoded chars in the host",
        KANA * 12 + " http://" + KANA * 5 + "あいう.com",
        358,
    ),
    (
        "Allow > 140 CJK characters by virtue of CJK chars less than 63 punycode encoded "
        "chars in the host",
        KANA * 12 + " http://" + KANA * 5 + "あい.com",
        264,
    ),
    ("140 family emoji", FAMILY * 140, 280),
    (
        "Unicode 10.0 emoji",
        "Unicode 10.0 emoji: \U0001f92a; \U0001f9d5; \U0001f9d5\U0001f3fe; " + ENGLAND,
        34,
    ),
    ("Unicode 9.0 emoji", "Unicode 9.0 emoji: \U0001f920; \U0001f483; \U0001f483\U0001f3fe", 29),
    # Section UnicodeDirectionalMarkerCounterTest of the same file.
    ("Handle invalid characters", "ABC\u202a\uffffABC\ufffe", 12),
    (
        "Tweet text containing directional characters should be considered valid",
        "\u2066\u202ahttp://foobar.\u067e\u0627\u06a9\u0633\u062a\u0627\u0646/\u202c\u2069",
        31,
    ),
    # Section `lengths` (same file), whose expectations do not depend on the config version.
    ("Count the number of characters", "This is a test.", 15),
    ("Count a URL starting with http:// as 23 characters", "http://test.com", 23),
    ("Count a URL starting with https:// as 23 characters", "https://test.com", 23),
    ("Count a URL without protocol as 23 characters", "test.com", 23),
    (
        "Count multiple URLs correctly",
        "Test https://test.com test https://test.com test.com test",
        86,
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [pytest.param(text, expected, id=description) for description, text, expected in CONFORMANCE],
)
def test_x_weighted_length_matches_twitter_text_v3_conformance(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


def test_x_counts_cjk_double_and_latin_single() -> None:
    assert x_weighted_length("日本語") == 6
    assert x_weighted_length("abc") == 3
    assert x_weighted_length("한국어 text") == 6 + 5


def test_x_counts_each_emoji_sequence_once() -> None:
    flag = "\U0001f1eb\U0001f1f7"
    keycap = "#\ufe0f\u20e3"
    assert x_weighted_length(flag) == 2
    assert x_weighted_length(keycap) == 2
    assert x_weighted_length(ENGLAND) == 2
    assert x_weighted_length("\U0001f44b\U0001f3fd") == 2  # skin tone
    assert x_weighted_length("\u00a9 2026") == 6  # a bare © is text, weight 1
    assert x_weighted_length("\u00a9\ufe0f") == 2  # with U+FE0F it is an emoji


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("see https://example.com/a/b. Then", ["https://example.com/a/b"]),
        (
            "(https://en.wikipedia.org/wiki/Primer_(film))",
            ["https://en.wikipedia.org/wiki/Primer_(film)"],
        ),
        ("https://example.com/search?q=a&lang=en!", ["https://example.com/search?q=a&lang=en"]),
        ("go to example.com/path or www.example.org", ["example.com/path", "www.example.org"]),
        ("run file.py and t.co", ["t.co"]),  # a short bare ccTLD domain is prose, t.co is not
        ("mail bob@example.com", []),
        ("ftp://example.com", []),
        ("http://xn--n3h.net/", ["http://xn--n3h.net/"]),
        ("https://t.co/abc123/extra", ["https://t.co/abc123"]),
    ],
)
def test_urls_are_extracted_like_twitter_text(text: str, found: list[str]) -> None:
    assert urls(text) == found


def test_mastodon_counts_graphemes_links_as_23_and_mentions_without_domain() -> None:
    link = "https://example.org/" + "a" * 100
    assert mastodon_length(link) == 23
    assert mastodon_length("@alice@mastodon.social hi") == len("@alice hi")
    assert mastodon_length(FAMILY + " ok") == 4
    assert mastodon_length("e\u0301") == 1
    # Only links with a scheme are shortened on Mastodon; a bare domain counts in full.
    assert mastodon_length("example.com") == 11


def test_graphemes_and_utf16_units() -> None:
    assert grapheme_length("a\r\nb") == 3
    assert grapheme_length("\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea") == 2
    assert utf16_length("a\U0001f600") == 3
