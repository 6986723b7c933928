"""Adaptation ("traduire"): one message becomes a variant per network kind, within that network's rules."""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Literal, get_args

from .adaptation_count import (
    X_MAX_WEIGHTED_LENGTH,
    codepoint_length,
    has_invalid_characters,
    mastodon_length,
    utf16_length,
    x_weighted_length,
)
from .adaptation_split import Measure, Spans, split_thread, truncate
from .adaptation_urls import url_spans
from .networks.linkedin import escape_little

ChannelKind = Literal["x", "mastodon", "linkedin", "instagram", "facebook", "discourse", "webhook"]
KINDS: tuple[str, ...] = get_args(ChannelKind)
Severity = Literal["error", "warning"]

# A line holding only `---` separates hand-written parts in an override for a thread network.
_PART_BREAK = re.compile(r"\n[ \t]*-{3,}[ \t]*\n")
_HASHTAG = re.compile(r"(?<![\w&/#\uff03])[#\uff03](?=\w*[^\W\d_])\w+")
_MENTION = re.compile(r"(?<![\w@/.])@(?P<user>\w+)(?:@(?P<domain>[\w-]+(?:\.[\w-]+)+))?")
MentionStyle = Literal["handle", "fediverse", "unlinked", "forum", "any"]


@dataclass(frozen=True)
class Problem:
    """Why a variant cannot go out as is (`error`) or may surprise (`warning`)."""

    code: str
    message: str
    severity: Severity = "error"


@dataclass(frozen=True)
class Variant:
    """The text one network gets: one part, or several posted as a reply chain."""

    channel: str
    parts: tuple[str, ...]
    weighted_lengths: tuple[int, ...]
    problems: tuple[Problem, ...]


class UnknownChannelKind(ValueError):
    def __init__(self, kinds: Iterable[str]) -> None:
        self.kinds = sorted(set(kinds))
        super().__init__(
            f"unknown channel kind(s): {', '.join(self.kinds)}; known: {', '.join(KINDS)}"
        )


def _linkedin_length(text: str) -> int:
    # Counted as sent: the reserved characters the adapter backslash-escapes count twice,
    # which errs on the safe side of whatever LinkedIn's own count is.
    return utf16_length(escape_little(text))


def _discourse_length(text: str) -> int:
    # Discourse validates the stripped raw with runs of whitespace counted once.
    return len(re.sub(r"\s+", " ", text).strip())


@dataclass(frozen=True)
class _Rules:
    name: str
    limit: int | None
    measure: Measure
    spans: Spans
    thread: bool = False
    min_length: int = 0
    max_hashtags: int | None = None
    max_mentions: int | None = None
    links_clickable: bool = True
    media_required: bool = False
    mentions: MentionStyle = "any"


_ALL_URLS: Spans = url_spans
_SCHEME_URLS: Spans = partial(url_spans, without_protocol=False)

# Sources: X counting is twitter-text v3 (config/v3.json); Mastodon 500 with links as 23
# (docs.joinmastodon.org/user/posting/#text); LinkedIn commentary 3,000; Instagram caption
# 2,200 with at most 30 hashtags and 20 @mentions (Graph API IG User Media reference);
# Facebook 63,206; Discourse's min_post_length 20 and max_post_length 32,000 defaults.
# Networks whose backends count UTF-16 units are measured that way, on the safe side.
RULES: dict[str, _Rules] = {
    "x": _Rules(
        "X", X_MAX_WEIGHTED_LENGTH, x_weighted_length, _ALL_URLS, thread=True, mentions="handle"
    ),
    "mastodon": _Rules(
        "Mastodon", 500, mastodon_length, _SCHEME_URLS, thread=True, mentions="fediverse"
    ),
    "linkedin": _Rules("LinkedIn", 3000, _linkedin_length, _ALL_URLS, mentions="unlinked"),
    "instagram": _Rules(
        "Instagram",
        2200,
        utf16_length,
        _ALL_URLS,
        max_hashtags=30,
        max_mentions=20,
        links_clickable=False,
        media_required=True,
        mentions="handle",
    ),
    "facebook": _Rules("Facebook", 63_206, utf16_length, _ALL_URLS, mentions="unlinked"),
    "discourse": _Rules(
        "Discourse", 32_000, _discourse_length, _ALL_URLS, min_length=20, mentions="forum"
    ),
    "webhook": _Rules("Webhook", None, codepoint_length, _ALL_URLS),
}


def _normalize(text: str) -> str:
    # NFC is what X counts, and the same bytes are what every network should receive.
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()


def _outside(spans: list[tuple[int, int]], start: int) -> bool:
    index = bisect_right(spans, (start, sys.maxsize)) - 1
    return index < 0 or not spans[index][0] <= start < spans[index][1]


def _hashtags(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [m[0] for m in _HASHTAG.finditer(text) if _outside(spans, m.start())]


def _mentions(text: str, spans: list[tuple[int, int]]) -> list[re.Match[str]]:
    return [m for m in _MENTION.finditer(text) if _outside(spans, m.start())]


def _convention_problems(rules: _Rules, text: str) -> list[Problem]:
    spans = rules.spans(text)
    problems: list[Problem] = []
    tags = _hashtags(text, spans)
    if rules.max_hashtags is not None and len(tags) > rules.max_hashtags:
        problems.append(
            Problem(
                "too_many_hashtags",
                f"{rules.name} allows at most {rules.max_hashtags} hashtags; this has {len(tags)}.",
            )
        )
    mentions = _mentions(text, spans)
    if rules.max_mentions is not None and len(mentions) > rules.max_mentions:
        problems.append(
            Problem(
                "too_many_mentions",
                f"{rules.name} allows at most {rules.max_mentions} mentions; "
                f"this has {len(mentions)}.",
            )
        )
    fediverse = [m[0] for m in mentions if m["domain"]]
    plain = [m[0] for m in mentions if not m["domain"]]
    if rules.mentions in ("handle", "forum") and fediverse:
        problems.append(
            Problem(
                "mention_other_network",
                f"{', '.join(fediverse)}: a fediverse address; {rules.name} links only the part "
                "before the second @, which may be someone else.",
                "warning",
            )
        )
    if rules.mentions == "fediverse" and plain:
        problems.append(
            Problem(
                "mention_unqualified",
                f"{', '.join(plain)}: without @domain this mentions an account on your own "
                "instance only; write @user@domain for anyone else.",
                "warning",
            )
        )
    if rules.mentions == "unlinked" and mentions:
        problems.append(
            Problem(
                "mention_not_linked",
                f"{', '.join(m[0] for m in mentions)}: {rules.name} does not link a typed "
                "@name from the API; it is posted as plain text.",
                "warning",
            )
        )
    if not rules.links_clickable and spans:
        problems.append(
            Problem(
                "links_not_clickable",
                f"{rules.name} does not make links in a caption clickable; "
                "point to the profile link instead.",
                "warning",
            )
        )
    if rules.media_required:
        problems.append(
            Problem(
                "media_required",
                f"{rules.name} publishes only with an image: the post needs an image_url.",
                "warning",
            )
        )
    return problems


def _parts(rules: _Rules, source: str, *, by_hand: bool) -> tuple[list[str], list[Problem]]:
    if by_hand:
        # An override is the user's word: split where they said, never cut or renumbered.
        pieces = _PART_BREAK.split(source) if rules.thread else [source]
        return [p.strip() for p in pieces if p.strip()] or [source], []
    if rules.limit is None or rules.measure(source) <= rules.limit:
        return [source], []
    if rules.thread:
        return split_thread(source, rules.limit, rules.measure, rules.spans), []
    cut = truncate(source, rules.limit, rules.measure, rules.spans)
    if cut is None:
        return [source], [
            Problem(
                "too_long",
                f"Too long for {rules.name} ({rules.limit}) even after cutting; shorten it.",
            )
        ]
    return [cut], [
        Problem(
            "truncated",
            f"Cut to {rules.name}'s {rules.limit} at a sentence or word end; the link is kept.",
            "warning",
        )
    ]


def adapt(text: str, channel_kind: str, *, override: str | None = None) -> Variant:
    """The variant of `text` for `channel_kind`; `override` (hand-written) replaces the text."""
    rules = RULES.get(channel_kind)
    if rules is None:
        raise UnknownChannelKind([channel_kind])
    source = _normalize(text if override is None else override)
    if not source:
        problem = Problem("empty_text", "There is nothing to publish.")
        return Variant(channel_kind, ("",), (0,), (problem,))
    parts, problems = _parts(rules, source, by_hand=override is not None)
    lengths = tuple(rules.measure(part) for part in parts)
    if rules.limit is not None:
        for index, length in enumerate(lengths, 1):
            if length > rules.limit:
                problems.append(
                    Problem(
                        "part_too_long",
                        f"Part {index} counts {length} for {rules.name}; the limit is "
                        f"{rules.limit}.",
                    )
                )
    if rules.min_length and rules.measure(source) < rules.min_length:
        problems.append(
            Problem(
                "too_short",
                f"{rules.name} refuses posts under {rules.min_length} characters.",
            )
        )
    if channel_kind == "x" and has_invalid_characters(source):
        problems.append(
            Problem("invalid_characters", "X refuses U+FFFE, U+FEFF and U+FFFF; remove them.")
        )
    problems.extend(_convention_problems(rules, source))
    return Variant(channel_kind, tuple(parts), lengths, tuple(problems))


def preview(
    text: str, kinds: Iterable[str], *, overrides: Mapping[str, str] | None = None
) -> list[Variant]:
    """One variant per kind, in the order given; unknown kinds are refused before any work."""
    kinds = list(kinds)
    overrides = overrides or {}
    unknown = [k for k in [*kinds, *overrides] if k not in RULES]
    if unknown:
        raise UnknownChannelKind(unknown)
    return [adapt(text, kind, override=overrides.get(kind)) for kind in kinds]
