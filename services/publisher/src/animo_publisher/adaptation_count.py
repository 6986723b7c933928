"""How each network counts a text: X's weighted length (twitter-text v3), Mastodon's, and the rest."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator

from .adaptation_urls import url_spans

# twitter-text config/v3.json, verbatim: lengths are counted in hundredths so a weight-100
# character counts 1 and everything outside the ranges (CJK, most symbols) counts 2.
X_MAX_WEIGHTED_LENGTH = 280
X_SCALE = 100
X_DEFAULT_WEIGHT = 200
TRANSFORMED_URL_LENGTH = 23
X_RANGES = ((0, 4351, 100), (8192, 8205, 100), (8208, 8223, 100), (8242, 8247, 100))
_INVALID_CHARACTERS = frozenset("\ufffe\ufeff\uffff")

# Unicode's Extended_Pictographic (emoji-data.txt): the bases of emoji sequences.
_PICTOGRAPHIC = (
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122),
    (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328),
    (0x2388, 0x2388), (0x23CF, 0x23CF), (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2),
    (0x25AA, 0x25AB), (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x2605),
    (0x2607, 0x2612), (0x2614, 0x2685), (0x2690, 0x2705), (0x2708, 0x2712), (0x2714, 0x2714),
    (0x2716, 0x2716), (0x271D, 0x271D), (0x2721, 0x2721), (0x2728, 0x2728), (0x2733, 0x2734),
    (0x2744, 0x2744), (0x2747, 0x2747), (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755),
    (0x2757, 0x2757), (0x2763, 0x2767), (0x2795, 0x2797), (0x27A1, 0x27A1), (0x27B0, 0x27B0),
    (0x27BF, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50),
    (0x2B55, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299),
    (0x1F000, 0x1F0FF), (0x1F10D, 0x1F10F), (0x1F12F, 0x1F12F), (0x1F16C, 0x1F171),
    (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A), (0x1F1AD, 0x1F1E5),
    (0x1F201, 0x1F20F), (0x1F21A, 0x1F21A), (0x1F22F, 0x1F22F), (0x1F232, 0x1F23A),
    (0x1F23C, 0x1F23F), (0x1F249, 0x1F3FA), (0x1F400, 0x1F53D), (0x1F546, 0x1F64F),
    (0x1F680, 0x1F6FF), (0x1F774, 0x1F77F), (0x1F7D5, 0x1F7FF), (0x1F80C, 0x1F80F),
    (0x1F848, 0x1F84F), (0x1F85A, 0x1F85F), (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8FF),
    (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945), (0x1F947, 0x1FAFF), (0x1FC00, 0x1FFFD),
)  # fmt: skip
_PICTOGRAPHIC_STARTS = tuple(start for start, _ in _PICTOGRAPHIC)
# Text-default symbols that twemoji (X's emoji parser) takes for emoji only with U+FE0F after.
_TEXT_DEFAULT = frozenset({0x00A9, 0x00AE})
_REGIONAL = range(0x1F1E6, 0x1F200)
_MODIFIERS = range(0x1F3FB, 0x1F400)
_TAGS = range(0xE0020, 0xE007F)
_CANCEL_TAG = 0xE007F
_VS16 = 0xFE0F
_ZWJ = 0x200D
_KEYCAP = 0x20E3

_MASTODON_MENTION = re.compile(
    # Mastodon's Account::MENTION_RE: only `@user` counts, the `@domain` part is free.
    r"(?<![=/\w])@(?P<user>[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w.-]+\w)?",
    re.IGNORECASE,
)


def _pictographic(code: int) -> bool:
    index = bisect_right(_PICTOGRAPHIC_STARTS, code) - 1
    return index >= 0 and code <= _PICTOGRAPHIC[index][1]


def _emoji_element(text: str, i: int) -> int:
    """Code points in the emoji element at `i` (flag, keycap, or base + modifiers), 0 if none."""
    n = len(text)
    code = ord(text[i])
    if code in _REGIONAL:
        return 2 if i + 1 < n and ord(text[i + 1]) in _REGIONAL else 0
    if text[i] in "#*0123456789":
        j = i + 1 + (i + 1 < n and ord(text[i + 1]) == _VS16)
        return j + 1 - i if j < n and ord(text[j]) == _KEYCAP else 0
    if not _pictographic(code):
        return 0
    j = i + 1
    has_vs16 = j < n and ord(text[j]) == _VS16
    if code in _TEXT_DEFAULT and not has_vs16:
        return 0
    j += has_vs16
    if j < n and ord(text[j]) in _MODIFIERS:
        j += 1
    else:
        k = j
        while k < n and ord(text[k]) in _TAGS:
            k += 1
        if k > j and k < n and ord(text[k]) == _CANCEL_TAG:
            j = k + 1
    return j - i


def emoji_length(text: str, i: int) -> int:
    """Code points in the whole emoji sequence at `i` (ZWJ-joined elements), 0 if none."""
    length = _emoji_element(text, i)
    if not length or not _pictographic(ord(text[i])):
        return length
    j = i + length
    # Only a pictographic element continues a ZWJ sequence (UAX #29 GB11), never a flag or keycap.
    while j + 1 < len(text) and ord(text[j]) == _ZWJ and _pictographic(ord(text[j + 1])):
        more = _emoji_element(text, j + 1)
        if not more:
            break
        j += 1 + more
    return j - i


def _char_class(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(f"{chr(a)}-{chr(b)}" if a != b else re.escape(chr(a)) for a, b in ranges)


# Everything outside the weight-100 ranges weighs the default; counting those with one regex
# pass keeps X's count linear in C rather than a Python loop per character.
_X_HEAVY = re.compile(f"[^{_char_class((a, b) for a, b, _ in X_RANGES)}]")
# Where an emoji sequence may start; the parser above decides whether one does.
_EMOJI_START = re.compile(
    "[#*0-9](?=\ufe0f?\u20e3)|[\u00a9\u00ae](?=\ufe0f)"
    "|[\U0001f1e6-\U0001f1ff](?=[\U0001f1e6-\U0001f1ff])"
    f"|[{_char_class(r for r in _PICTOGRAPHIC if r[0] not in _TEXT_DEFAULT)}]"
)


def _x_char_weights(text: str) -> int:
    heavy = len(text) - len(_X_HEAVY.sub("", text))
    return X_SCALE * len(text) + (X_DEFAULT_WEIGHT - X_SCALE) * heavy


def _x_plain_weight(text: str) -> int:
    """Weight of text holding no URL: per-character weights, each emoji sequence 200."""
    total = _x_char_weights(text)
    pos = 0
    while match := _EMOJI_START.search(text, pos):
        length = emoji_length(text, match.start())
        if not length:
            pos = match.start() + 1
            continue
        sequence = text[match.start() : match.start() + length]
        total += X_DEFAULT_WEIGHT - _x_char_weights(sequence)
        pos = match.start() + length
    return total


def x_weighted_length(text: str) -> int:
    """twitter-text v3 `parseTweet(text).weightedLength`: NFC, URLs 23, emoji sequences 2."""
    text = unicodedata.normalize("NFC", text)
    total, last = 0, 0
    for start, end in url_spans(text):
        total += _x_plain_weight(text[last:start]) + TRANSFORMED_URL_LENGTH * X_SCALE
        last = end
    total += _x_plain_weight(text[last:])
    return total // X_SCALE


def has_invalid_characters(text: str) -> bool:
    """twitter-text refuses a Tweet holding U+FFFE, U+FEFF or U+FFFF."""
    return any(char in _INVALID_CHARACTERS for char in text)


def _extends(char: str) -> bool:
    """Characters that join the grapheme before them (UAX #29 Extend, SpacingMark, ZWJ)."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or code in (0x200C, _ZWJ)
        or 0xFE00 <= code <= 0xFE0F
        or code in _MODIFIERS
        or code in _TAGS
        or code == _CANCEL_TAG
    )


# Characters that are a grapheme on their own and never start an emoji: most Latin, Greek,
# Cyrillic and CJK text. A run of them is counted without the per-character walk; only the
# last of a run may take marks that follow it.
_SIMPLE_RUN = re.compile(
    "[\x00-\x0c\x0e-\x22$-)+-/:-\u00a8\u00aa-\u00ad\u00af-\u02ff\u0370-\u0482"
    "\u048a-\u052f\u3000-\u3029\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7a3\uff01-\uff9d]{2,}"
)


def _graphemes(text: str) -> Iterator[int]:
    """End index of each grapheme, or a run of lone graphemes as one negative step (-length)."""
    i, n = 0, len(text)
    while i < n:
        run = _SIMPLE_RUN.match(text, i)
        if run:
            yield -(run.end() - 1 - i)
            i = run.end() - 1
        emoji = emoji_length(text, i)
        if emoji:
            i += emoji
        elif text.startswith("\r\n", i):
            i += 2
        else:
            i += 1
        while i < n and _extends(text[i]):
            i += 1
        yield i


def grapheme_ends(text: str) -> Iterator[int]:
    """End index of each user-perceived character: emoji sequences, CRLF, base + marks."""
    last = 0
    for step in _graphemes(text):
        if step < 0:
            yield from range(last + 1, last - step + 1)
            last -= step
        else:
            yield step
            last = step


def grapheme_length(text: str) -> int:
    return sum(-step if step < 0 else 1 for step in _graphemes(text))


def mastodon_length(text: str) -> int:
    """Mastodon's StatusLengthValidator: graphemes, a URL with a scheme counts 23, `@user@x` as `@user`."""
    spans = url_spans(text, without_protocol=False)
    pieces: list[str] = []
    last = 0
    for start, end in spans:
        pieces.append(_strip_mention_domains(text[last:start]))
        pieces.append("x" * TRANSFORMED_URL_LENGTH)
        last = end
    pieces.append(_strip_mention_domains(text[last:]))
    return grapheme_length("".join(pieces))


def _strip_mention_domains(text: str) -> str:
    return _MASTODON_MENTION.sub(lambda m: "@" + m["user"], text)


def codepoint_length(text: str) -> int:
    return len(text)


def utf16_length(text: str) -> int:
    """UTF-16 code units: what a Java or JavaScript backend calls a string's length."""
    return len(text.encode("utf-16-le")) // 2
