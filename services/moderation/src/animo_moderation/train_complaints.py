"""Trains the complaint scorer: `python -m animo_moderation.train_complaints [--check]`.

Reads Animo's own labelled messages (evaldata/complaints.tsv, written for the project) from the
splits listed in TRAIN_SPLITS only: the unseen splits are never read here. Pure Python and
deterministic (fixed order, fixed epochs), so the shipped models/complaint_scorer.json is
reproduced byte for byte; `--check` fails when the shipped file differs from a fresh training.

The threshold is chosen on out-of-fold predictions (5 folds): the lowest at which "a pattern
fired, or the scorer is sure" keeps a precision of at least TARGET_PRECISION, so the scorer adds
recall without costing much precision.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from animo_moderation.complaint_scorer import MODEL_FILE, Scorer, features, in_training_quarter
from animo_moderation.complaints import TOPICS, by_patterns
from animo_moderation.evaluate import complaint_rows
from animo_moderation.language import detect
from animo_moderation.lexicon import lexicon
from animo_moderation.normalise import normalise
from animo_moderation.sentiment import score_sentiment

TRAIN_SPLITS = frozenset({"dev", "held_out", "held_out_2", "train"})
# Posts that are not customer messages at all (hate, insults, politics, everyday talk), so the
# scorer does not learn "negative means complaint": MLMA (MIT) and HateCheck (CC-BY-4.0) from
# ../shared/data/moderation (see its README for the sources); labels are not used.
GENERAL = (
    ("mlma_fr.csv", "tweet"),
    ("mlma_en.csv", "tweet"),
    ("multilingual_hatecheck_fr.csv", "test_case"),
    ("hatecheck_en.csv", "test_case"),
)
PER_SUITE = 300
DEFAULT_DATA = Path("../shared/data/moderation")  # as evaluate: run from the repository root
VERSION = "2026.11.1"
EPOCHS = 40
RATE = 0.3
L2 = 1e-4
FOLDS = 5
TARGET_PRECISION = 0.92
PRUNE = 0.01
MIN_COUNT = 2


@dataclass(frozen=True)
class Example:
    feats: list[str]
    topic: str  # "none" when not a complaint
    by_patterns: bool
    fold: int


def general_rows(data_dir: Path) -> list[dict[str, str]]:
    """Posts that are no complaints: a quarter (by hash) of each public suite's texts, the
    same quarter `evaluate` leaves out when it counts false complaints on them."""
    rows: list[dict[str, str]] = []
    for name, column in GENERAL:
        with (data_dir / name).open(encoding="utf-8", newline="") as source:
            texts = [r[column] for r in csv.DictReader(source)]
        chosen = [t for t in texts if in_training_quarter(t)][:PER_SUITE]
        rows.extend({"split": "general", "topic": "none", "text": t} for t in chosen)
    return rows


def examples(data_dir: Path) -> list[Example]:
    lex = lexicon()
    found = []
    own = [row for row in complaint_rows() if row["split"] in TRAIN_SPLITS]
    for row in [*own, *general_rows(data_dir)]:
        norm = normalise(row["text"], lex.vocabulary)
        language = detect(norm.words, row["text"], lex.common)
        _, sentiment = score_sentiment(norm, language)
        found.append(
            Example(
                feats=features(norm.key.split(), sentiment),
                topic=row["topic"],
                by_patterns=by_patterns(norm, language, sentiment) is not None,
                fold=zlib.crc32(row["text"].encode()) % FOLDS,
            )
        )
    return found


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def train_binary(data: Sequence[Example]) -> tuple[float, dict[str, float]]:
    """Logistic regression by Adagrad: complaint or not."""
    bias, weights, squares = 0.0, dict[str, float](), dict[str, float]()
    bias_square = 1e-8
    for _ in range(EPOCHS):
        for example in data:
            z = bias + sum(weights.get(f, 0.0) for f in example.feats)
            error = _sigmoid(z) - (example.topic != "none")
            bias_square += error * error
            bias -= RATE * error / math.sqrt(bias_square)
            for f in example.feats:
                w = weights.get(f, 0.0)
                g = error + L2 * w
                squares[f] = squares.get(f, 1e-8) + g * g
                weights[f] = w - RATE * g / math.sqrt(squares[f])
    return bias, weights


def train_topics(data: Sequence[Example]) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Softmax regression by Adagrad over the complaint topics, on complaints only."""
    bias = dict.fromkeys(TOPICS, 0.0)
    weights: dict[str, dict[str, float]] = {}
    squares: dict[tuple[str, str], float] = {}
    for _ in range(EPOCHS):
        for example in data:
            if example.topic == "none":
                continue
            scores = dict(bias)
            for f in example.feats:
                for topic, w in weights.get(f, {}).items():
                    scores[topic] += w
            top = max(scores.values())
            exps = {t: math.exp(s - top) for t, s in scores.items()}
            total = sum(exps.values())
            for topic in TOPICS:
                error = exps[topic] / total - (topic == example.topic)
                key = ("", topic)
                squares[key] = squares.get(key, 1e-8) + error * error
                bias[topic] -= RATE * error / math.sqrt(squares[key])
                for f in example.feats:
                    row = weights.setdefault(f, {})
                    w = row.get(topic, 0.0)
                    g = error + L2 * w
                    key = (f, topic)
                    squares[key] = squares.get(key, 1e-8) + g * g
                    row[topic] = w - RATE * g / math.sqrt(squares[key])
    return bias, weights


def choose_threshold(data: Sequence[Example]) -> float:
    """The lowest threshold whose out-of-fold precision (patterns or scorer) stays on target."""
    scored: list[tuple[float, Example]] = []
    for fold in range(FOLDS):
        bias, weights = train_binary([e for e in data if e.fold != fold])
        for example in (e for e in data if e.fold == fold):
            z = bias + sum(weights.get(f, 0.0) for f in example.feats)
            scored.append((_sigmoid(z), example))
    best = 0.99
    for step in range(99, 29, -1):
        threshold = step / 100
        flagged = [e for p, e in scored if e.by_patterns or p >= threshold]
        right = sum(e.topic != "none" for e in flagged)
        if flagged and right / len(flagged) >= TARGET_PRECISION:
            best = threshold
    return best


def _rounded(weights: dict[str, float]) -> dict[str, float]:
    return {f: round(w, 4) for f, w in sorted(weights.items()) if abs(w) >= PRUNE}


def _common_only(data: list[Example]) -> list[Example]:
    """Drop the features fewer than MIN_COUNT messages have: noise, and weight to ship."""
    counts = Counter(f for e in data for f in set(e.feats))
    return [
        Example([f for f in e.feats if counts[f] >= MIN_COUNT], e.topic, e.by_patterns, e.fold)
        for e in data
    ]


def train(data_dir: Path = DEFAULT_DATA) -> Scorer:
    data = _common_only(examples(data_dir))
    threshold = choose_threshold(data)
    bias, weights = train_binary(data)
    topic_bias, topic_weights = train_topics(data)
    pruned = {f: _rounded(row) for f, row in sorted(topic_weights.items())}
    return Scorer(
        bias=round(bias, 4),
        weights=_rounded(weights),
        threshold=threshold,
        topic_bias={t: round(b, 4) for t, b in topic_bias.items()},
        topic_weights={f: row for f, row in pruned.items() if row},
        version=VERSION,
    )


def shipped_path() -> Path:
    return Path(str(resources.files("animo_moderation").joinpath("models", MODEL_FILE)))


def render(model: Scorer) -> str:
    return json.dumps(model.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--check", action="store_true", help="fail if the shipped file differs")
    args = parser.parse_args()
    text = render(train(args.data_dir))
    path = shipped_path()
    if args.check:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            sys.exit(f"{path} is not what training produces: run the trainer again")
        print(f"{path} is up to date")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"written to {path} ({len(text) // 1024} KiB)")


if __name__ == "__main__":
    main()
