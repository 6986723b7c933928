"""Context decides between using hateful words and mentioning them, in French and English."""

from __future__ import annotations

import pytest

from animo_moderation.rules import analyse
from animo_shared.events import Category, ModerationAction

HIDE, ALLOW = ModerationAction.HIDE, ModerationAction.ALLOW


def hate(text: str, lang: str | None = None) -> list[str]:
    verdict = analyse(text, lang)
    for finding in verdict.findings:
        assert text[finding.start : finding.end] == finding.term, finding
    return [f.term for f in verdict.findings if f.category == Category.HATE]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Posts saying \u201cmigrants are parasites\u201d should get you banned.", "en"),
        ("He told me that Muslims are vermin. I reported him.", "en"),
        ("You keep calling disabled people useless, stop it.", "en"),
        ("I never said that refugees are scum.", "en"),
        (
            "Des messages du type \u00ab les juifs sont des rats \u00bb n'ont rien \u00e0 faire ici.",
            "fr",
        ),
        ("Il a os\u00e9 dire que les femmes sont inf\u00e9rieures, c'est honteux.", "fr"),
        ("Arr\u00eate de traiter les migrants de parasites.", "fr"),
        ("Je n'ai jamais pr\u00e9tendu que les musulmans \u00e9taient dangereux.", "fr"),
    ],
)
def test_quoted_reported_or_denied_hate_is_counter_speech(text: str, lang: str) -> None:
    assert hate(text, lang) == []


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I think immigrants are parasites.", "en"),
        ("Honestly, what's wrong with saying that women are inferior?", "en"),
        ("Je pense que les migrants sont des parasites.", "fr"),
        ("Quel est le probl\u00e8me de dire que les juifs sont des rats ?", "fr"),
    ],
)
def test_the_authors_own_opinion_and_its_defence_are_hate(text: str, lang: str) -> None:
    assert hate(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Trans people are not a danger to anyone.", "en"),
        ("Refugees are anything but lazy.", "en"),
        ("Les musulmans ne sont pas des terroristes.", "fr"),
        ("Les femmes sont tout sauf stupides.", "fr"),
    ],
)
def test_a_negated_insult_about_a_group_is_not_hate(text: str, lang: str) -> None:
    assert hate(text, lang) == []


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Muslims are never honest.", "en"),
        ("Immigrants are not welcome here.", "en"),
        ("Les r\u00e9fugi\u00e9s ne sont jamais honn\u00eates.", "fr"),
        ("Il n'existe pas de femmes intelligentes.", "fr"),
    ],
)
def test_negated_praise_of_a_group_is_hate(text: str, lang: str) -> None:
    assert hate(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I'm a proud dyke and I love my wife.", "en"),
        ("Much love to all my fellow queers at Pride.", "en"),
        ("She smoked a fag outside the pub.", "en"),
        ("The dykes keep the sea out of the fields.", "en"),
        ("Our bitch had six puppies last night.", "en"),
        ("He called me a faggot on the bus, I'm still shaking.", "en"),
        ("Il m'a trait\u00e9 de sale arabe devant tout le monde.", "fr"),
    ],
)
def test_reclaimed_slurs_homonyms_and_reported_abuse_are_not_hate(text: str, lang: str) -> None:
    assert hate(text, lang) == []


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Those people are animals. Immigrants ruin everything.", "en"),
        ("Gay people keep complaining. Honestly they are disgusting.", "en"),
        ("Les migrants arrivent encore. Il faudrait les noyer.", "fr"),
    ],
)
def test_a_pronoun_carries_the_group_into_the_next_sentence(text: str, lang: str) -> None:
    assert hate(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Sorry for being such a prick yesterday.", "en"),
        ("I was a total idiot back then.", "en"),
        ("D\u00e9sol\u00e9 d'avoir \u00e9t\u00e9 un vrai connard hier.", "fr"),
        ("He called me an idiot in front of everyone.", "en"),
        ("Tu n'es pas un idiot, juste fatigu\u00e9.", "fr"),
    ],
)
def test_insults_on_oneself_received_or_denied_are_allowed(text: str, lang: str) -> None:
    assert analyse(text, lang).action == ALLOW


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Womn are scum", "en"),
        ("Muslims are disgutsing", "en"),
        ("Les femmes sont des pourriturs", "fr"),
        ("Women like you are justpathetic.", "en"),
        ("Les femmes comme toi sont absolumentimmondes.", "fr"),
        ("Mu\u0455l\u0456ms are vermin", "en"),  # Cyrillic lookalike letters
    ],
)
def test_typos_glued_words_and_lookalike_letters_do_not_hide_hate(text: str, lang: str) -> None:
    assert hate(text, lang)


@pytest.mark.parametrize(
    "text",
    [
        "Ce transport est nul, encore en retard",
        "Le concert \u00e9tait g\u00e9nial, la salle pleine de femmes et d'hommes heureux",
        "Trans fats are terrible for you",
        "We need more women in tech, the gap is disgusting",
        "Black coffee and a croissant, perfect morning",
    ],
)
def test_everyday_sentences_near_group_words_are_not_hate(text: str) -> None:
    assert hate(text) == []


def test_a_threat_against_a_group_is_hate_and_aimed_at_someone_a_threat() -> None:
    assert hate("We should burn them all, those immigrants", "en")
    verdict = analyse("What if we just killed all the refugees?", "en")
    assert verdict.action == HIDE
    assert [f.category for f in analyse("Je vais te retrouver et te tuer", "fr").findings] == [
        Category.THREAT
    ]
