"""The listening query language: what each construct matches, and how a query is read."""

from __future__ import annotations

import pytest

from animo_ingest.query import Document, parse, prepare


def matches(query: str, text: str, **fields: str) -> bool:
    return parse(query).match(prepare(Document(text, **fields))).matched


def terms(query: str, text: str, **fields: str) -> tuple[str, ...]:
    return parse(query).match(prepare(Document(text, **fields))).terms


# --- words, case, accents, elisions ------------------------------------------


@pytest.mark.parametrize(
    "text", ["LIVRAISON offerte", "la livraison", "Livraisón rapide", "livraison!", "(livraison)"]
)
def test_a_word_matches_whatever_its_case_and_accents(text: str) -> None:
    assert matches("livraison", text)


def test_accents_in_the_query_do_not_matter_either() -> None:
    assert matches("Livraisón", "livraison gratuite")
    assert matches("réclamation", "RECLAMATION envoyee")
    assert matches("coeur", "Avec tout mon cœur")
    assert matches("straße", "STRASSE")


def test_a_word_matches_whole_words_only() -> None:
    assert not matches("livraison", "livraisons")
    assert not matches("colis", "coliseum")


def test_elisions_and_punctuation_separate_words() -> None:
    assert matches("envoi", "l'envoi est parti")
    assert matches("envoi", "l\u2019envoi est parti")
    assert matches("hui", "aujourd'hui")
    assert matches("commerce", "le e-commerce")


def test_a_query_word_with_an_apostrophe_is_a_phrase_of_its_parts() -> None:
    assert matches("l'envoi", "L\u2019ENVOI du colis")
    assert matches("l'envoi", "l envoi du colis")
    assert not matches("l'envoi", "l'autre envoi")


def test_emoji_are_words() -> None:
    assert matches("🔥", "Nouvelle collection 🔥🔥")
    assert not matches("🔥", "Nouvelle collection")


# --- implicit AND, AND, OR, NOT, precedence ----------------------------------


def test_adjacent_terms_are_implicitly_anded() -> None:
    assert matches("colis perdu", "mon colis est perdu")
    assert not matches("colis perdu", "mon colis est arrivé")
    assert parse("colis perdu").canonical == "(colis AND perdu)"


def test_and_or_not() -> None:
    assert matches("colis AND perdu", "perdu, le colis")
    assert matches("colis OR parcel", "where is my parcel")
    assert matches("colis NOT promo", "mon colis")
    assert not matches("colis NOT promo", "colis en promo")
    assert matches("colis AND NOT promo", "mon colis")


def test_operators_are_capitals_only_so_french_or_stays_a_word() -> None:
    assert parse("bijoux or argent").canonical == "(bijoux AND or AND argent)"
    assert matches("bijoux or", "des bijoux en or")
    assert not matches("bijoux or argent", "des bijoux")


@pytest.mark.parametrize(
    ("query", "read_as"),
    [
        ("a OR b c", "(a OR (b AND c))"),
        ("a b OR c", "((a AND b) OR c)"),
        ("a OR b AND c", "(a OR (b AND c))"),
        ("a NOT b OR c", "((a AND NOT b) OR c)"),
        ("NOT a b OR c", "((NOT a AND b) OR c)"),
        ("a AND NOT (b OR c)", "(a AND NOT (b OR c))"),
        ("(a OR b) c", "((a OR b) AND c)"),
        ("a NEAR/2 b OR c", "((a NEAR/2 b) OR c)"),
        ("NOT a NEAR/2 b c", "(NOT (a NEAR/2 b) AND c)"),
    ],
)
def test_precedence_is_near_then_not_then_and_then_or(query: str, read_as: str) -> None:
    assert parse(query).canonical == read_as


def test_precedence_shows_in_what_matches() -> None:
    query = "livraison OR colis perdu"  # livraison OR (colis AND perdu)
    assert matches(query, "livraison rapide")
    assert matches(query, "colis perdu")
    assert not matches(query, "colis arrivé")


def test_not_applies_to_a_whole_group() -> None:
    query = "vélo NOT (promo OR soldes)"
    assert matches(query, "mon vélo")
    assert not matches(query, "vélo en soldes")


# --- phrases -----------------------------------------------------------------


def test_a_phrase_keeps_its_word_order_and_adjacency() -> None:
    assert matches('"colis perdu"', "Mon COLIS PERDU depuis lundi")
    assert not matches('"colis perdu"', "perdu mon colis")
    assert not matches('"colis perdu"', "colis vraiment perdu")


def test_a_phrase_ignores_punctuation_between_its_words() -> None:
    assert matches('"service client"', "service-client")
    assert matches('"service client"', "le service, client roi")


def test_typographic_quotes_make_phrases_too() -> None:
    assert matches("«livraison gratuite»", "LIVRAISON GRATUITE ce week-end")
    assert matches("“livraison gratuite”", "livraison gratuite")
    assert not matches("« livraison gratuite »", "gratuite livraison")


def test_a_trailing_question_mark_is_punctuation() -> None:
    assert matches('"où est mon colis?"', "Où est mon colis ??")
    assert matches("colis?", "mon colis")


# --- wildcards ---------------------------------------------------------------


def test_a_trailing_star_matches_any_ending() -> None:
    for text in ("livraison", "livrer", "LIVRÉ", "livr"):
        assert matches("livr*", text)
    assert not matches("livr*", "délivrance")


def test_wildcards_inside_a_word() -> None:
    assert matches("colo?r", "colour")
    assert not matches("colo?r", "color")
    assert matches("rembours*ment", "remboursement")
    assert matches("rembours*ment", "remboursment")
    assert not matches("rembours*ment", "remboursements")


def test_wildcards_in_a_phrase() -> None:
    assert matches('"colis perd*"', "colis perdus")
    assert not matches('"colis perd*"', "colis bien arrivé, perdu le ticket")


# --- NEAR --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("livraison en retard", True),  # 1 word between
        ("livraison très très en retard", True),  # 3 between
        ("retard de la livraison", True),  # other order
        ("livraison vraiment très très en retard", False),  # 4 between
        ("livraison", False),
        ("retard", False),
    ],
)
def test_near_counts_the_words_between_in_either_order(text: str, expected: bool) -> None:
    assert matches("livraison NEAR/3 retard", text) is expected


def test_near_zero_means_adjacent_and_f_means_in_order() -> None:
    assert matches("colis NEAR/0 perdu", "perdu colis")
    assert not matches("colis NEAR/0 perdu", "colis bien perdu")
    assert matches("colis NEAR/1f perdu", "colis bien perdu")
    assert not matches("colis NEAR/1f perdu", "perdu le colis")


def test_near_measures_from_the_end_of_a_phrase_and_takes_or_groups() -> None:
    query = '"service client" NEAR/2 (injoignable OR nul)'
    assert matches(query, "le service client est injoignable")
    assert matches(query, "nul, ce service client")
    assert not matches(query, "service client toujours pas du tout injoignable")


def test_near_needs_two_distinct_occurrences() -> None:
    assert not matches("colis NEAR/3 colis", "un colis")
    assert matches("colis NEAR/3 colis", "colis après colis")


def test_near_works_with_wildcards_and_hashtags() -> None:
    assert matches("livr* NEAR/2 retard", "livré en retard")
    assert matches("#promo NEAR/2 vélo", "#promo sur le vélo")
    assert not matches("#promo NEAR/1 vélo", "#promo sur le vélo")


# --- hashtags and handles ----------------------------------------------------


def test_a_hashtag_matches_the_hashtag_not_the_bare_word() -> None:
    assert matches("#promo", "Super #PROMO ce soir")
    assert not matches("#promo", "super promo ce soir")
    assert not matches("#promo", "#promotion")
    assert matches("#promo*", "#promotion")


def test_a_word_also_matches_inside_its_hashtag() -> None:
    assert matches("promo", "Super #promo")


def test_a_hashtag_is_not_found_inside_a_word() -> None:
    assert not matches("#sharp", "j'apprends le C#sharp")


def test_a_handle_matches_a_mention_in_the_text_or_the_author() -> None:
    assert matches("@acme_fr", "Merci @Acme_FR pour la livraison")
    assert matches("@acme_fr", "Merci pour la livraison", author="@ACME_FR")
    assert not matches("@acme_fr", "écrivez à sav@acme_fr.com")
    assert not matches("@acme_fr", "Merci @acme_france")


def test_a_handle_may_contain_dots_and_stops_before_a_final_dot() -> None:
    assert matches("@marie.l", "vu par @marie.l.")
    assert matches("@acme*", "merci @acme_support")


# --- field filters -----------------------------------------------------------


def test_lang_matches_the_language_and_its_regional_variants() -> None:
    assert matches("colis lang:fr", "colis", lang="fr")
    assert matches("colis lang:fr", "colis", lang="fr-CA")
    assert not matches("colis lang:fr", "colis", lang="en")
    assert not matches("colis lang:fr", "colis")
    assert matches("colis language:FR", "colis", lang="fr")


def test_source_and_its_aliases() -> None:
    assert matches("colis source:twitter", "colis", source="Twitter")
    assert matches("colis source:x", "colis", source="twitter")
    assert matches("colis source:twitter", "colis", source="x")
    assert not matches("colis source:twitter", "colis", source="forum")


def test_author_matches_the_author_only() -> None:
    assert matches("colis author:marie_l", "colis", author="@Marie_L")
    assert not matches("colis author:marie_l", "colis @marie_l")
    assert matches('colis author:"@Marie_L"', "colis", author="marie_l")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a", True),
        ("https://forum.example.com/t/1", True),
        ("http://EXAMPLE.COM:8080/", True),
        ("example.com/no-scheme", True),
        ("https://notexample.com/", False),
        ("https://example.com.evil.net/", False),
    ],
)
def test_site_matches_the_url_host_and_its_subdomains(url: str, expected: bool) -> None:
    assert matches("colis site:example.com", "colis", url=url) is expected


def test_field_values_can_be_quoted_and_filters_can_be_negated() -> None:
    assert matches('colis site:"example.com"', "colis", url="https://example.com")
    assert matches("colis NOT source:forum", "colis", source="twitter")
    assert not matches("colis NOT source:forum", "colis", source="forum")


def test_a_field_filter_alone_is_a_query() -> None:
    assert matches("lang:fr", "n'importe quoi", lang="fr")


# --- matched terms -----------------------------------------------------------


def test_terms_are_the_non_negated_terms_found_as_written() -> None:
    query = '(livr* OR "colis perdu" OR #promo) NOT annulé lang:fr'
    found = terms(query, "Colis perdu, livraison ratée #PROMO", lang="fr")
    assert found == ("livr*", '"colis perdu"', "#promo", "lang:fr")
    assert parse(query).terms == ("livr*", '"colis perdu"', "#promo", "annulé", "lang:fr")


def test_terms_are_empty_when_the_query_does_not_match() -> None:
    assert terms("colis NOT promo", "colis en promo") == ()


def test_a_near_term_counts_only_where_the_near_matched() -> None:
    query = "(livraison NEAR/1 retard) OR colis"
    assert terms(query, "livraison du colis, puis retard énorme") == ("colis",)
    assert terms(query, "livraison en retard") == ("livraison", "retard")
