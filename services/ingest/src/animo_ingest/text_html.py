"""HTML to plain text for ingest: a linear-time tag stripper that is safe on hostile input."""

from __future__ import annotations

import html
import re

# Detection wants real evidence (a known tag, a comment or an entity) so that "I <3 it" or
# "x<y and y>z" in a tweet is left alone; stripping then treats any `<name …>` as a tag.
_KNOWN_TAG = re.compile(
    r"<(?:!--|!doctype\b|/?(?:a|abbr|article|b|blockquote|body|br|button|center|cite|code|dd|"
    r"del|div|dl|dt|em|figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|iframe|"
    r"img|input|ins|label|li|link|mark|meta|nav|noscript|ol|option|p|pre|q|s|script|section|"
    r"select|small|source|span|strike|strong|style|sub|sup|svg|table|tbody|td|template|"
    r"textarea|th|thead|time|title|tr|u|ul|video)(?=[\s/>]))",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"&(?:[a-z][a-z0-9]{1,31}|#[0-9]{1,7}|#x[0-9a-f]{1,6});", re.IGNORECASE)

# `[^<>]*` stops at the next `<`, so a failed attempt never rescans past the following
# candidate: the whole search stays linear even on "<a<a<a…" or a megabyte without `>`.
# The price is that a `>` inside a quoted attribute value ends the tag early.
_MARKUP = re.compile(r"<(?:(!--)|(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*>|[!?/][^<>]*>)")
_RAW_TEXT_END = {
    name: re.compile(rf"</{name}[^<>]*>", re.IGNORECASE) for name in ("script", "style")
}
# Tags that end a line of text; the others (b, span, a, …) vanish without a trace.
_BLOCK = re.compile(
    r"address|article|aside|blockquote|br|dd|div|dl|dt|figcaption|figure|footer|form|h[1-6]|"
    r"header|hr|li|main|nav|ol|p|pre|section|table|td|th|tr|ul"
)


def looks_like_html(text: str) -> bool:
    """True when the text carries a known tag, a comment or a character entity."""
    return ("<" in text and _KNOWN_TAG.search(text) is not None) or (
        "&" in text and _ENTITY.search(text) is not None
    )


def strip_html(text: str) -> str:
    """Drop tags, comments, scripts and styles; block tags become newlines; unescape entities.

    Runs in time linear in the input: every search starts where the previous one ended,
    and an unclosed comment, script or style swallows the rest of the input, as browsers do.
    """
    parts: list[str] = []
    pos = 0
    end = len(text)
    while pos < end:
        match = _MARKUP.search(text, pos)
        if match is None:
            break
        parts.append(text[pos : match.start()])
        pos = match.end()
        if match.group(1):  # comment
            close = text.find("-->", pos)
            pos = end if close < 0 else close + 3
            continue
        name = (match.group(3) or "").lower()
        if _BLOCK.fullmatch(name):
            parts.append("\n")
        elif name and not match.group(2):
            raw_end = _RAW_TEXT_END.get(name)
            if raw_end is not None:
                closing = raw_end.search(text, pos)
                pos = end if closing is None else closing.end()
    parts.append(text[pos:])
    return html.unescape("".join(parts))
