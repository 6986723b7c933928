"""What the analyser says beyond moderation: language, sentiment, complaints, scores, csam, scams."""

from __future__ import annotations

import pytest

from animo_moderation.lexicon import build, scan
from animo_moderation.normalise import normalise
from animo_moderation.rules import Complaint, Verdict, analyse
from animo_shared.events import Category, ModerationAction

ALLOW, HIDE, REVIEW = ModerationAction.ALLOW, ModerationAction.HIDE, ModerationAction.REVIEW


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bonjour, je n'ai toujours pas reçu ma commande", "fr"),
        ("l'appli plante encore", "fr"),
        ("Hi, where is my order? It's been ages", "en"),
        ("12345 !!!", "und"),
    ],
)
def test_the_language_is_french_english_or_undetermined(text: str, language: str) -> None:
    assert analyse(text).language == language


def test_a_given_language_is_kept() -> None:
    assert analyse("ok", "en").language == "en"
    assert analyse("ok", "de").language == "und"


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("Putain c'est génial, merci !", "positive"),
        ("Fucking awesome service", "positive"),
        ("Pas terrible ce produit", "negative"),
        ("Not bad at all, I like it", "positive"),
        ("Bon produit mais livraison catastrophique", "negative"),
        ("The bike is great but the app is useless and slow", "negative"),
        ("Vous ouvrez à quelle heure ?", "neutral"),
        ("I love it 😍", "positive"),
        ("Encore raté 😡", "negative"),
    ],
)
def test_sentiment_reads_negation_intensifiers_but_and_emoji(text: str, sentiment: str) -> None:
    verdict = analyse(text)
    assert verdict.sentiment == sentiment
    assert -1.0 <= verdict.sentiment_score <= 1.0


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Mon colis n'est jamais arrivé", "delivery"),
        ("my parcel still hasn't arrived", "delivery"),
        ("La batterie ne charge plus après une semaine", "product_defect"),
        ("The zipper broke the first time I used it", "product_defect"),
        ("J'ai été débité deux fois pour la même commande", "billing"),
        ("You charged me twice for one order", "billing"),
        ("Impossible de me connecter à mon compte", "account"),
        ("I received the wrong size", "order"),
        ("Retour envoyé il y a un mois et toujours pas remboursé", "refund"),
        ("Nobody answers the phone at customer service", "customer_service"),
    ],
)
def test_complaints_are_found_with_their_topic_even_without_a_negative_word(
    text: str, topic: str
) -> None:
    verdict = analyse(text)
    assert verdict.complaint is not None
    assert verdict.complaint.topic == topic
    assert verdict.complaint.evidence
    assert all(evidence in text for evidence in verdict.complaint.evidence)
    assert verdict.sentiment == "negative"
    assert verdict.action == ALLOW  # a complaint alone never hides


@pytest.mark.parametrize(
    "text",
    [
        "Colis reçu hier, impeccable, merci",
        "Livraison sans aucun retard, parfait",
        "Arrived on time and well packed",
        "Do you ship to Canada?",
        "Le match d'hier était nul",
    ],
)
def test_praise_questions_and_unrelated_gripes_are_not_complaints(text: str) -> None:
    assert analyse(text).complaint is None


def test_a_complaint_is_a_frozen_value() -> None:
    complaint = Complaint(topic="delivery", evidence=("jamais arrivé",))
    assert complaint == Complaint("delivery", ("jamais arrivé",))
    with pytest.raises(AttributeError):
        complaint.topic = "refund"  # type: ignore[misc]


def test_scores_cover_every_category_and_follow_severity() -> None:
    verdict = analyse("Les migrants sont des parasites", "fr")
    assert set(verdict.scores) == {category.value for category in Category}
    assert verdict.scores["hate"] >= 0.9
    assert verdict.scores["spam"] == 0.0
    assert 0 < analyse("putain il pleut", "fr").scores["insult"] < 0.5
    assert Verdict(action=ALLOW, findings=()).scores == {}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("envoie des photos sexy, j'ai 14 ans", "fr"),
        ("send nudes to this 15 year old", "en"),
        ("du contenu pédopornographique à vendre", "fr"),
    ],
)
def test_sexual_content_with_a_minor_is_a_severe_csam_finding(text: str, lang: str) -> None:
    verdict = analyse(text, lang)
    csam = [f for f in verdict.findings if f.rule.startswith("csam:")]
    assert csam
    assert all(f.category == Category.SEXUAL and f.severity == 3 for f in csam)
    assert verdict.action == HIDE


@pytest.mark.parametrize(
    "text",
    [
        "Comment protéger les enfants du porno en ligne ?",
        "Kids' bikes from 14 years old, sexy new colours",
        "Mon fils de 12 ans adore son vélo",
    ],
)
def test_children_mentioned_without_sexualisation_are_not_csam(text: str) -> None:
    assert not [f for f in analyse(text).findings if f.rule.startswith("csam:")]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Votre compte a été suspendu, cliquez ici pour vérifier vos informations", "phishing"),
        ("Your package is on hold: confirm your address and pay the fee", "phishing"),
        ("Congratulations, you've won an iPhone, claim your prize now", "prize"),
        ("Investissez, contactez-moi sur whatsapp +33 6 12 34 56 78", "contact"),
    ],
)
def test_scams_are_spam(text: str, rule: str) -> None:
    verdict = analyse(text)
    assert f"spam:{rule}" in {f.rule for f in verdict.findings}
    assert verdict.action == HIDE


def test_offsets_point_into_the_original_text_through_every_evasion() -> None:
    text = "T\u2019es un\u200b c.o.n.n.4.r.d, CONNNNARD et c0nnard"
    terms = [text[f.start : f.end] for f in analyse(text, "fr").findings]
    assert terms == ["c.o.n.n.4.r.d", "CONNNNARD", "c0nnard"]


def test_the_lexicon_format_is_checked_and_exceptions_apply() -> None:
    header = "term\tlang\tcategory\tseverity\tflags\texceptions\tnote\n"
    lex = build(
        {
            "en": header + "fag(s)\ten\thate\t3\texact\tfag break;~cigarette\n"
            "women\ten\tidentity\t0\n"
        }
    )
    kinds = [hit.entry.name for hit in scan(lex, normalise("a fag break, a fag"))]
    assert kinds == ["fag"]  # the one outside "fag break"
    assert scan(lex, normalise("a fag and a cigarette")) == []
    assert [h.typo for h in scan(lex, normalise("womn"))] == [True]
    with pytest.raises(ValueError, match="unknown category"):
        build({"en": header + "x\ten\tcolour\t1\n"})
    with pytest.raises(ValueError, match="severity"):
        build({"en": header + "x\ten\tinsult\t7\n"})
    with pytest.raises(ValueError, match="language"):
        build({"en": header + "x\tfr\tinsult\t1\n"})
