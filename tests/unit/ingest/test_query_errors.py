"""Queries the language refuses: each with the 0-based position of the problem and a reason."""

from __future__ import annotations

import pytest

from animo_ingest.query import MAX_DEPTH, MAX_LENGTH, MAX_TERMS, QuerySyntaxError, parse


def refusal(query: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    return caught.value


def test_the_error_is_a_value_error_that_says_where_and_why() -> None:
    error = refusal("colis AND")
    assert isinstance(error, ValueError)
    assert (error.position, error.reason) == (6, "'AND' needs a term on its right")
    assert str(error) == "at position 6: 'AND' needs a term on its right"


@pytest.mark.parametrize(
    ("query", "position", "reason"),
    [
        # empty
        ("", 0, "the query is empty"),
        ("   ", 0, "the query is empty"),
        # parentheses
        ("(colis OR parcel", 0, "this parenthesis is never closed"),
        ("a (b (c OR d)", 2, "this parenthesis is never closed"),
        ("colis)", 5, "')' has no matching '('"),
        ("a ) b", 2, "')' has no matching '('"),
        ("colis () perdu", 6, "empty parentheses"),
        ("colis AND (", 10, "this parenthesis is never closed"),
        # dangling operators
        ("colis AND", 6, "'AND' needs a term on its right"),
        ("colis OR", 6, "'OR' needs a term on its right"),
        ("colis NOT", 6, "'NOT' needs a term on its right"),
        ("AND colis", 0, "'AND' needs a term on its left"),
        ("OR colis", 0, "'OR' needs a term on its left"),
        ("colis AND OR perdu", 6, "'AND' needs a term on its right"),
        ("(colis OR) perdu", 7, "'OR' needs a term on its right"),
        ("colis NOT NOT perdu", 10, "NOT twice in a row cancels out: remove both"),
        # phrases
        ('colis ""', 6, "empty phrase: put words between the quotes"),
        ('" "', 0, "empty phrase: put words between the quotes"),
        ('"!!"', 0, "the phrase has no letters or digits to match"),
        ('colis "perdu', 6, "this quote is never closed"),
        ("colis »", 6, "'»' closes a quote that was never opened"),
        # NEAR
        ("livraison NEAR/3", 10, "'NEAR/3' needs a term on its right"),
        ("livraison NEAR/3 )", 10, "'NEAR/3' needs a term on its right"),
        ("NEAR/3 retard", 0, "'NEAR/3' needs a term on its left"),
        ("a NEAR b", 2, "'NEAR' needs a distance in words, e.g. NEAR/3 (at most 3 words apart)"),
        ("a NEAR/ b", 2, "'NEAR/' needs a distance in words, e.g. NEAR/3 (at most 3 words apart)"),
        (
            "a NEAR/x b",
            2,
            "'NEAR/x' needs a distance in words, e.g. NEAR/3 (at most 3 words apart)",
        ),
        (
            "a NEAR/-1 b",
            2,
            "'NEAR/-1' needs a distance in words, e.g. NEAR/3 (at most 3 words apart)",
        ),
        ("a NEAR/101 b", 2, "the NEAR distance must be between 0 and 100 words"),
        ("a near/3 b", 2, "operators are written in capitals: NEAR/3"),
        ("a NEAR/2 b NEAR/2 c", 11, "NEAR cannot be chained: write (a NEAR/3 b) AND (b NEAR/3 c)"),
        (
            "(a AND b) NEAR/2 c",
            0,
            "NEAR links words, phrases, hashtags, handles, or (… OR …) groups of them",
        ),
        (
            "a NEAR/2 lang:fr",
            9,
            "NEAR links words, phrases, hashtags, handles, or (… OR …) groups of them",
        ),
        (
            "a NEAR/2 NOT b",
            9,
            "NEAR links words, phrases, hashtags, handles, or (… OR …) groups of them, not NOT",
        ),
        # fields
        (
            "colis foo:bar",
            6,
            "unknown field 'foo:' (the fields are author:, lang:, site:, source:)",
        ),
        (
            "https://example.com",
            0,
            "unknown field 'https:' (the fields are author:, lang:, site:, source:)",
        ),
        ("colis lang:", 6, "'lang:' needs a value, e.g. lang:fr"),
        ('colis site:""', 6, "'site:' needs a value, e.g. site:example.com"),
        ("colis lang:french", 6, "lang: takes a language code such as fr or en"),
        (
            "colis site:https://example.com",
            6,
            "site: takes a domain such as example.com (no http://)",
        ),
        ("colis site:example.com/blog", 6, "site: takes a domain such as example.com (no http://)"),
        ("colis author:mar*", 6, "wildcards are not supported in author:"),
        ('colis author:"marie', 13, "this quote is never closed"),
        # wildcards and terms without letters
        ("*ison", 0, "'*ison': a wildcard must follow at least 2 letters or digits, e.g. livr*"),
        ("l*", 0, "'l*': a wildcard must follow at least 2 letters or digits, e.g. livr*"),
        ("colis l'*", 6, "'l'*': a wildcard must follow at least 2 letters or digits, e.g. livr*"),
        (
            '"colis *perdu"',
            0,
            "'\"colis *perdu\"': a wildcard must follow at least 2 letters or digits, e.g. livr*",
        ),
        (
            "#*promo",
            0,
            "'#*promo': a wildcard must follow at least 2 letters or digits, e.g. livr*",
        ),
        ("colis !!!", 6, "'!!!' has no letters or digits to match"),
        ("colis #promo!", 6, "'#promo!' is not a hashtag: use letters, digits and _ after #"),
        ("colis @marie!", 6, "'@marie!' is not a handle: use letters, digits and _ after @"),
        ("colis -promo", 6, "to exclude a term write NOT promo: a leading '-' is not an operator"),
        # negation only
        (
            "NOT promo",
            0,
            "the query only excludes: add a term to look for, e.g. livraison NOT promo",
        ),
        (
            "NOT promo NOT soldes",
            0,
            "the query only excludes: add a term to look for, e.g. livraison NOT promo",
        ),
        (
            "colis OR NOT promo",
            9,
            "each side of OR needs a term to look for: a side with only NOT would match almost every mention",
        ),
    ],
)
def test_refusals(query: str, position: int, reason: str) -> None:
    error = refusal(query)
    assert (error.position, error.reason) == (position, reason)


def test_a_query_at_the_length_limit_is_accepted_one_more_character_is_not() -> None:
    at_limit = ("colis " * MAX_LENGTH)[: MAX_LENGTH - 1] + "x"
    assert len(at_limit) == MAX_LENGTH
    with pytest.raises(QuerySyntaxError) as caught:
        parse(at_limit)  # accepted for its length; refused for its number of terms
    assert "terms" in caught.value.reason
    parse("colis" + " " * (MAX_LENGTH - 5))
    error = refusal("colis" + " " * (MAX_LENGTH - 4))
    assert error.position == MAX_LENGTH
    assert (
        error.reason == f"the query is {MAX_LENGTH + 1} characters long; the limit is {MAX_LENGTH}"
    )


def test_the_term_limit_counts_terms_and_points_at_the_first_one_too_many() -> None:
    parse(" OR ".join(f"w{n}" for n in range(MAX_TERMS)))
    query = " OR ".join(f"w{n}" for n in range(MAX_TERMS + 1))
    error = refusal(query)
    assert error.position == query.index(f"w{MAX_TERMS}")
    assert error.reason == f"more than {MAX_TERMS} terms: split the query"


def test_the_nesting_limit_points_at_the_parenthesis_one_level_too_deep() -> None:
    assert parse("(" * MAX_DEPTH + "colis" + ")" * MAX_DEPTH).canonical == "colis"
    error = refusal("a " + "(" * (MAX_DEPTH + 1) + "colis" + ")" * (MAX_DEPTH + 1))
    assert error.position == 2 + MAX_DEPTH
    assert error.reason == f"parentheses are nested more than {MAX_DEPTH} levels deep"


def test_not_inside_a_positive_and_is_fine_and_not_of_not_via_parentheses_too() -> None:
    assert (
        parse("(colis OR NOT promo) AND lang:fr").canonical == "((colis OR NOT promo) AND lang:fr)"
    )
    assert (
        parse("colis NOT (soldes NOT promo)").canonical == "(colis AND NOT (soldes AND NOT promo))"
    )
