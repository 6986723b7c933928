"""A policy applied: custom terms compiled once per version, a verdict turned into an outcome.

Pure and cheap per text: a compiled policy holds an Aho-Corasick automaton of the brand's custom
terms and the key set of its allow-list, and `evaluate` combines the analyser's findings with
them. Combination: the strongest action wins (escalate > hide > review > allow), with one
exception: when self-harm asks for a human and another category hides, the result is escalate,
so a person at risk is never hidden away from the team.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

import ahocorasick

from animo_moderation.lexicon import lexicon
from animo_moderation.normalise import normalise
from animo_moderation.policy import Bucket, Policy, name_of, term_key
from animo_moderation.rules import Complaint, Verdict
from animo_shared.events import Category, Finding, ModerationAction

_STRENGTH = {
    ModerationAction.ALLOW: 0,
    ModerationAction.REVIEW: 1,
    ModerationAction.HIDE: 2,
    ModerationAction.ESCALATE: 3,
}
# The analyser's score scale (rules.py): by severity, and ambient profanity lowest. A unit test
# checks these reproduce the analyser's own per-category scores.
SEVERITY_SCORE = {1: 0.5, 2: 0.8, 3: 0.95}
PROFANITY_SCORE = 0.2
# Rules that stand for one lexicon or custom entry, named by their last part: an allow-list
# entry clears them by that name too ("connard" clears "c0nnard"); pattern rules ("hate:...")
# only by the exact words they matched.
_ENTRY_RULE = re.compile(r"^(?:lex:[a-z]{2}:[a-z_]+|custom:[a-z_]+):(?P<name>[a-z0-9_]+)$")


def strongest(actions: Iterable[ModerationAction]) -> ModerationAction:
    return max(actions, key=_STRENGTH.__getitem__, default=ModerationAction.ALLOW)


def bucket_of(finding: Finding) -> Bucket:
    if finding.rule.startswith("csam:"):
        return Bucket.CSAM
    if ":profanity:" in finding.rule:
        return Bucket.PROFANITY
    return Bucket(finding.category.value)


def score_of(finding: Finding) -> float:
    if ":profanity:" in finding.rule:
        return PROFANITY_SCORE
    return SEVERITY_SCORE[finding.severity]


@dataclass(frozen=True)
class CategoryOutcome:
    """One policy category that fired: its action under the policy and the evidence."""

    bucket: Bucket
    action: ModerationAction
    severity: int
    score: float
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Outcome:
    """What a brand's policy makes of one text."""

    action: ModerationAction
    categories: tuple[CategoryOutcome, ...]
    findings: tuple[Finding, ...]  # the analyser's and the custom terms', minus the allowed
    allowed: tuple[Finding, ...]  # cleared by the allow-list: kept as evidence of why
    verdict: Verdict
    policy_version: str

    @property
    def complaint(self) -> Complaint | None:
        return self.verdict.complaint


@dataclass(frozen=True)
class _Custom:
    category: Category
    severity: int
    rule: str


@dataclass
class CompiledPolicy:
    """A policy version ready to apply: its custom terms in an automaton, its allow-list keyed."""

    version: str
    policy: Policy
    automaton: ahocorasick.Automaton | None = None
    allowed: dict[str, frozenset[Category | None]] = field(default_factory=dict)

    @classmethod
    def build(cls, version: str, policy: Policy) -> CompiledPolicy:
        allowed: dict[str, set[Category | None]] = {}
        for entry in policy.allow_list:
            allowed.setdefault(term_key(entry.term), set()).add(entry.category)
        automaton = None
        if policy.custom_terms:
            automaton = ahocorasick.Automaton()
            for custom in policy.custom_terms:
                key = term_key(custom.term)
                rule = f"custom:{custom.category.value}:{name_of(custom.term)}"
                value = _Custom(custom.category, custom.severity, rule)
                automaton.add_word(key, (len(key), value, False))
                # Elongated letters are one letter in the normalised text ("connnnard").
                collapsed = re.sub(r"([a-z])\1+", r"\1", key)
                if collapsed != key and not automaton.exists(collapsed):
                    automaton.add_word(collapsed, (len(collapsed), value, True))
            automaton.make_automaton()
        return cls(version, policy, automaton, {k: frozenset(v) for k, v in allowed.items()})

    def custom_findings(self, text: str) -> list[Finding]:
        """The brand's terms in a text, at word boundaries, with offsets in the original."""
        if self.automaton is None:
            return []
        norm = normalise(text, lexicon().vocabulary)
        key, found = norm.key, []
        for last, (length, custom, elongated) in self.automaton.iter(key):
            start, end = last - length + 1, last + 1
            if (start and key[start - 1] != " ") or (end < len(key) and key[end] != " "):
                continue
            view_start, view_end = norm.to_view(start, end)
            if elongated and not any(p in norm.elongated for p in range(view_start, view_end)):
                continue
            first, stop = norm.span(view_start, view_end)
            found.append(
                Finding(
                    category=custom.category,
                    severity=custom.severity,
                    rule=custom.rule,
                    term=text[first:stop],
                    start=first,
                    end=stop,
                )
            )
        return found

    def is_allowed(self, finding: Finding) -> bool:
        if not self.allowed or bucket_of(finding) is Bucket.CSAM:
            return False  # no allow-list clears sexual content involving minors
        keys = {term_key(finding.term)}
        entry = _ENTRY_RULE.match(finding.rule)
        if entry is not None:
            keys.add(entry["name"].replace("_", " "))
        return any(
            None in scopes or finding.category in scopes
            for scopes in (self.allowed.get(k) for k in keys)
            if scopes
        )

    def evaluate(self, verdict: Verdict, text: str) -> Outcome:
        """The outcome of the analyser's verdict on `text` under this policy."""
        allowed: list[Finding] = []
        kept: list[Finding] = []
        for finding in [*verdict.findings, *self.custom_findings(text)]:
            (allowed if self.is_allowed(finding) else kept).append(finding)
        groups: dict[Bucket, list[Finding]] = {}
        for finding in kept:
            groups.setdefault(bucket_of(finding), []).append(finding)
        categories = []
        for bucket in Bucket:  # a stable order: the enum's
            group = groups.get(bucket)
            if not group:
                continue
            rule = self.policy.categories.rule(bucket)
            acting = [f for f in group if score_of(f) >= rule.min_score]
            severity = max(f.severity for f in group)
            if not acting:
                action = ModerationAction.ALLOW
            elif max(f.severity for f in acting) >= rule.min_severity:
                action = rule.action
            else:
                action = rule.mild_action
            score = max(score_of(f) for f in group)
            categories.append(CategoryOutcome(bucket, action, severity, score, tuple(group)))
        action = strongest(c.action for c in categories)
        asks_human = any(
            c.bucket is Bucket.SELF_HARM and c.action is ModerationAction.REVIEW for c in categories
        )
        if asks_human and action is ModerationAction.HIDE:
            action = ModerationAction.ESCALATE
        return Outcome(
            action=action,
            categories=tuple(categories),
            findings=tuple(sorted(kept, key=lambda f: (f.start, f.end, f.rule))),
            allowed=tuple(allowed),
            verdict=verdict,
            policy_version=self.version,
        )


class PolicyCache:
    """Compiled policies by version id: versions are immutable, so an entry never goes stale."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._compiled: OrderedDict[str, CompiledPolicy] = OrderedDict()

    def get(self, version_id: str, policy: Policy, label: str) -> CompiledPolicy:
        found = self._compiled.get(version_id)
        if found is None:
            found = CompiledPolicy.build(label, policy)
            self._compiled[version_id] = found
            while len(self._compiled) > self._size:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(version_id)
        return found
