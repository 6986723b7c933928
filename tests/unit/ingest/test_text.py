"""clean(): Unicode and whitespace normalisation, entity extraction and the exact-duplicate key."""

from __future__ import annotations

import time
import unicodedata

import pytest

from animo_ingest.text import NO_SIMHASH, CleanText, clean


def test_composed_and_decomposed_accents_give_the_same_text() -> None:
    composed = clean("Le vélo est arrivé")
    decomposed = clean(unicodedata.normalize("NFD", "Le vélo est arrivé"))
    assert decomposed.text == composed.text == "Le vélo est arrivé"
    assert decomposed.fingerprint == composed.fingerprint


def test_controls_and_invisible_characters_go_but_line_breaks_stay() -> None:
    cleaned = clean("  bon\x00jour\u200b \t le\x07 vélo \r\n\r\n\n  ligne\u2028deux\x0cfin\ufeff ")
    assert cleaned.text == "bonjour le vélo\nligne\ndeux\nfin"


def test_a_lone_surrogate_becomes_a_replacement_character() -> None:
    cleaned = clean("emoji coupé \ud83d en deux")
    assert cleaned.text == "emoji coupé \ufffd en deux"
    cleaned.text.encode("utf-8")


def test_blank_runs_collapse_to_one_space() -> None:
    assert clean("merci\u00a0 !   vraiment\t\ttop").text == "merci ! vraiment top"


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("voir https://velo.fr/a?b=1&c=2.", ("https://velo.fr/a?b=1&c=2",)),
        ("(https://velo.fr/page)", ("https://velo.fr/page",)),
        (
            "https://en.wikipedia.org/wiki/Bicycle_(disambiguation)!",
            ("https://en.wikipedia.org/wiki/Bicycle_(disambiguation)",),
        ),
        ("«https://velo.fr/x» et “http://t.co/AbC”…", ("https://velo.fr/x", "http://t.co/AbC")),
        ("HTTPS://VELO.FR/Promo, puis l'autre", ("HTTPS://VELO.FR/Promo",)),
        ("deux fois https://a.fr/x https://a.fr/x", ("https://a.fr/x",)),
        ("pas d'URL : velo.fr, ftp://a.fr, http:// ni mailto:a@b.fr", ()),
        ("<https://a.fr/x>", ("https://a.fr/x",)),
    ],
)
def test_urls_are_http_with_trailing_punctuation_trimmed(text: str, urls: tuple[str, ...]) -> None:
    assert clean(text, "fr").urls == urls


def test_a_url_ending_in_a_million_brackets_is_trimmed_in_linear_time() -> None:
    start = time.perf_counter()
    cleaned = clean("https://a.fr/x" + ")" * 1_000_000, "fr")
    assert cleaned.urls == ("https://a.fr/x",)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("text", "hashtags"),
    [
        ("J'adore mon #Vélo et le #vélo de @Marie #VÉLO", ("vélo",)),
        ("#SAV #2024 #1er #Lumen2026 #_", ("sav", "1er", "lumen2026", "_")),
        ("c#, a#b, &#39; et l'issue #42 ne sont pas des tags", ()),
        ("#Café. #crème! (#mobilité)", ("café", "crème", "mobilité")),
        ("#हिन्दी #日本 #ελλάδα", ("हिन्दी", "日本", "ελλάδα")),
        ("https://velo.fr/page#section et #vrai", ("vrai",)),
    ],
)
def test_hashtags_are_lower_cased_unicode_words_with_a_non_digit(
    text: str, hashtags: tuple[str, ...]
) -> None:
    assert clean(text, "fr").hashtags == hashtags


@pytest.mark.parametrize(
    ("text", "handles"),
    [
        ("Merci @VeloLumen et @marie_L !", ("velolumen", "marie_l")),
        ("écrivez à contact@velolumen.fr ou sav@velo.fr", ()),
        ("@marie.dupont. et @alice.bsky.social", ("marie.dupont", "alice.bsky.social")),
        ("suivez @Lumen@Mastodon.Social, pas @bob@localhost", ("lumen@mastodon.social", "bob")),
        (".@VeloLumen répondez ! cc @José", ("velolumen", "josé")),
        ("RT @a: RT @b: texte @A", ("a", "b")),
        ("@ seul, @@double, https://x.com/@cache", ()),
    ],
)
def test_handles_are_lower_cased_and_exclude_email_addresses(
    text: str, handles: tuple[str, ...]
) -> None:
    assert clean(text, "fr").handles == handles


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Le vélo est TOP", "le velo est top"),
        ("Le vélo   est\ttop", "Le vélo est top"),
        ("Le vélo est top https://t.co/aaa", "Le vélo est top https://t.co/bbb"),
        ("Le vélo est top https://t.co/aaa", "Le vélo est top"),
        ("l\u2019appli plante", "l'appli plante"),  # typographic apostrophe
        ("\uff4c\uff45 \uff56\uff45\uff4c\uff4f", "le velo"),  # full-width letters
        ("<p>Le vélo &amp; moi</p>", "Le vélo & moi"),
    ],
)
def test_fingerprints_ignore_case_accents_spacing_and_urls(left: str, right: str) -> None:
    assert clean(left).fingerprint == clean(right).fingerprint


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Le vélo est top", "Le vélo est top !"),
        ("Le vélo est top", "Le vélo est nul"),
        ("Merci @marie", "Merci @paul"),
        ("https://t.co/aaa", "https://t.co/bbb"),
        ("super 👍", "super 👎"),
    ],
)
def test_fingerprints_differ_otherwise(left: str, right: str) -> None:
    assert clean(left).fingerprint != clean(right).fingerprint


@pytest.mark.parametrize(
    ("given", "lang"),
    [("FR", "fr"), (" en ", "en"), ("pt-BR", "pt"), ("de_DE", "de"), ("x", None), ("", None)],
)
def test_a_given_language_wins_lower_cased_to_two_letters(given: str, lang: str | None) -> None:
    # An English post, so that a detected language would show.
    text = "Honestly the new bike is great, delivery was fast and support answered"
    expected = lang or "en"
    assert clean(text, given).lang == expected


def test_a_short_post_takes_no_part_in_near_duplicate_matching() -> None:
    assert clean("merci !").simhash == NO_SIMHASH
    assert clean("RT @velolumen: merci beaucoup !").simhash == NO_SIMHASH
    assert clean("merci pour votre réponse rapide").simhash != NO_SIMHASH


def test_clean_text_is_immutable() -> None:
    cleaned = clean("Le vélo est top")
    assert isinstance(cleaned, CleanText)
    with pytest.raises(AttributeError):
        cleaned.text = "autre"  # type: ignore[misc]


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 1_000_000,
        "@" * 1_000_000,
        "#" + "1" * 1_000_000,
        "#1" * 500_000,
        "@a." * 333_333,
        "https://" + "a(" * 500_000,
        "mot " * 250_000,
        "\x00\u200b " * 333_333,
        "é" * 1_000_000,
    ],
    ids=[
        "letters",
        "ats",
        "digit-tag",
        "tags",
        "dotted-handle",
        "url",
        "words",
        "controls",
        "accents",
    ],
)
def test_a_megabyte_of_hostile_text_is_cleaned_quickly(hostile: str) -> None:
    start = time.perf_counter()
    clean(hostile)
    assert time.perf_counter() - start < 2.0
