"""Counter field names: the dimensions of a metric bucket, spelled as plain store field names.

The store only updates fields named `[a-z][a-z0-9_]*` in place, so a dimension value (a
source, a language, a competitor's name, a hashtag) is written into a field name with every
other character escaped as `_<hex>_`: `velo-lumen` -> `velo_2d_lumen`. Open dimensions get a
short prefix (`ms_twitter` = mentions from twitter); the closed ones (sentiment, action,
category) have fixed names.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

ACTIONS = ("allow", "hide", "review", "escalate")
SENTIMENTS = ("positive", "neutral", "negative")
CATEGORIES = ("insult", "hate", "sexual", "threat", "spam", "self_harm")
ENGAGEMENT_KINDS = (
    "signed_up",
    "purchase",
    "like",
    "comment",
    "share",
    "review",
    "newsletter_click",
)
PENDING = "pending"  # a mention not moderated yet
UNKNOWN = "unknown"  # a sentiment not known (not analysed, or not moderated yet)
UNDETERMINED_LANG = "und"  # BCP 47 for "no language given"

_PLAIN = frozenset(string.ascii_lowercase + string.digits)

# Scalar counters of a totals bucket.
MENTIONS = "mentions"  # every mention heard in the brand's workspace (own and competitors)
OWN = "own"  # mentions of the brand itself (matched no competitor query)
COMPLAINTS = "complaints"  # own mentions moderation marked as a complaint
REVIEWS = "reviews"
OVERTURNED = "overturned"  # reviews that changed the action
POSTS_PUBLISHED = "posts_published"
POSTS_FAILED = "posts_failed"
REPLIES = "replies"  # published posts answering a mention
MEMBERS = "members"
ALERTS_RAISED = "alerts_raised"
ALERTS_RESOLVED = "alerts_resolved"
COMPLAINT_EVENTS = "complaint_events"  # complaint.detected events (moderation's own count)
REWARDS_GRANTED = "rewards_granted"
ERASURES = "erasures"  # members erased at their request (member.erased)

# Prefixes of open dimensions (prefix + "_" + encoded value).
BY_SOURCE = "ms"
BY_LANG = "ml"
BY_COMPETITOR = "ma"
BY_TOPIC = "ct"
BY_CHANNEL = "pk"
MEMBERS_BY_SOURCE = "mb"
TIER_ENTERED = "te"  # members who entered a tier (member.tier_changed)
REWARDS_BY_KIND = "rk"
AUTHOR_MENTIONS = "n"
AUTHOR_FOLLOWERS = "f"
HASHTAG = "h"
TERM = "t"


@lru_cache(maxsize=65536)
def encode(value: str) -> str:
    """A value as a field-name fragment: [a-z0-9] kept, anything else as `_<hex>_`."""
    return "".join(c if c in _PLAIN else f"_{ord(c):x}_" for c in value)


def decode(fragment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(fragment):
        char = fragment[i]
        if char == "_":
            end = fragment.index("_", i + 1)
            out.append(chr(int(fragment[i + 1 : end], 16)))
            i = end + 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def keyed(prefix: str, value: str) -> str:
    return f"{prefix}_{encode(value)}"


def action(name: str) -> str:
    return f"a_{name}"


def decided(name: str) -> str:
    """Decisions moderation took, counted when taken (whether or not the mention arrived)."""
    return f"d_{name}"


def sentiment(name: str) -> str:
    return f"s_{name}"


def category(name: str, action_name: str) -> str:
    return f"c_{name}_{action_name}"


def engagement(kind: str) -> str:
    return f"e_{kind}"


@lru_cache(maxsize=100_000)
def cell(lang: str, sentiment_name: str, action_name: str, about: str) -> str:
    """A slice's cell: mentions in this language, with this sentiment and action, about the
    brand ('') or a competitor. The subject comes last: only it may hold escapes."""
    return f"x_{lang}_{sentiment_name}_{action_name}_{encode(about)}"


@lru_cache(maxsize=100_000)
def parse_cell(name: str) -> tuple[str, str, str, str] | None:
    """(lang, sentiment, action, about) of a cell name; None for any other counter."""
    if not name.startswith("x_"):
        return None
    _, lang, sentiment_name, action_name, about = name.split("_", 4)
    return lang, sentiment_name, action_name, decode(about)


OPEN_PREFIXES = frozenset(
    (
        BY_SOURCE,
        BY_LANG,
        BY_COMPETITOR,
        BY_TOPIC,
        BY_CHANNEL,
        MEMBERS_BY_SOURCE,
        TIER_ENTERED,
        REWARDS_BY_KIND,
        AUTHOR_MENTIONS,
        AUTHOR_FOLLOWERS,
        HASHTAG,
        TERM,
    )
)


@lru_cache(maxsize=200_000)
def parse(name: str) -> tuple[str, str] | None:
    """(prefix, value) of an open-dimension counter name; None for a fixed one."""
    prefix, underscore, rest = name.partition("_")
    if not underscore or prefix not in OPEN_PREFIXES:
        return None
    return prefix, decode(rest)


def by_prefix(counters: Mapping[str, float], prefix: str) -> dict[str, float]:
    """The open-dimension counters of one prefix, decoded: {"twitter": 3, ...}."""
    found: dict[str, float] = {}
    for name, value in counters.items():
        if value:
            parsed = parse(name)
            if parsed is not None and parsed[0] == prefix:
                found[parsed[1]] = value
    return found


def open_dimensions(counters: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """Every open-dimension counter in one pass: {"ms": {"twitter": 3}, "ml": {"fr": 2}}."""
    found: dict[str, dict[str, float]] = {}
    for name, value in counters.items():
        if value:
            parsed = parse(name)
            if parsed is not None:
                prefix, key = parsed
                group = found.get(prefix)
                if group is None:
                    group = found[prefix] = {}
                group[key] = value
    return found


def fixed(
    counters: Mapping[str, float], make: Callable[[str], str], names: Iterable[str]
) -> dict[str, float]:
    """Closed-dimension counters by name: {"hide": 2} from `a_hide`; zeros left out."""
    found: dict[str, float] = {}
    for name in names:
        value = counters.get(make(name), 0)
        if value:
            found[name] = value
    return found
