"""Complaints and their topic: "mon colis n'est jamais arrivé" is a delivery complaint.

A complaint is often a plain fact with no negative word, so sentiment alone misses it. Two kinds
of evidence, written as patterns of French and English customer language:
  * a problem: something that did not happen, broke, was charged wrongly or went unanswered
    ("jamais reçu", "still hasn't arrived", "débité deux fois", "no one answers");
  * a topic word (colis, refund, facture...) in a negative message ("la livraison, une catastrophe").
The topic is the one with the most weight; a root cause (delivery, product, billing, account,
order) outweighs the refund it leads to, which outweighs the support that failed to help. A
complaint is for routing and reporting: it never hides a post.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import ahocorasick

from animo_moderation.complaint_patterns import CLEARED, PROBLEMS, TOPIC_WORDS, TRIGGERS
from animo_moderation.complaint_scorer import features, scorer
from animo_moderation.normalise import Normalised

TOPICS = (
    "delivery",
    "product_defect",
    "billing",
    "account",
    "order",
    "refund",
    "customer_service",
)
_WEIGHT = {"refund": 1.5, "customer_service": 1.0}  # the others, root causes: 2.0
_NEGATIVE = -0.25  # sentiment at or below which a topic word is enough


@dataclass(frozen=True)
class Complaint:
    """A customer complaint: what it is about, and the words that say so."""

    topic: str
    evidence: tuple[str, ...]


def _trigger_automaton() -> ahocorasick.Automaton:
    by_stem: dict[str, set[tuple[str, str]]] = {}
    for lang, topics in TRIGGERS.items():
        for topic, stems in topics.items():
            for stem in stems.split():
                by_stem.setdefault(stem, set()).add((lang, topic))
    automaton = ahocorasick.Automaton()
    for stem, pairs in by_stem.items():
        automaton.add_word(stem, frozenset(pairs))
    automaton.make_automaton()
    return automaton


_ARMING = _trigger_automaton()
_PROBLEM = {
    lang: {topic: re.compile(pattern) for topic, pattern in topics.items()}
    for lang, topics in PROBLEMS.items()
}
_TOPIC = {
    lang: re.compile("|".join(f"(?P<{topic}>\\b(?:{words})\\b)" for topic, words in topics.items()))
    for lang, topics in TOPIC_WORDS.items()
}


def detect_complaint(norm: Normalised, lang: str, sentiment: float) -> Complaint | None:
    """The complaint a text makes, if any: from its problems or its negative topic words, else
    from the trained scorer (complaint_scorer.py) when it is sure enough."""
    found = by_patterns(norm, lang, sentiment)
    if found is not None:
        return found
    model = scorer()
    if model is None:
        return None
    words = norm.key.split()
    if model.probability(words, sentiment) < model.threshold:
        return None
    feats = features(words, sentiment)
    starts = norm.key_starts
    evidence = [
        _original(norm, *norm.to_view(starts[i], starts[i] + len(words[i])))
        for i in model.evidence(words)
    ]
    return Complaint(topic=model.topic(feats), evidence=(f"scorer:{model.version}", *evidence))


def by_patterns(norm: Normalised, lang: str, sentiment: float) -> Complaint | None:
    """The complaint the patterns see: its problems, or its topic words in a negative text."""
    codes = (lang,) if lang in _PROBLEM else tuple(_PROBLEM)
    armed: set[tuple[str, str]] = set()
    for _, pairs in _ARMING.iter(norm.text):
        armed |= pairs
    weights: defaultdict[str, float] = defaultdict(float)
    evidence: list[str] = []
    for code in codes:
        matches = [
            (topic, match)
            for topic in TOPICS
            if (code, topic) in armed
            for match in _PROBLEM[code][topic].finditer(norm.text)
        ]
        if matches:
            cleared = [m.span() for m in CLEARED[code].finditer(norm.text)]
            for topic, match in sorted(matches, key=lambda item: item[1].start()):
                if not any(s <= match.start() < e for s, e in cleared):
                    weights[topic] += _WEIGHT.get(topic, 2.0)
                    evidence.append(_original(norm, *match.span()))
        if not weights and sentiment <= _NEGATIVE:
            for match in _TOPIC[code].finditer(norm.text):
                topic = match.lastgroup or "customer_service"
                weights[topic] += _WEIGHT.get(topic, 2.0) / 2
                evidence.append(_original(norm, *match.span()))
    if not weights:
        return None
    topic = max(TOPICS, key=lambda t: (weights[t], -TOPICS.index(t)))
    return Complaint(topic=topic, evidence=tuple(dict.fromkeys(evidence)))


def _original(norm: Normalised, start: int, end: int) -> str:
    first, last = norm.span(start, end)
    return norm.original[first:last].strip()
