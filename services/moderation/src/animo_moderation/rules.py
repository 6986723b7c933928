"""The French and English analyser: a text in, a verdict with its evidence out.

Pure and explainable: every finding names its rule and points at a span of the original text.
The pipeline: normalise (evasions undone, offsets kept) -> one Aho-Corasick pass over the
curated lexicons -> language -> rules per category, each reading the context of its matches
(insult.py, hate.py, threat.py, sexual.py, spam.py) -> decision, sentiment and complaint.

Decision, strongest first:
  * sexual content involving minors (csam)      -> hide (the policy layer escalates it);
  * self_harm                                   -> review (a person at risk must reach a human,
                                                   even when the text breaks another rule too);
  * hate, threat, sexual, spam, insult sev >= 2 -> hide;
  * insult sev 1 ("idiot", "con")               -> review: mild, and often banter;
  * ambient profanity ("putain c'est génial")   -> allow, the finding kept as evidence;
  * nothing found, or a complaint alone         -> allow.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from animo_moderation.complaints import Complaint, detect_complaint
from animo_moderation.context import Text
from animo_moderation.hate import hate_findings
from animo_moderation.insult import insult_findings
from animo_moderation.language import detect
from animo_moderation.lexicon import LANGUAGES, Hit, lexicon, scan
from animo_moderation.normalise import normalise
from animo_moderation.sentiment import score_sentiment
from animo_moderation.sexual import sexual_findings
from animo_moderation.spam import spam_findings
from animo_moderation.threat import threat_findings
from animo_shared.events import Category, Finding, ModerationAction

RULESET_VERSION = "fr-en-2026.11.3"

__all__ = ["RULESET_VERSION", "Complaint", "Verdict", "analyse"]


@dataclass(frozen=True)
class Verdict:
    """What to do with a text, the evidence for it, and what it says about the brand."""

    action: ModerationAction
    findings: tuple[Finding, ...]
    language: str = "und"  # "fr" | "en" | "und"
    sentiment: str = "neutral"  # "positive" | "neutral" | "negative"
    sentiment_score: float = 0.0  # -1..1
    complaint: Complaint | None = None
    # Per category value, 0..1: how strongly the text falls in it, for policies to threshold.
    scores: Mapping[str, float] = field(default_factory=dict)


_DIRECT = {"threat": Category.THREAT, "self_harm": Category.SELF_HARM, "spam": Category.SPAM}
_TRIGGERING = frozenset(
    {"insult", "profanity", "hate", "sexual", "threat", "self_harm", "spam", "identity", "harm"}
    | {"violence", "collective", "minor"}
)
_SEVERITY_SCORE = {1: 0.5, 2: 0.8, 3: 0.95}
_PROFANITY_SCORE = 0.2
_COMPLAINT_SENTIMENT = -0.3


def _findings(text: Text, hits: list[Hit]) -> Iterator[Finding]:
    for hit in hits:
        category = _DIRECT.get(hit.entry.kind)
        if category is not None:
            rule = f"lex:{text.lang}:{hit.entry.kind}:{hit.entry.name}"
            yield text.finding(category, hit.entry.severity, rule, hit.start, hit.end)
    yield from insult_findings(text, hits)
    yield from hate_findings(text, hits)
    yield from threat_findings(text, [h for h in hits if h.entry.kind in {"harm", "violence"}])
    yield from sexual_findings(text, hits)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Drop a finding inside a stronger one of its kind ("pute" in "fils de pute") or overlapping
    one that starts first ("live sex" and "sex cams" in "live sex cams"), and ambient profanity
    inside any finding ("putain" in "putain de ...")."""
    longest = max((f.end - f.start for f in findings), default=0)
    kept: list[Finding] = []  # sorted by start, so only the few that start close by are compared
    for finding in sorted(findings, key=lambda f: (-f.severity, f.start, f.start - f.end)):
        profanity = ":profanity:" in finding.rule
        low = bisect.bisect_left(kept, finding.start - longest, key=lambda f: f.start)
        high = bisect.bisect_left(kept, finding.end, key=lambda f: f.start)
        if not any(
            other.severity >= finding.severity
            and (
                (other.category == finding.category and finding.start < other.end)
                or (profanity and finding.end <= other.end)
            )
            for other in kept[low:high]
        ):
            bisect.insort(kept, finding, key=lambda f: (f.start, f.end, f.rule))
    return kept


def _decide(findings: list[Finding]) -> ModerationAction:
    if any(f.rule.startswith("csam:") for f in findings):
        return ModerationAction.HIDE
    categories = {f.category for f in findings}
    if Category.SELF_HARM in categories:
        return ModerationAction.REVIEW
    if categories & {Category.HATE, Category.THREAT, Category.SEXUAL, Category.SPAM}:
        return ModerationAction.HIDE
    insults = [f for f in findings if f.category == Category.INSULT]
    if any(f.severity >= 2 for f in insults):
        return ModerationAction.HIDE
    if any(":profanity:" not in f.rule for f in insults):
        return ModerationAction.REVIEW
    return ModerationAction.ALLOW


def _scores(findings: list[Finding]) -> dict[str, float]:
    scores = dict.fromkeys((category.value for category in Category), 0.0)
    for finding in findings:
        if ":profanity:" in finding.rule:
            score = _PROFANITY_SCORE
        else:
            score = _SEVERITY_SCORE[finding.severity]
        scores[finding.category.value] = max(scores[finding.category.value], score)
    return scores


def analyse(text: str, lang: str | None = None) -> Verdict:
    """Moderate one text. `lang` ("fr", "en") picks the lexicon; absent or another language, it
    is detected from everyday words, and both lexicons run when the guess is unsure."""
    lex = lexicon()
    norm = normalise(text, lex.vocabulary)
    hits = scan(lex, norm)
    language = lang if lang in LANGUAGES else detect(norm.words, text, lex.common)
    findings: list[Finding] = []
    for code in (language,) if language in LANGUAGES else LANGUAGES:
        own = [hit for hit in hits if hit.entry.lang in {code, "*"}]
        # Praise or a sexualising word alone makes no finding: skip the rules.
        if any(hit.entry.kind in _TRIGGERING for hit in own):
            findings.extend(_findings(Text(code, norm), own))
    findings.extend(spam_findings(text))
    kept = _dedupe(findings)
    sentiment, score = score_sentiment(norm, language)
    complaint = detect_complaint(norm, language, score)
    if complaint is not None and score > _COMPLAINT_SENTIMENT:
        # A complaint told as plain facts ("mon colis n'est jamais arrivé") is still unhappy.
        sentiment, score = "negative", _COMPLAINT_SENTIMENT
    return Verdict(
        action=_decide(kept),
        findings=tuple(kept),
        language=language,
        sentiment=sentiment,
        sentiment_score=score,
        complaint=complaint,
        scores=_scores(kept),
    )
