"""Voucher pools: uploaded codes checked whole (format, duplicates) before any is stored."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from animo_shared.events import derive_id

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
NAMED = 100  # at most this many offending codes are named in a refusal


def code_id(brand: str, code: str) -> str:
    """A code's document id: one per brand, so the same code can never sit in two pools."""
    return derive_id("loyalty.code", brand, code)


def duplicates(codes: Iterable[str]) -> list[str]:
    """Codes that appear more than once, in first-seen order."""
    counts = Counter(codes)
    return [code for code, n in counts.items() if n > 1]


def malformed(codes: Iterable[str]) -> list[str]:
    return [code for code in codes if not CODE.fullmatch(code)]
