"""A seeded demo feed of French and English mentions, shaped for the ingest `POST /v1/mentions`."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from animo_shared.events import Category

LANGS = ("fr", "en")
SOURCES = ("twitter", "facebook", "instagram", "forum", "blog", "news", "review")
WINDOW = timedelta(hours=48)


class Kind(StrEnum):
    """What a demo mention is, so a demo or a test knows what moderation should do with it."""

    CHATTER = "chatter"
    COMPLAINT = "complaint"
    INSULT = "insult"
    HATE = "hate"
    SPAM = "spam"
    SEXUAL = "sexual"


# The ground truth for the moderation demo: chatter and complaints must stay visible
# (a complaint is a customer to answer, not a message to hide).
EXPECTED_CATEGORY: dict[Kind, Category | None] = {
    Kind.CHATTER: None,
    Kind.COMPLAINT: None,
    Kind.INSULT: Category.INSULT,
    Kind.HATE: Category.HATE,
    Kind.SPAM: Category.SPAM,
    Kind.SEXUAL: Category.SEXUAL,
}

_KIND_WEIGHTS: dict[Kind, float] = {
    Kind.CHATTER: 0.60,
    Kind.COMPLAINT: 0.15,
    Kind.INSULT: 0.08,
    Kind.SPAM: 0.08,
    Kind.SEXUAL: 0.03,
    Kind.HATE: 0.01,
}

# News and blogs write articles, not insults or spam: each kind is heard where it really is.
_SOURCES_OF_KIND: dict[Kind, tuple[str, ...]] = {
    Kind.CHATTER: SOURCES,
    Kind.COMPLAINT: ("twitter", "facebook", "instagram", "forum", "review"),
    Kind.INSULT: ("twitter", "facebook", "instagram", "forum", "review"),
    Kind.HATE: ("twitter", "facebook", "forum"),
    Kind.SPAM: ("twitter", "facebook", "instagram", "forum"),
    Kind.SEXUAL: ("twitter", "instagram", "forum"),
}


@dataclass(frozen=True)
class _Brand:
    id: str
    name: str
    tag: str
    trade: str
    products: tuple[str, ...]
    weight: float


_BRANDS = (
    _Brand(
        "velo-lumen",
        "Vélo Lumen",
        "@velolumen",
        "bike",
        ("Lumen C2", "Lumen Cargo", "Lumen Urbain"),
        0.45,
    ),
    _Brand(
        "cafe-brume",
        "Café Brume",
        "@cafebrume",
        "coffee",
        ("Brume d'Éthiopie", "Moka du Matin", "Brume Noire"),
        0.35,
    ),
    # The competitor of velo-lumen: its mentions are posted under its own brand id.
    _Brand("rouecycle", "Rouecycle", "@rouecycle", "bike", ("RC Trek 500", "RC City"), 0.20),
)
BRANDS: tuple[str, ...] = tuple(brand.id for brand in _BRANDS)
COMPETITORS: dict[str, tuple[str, ...]] = {"velo-lumen": ("rouecycle",)}

_CHATTER: dict[tuple[str, str], tuple[str, ...]] = {
    ("bike", "fr"): (
        "Sortie de {km} km ce matin avec mon {product}, batterie encore à 40 %. Merci {tag} !",
        "Quelqu'un a testé le {product} de {name} sur les pavés de {city} ?",
        "Livré en 3 jours, monté en 20 minutes : le {product} est superbe. {tag}",
        "Petit tour à l'atelier {name} de {city}, accueil au top et café offert.",
        "J'hésite entre {name} et la concurrence pour aller au boulot, vos avis ?",
        "{name} annonce une nouvelle batterie amovible pour le {product}.",
        "Mon {product} a passé l'hiver sans une panne. Chapeau {tag}",
        "Le club de {city} organise une balade samedi, plein de {product} au départ !",
    ),
    ("bike", "en"): (
        "Did {km} km on my {product} today, still 40% battery left. Thanks {tag}!",
        "Anyone tried the {product} from {name} on the cobbles in {city}?",
        "Delivered in 3 days, assembled in 20 minutes: the {product} looks stunning {tag}",
        "Dropped by the {name} shop in {city}, lovely staff and free coffee.",
        "Torn between {name} and the rest for my commute, any advice?",
        "{name} just announced a removable battery for the {product}.",
        "My {product} made it through winter without a single issue. Hats off {tag}",
        "Group ride in {city} on Saturday, spotted five {product}s at the start!",
    ),
    ("coffee", "fr"): (
        "Le {product} de {name} ce matin, notes de fruits rouges, parfait. {tag}",
        "Atelier dégustation chez {name} à {city}, on a appris plein de choses.",
        "Quelqu'un sait si le {product} existe en grains pour une cafetière italienne ?",
        "Abonnement {name} reçu, l'emballage est enfin compostable, bravo {tag}",
        "{name} ouvre un deuxième comptoir à {city} la semaine prochaine.",
        "Mon rituel du dimanche : un {product} et le journal. Merci {tag}",
    ),
    ("coffee", "en"): (
        "The {product} from {name} this morning, red fruit notes, just perfect {tag}",
        "Tasting workshop at {name} in {city}, learned so much.",
        "Does anyone know if the {product} comes as whole beans for a moka pot?",
        "My {name} subscription arrived, the packaging is finally compostable {tag}",
        "{name} is opening a second counter in {city} next week.",
        "Sunday ritual: a cup of {product} and the paper. Cheers {tag}",
    ),
}

_TEXTS: dict[tuple[Kind, str], tuple[str, ...]] = {
    (Kind.COMPLAINT, "fr"): (
        "{tag} mon colis n'est jamais arrivé, commande n°{order}, personne ne répond.",
        "Commande {order} payée il y a 12 jours et toujours rien. Je veux être remboursé.",
        "{tag} suivi bloqué depuis une semaine, c'est inadmissible. Remboursement svp.",
        "Trois mails au service client de {name}, zéro réponse. Mon colis est perdu ?",
    ),
    (Kind.COMPLAINT, "en"): (
        "{tag} my order still hasn't shipped, order #{order}, nobody answers.",
        "Paid for order {order} 12 days ago and nothing. I want a refund.",
        "{tag} tracking stuck for a week, this is unacceptable. Refund please.",
        "Three emails to {name} support, zero replies. Where is my parcel?",
    ),
    # Insults: test content for the moderation demo.
    (Kind.INSULT, "fr"): (
        "{tag} bande d'escrocs, rendez-moi mon argent",
        "Le connard du service client de {name} m'a raccroché au nez",
        "Franchement {tag} vous êtes des idiots finis",
        "{name} c'est une arnaque, bande de nazes et d'escrocs",
    ),
    (Kind.INSULT, "en"): (
        "{tag} you idiots lost my order again",
        "What a bunch of morons at {name}, seriously",
        "{tag} your support guy is a complete idiot",
        "{name} is run by clowns and morons",
    ),
    # Racist / hateful messages: TEST CONTENT ONLY, here so the moderation demo has
    # real hate speech to hide. Never shown outside a moderation test or demo.
    (Kind.HATE, "fr"): (
        "les arabes sont des rats, dehors",
        "{tag} vous embauchez des immigrés ? ces gens sont de la vermine, dehors",
    ),
    (Kind.HATE, "en"): (
        "immigrants are vermin",
        "{tag} hiring migrants again? those people are vermin, send them back",
    ),
    # Spam: test content for the moderation demo.
    (Kind.SPAM, "fr"): (
        "gagnez 500€ en cliquant ici {link} {link} {link}",
        "{tag} argent facile !!! 2000€/semaine depuis chez vous {link} {link}",
        "Crypto x10 garanti en 24h, inscris-toi vite {link} {link} {link}",
    ),
    (Kind.SPAM, "en"): (
        "crypto x10 click here {link} {link} {link}",
        "{tag} make $500 a day from home!!! {link} {link}",
        "FREE iPhone for the first 100, claim now {link} {link} {link}",
    ),
    # Sexual / porn spam: test content for the moderation demo.
    (Kind.SEXUAL, "fr"): (
        "Célibataires chaudes près de chez toi, vidéos porno gratuites {link}",
        "{tag} photos nues et sexe en direct, clique {link}",
    ),
    (Kind.SEXUAL, "en"): (
        "Hot singles near you, free porn videos {link}",
        "{tag} nudes and live sex cams, click {link}",
    ),
}

_CITIES = ("Lyon", "Nantes", "Lille", "Bordeaux", "Paris", "London", "Bristol", "Montréal")
_SPAM_HOSTS = (
    "gain-rapide.example",
    "crypto-x10.example",
    "promo-flash.example",
    "hot-dates.example",
)

_FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "fr": (
        "Marie",
        "Julien",
        "Camille",
        "Thomas",
        "Léa",
        "Nicolas",
        "Chloé",
        "Antoine",
        "Manon",
        "Hugo",
        "Inès",
        "Mathieu",
        "Sarah",
        "Lucas",
        "Élodie",
        "Karim",
        "Pauline",
        "Maxime",
        "Amandine",
        "Romain",
        "Claire",
        "Yanis",
        "Sophie",
        "Baptiste",
        "Nadia",
        "Quentin",
        "Océane",
        "Florian",
        "Julie",
        "Mehdi",
        "Aurélie",
        "Vincent",
        "Laura",
        "Sébastien",
        "Emma",
        "Cédric",
        "Anaïs",
        "Guillaume",
        "Fatou",
        "Jérôme",
    ),
    "en": (
        "Emily",
        "James",
        "Olivia",
        "Jack",
        "Sophie",
        "Harry",
        "Grace",
        "Oliver",
        "Chloe",
        "George",
        "Amelia",
        "Noah",
        "Ella",
        "Leo",
        "Isla",
        "Ethan",
        "Mia",
        "Samuel",
        "Ruby",
        "Daniel",
        "Lucy",
        "Ryan",
        "Hannah",
        "Liam",
        "Zoe",
        "Adam",
        "Megan",
        "Owen",
        "Priya",
        "Kieran",
        "Holly",
        "Connor",
        "Aisha",
        "Ben",
        "Freya",
        "Callum",
        "Erin",
        "Tom",
        "Niamh",
        "Josh",
    ),
}
_INITIALS = "ABCDEFGHJKLMNPRSTVW"
# News outlets, by language and by the trade they cover (None: general business news).
_MEDIA: dict[str, tuple[tuple[str, str, int, str | None], ...]] = {
    "fr": (
        ("le_cycliste_mag", "Le Cycliste Mag", 184_000, "bike"),
        ("ouest_eco", "Ouest Éco", 92_000, None),
    ),
    "en": (
        ("bikebiz_daily", "BikeBiz Daily", 250_000, "bike"),
        ("coffee_review_uk", "Coffee Review UK", 61_000, "coffee"),
        ("city_biz_news", "City Business News", 120_000, None),
    ),
}
_HEADLINES: dict[str, tuple[str, ...]] = {
    "fr": (
        "{name} ouvre un nouveau point de vente à {city}",
        "Nous avons testé le {product} de {name} pendant un mois",
        "{name} recrute vingt personnes dans son atelier de {city}",
        "Livraisons : {name} promet des délais réduits avant les fêtes",
    ),
    "en": (
        "{name} opens a new store in {city}",
        "We tested the {product} from {name} for a month",
        "{name} to hire twenty people at its {city} workshop",
        "Deliveries: {name} promises shorter lead times before the holidays",
    ),
}
_BOTS = (
    ("gain_rapide_2026", None, 12),
    ("cryptomoon_x10", "CryptoMoon", 31),
    ("promo_flash_fr", None, 4),
    ("best_deals_4u", "Best Deals", 19),
    ("hot_dates_live", None, 7),
)
_INFLUENCERS_PER_LANG = 3


class LabelledMention(NamedTuple):
    """A demo mention and what it is; `mention` is exactly what the ingest API accepts."""

    kind: Kind
    mention: dict[str, Any]


@dataclass(frozen=True)
class _Author:
    handle: str
    name: str | None
    followers: int


def _ascii(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed if char.isascii()).lower()


def _members(rng: random.Random) -> dict[str, list[_Author]]:
    """About 80 members, most with a few hundred followers and a few influencers."""
    members: dict[str, list[_Author]] = {}
    taken: set[str] = set()
    for lang, first_names in _FIRST_NAMES.items():
        pool = []
        for first in first_names:
            initial = rng.choice(_INITIALS)
            base = f"{_ascii(first)}_{initial.lower()}"
            handle = base if rng.random() < 0.7 else f"{base}{rng.randrange(10, 99)}"
            # A handle is one person: a clash gets digits, as it would on a real network.
            while handle in taken:
                handle = f"{base}{rng.randrange(10, 99)}"
            taken.add(handle)
            followers = int(rng.lognormvariate(5.5, 1.2))
            pool.append(_Author(handle, f"{first} {initial}.", followers))
        for index in rng.sample(range(len(pool)), _INFLUENCERS_PER_LANG):
            pool[index] = _Author(
                pool[index].handle, pool[index].name, rng.randrange(40_000, 400_000)
            )
        # Shuffled, then weighted by rank below: a handful of regulars post often, so the
        # CRM sees repeat members, and the long tail posts once or twice.
        rng.shuffle(pool)
        members[lang] = pool
    return members


def _pick_author(
    rng: random.Random,
    kind: Kind,
    source: str,
    lang: str,
    brand: _Brand,
    members: dict[str, list[_Author]],
) -> _Author:
    if kind in (Kind.SPAM, Kind.SEXUAL):
        return _Author(*rng.choice(_BOTS))
    if source == "news":
        outlets = [media for media in _MEDIA[lang] if media[3] in (None, brand.trade)]
        handle, name, followers, _ = rng.choice(outlets)
        return _Author(handle, name, followers)
    pool = members[lang]
    weights = [1.0 / (rank + 1) ** 0.5 for rank in range(len(pool))]
    return rng.choices(pool, weights=weights)[0]


def _plan(rng: random.Random, count: int) -> list[tuple[Kind, str]]:
    """Which kind in which language each mention is; every harmful kind in both languages."""
    must = [(kind, lang) for kind in Kind if kind is not Kind.CHATTER for lang in LANGS]
    kinds, weights = list(_KIND_WEIGHTS), list(_KIND_WEIGHTS.values())
    rest = [
        (rng.choices(kinds, weights=weights)[0], rng.choice(LANGS))
        for _ in range(max(0, count - len(must)))
    ]
    plan = (must + rest)[:count]
    rng.shuffle(plan)
    return plan


def _text(rng: random.Random, kind: Kind, source: str, lang: str, brand: _Brand) -> str:
    if source == "news":
        templates = _HEADLINES[lang]
    elif kind is Kind.CHATTER:
        templates = _CHATTER[(brand.trade, lang)]
    else:
        templates = _TEXTS[(kind, lang)]
    template = rng.choice(templates)
    # Each {link} draws its own URL, so spam carries several distinct links.
    while "{link}" in template:
        link = f"http://{rng.choice(_SPAM_HOSTS)}/{rng.randrange(16**6):06x}"
        template = template.replace("{link}", link, 1)
    return template.format(
        name=brand.name,
        tag=brand.tag,
        product=rng.choice(brand.products),
        city=rng.choice(_CITIES),
        km=rng.randrange(12, 95),
        order=rng.randrange(100_000, 999_999),
    )


def _age(rng: random.Random, kind: Kind, brand: _Brand) -> timedelta:
    # Most velo-lumen delivery complaints land in the last 6 hours: a small crisis for
    # reporting to raise an alert on, as a community manager would want to see early.
    if kind is Kind.COMPLAINT and brand.id == "velo-lumen" and rng.random() < 0.6:
        return timedelta(seconds=rng.randrange(6 * 3600))
    return timedelta(seconds=rng.randrange(int(WINDOW.total_seconds())))


def _url(source: str, brand: _Brand, author: str, number: int) -> str:
    page = brand.tag.lstrip("@")
    return {
        "twitter": f"https://x.com/{author}/status/{1_790_000_000_000 + number}",
        "facebook": f"https://www.facebook.com/{page}/posts/{900_000 + number}",
        "instagram": f"https://www.instagram.com/p/{page}{number:06d}/",
        "forum": f"https://forum.velotaf.example/t/{brand.id}/{number}",
        "blog": f"https://{author.replace('_', '-')}.blog.example/{brand.id}-{number}",
        "news": f"https://actu.example/{brand.id}/{number}",
        "review": f"https://avis.example/{brand.id}/{number}",
    }[source]


def labelled_demo_mentions(now: datetime, count: int = 300, seed: int = 7) -> list[LabelledMention]:
    """The demo feed with each mention's kind, oldest first, published in the 48 hours to `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if count < 0:
        raise ValueError("count must be >= 0")
    now = now.astimezone(UTC).replace(microsecond=0)
    rng = random.Random(seed)
    members = _members(rng)
    brand_weights = [brand.weight for brand in _BRANDS]
    drafts = []
    for kind, lang in _plan(rng, count):
        brand = rng.choices(_BRANDS, weights=brand_weights)[0]
        source = rng.choice(_SOURCES_OF_KIND[kind])
        author = _pick_author(rng, kind, source, lang, brand, members)
        text = _text(rng, kind, source, lang, brand)
        drafts.append((now - _age(rng, kind, brand), kind, lang, brand, source, author, text))

    # Ids follow publication order, like a real feed's, and are unique across sources.
    drafts.sort(key=lambda draft: draft[0])
    feed = []
    for number, (published, kind, lang, brand, source, author, text) in enumerate(drafts, 1):
        mention = {
            "brand": brand.id,
            "source": source,
            "external_id": f"{source[:2]}-{number:06d}",
            "author": {"handle": author.handle, "name": author.name, "followers": author.followers},
            "text": text,
            "url": _url(source, brand, author.handle, number),
            "published_at": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lang": lang,
        }
        feed.append(LabelledMention(kind, mention))
    return feed


def demo_mentions(now: datetime, count: int = 300, seed: int = 7) -> list[dict[str, Any]]:
    """The demo feed, oldest first: each item is one mention for `POST /v1/mentions`."""
    return [labelled.mention for labelled in labelled_demo_mentions(now, count, seed)]


def demo_batches(
    mentions: Sequence[dict[str, Any]], size: int = 100
) -> Iterator[list[dict[str, Any]]]:
    """The mentions in request-sized slices, in order: each is a `{"mentions": batch}` body."""
    if size < 1:
        raise ValueError("size must be >= 1")
    for start in range(0, len(mentions), size):
        yield list(mentions[start : start + size])
