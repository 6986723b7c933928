"""Scores the rule set on the HateCheck suites: `python -m animo_moderation.evaluate [DATA_DIR]`.

A case counts as flagged in two ways: "action" (the verdict is not allow: what a user sees) and
"hate" (a hate finding: HateCheck labels hate against protected groups, so abuse of one person,
which Animo still hides as an insult or a threat, is "non-hateful" there).
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from animo_moderation.rules import RULESET_VERSION, analyse
from animo_shared.events import Category, ModerationAction

SUITES = (("en", "hatecheck_en.csv"), ("fr", "multilingual_hatecheck_fr.csv"))


@dataclass
class Tally:
    """Counts of one scoring: true and false positives, false negatives, true negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, hateful: bool, flagged: bool) -> None:
        if hateful:
            self.tp, self.fn = self.tp + flagged, self.fn + (not flagged)
        else:
            self.fp, self.tn = self.fp + flagged, self.tn + (not flagged)

    def scores(self) -> tuple[float, float, float]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


def score_suite(lang: str, path: Path) -> tuple[dict[str, Tally], dict[str, Tally]]:
    """Tallies per scoring ("action", "hate"), overall and per HateCheck functionality."""
    overall: dict[str, Tally] = defaultdict(Tally)
    per_functionality: dict[str, Tally] = defaultdict(Tally)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            verdict = analyse(row["test_case"], lang)
            hateful = row["label_gold"] == "hateful"
            by_action = verdict.action != ModerationAction.ALLOW
            by_hate = any(f.category == Category.HATE for f in verdict.findings)
            overall["action"].add(hateful, by_action)
            overall["hate"].add(hateful, by_hate)
            per_functionality[row["functionality"]].add(hateful, by_action)
    return overall, per_functionality


def _report(lang: str, overall: dict[str, Tally], per_functionality: dict[str, Tally]) -> None:
    print(f"\n{lang.upper()}  scoring   precision  recall     F1")
    for name in ("action", "hate"):
        precision, recall, f1 = overall[name].scores()
        print(f"    {name:<10} {precision:9.3f} {recall:7.3f} {f1:6.3f}")
    print("    functionality (flagged by action: recall on *_h, false-positive rate on *_nh)")
    for functionality, tally in sorted(per_functionality.items()):
        total = tally.tp + tally.fn + tally.fp + tally.tn
        rate = (tally.tp + tally.fp) / total if total else 0.0
        print(f"      {functionality:<22} {rate:6.1%}  of {total}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "data_dir",
        nargs="?",
        type=Path,
        default=Path("../shared/data/moderation"),
        help="folder holding hatecheck_en.csv and multilingual_hatecheck_fr.csv",
    )
    args = parser.parse_args(argv)
    print(f"ruleset {RULESET_VERSION}, data {args.data_dir}")
    for lang, filename in SUITES:
        path = args.data_dir / filename
        if not path.exists():
            print(f"\n{lang.upper()}  missing: {path}")
            continue
        _report(lang, *score_suite(lang, path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
