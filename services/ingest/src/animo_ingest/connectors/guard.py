"""Hostile-input guards: XML with entity declarations, malformed XML, over-deep JSON and oversized item lists are refused before any parser expands them."""

from __future__ import annotations

import codecs
import json
import re
import xml.sax
from typing import Any

import defusedxml.sax
from defusedxml import DefusedXmlException

from .models import SourceError

MAX_BYTES = 5 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_ITEMS = 1000

# XML prolog tokens that may precede a DOCTYPE: whitespace, processing instructions, comments.
_PROLOG_TOKEN = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->)", re.DOTALL)
# Entity declarations can only live in a DOCTYPE's internal subset, the part in brackets.
_DOCTYPE_WITH_SUBSET = re.compile(r"<!DOCTYPE\s[^\[>]*\[", re.IGNORECASE)
_HEAD_BYTES = 64 * 1024
_DECLARED_ENCODING = re.compile(
    rb"""\s*<\?xml\s[^>]*?encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\1"""
)
# XML spec appendix F: how a document without a byte-order mark shows a 16/32-bit encoding.
_WIDE_STARTS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A JSON string with its escapes (an unrolled loop: linear, no backtracking blow-up).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def _xml_head(body: bytes) -> str:
    """The document's first characters as text, whatever 8/16/32-bit encoding it uses."""
    head = body[:_HEAD_BYTES]
    # UTF-32-LE's mark starts with UTF-16-LE's, so the longer marks are tried first.
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return head.decode(codec, errors="replace")
    for start, codec in _WIDE_STARTS:
        if head.startswith(start):
            return head.decode(codec, errors="replace")
    # Markup is ASCII in every 8-bit encoding feeds use; latin-1 maps bytes one to one.
    return head.decode("latin-1")


def refuse_entity_declarations(body: bytes) -> None:
    """Refuse a DOCTYPE with an internal subset: the home of billion-laughs and XXE entities.

    Only the prolog is read, so a post quoting `<!ENTITY` in its CDATA is not refused;
    a bare DOCTYPE (RSS 0.91's Netscape one) declares nothing and is let through.
    """
    text = _xml_head(body)
    position = 0
    while match := _PROLOG_TOKEN.match(text, position):
        position = match.end()
    rest = text[position:].lstrip()
    if _DOCTYPE_WITH_SUBSET.match(rest):
        raise SourceError(
            "XML with a DTD internal subset refused (entity expansion / external entities)",
            retryable=False,
        )
    # Fail closed: a prolog we could not read to its end might hide a DOCTYPE further on.
    if rest.startswith(("<!--", "<?")) or (not rest and len(body) > _HEAD_BYTES):
        raise SourceError("XML prolog too long to check refused", retryable=False)


def _as_utf8(body: bytes) -> bytes:
    """The document re-encoded as UTF-8, its declaration changed to match."""
    declared = _DECLARED_ENCODING.match(body)
    if declared is None:
        raise SourceError("malformed XML: undeclared multi-byte encoding")
    codec = declared.group(2).decode("ascii")
    try:
        rest = body[declared.end(2) :].decode(codec)
    except (LookupError, UnicodeDecodeError) as exc:
        raise SourceError(f"malformed XML: not {codec}: {exc}") from exc
    # Multi-byte encodings that expat lacks are ASCII-compatible: the declaration is ASCII.
    return body[: declared.start(2)] + b"utf-8" + rest.encode()


def _strict_parse(body: bytes) -> None:
    defusedxml.sax.parseString(
        body,
        xml.sax.handler.ContentHandler(),
        forbid_dtd=False,
        forbid_entities=True,
        forbid_external=True,
    )


def check_well_formed(body: bytes) -> None:
    """Parse once with defusedxml (no tree kept): entities forbidden, errors become reasons."""
    try:
        try:
            _strict_parse(body)
        except ValueError:
            # expat reads 8-bit encodings through Python's codecs but no multi-byte ones
            # (Shift_JIS, GB2312, Big5…); feedparser does read those, so check a UTF-8 copy.
            _strict_parse(_as_utf8(body))
    except DefusedXmlException as exc:
        raise SourceError(f"XML refused: {type(exc).__name__}", retryable=False) from exc
    except (xml.sax.SAXException, ValueError, LookupError) as exc:
        raise SourceError(f"malformed XML: {exc}") from exc


def check_json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse nesting deeper than `limit` before `json` recurses into it."""
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > limit:
                raise SourceError(f"JSON nested deeper than {limit} levels refused", False)
        else:
            depth -= 1


def load_json(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decode a JSON body after the depth guard; any failure becomes a `SourceError`."""
    try:
        text = body.decode(json.detect_encoding(body))
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"malformed JSON: {exc}") from exc
    check_json_depth(text, max_depth)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SourceError(f"malformed JSON: {exc}") from exc


def check_item_count(count: int, limit: int = MAX_ITEMS) -> None:
    if count > limit:
        raise SourceError(f"{count} items in one response, over the {limit} cap", False)
