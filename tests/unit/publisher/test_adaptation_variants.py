"""One message, a variant per network: truncation keeping the link, numbered threads, problems."""

from __future__ import annotations

import re

import pytest

from animo_publisher.adaptation import KINDS, UnknownChannelKind, Variant, adapt, preview
from animo_publisher.adaptation_count import mastodon_length, utf16_length, x_weighted_length

LINK = "https://animo.example.org/blog/2026/release-notes?utm_source=social"


def sentences(count: int, start: int = 0) -> str:
    return " ".join(f"Sentence {i} says something worth reading." for i in range(start, count))


def codes(variant: Variant) -> list[str]:
    return [p.code for p in variant.problems]


def test_a_short_message_is_one_untouched_part_everywhere() -> None:
    text = "We shipped Animo 1.0 today! Notes: " + LINK
    variants = preview(text, KINDS)
    assert [v.channel for v in variants] == list(KINDS)
    for variant in variants:
        assert variant.parts == (text,)
        blocking = [p for p in variant.problems if p.severity == "error"]
        assert blocking == [], variant.channel
    assert variants[0].weighted_lengths == (x_weighted_length(text),)
    assert x_weighted_length(text) == len("We shipped Animo 1.0 today! Notes: ") + 23


def test_truncation_cuts_at_a_sentence_end_and_keeps_the_last_link() -> None:
    text = f"{sentences(80)} Read more at {LINK} and tell us what you think."
    variant = adapt(text, "linkedin")
    (part,) = variant.parts
    assert part.endswith(f". … {LINK}")
    assert variant.weighted_lengths[0] == utf16_length(part) <= 3000
    assert part.startswith("Sentence 0 says something worth reading.")
    assert codes(variant) == ["truncated"]
    assert variant.problems[0].severity == "warning"


def test_truncation_keeps_a_link_that_already_fits_without_repeating_it() -> None:
    text = f"Release notes: {LINK} {sentences(100)}"
    (part,) = adapt(text, "instagram").parts
    assert part.count(LINK) == 1
    assert part.startswith(f"Release notes: {LINK} Sentence 0")
    assert utf16_length(part) <= 2200


def test_truncation_falls_back_to_a_word_end_with_an_ellipsis() -> None:
    text = " ".join(["word"] * 1000)  # one endless sentence
    (part,) = adapt(text, "instagram").parts
    assert part.endswith("word…")
    assert utf16_length(part) <= 2200
    assert 2200 - utf16_length(part) < 6  # no room wasted beyond one word


def test_x_thread_parts_are_numbered_within_280_with_urls_whole() -> None:
    text = f"{sentences(12)} See {LINK} now. {sentences(20, 12)}"
    variant = adapt(text, "x")
    total = len(variant.parts)
    assert total > 1
    for index, (part, length) in enumerate(
        zip(variant.parts, variant.weighted_lengths, strict=True), 1
    ):
        assert part.endswith(f" ({index}/{total})")
        assert length == x_weighted_length(part) <= 280
    assert sum(LINK in part for part in variant.parts) == 1
    unnumbered = [re.sub(r" \(\d+/\d+\)$", "", part) for part in variant.parts]
    assert " ".join(unnumbered) == text
    # Cut at sentence ends: every part but the numbering ends a sentence.
    assert all(chunk.endswith(".") for chunk in unnumbered)
    assert variant.problems == ()


def test_numbering_reserves_room_for_two_digit_counts() -> None:
    variant = adapt(sentences(120), "x")
    total = len(variant.parts)
    assert total >= 10
    assert variant.parts[0].endswith(f" (1/{total})")
    assert max(variant.weighted_lengths) <= 280


def test_mastodon_thread_counts_links_as_23_and_mentions_without_domain() -> None:
    mention = "@alice@mastodon.example"
    text = f"{mention} {sentences(25)} {LINK}"
    variant = adapt(text, "mastodon")
    assert len(variant.parts) > 1
    assert all(length <= 500 for length in variant.weighted_lengths)
    assert variant.weighted_lengths == tuple(mastodon_length(p) for p in variant.parts)
    assert variant.parts[0].startswith(mention)


def test_cjk_thread_cuts_at_full_stops() -> None:
    text = "故人西辞黄鹤楼\uff0c烟花三月下扬州。孤帆远影碧空尽\uff0c唯见长江天际流。" * 12
    variant = adapt(text, "x")
    assert len(variant.parts) == 3
    for part, length in zip(variant.parts, variant.weighted_lengths, strict=True):
        assert length <= 280
        assert re.search(r"。 \(\d/3\)$", part)


def test_text_without_any_space_is_cut_between_characters_but_never_inside_a_link() -> None:
    text = "故" * 130 + "。" + LINK + "故" * 140
    variant = adapt(text, "x")
    assert len(variant.parts) == 3
    assert max(variant.weighted_lengths) <= 280
    assert sum(LINK in part for part in variant.parts) == 1


def test_instagram_hashtags_over_30_are_an_error() -> None:
    thirty = " ".join(f"#tag{i}" for i in range(30))
    assert "too_many_hashtags" not in codes(adapt(thirty, "instagram"))
    variant = adapt(thirty + " #one_more", "instagram")
    problem = next(p for p in variant.problems if p.code == "too_many_hashtags")
    assert problem.severity == "error"
    assert "31" in problem.message
    # Elsewhere hashtags are not limited, and a URL fragment is no hashtag.
    assert "too_many_hashtags" not in codes(adapt(thirty + " #one_more", "x"))
    assert "too_many_hashtags" not in codes(adapt(thirty + " https://e.com/#a", "instagram"))


def test_instagram_warns_links_are_dead_and_media_is_needed() -> None:
    variant = adapt(f"New post {LINK}", "instagram")
    assert codes(variant) == ["links_not_clickable", "media_required"]
    assert {p.severity for p in variant.problems} == {"warning"}
    mentions = " ".join(f"@user{i}" for i in range(21))
    assert "too_many_mentions" in codes(adapt(mentions, "instagram"))


@pytest.mark.parametrize(
    ("kind", "text", "code"),
    [
        ("x", "   ", "empty_text"),
        ("webhook", "", "empty_text"),
        ("x", "Hello @bob@mastodon.social", "mention_other_network"),
        ("discourse", "Hello @bob@mastodon.social, welcome!", "mention_other_network"),
        ("mastodon", "Hello @bob", "mention_unqualified"),
        ("linkedin", "Thanks @acme", "mention_not_linked"),
        ("facebook", "Thanks @acme", "mention_not_linked"),
        ("discourse", "Too short.", "too_short"),
        ("x", "bad \ufffe char", "invalid_characters"),
        ("instagram", "https://example.com/" + "a" * 2300, "too_long"),
        ("facebook", sentences(2000), "truncated"),
    ],
)
def test_each_problem_has_its_code(kind: str, text: str, code: str) -> None:
    assert code in codes(adapt(text, kind))


def test_empty_text_is_one_empty_part() -> None:
    variant = adapt(" \n ", "linkedin")
    assert (variant.parts, variant.weighted_lengths, codes(variant)) == (
        ("",),
        (0,),
        ["empty_text"],
    )


def test_an_override_is_used_as_written_and_checked() -> None:
    variant = adapt("ignored", "x", override="First part.\n---\nSecond part, by hand.")
    assert variant.parts == ("First part.", "Second part, by hand.")
    assert variant.weighted_lengths == (11, 21)
    too_long = adapt("ignored", "x", override="y" * 300)
    assert too_long.parts == ("y" * 300,)
    assert codes(too_long) == ["part_too_long"]
    # Only thread networks split an override.
    assert adapt("x", "linkedin", override="a\n---\nb").parts == ("a\n---\nb",)


def test_linkedin_counts_the_escapes_its_little_text_needs() -> None:
    assert adapt("Launch (v1) #today https://e.com/a_b", "linkedin").weighted_lengths == (
        len("Launch (v1) #today https://e.com/a_b") + 2,
    )


def test_text_is_normalised_to_nfc() -> None:
    (part,) = adapt("Cafe\u0301 ouvert", "webhook").parts
    assert part == "Caf\u00e9 ouvert"


def test_unknown_kinds_are_refused_before_any_work() -> None:
    with pytest.raises(UnknownChannelKind, match="tiktok"):
        adapt("hi", "tiktok")
    with pytest.raises(UnknownChannelKind) as refused:
        preview("hi", ["x", "myspace", "bluesky"])
    assert refused.value.kinds == ["bluesky", "myspace"]
    with pytest.raises(UnknownChannelKind, match="orkut"):
        preview("hi", ["x"], overrides={"orkut": "hello"})
