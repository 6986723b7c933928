"""Language detection: FR and EN on realistic short posts, None when too short, unsure or mixed."""

from __future__ import annotations

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from animo_ingest.text import DEFAULT_LANGUAGES, LanguageDetector, clean, default_detector

FRENCH = [
    "Franchement le nouveau vélo électrique de @VeloLumen est top, livraison rapide 👌",
    "Toujours pas reçu ma commande après trois semaines, c'est inadmissible #colère",
    "Quelqu'un sait si la batterie tient vraiment 80 km en ville ?",
    "J'ai adoré la balade de ce week-end avec mon nouveau vélo",
    "Le SAV ne répond plus depuis une semaine, je suis très déçue",
    "Merci pour votre réponse rapide, problème réglé !",
    "@VeloLumen mon frein arrière grince depuis hier, c'est normal ?",
    "Trop content de mon achat, je recommande à tout le monde",
    "Livraison annulée sans prévenir, remboursement toujours en attente...",
    "Le magasin de Lyon est super accueillant, merci à l'équipe",
    "Pourquoi l'appli plante dès que je veux déverrouiller le vélo ?",
    "Trois jours de retard et aucune nouvelle du transporteur",
    "Vous avez des pièces détachées pour le modèle de 2022 ?",
    "C'est la troisième fois que la selle se desserre, pas sérieux",
    "Enfin reçu ! Le montage a pris dix minutes, rien à dire",
    "Le prix a encore augmenté, ça devient vraiment trop cher",
    "Bravo pour le nouveau design, il est magnifique",
    "J'attends un geste commercial après tout ce bazar",
    "La batterie ne se recharge plus du tout, que faire ?",
    "Service client injoignable par téléphone comme par mail",
    "Super expérience en boutique, conseils au top et vendeur patient",
    "Mon vélo a été volé, est-ce que l'assurance fonctionne ?",
    "Je kiffe grave le nouveau modèle, il roule tout seul",
    "Petite déception sur la finition du cadre, sinon ça va",
    "On peut tester le vélo avant de l'acheter à Paris ?",
    "Le pneu avant a crevé au bout de deux jours, sérieusement ?",
    "Merci @VeloLumen pour le remboursement rapide, au top",
    "Les nouvelles couleurs sont vraiment sympas cette année",
    "Impossible de me connecter à mon compte depuis ce matin",
    "Je ne comprends pas pourquoi ma garantie a été refusée",
]
ENGLISH = [
    "Just got my new e-bike from @VeloLumen and honestly it's amazing 🚲",
    "Still waiting for my refund, customer service keeps ignoring my emails",
    "Does anyone know if the battery really lasts 50 miles on a single charge?",
    "The brakes started squeaking after two weeks, not impressed at all",
    "Thanks for the quick reply, issue solved!",
    "Love the new colours, can't wait to try it this weekend",
    "My order was cancelled without any warning, what is going on?",
    "Best purchase I've made this year, highly recommend",
    "The app crashes every time I try to unlock the bike",
    "Three days late and no tracking update from the courier",
    "Do you sell spare parts for the 2022 model?",
    "Third time the saddle came loose, this is ridiculous",
    "Finally arrived! Assembly took ten minutes, really easy",
    "Prices went up again, it's getting way too expensive",
    "Great job on the new design, it looks stunning",
    "The battery won't charge anymore, any ideas?",
    "Customer support is impossible to reach by phone or email",
    "Lovely experience in the London store, staff were super helpful",
    "My bike got stolen last night, does the insurance cover it?",
    "A bit disappointed with the paint finish, otherwise fine",
    "Can I test ride the bike before buying it?",
    "Front tyre went flat after two days, seriously?",
    "Thanks @VeloLumen for sorting out my refund so quickly",
    "I can't log into my account since this morning",
    "Why was my warranty claim rejected? Nobody explains anything",
    "Commuting is so much more fun now, no more traffic jams",
    "The delivery guy left the box in the rain, not cool",
    "Is there a discount for students or nurses?",
    "Battery range is way better than advertised, very happy",
    "I've been on hold for forty minutes, this is a joke",
]


@pytest.mark.parametrize("post", FRENCH)
def test_french_posts_are_french(post: str) -> None:
    assert clean(post).lang == "fr"


@pytest.mark.parametrize("post", ENGLISH)
def test_english_posts_are_english(post: str) -> None:
    assert clean(post).lang == "en"


@pytest.mark.parametrize(
    ("post", "lang"),
    [
        ("Qué bonita bicicleta, la quiero para el verano", "es"),
        ("Das neue Fahrrad ist wirklich super, danke für die schnelle Lieferung", "de"),
        ("La bici nuova è fantastica, consegna velocissima", "it"),
        ("A bicicleta nova é ótima, entrega muito rápida", "pt"),
        ("De nieuwe fiets is echt geweldig, snelle levering", "nl"),
    ],
)
def test_the_other_default_languages_are_detected(post: str, lang: str) -> None:
    assert clean(post).lang == lang


@pytest.mark.parametrize(
    "post",
    ["merci !", "thanks", "top 👍", "ok super", "love it", "@VeloLumen https://t.co/x #vélo"],
)
def test_posts_under_three_words_have_no_language(post: str) -> None:
    assert clean(post).lang is None


@pytest.mark.parametrize(
    "post",
    [
        "I love Paris et la tour Eiffel",
        "Merci pour la livraison, thanks a lot guys",
        "Super bike, vraiment génial, best ever",
        "merci thanks gracias danke",
    ],
)
def test_mixed_posts_have_no_language(post: str) -> None:
    assert clean(post).lang is None


def test_the_language_set_is_configurable() -> None:
    french_or_english = LanguageDetector(("fr", "en"))
    spanish = "Qué bonita bicicleta, la quiero para el verano"
    assert clean(spanish, detector=french_or_english).lang != "es"
    assert clean(FRENCH[0], detector=french_or_english).lang == "fr"
    with pytest.raises(ValueError, match="xx"):
        LanguageDetector(("fr", "xx"))


def test_a_stricter_confidence_answers_less_often_never_differently() -> None:
    strict = LanguageDetector(min_confidence=0.999)
    default = default_detector()
    posts = [*FRENCH, *ENGLISH, "Top le vélo", "Great bike lol", "the bike is sick bro"]
    strict_langs = [clean(post, detector=strict).lang for post in posts]
    default_langs = [clean(post, detector=default).lang for post in posts]
    assert strict_langs.count(None) > default_langs.count(None)
    assert all(s in (None, d) for s, d in zip(strict_langs, default_langs, strict=True))


def test_the_word_by_word_shortcut_agrees_with_py3langid() -> None:
    # Guards the coupling to py3langid's model layout as well as the approximation.
    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(list(DEFAULT_LANGUAGES))
    for post in [*FRENCH, *ENGLISH]:
        assert clean(post).lang == reference.classify(post)[0], post
