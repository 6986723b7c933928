"""Trend material: the hashtags and words of a mention worth counting (4+ letters, no stop word)."""

from __future__ import annotations

import re

from animo_shared.events import MentionReceived

MAX_TERMS_PER_MENTION = 20

_URL = re.compile(r"https?://\S+|www\.\S+")
_TAG = re.compile(r"#(\w{2,60})")
_WORD = re.compile(r"[^\W\d_][^\W_]{3,29}")
_HANDLE = re.compile(r"@\w+")
# French and English words too common to trend (4+ letters only: shorter ones never count).
STOPWORDS = frozenset(
    """
    about after again alors also aussi avait avec avoir been before being best bien but cela
    cette ceux chez comme dans depuis does donc done déjà elle elles encore entre even every
    faire fais fait from have here just leur leurs like made mais make merci moins more most
    much must nous only other over parce peut peux plus pour quand quel quelle quels same
    sans says sera ses should since some sont such suis sur tellement than that their them
    then there these they this those tous tout toute toutes trop très very vous want was
    were what when where which while will with would your yours était être
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def terms_of(text: str) -> list[str]:
    """The words of a text worth counting for trends: 4+ letters, no stop word, no link."""
    text = _HANDLE.sub(" ", _TAG.sub(" ", _URL.sub(" ", text))).lower()
    found: dict[str, None] = {}
    for word in _WORD.findall(text):
        if word not in STOPWORDS:
            found[word] = None
            if len(found) >= MAX_TERMS_PER_MENTION:
                break
    return list(found)


def hashtags_of(mention: MentionReceived) -> list[str]:
    tags = mention.hashtags or tuple(_TAG.findall(mention.text))
    return sorted({tag.lstrip("#").lower() for tag in tags if tag.strip("#")})
