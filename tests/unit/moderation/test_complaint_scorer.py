"""The trained complaint scorer: a second signal after the patterns, shipped as a file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from animo_moderation import train_complaints
from animo_moderation.complaint_scorer import features, scorer
from animo_moderation.lexicon import lexicon
from animo_moderation.normalise import normalise
from animo_moderation.rules import analyse
from animo_moderation.train_complaints import TRAIN_SPLITS, render, shipped_path

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "moderation"


def words(text: str) -> list[str]:
    return normalise(text, lexicon().vocabulary).key.split()


def test_the_shipped_model_loads_with_a_threshold() -> None:
    model = scorer()
    assert model is not None
    assert 0.3 <= model.threshold < 1.0
    assert model.weights and model.topic_weights


@pytest.mark.parametrize(
    "text",
    [
        "Mon colis n'est jamais arrivé",
        "Four emails, zero replies. Is anyone there?",
        "j'adore ce vélo, vivement dimanche",
    ],
)
@pytest.mark.parametrize("sentiment", [-0.5, 0.0, 0.5])
def test_the_fast_sum_is_the_sum_over_the_features(text: str, sentiment: float) -> None:
    model = scorer()
    assert model is not None
    z = model.bias + sum(model.weights.get(f, 0.0) for f in features(words(text), sentiment))
    assert model.probability(words(text), sentiment) == pytest.approx(1 / (1 + math.exp(-z)))


def test_a_complaint_the_patterns_miss_is_routed_with_its_evidence_and_stays_allowed() -> None:
    verdict = analyse("Votre application efface mon panier à chaque fois")
    assert verdict.complaint is not None
    assert verdict.complaint.evidence[0].startswith("scorer:")
    assert verdict.action.value == "allow"


@pytest.mark.parametrize(
    "text",
    [
        "Les juifs sont des parasites",  # hate is no complaint
        "T'es vraiment un connard.",
        "Super expérience, je recommande",
        "What time does the store open on Sunday?",
    ],
)
def test_hate_insults_praise_and_questions_are_not_complaints(text: str) -> None:
    assert analyse(text).complaint is None


def test_training_never_reads_the_unseen_splits() -> None:
    assert not TRAIN_SPLITS & {"held_out_3", "held_out_4"}


@pytest.mark.skipif(not DATA.is_dir(), reason="the public suites are not next to the repository")
def test_training_again_gives_the_shipped_file() -> None:
    shipped = shipped_path().read_text(encoding="utf-8")
    assert render(train_complaints.train(DATA)) == shipped
