"""Synthetic but realistic FR/EN brand queries and mentions, for the benchmark and the index tests."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .text import Document


@dataclass(frozen=True)
class Brand:
    slug: str
    names: tuple[str, ...]  # as people write the brand
    handle: str
    tags: tuple[str, ...]
    products: tuple[str, ...]
    competitors: tuple[str, ...]
    site: str


BRANDS = (
    Brand(
        "velo-lumen",
        ("Lumen", "Vélo Lumen", "VeloLumen"),
        "velolumen",
        ("velolumen", "veloelectrique", "ebike"),
        ("Lumen City", "Lumen Trail", "Lumen Cargo"),
        ("Cowboy", "VanMoof", "Decathlon"),
        "velolumen.fr",
    ),
    Brand(
        "colibri",
        ("Colibri", "Colibri Express"),
        "colibri_fr",
        ("colibri", "colibriexpress", "livraison"),
        ("point relais", "Colibri Pro", "suivi colis"),
        ("Chronopost", "Mondial Relay", "DHL"),
        "colibri-express.com",
    ),
    Brand(
        "ondine",
        ("Ondine", "Ondine Mobile"),
        "ondine_mobile",
        ("ondine", "ondine5g", "forfait"),
        ("box Ondine", "forfait 5G", "Ondine Pro"),
        ("Free", "Bouygues", "Sosh"),
        "ondine.fr",
    ),
)

# Topic terms as a community manager writes them: words, wildcards, phrases.
TOPICS = {
    "delivery": (
        "livraison",
        "livr*",
        "colis",
        '"colis perdu"',
        "retard*",
        "expédi*",
        "l'envoi",
        "delivery",
        "deliver*",
        "parcel",
        "package",
        '"never arrived"',
        "shipping",
    ),
    "support": (
        "sav",
        '"service client"',
        "rembours*",
        "réclamation",
        "injoignable",
        "support",
        "refund*",
        '"customer service"',
        "complain*",
        "hotline",
    ),
    "quality": (
        "panne",
        "cassé",
        "défectueu*",
        "batterie",
        "frein*",
        "bug*",
        "broken",
        "battery",
        "brake*",
        "faulty",
        "colo?r",
        "réseau",
        "network",
    ),
    "price": (
        "prix",
        "cher",
        "promo*",
        "soldes",
        '"black friday"',
        "discount",
        "price",
        "expensive",
        "deal*",
        "#promo",
        "abonnement",
    ),
    "praise": (
        "génial",
        "super",
        "adore",
        "love",
        "amazing",
        "recommand*",
        "recommend*",
        "merci",
        "bravo",
        "❤",
    ),
    "crisis": (
        "rappel",
        "recall",
        "accident",
        "danger*",
        "incendie",
        "fire",
        "boycott",
        "arnaque*",
    ),
}
SOURCES = ("twitter", "twitter", "twitter", "instagram", "facebook", "forum", "blog", "news")
FORUM_HOSTS = (
    "forum.velotaf.fr",
    "www.reddit.com",
    "blog.lesnumeriques.com",
    "www.avis-verifies.com",
)

FR = (
    "Ma commande {brand} n'est toujours pas arrivée, ça fait {n} jours que j'attends le colis 😡",
    "Franchement le {product} de chez {brand} est génial, je recommande à 100% ❤️",
    "Quelqu'un a déjà eu un problème de batterie avec le {product} ? Ça tient à peine {n} km",
    "Service client {brand} injoignable depuis une semaine, remboursement toujours en attente…",
    "{brand} fait des soldes pour le Black Friday, -{n}% sur tout le site {tag}",
    "J'ai reçu mon {product} hier, livraison rapide et super bien emballé. Merci {handle} !",
    "Le frein arrière de mon {product} est déjà cassé après {n} semaines, c'est inadmissible",
    "C'est l'envoi le plus lent de l'histoire, {brand} vous faites quoi ?",
    "Rien à voir mais quelqu'un connaît un bon resto à Lyon ?",
    "Test complet du {product} sur notre blog : autonomie, confort, prix. Verdict en fin d'article.",
    "Trop cher pour ce que c'est, je préfère encore {competitor}",
    "Rappel produit chez {brand} ? J'ai vu passer une info sur des batteries défectueuses",
    "Il pleut encore sur Paris, journée parfaite pour rester au chaud avec un bon livre",
    "{handle} mon colis est marqué livré mais je n'ai rien reçu, vous pouvez vérifier ?",
    "Le réseau {brand} est en panne dans tout le quartier depuis ce matin #panne",
)
EN = (
    "My {brand} order still hasn't arrived after {n} days, where is my parcel?? {handle}",
    "Absolutely love my new {product}, best purchase this year {tag} 🚲",
    "Customer service at {brand} is a joke, been waiting {n} weeks for a refund",
    "Is the {product} worth the price? Thinking about {competitor} instead",
    "Brakes on my {product} failed on the first ride, seriously dangerous",
    "{brand} Black Friday deal: {n}% off everything {tag}",
    "Package marked as delivered but never arrived. Thanks {brand}...",
    "Random thought: why is everyone talking about the weather today",
    "Reviewed the {product} for our site: battery life is great, the app not so much.",
    "Anyone else having network issues with {brand} tonight? Nothing works",
    "Just saw the news about a recall at {brand}, hope nobody got hurt",
    "Great coffee this morning, ready for a long day of meetings",
)


def queries(brand: Brand, count: int = 100, seed: int = 7) -> list[str]:
    """`count` distinct queries of the shapes listening teams write for one brand."""
    rng = random.Random(f"{brand.slug}-{seed}")
    names = [f'"{n}"' if " " in n else n for n in brand.names]
    products = [f'"{p}"' for p in brand.products]
    core = " OR ".join([*names, f"@{brand.handle}", f"#{brand.tags[0]}"])

    def terms(topic: str, k: int) -> str:
        return " OR ".join(rng.sample(TOPICS[topic], min(k, len(TOPICS[topic]))))

    shapes = (
        lambda t, u: f"({core}) AND ({terms(t, 4)})",
        lambda t, u: f"{rng.choice(names)} NEAR/5 ({terms(t, 3)})",
        lambda t, u: f"({core}) ({terms(t, 3)}) NOT ({terms(u, 2)})",
        lambda t, u: f"#{rng.choice(brand.tags)} OR @{brand.handle}",
        lambda t, u: f"{rng.choice(products)} AND ({terms(t, 3)}) lang:{rng.choice(('fr', 'en'))}",
        lambda t, u: f"({core}) AND source:{rng.choice(SOURCES)} AND ({terms(t, 2)})",
        lambda t, u: (
            f"({rng.choice(products)} OR {rng.choice(names)}) {terms(t, 1)} NOT author:{brand.handle}"
        ),
        lambda t, u: f"site:{rng.choice(FORUM_HOSTS).removeprefix('www.')} AND ({core})",
        lambda t, u: f"{rng.choice(brand.competitors)} AND ({core} OR {terms(u, 2)})",
        lambda t, u: f"({terms(t, 2)}) NEAR/3 ({rng.choice(names)} OR {rng.choice(products)})",
    )
    found: dict[str, None] = {}
    while len(found) < count:
        topic, other = rng.sample(sorted(TOPICS), 2)
        found[rng.choice(shapes)(topic, other)] = None
    return list(found)


def _sentence(rng: random.Random, brand: Brand, lang: str) -> str:
    template = rng.choice(FR if lang == "fr" else EN)
    return template.format(
        brand=rng.choice(brand.names),
        product=rng.choice(brand.products),
        competitor=rng.choice(brand.competitors),
        handle="@" + (brand.handle if rng.random() < 0.7 else rng.choice(brand.tags)),
        tag="#" + rng.choice(brand.tags),
        n=rng.randint(2, 60),
    )


def _shout_or_slur(rng: random.Random, text: str) -> str:
    """What people do to text: caps lock, or no accents typed at all."""
    roll = rng.random()
    if roll < 0.05:
        return text.upper()
    if roll < 0.15:
        return text.translate(str.maketrans("éèêàçôùî", "eeeacoui"))
    return text


def mentions(brand: Brand, count: int, seed: int = 7) -> list[Document]:
    """Tweets (1-2 sentences) and forum or blog posts (3-8) about, or near, the brand."""
    rng = random.Random(f"{brand.slug}-mentions-{seed}")
    found = []
    for n in range(count):
        lang = "fr" if rng.random() < 0.6 else "en"
        source = rng.choice(SOURCES)
        long_form = source in ("forum", "blog", "news")
        sentences = rng.randint(3, 8) if long_form else rng.randint(1, 2)
        text = " ".join(_sentence(rng, brand, lang) for _ in range(sentences))
        url = f"https://{rng.choice(FORUM_HOSTS)}/t/{n}" if long_form else None
        author = brand.handle if rng.random() < 0.03 else f"user{rng.randint(1, 5000)}"
        found.append(Document(_shout_or_slur(rng, text), lang, source, author, url))
    return found
