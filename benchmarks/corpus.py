"""Realistic French and English mentions for load: mixed lengths, some toxic, some complaints.

Deterministic (seeded), built up front so the load generator spends its CPU on sending.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

# (weight, language, texts): what a consumer brand hears in a day, roughly.
KINDS: list[tuple[int, str, tuple[str, ...]]] = [
    (
        30,
        "fr",
        (
            "J'adore mon nouveau vélo {brand}, merci pour tout !",
            "Super service client chez {brand}, réponse en dix minutes. Bravo à l'équipe.",
            "Quelqu'un a testé le dernier modèle de {brand} ? Je cherche un avis avant d'acheter.",
            "Sortie du dimanche avec le {brand} : 80 km sans un souci, le moteur tient la côte. "
            "Seul bémol, la selle un peu dure après trois heures. #velo #dimanche",
        ),
    ),
    (
        25,
        "en",
        (
            "Love my new {brand} bike, best purchase this year!",
            "Does anyone know if {brand} ships to Belgium? Thinking about ordering.",
            "Rode the {brand} to work all week: smooth, quiet, and the battery still shows 40%. "
            "Would recommend to anyone with a long commute. #commute #ebike",
        ),
    ),
    (
        15,
        "fr",
        (
            "Mon colis {brand} n'est jamais arrivé, ça fait trois semaines que j'attends.",
            "Toujours pas de remboursement de {brand} après mon retour, je commence à perdre patience.",
            "Le frein arrière de mon {brand} est défectueux depuis la livraison, et le SAV ne répond "
            "pas à mes mails. Je vais finir par écrire à la répression des fraudes.",
        ),
    ),
    (
        10,
        "en",
        (
            "My {brand} order never arrived and nobody answers the support line.",
            "Still waiting for my refund from {brand}, two weeks after the return.",
        ),
    ),
    (
        8,
        "fr",
        (
            "{brand} c'est vraiment des connards, rendez-moi mon argent",
            "Bande d'escrocs chez {brand}, ferme ta gueule le community manager",
        ),
    ),
    (
        5,
        "en",
        (
            "{brand} support are a bunch of idiots, worst company ever",
            "Shut up {brand}, you morons never fix anything",
        ),
    ),
    (
        7,
        "en",
        (
            "Win a free iPhone!!! Click here http://spam.example/win?ref={n} and claim now $$$",
            "Earn 5000$ a week from home, DM me @bigmoney @bigmoney2 @bigmoney3 @bigmoney4",
        ),
    ),
]
SOURCES = ("twitter", "instagram", "facebook", "forum", "blog", "reviews")
LONG_TAIL = (
    " Pour être honnête, j'ai hésité longtemps entre plusieurs marques, comparé les fiches "
    "techniques, lu les forums et demandé à des amis qui roulent tous les jours. Au final le "
    "rapport qualité-prix m'a convaincu, même si le délai de livraison annoncé était long."
)


def mention_items(brand: str, count: int, published_at: datetime, seed: int = 7) -> list[Any]:
    """`count` mention items in the shape of POST /v1/mentions."""
    rng = random.Random(seed)
    weights = [w for w, _, _ in KINDS]
    items = []
    stamp = published_at.isoformat()
    for n in range(count):
        _, lang, texts = rng.choices(KINDS, weights)[0]
        text = rng.choice(texts).format(brand=brand.replace("-", " "), n=n)
        if rng.random() < 0.1:
            text += LONG_TAIL
        items.append(
            {
                "brand": brand,
                "source": rng.choice(SOURCES),
                "external_id": f"{seed}-{n}",
                "author": {
                    "handle": f"user{rng.randrange(5000)}",
                    "followers": int(rng.paretovariate(1.2) * 100),
                },
                "text": text,
                "published_at": stamp,
                "lang": lang,
            }
        )
    return items
