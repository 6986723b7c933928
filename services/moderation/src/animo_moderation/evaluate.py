"""Scores the analyser: `python -m animo_moderation.evaluate [DATA_DIR] [--output FILE]`.

HateCheck (EN) and Multilingual HateCheck (FR) are scored on the `hate` category: HateCheck
labels hate against protected groups, so abuse of one person, which Animo still hides as an
insult or a threat, is "non-hateful" there. The "action" scoring (not allowed) is shown beside
it. Each suite is split by template family (a case and the cases derived from it: its
negation, its quote, its misspellings) into a dev half, the one looked at while writing rules,
and a held-out half, never tuned on; both are reported, and the full set.

The false-positive rate that matters is on the non-hateful cases without an insult
(counter-speech, quotes, negation, neutral and positive mentions of a group, homonyms,
reclaimed slurs). MLMA tweets (real posts, noisy labels) and the complaint set shipped in
`evaldata/` are reported too (its header says which of its splits is still unseen), and how
often posts of the public suites that are no customer messages are taken for complaints (on
the three quarters the complaint scorer never trained on). Results go to a JSON file and a
table on stdout.
"""

from __future__ import annotations

import argparse
import csv
import json
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from animo_moderation.complaint_scorer import in_training_quarter
from animo_moderation.rules import RULESET_VERSION, analyse
from animo_shared.events import Category, ModerationAction

SUITES = (("en", "hatecheck_en.csv"), ("fr", "multilingual_hatecheck_fr.csv"))
MLMA = (("en", "mlma_en.csv"), ("fr", "mlma_fr.csv"))
CLEAN_NON_HATEFUL = frozenset(
    {
        "counter_quote_nh",
        "counter_ref_nh",
        "negate_neg_nh",
        "ident_neutral_nh",
        "ident_pos_nh",
        "slur_homonym_nh",
        "slur_reclaimed_nh",
    }
)
HALVES = ("dev", "held_out", "full")


@dataclass
class Tally:
    """Counts of one scoring: true and false positives, false negatives, true negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, positive: bool, flagged: bool) -> None:
        if positive:
            self.tp, self.fn = self.tp + flagged, self.fn + (not flagged)
        else:
            self.fp, self.tn = self.fp + flagged, self.tn + (not flagged)

    def report(self) -> dict[str, float | int]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        fpr = self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0
        n = self.tp + self.fp + self.fn + self.tn
        return {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "fpr": round(fpr, 3),
            "n": n,
        }


def template_half(rows: list[dict[str, str]]) -> list[str]:
    """dev or held_out for each row, by the template its family started from."""
    parent = {row["templ_id"]: row.get("ref_templ_id", "").strip() for row in rows}

    def root(template: str) -> str:
        seen: set[str] = set()
        while (ref := parent.get(template, "")) and template not in seen:
            seen.add(template)
            template = str(int(float(ref)))
        return template

    return [
        "dev" if zlib.crc32(root(r["templ_id"]).encode()) % 2 == 0 else "held_out" for r in rows
    ]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def score_hatecheck(lang: str, path: Path) -> dict[str, Any]:
    rows = _read(path)
    halves = template_half(rows)
    hate: dict[str, Tally] = defaultdict(Tally)
    action: dict[str, Tally] = defaultdict(Tally)
    clean: dict[str, Tally] = defaultdict(Tally)
    functionality: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    categories: dict[str, Counter[str]] = defaultdict(Counter)
    complaints = Tally()
    for row, half in zip(rows, halves, strict=True):
        verdict = analyse(row["test_case"], lang)
        if not in_training_quarter(row["test_case"]):
            complaints.add(False, verdict.complaint is not None)
        hateful = row["label_gold"] == "hateful"
        found = {f.category.value for f in verdict.findings}
        flagged = Category.HATE.value in found
        label = "hateful" if hateful else "non_hateful"
        categories[label].update(found)
        categories[label]["cases"] += 1
        for bucket in (half, "full"):
            hate[bucket].add(hateful, flagged)
            action[bucket].add(hateful, verdict.action != ModerationAction.ALLOW)
            if row["functionality"] in CLEAN_NON_HATEFUL:
                clean[bucket].add(False, flagged)
            counts = functionality[row["functionality"]][bucket]
            counts["n"] += 1
            counts["hate"] += flagged
            counts["action"] += verdict.action != ModerationAction.ALLOW
    return {
        "hate": {half: hate[half].report() for half in HALVES},
        "action": {half: action[half].report() for half in HALVES},
        "fpr_clean_non_hateful": {half: clean[half].report()["fpr"] for half in HALVES},
        "complaint_rate_unseen": complaints.report()["fpr"],
        "categories": {label: dict(counts) for label, counts in categories.items()},
        "functionality": {
            name: {
                half: {
                    "n": c["n"],
                    "hate_rate": round(c["hate"] / c["n"], 3) if c["n"] else 0.0,
                    "action_rate": round(c["action"] / c["n"], 3) if c["n"] else 0.0,
                }
                for half, c in sorted(by_half.items())
            }
            for name, by_half in sorted(functionality.items())
        },
    }


def score_mlma(lang: str, path: Path) -> dict[str, Any]:
    """Real tweets: "toxic" is any label but a lone "normal"; "hateful" is the hateful label."""
    toxic, hateful = Tally(), Tally()
    detected: Counter[str] = Counter()
    categories: dict[str, Counter[str]] = defaultdict(Counter)
    complaints = Tally()
    for row in _read(path):
        labels = set(row["sentiment"].split("_"))
        verdict = analyse(row["tweet"])  # language detected, as in production
        if not in_training_quarter(row["tweet"]):
            complaints.add(False, verdict.complaint is not None)
        detected[verdict.language] += 1
        found = {f.category.value for f in verdict.findings if ":profanity:" not in f.rule}
        is_toxic = labels != {"normal"}
        categories["toxic" if is_toxic else "normal"].update(found or {"none"})
        toxic.add(is_toxic, bool(found))
        hateful.add("hateful" in labels, Category.HATE.value in found)
    total = sum(detected.values())
    return {
        "toxic_any_finding": toxic.report(),
        "complaint_rate_unseen": complaints.report()["fpr"],
        "hateful_hate_finding": hateful.report(),
        "language_accuracy": round(detected[lang] / total, 3) if total else 0.0,
        "categories": {label: dict(counts) for label, counts in categories.items()},
    }


def score_complaints(rows: Iterable[dict[str, str]]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    grouped: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        for half in (row["split"], "full"):
            grouped[(row["lang"], half)].append(row)
    for (lang, half), items in sorted(grouped.items()):
        tally, topics, sentiments = Tally(), Counter[str](), Counter[str]()
        for row in items:
            verdict = analyse(row["text"])
            is_complaint = row["topic"] != "none"
            tally.add(is_complaint, verdict.complaint is not None)
            if is_complaint and verdict.complaint is not None:
                topics["right" if verdict.complaint.topic == row["topic"] else "wrong"] += 1
            sentiments["right" if verdict.sentiment == row["sentiment"] else "wrong"] += 1
            if verdict.action != ModerationAction.ALLOW:
                sentiments["not_allowed"] += 1
        report: dict[str, Any] = dict(tally.report())
        report["topic_accuracy"] = round(topics["right"] / max(1, sum(topics.values())), 3)
        report["sentiment_accuracy"] = round(sentiments["right"] / max(1, len(items)), 3)
        report["not_allowed"] = sentiments["not_allowed"]
        results.setdefault(lang, {})[half] = report
    return results


def complaint_rows() -> list[dict[str, str]]:
    source = resources.files("animo_moderation").joinpath("evaldata", "complaints.tsv")
    lines = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(
        csv.DictReader((line for line in lines if not line.startswith("#")), delimiter="\t")
    )


def _print(results: dict[str, Any]) -> None:
    print(f"ruleset {results['ruleset']}")
    for lang, suite in results["hatecheck"].items():
        print(f"\nHateCheck {lang.upper()}  (hate category)        P      R     F1   FPR-clean-nh")
        for half in HALVES:
            h = suite["hate"][half]
            fpr = suite["fpr_clean_non_hateful"][half]
            print(
                f"    {half:<10} n={h['n']:<5}        {h['precision']:6.3f} {h['recall']:6.3f}"
                f" {h['f1']:6.3f}   {fpr:6.3f}"
            )
        a = suite["action"]["full"]
        print(
            f"    action (full)                {a['precision']:6.3f} {a['recall']:6.3f} {a['f1']:6.3f}"
        )
        print("    functionality            hate-rate (dev / held_out / full)   action (full)")
        for name, by_half in suite["functionality"].items():
            rates = " / ".join(f"{by_half.get(h, {}).get('hate_rate', 0.0):5.2f}" for h in HALVES)
            print(f"      {name:<22} {rates}        {by_half['full']['action_rate']:5.2f}")
        for label, counts in suite["categories"].items():
            print(f"    categories on {label}: {dict(sorted(counts.items()))}")
        print(f"    taken for complaints (unseen 3/4): {suite['complaint_rate_unseen']:.3f}")
    for lang, mlma in results["mlma"].items():
        t, h = mlma["toxic_any_finding"], mlma["hateful_hate_finding"]
        print(f"\nMLMA {lang.upper()} (language detected: accuracy {mlma['language_accuracy']})")
        print(
            f"    toxic vs any finding   P {t['precision']:.3f} R {t['recall']:.3f} F1 {t['f1']:.3f}"
        )
        print(
            f"    hateful vs hate        P {h['precision']:.3f} R {h['recall']:.3f} F1 {h['f1']:.3f}"
        )
        for label, counts in mlma["categories"].items():
            print(f"    categories on {label}: {dict(sorted(counts.items()))}")
        print(f"    taken for complaints (unseen 3/4): {mlma['complaint_rate_unseen']:.3f}")
    print("\nComplaints (own labelled set)     P      R     F1   topic  sentiment  not-allowed")
    for lang, by_half in results["complaints"].items():
        for half, r in by_half.items():
            print(
                f"    {lang} {half:<10} n={r['n']:<4} {r['precision']:6.3f} {r['recall']:6.3f}"
                f" {r['f1']:6.3f}  {r['topic_accuracy']:5.3f}  {r['sentiment_accuracy']:5.3f}"
                f"      {r['not_allowed']}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "data_dir",
        nargs="?",
        type=Path,
        default=Path("../shared/data/moderation"),
        help="folder holding the HateCheck and MLMA CSV files",
    )
    parser.add_argument(
        "--output", type=Path, default=Path("benchmarks/results/moderation-eval.json")
    )
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"ruleset": RULESET_VERSION, "hatecheck": {}, "mlma": {}}
    for lang, filename in SUITES:
        if (args.data_dir / filename).exists():
            results["hatecheck"][lang] = score_hatecheck(lang, args.data_dir / filename)
    for lang, filename in MLMA:
        if (args.data_dir / filename).exists():
            results["mlma"][lang] = score_mlma(lang, args.data_dir / filename)
    results["complaints"] = score_complaints(complaint_rows())
    _print(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
