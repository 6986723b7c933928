"""A small trained complaint scorer: word and stem features, a linear model, shipped as a file.

The patterns in complaint_patterns.py are precise but miss complaints phrased in words they do
not list ("quarante minutes d'attente pour être raccroché au nez"). This scorer is a second
signal, asked only when no pattern fired: a logistic regression over the message's words, word
pairs and word stems (the first five letters, which fold French and English inflections), plus
the sentiment's sign. A second linear model picks the topic. Both are trained at build time by
`python -m animo_moderation.train_complaints` on Animo's own labelled messages (evaldata/
complaints.tsv, minus its two unseen splits) and shipped as `models/complaint_scorer.json`;
nothing is fetched at run time. It is for routing, never for hiding a post.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise

MODEL_FILE = "complaint_scorer.json"
STEM = 5
_NEGATIVE, _POSITIVE = -0.25, 0.25


def in_training_quarter(text: str) -> bool:
    """The quarter of the public suites' posts (by hash) the scorer learns "no complaint" from;
    the evaluation counts false complaints on the other three quarters."""
    return zlib.crc32(text.encode()) % 4 == 0


def features(words: Sequence[str], sentiment: float) -> list[str]:
    """The features of a message: its words (`w:`), adjacent pairs (`b:`), stems (`s:`) of
    longer words, and the sentiment's sign (`sent:`); the same for training and scoring."""
    found = [f"w:{w}" for w in words]
    found.extend(f"b:{a}_{b}" for a, b in pairwise(words))
    found.extend(f"s:{w[:STEM]}" for w in words if len(w) > STEM)
    if sentiment <= _NEGATIVE:
        found.append("sent:neg")
    elif sentiment >= _POSITIVE:
        found.append("sent:pos")
    return found


@dataclass(frozen=True)
class Scorer:
    bias: float
    weights: dict[str, float]
    threshold: float
    topic_bias: dict[str, float]
    topic_weights: dict[str, dict[str, float]]
    version: str

    def __post_init__(self) -> None:
        # The same weights, indexed so that scoring builds no feature strings (hot path).
        words: dict[str, float] = {}
        stems: dict[str, float] = {}
        pairs: dict[str, dict[str, float]] = {}
        for feature, weight in self.weights.items():
            kind, _, name = feature.partition(":")
            if kind == "w":
                words[name] = weight
            elif kind == "s":
                stems[name] = weight
            elif kind == "b":
                first, _, second = name.partition("_")
                pairs.setdefault(first, {})[second] = weight
        object.__setattr__(self, "_index", (words, stems, pairs))

    def probability(self, words: Sequence[str], sentiment: float) -> float:
        """P(complaint) of a message's words: the same sum as over `features(...)`."""
        unigrams, stems, pairs = self._index  # type: ignore[attr-defined]
        z = self.bias
        previous = None
        for word in words:
            z += unigrams.get(word, 0.0)
            if len(word) > STEM:
                z += stems.get(word[:STEM], 0.0)
            if previous is not None and (row := pairs.get(previous)) is not None:
                z += row.get(word, 0.0)
            previous = word
        if sentiment <= _NEGATIVE:
            z += self.weights.get("sent:neg", 0.0)
        elif sentiment >= _POSITIVE:
            z += self.weights.get("sent:pos", 0.0)
        return 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0

    def topic(self, feats: Sequence[str]) -> str:
        scores = dict(self.topic_bias)
        for feature in feats:
            for topic, weight in self.topic_weights.get(feature, {}).items():
                scores[topic] += weight
        return max(sorted(scores), key=scores.__getitem__)

    def evidence(self, words: Sequence[str], limit: int = 3) -> list[int]:
        """The indexes of the words that weigh most towards a complaint (at most `limit`)."""
        weighed = [
            (self.weights.get(f"w:{w}", 0.0) + self.weights.get(f"s:{w[:STEM]}", 0.0), i)
            for i, w in enumerate(words)
            if len(w) > 2
        ]
        best = sorted((item for item in weighed if item[0] > 0), reverse=True)[:limit]
        return sorted(i for _, i in best)

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "threshold": self.threshold,
            "bias": self.bias,
            "weights": self.weights,
            "topic_bias": self.topic_bias,
            "topic_weights": self.topic_weights,
        }


def from_json(raw: dict[str, object]) -> Scorer:
    return Scorer(
        bias=float(raw["bias"]),  # type: ignore[arg-type]
        weights=dict(raw["weights"]),  # type: ignore[call-overload]
        threshold=float(raw["threshold"]),  # type: ignore[arg-type]
        topic_bias=dict(raw["topic_bias"]),  # type: ignore[call-overload]
        topic_weights={k: dict(v) for k, v in raw["topic_weights"].items()},  # type: ignore[attr-defined]
        version=str(raw["version"]),
    )


@lru_cache(maxsize=1)
def scorer() -> Scorer | None:
    """The shipped model, loaded once; None when the package was built without it."""
    source = resources.files("animo_moderation").joinpath("models", MODEL_FILE)
    if not source.is_file():
        return None
    return from_json(json.loads(source.read_text(encoding="utf-8")))
