"""Language of a text, French or English, from its everyday words ("und" when unsure).

Restricting the choice to the two languages the lexicons cover is what makes short texts
tractable: counting function words and French accents is enough to tell them apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_FRENCH_LETTERS = re.compile(r"[éèêàùâîôûçœ]", re.IGNORECASE)
_ELISION = re.compile(r"\b(?:[cjdlmnst]|qu)['\u2019](?=[a-zàâéèêîôûh])", re.IGNORECASE)


def detect(words: list[str], original: str, common: Mapping[str, frozenset[str]]) -> str:
    """ "fr", "en", or "und" when neither language's everyday words dominate."""
    french = sum(word in common["fr"] for word in words)
    english = sum(word in common["en"] for word in words)
    # Accents and elisions ("l'", "qu'") are rare in English and cheap to count.
    french += min(len(_FRENCH_LETTERS.findall(original)), 3)
    french += min(len(_ELISION.findall(original)), 3)
    if french == english:
        return "und"
    return "fr" if french > english else "en"
