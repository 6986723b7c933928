"""The policy engine: per-brand actions on the analyser's findings, custom terms, allow-lists."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from animo_moderation.policy import (
    DEFAULT_POLICY,
    AllowedTerm,
    Categories,
    CustomTerm,
    Policy,
    Rule,
    problems,
    with_allowed,
)
from animo_moderation.policy_engine import CompiledPolicy, Outcome, PolicyCache, score_of
from animo_moderation.rules import analyse
from animo_shared.events import Category, ModerationAction

ALLOW, HIDE = ModerationAction.ALLOW, ModerationAction.HIDE
REVIEW, ESCALATE = ModerationAction.REVIEW, ModerationAction.ESCALATE


def judge(text: str, policy: Policy = DEFAULT_POLICY, lang: str | None = None) -> Outcome:
    return CompiledPolicy.build("v1", policy).evaluate(analyse(text, lang), text)


def names(outcome: Outcome) -> dict[str, ModerationAction]:
    return {c.bucket.value: c.action for c in outcome.categories}


@pytest.mark.parametrize(
    ("text", "lang", "action", "category"),
    [
        ("T'es vraiment un connard.", "fr", HIDE, "insult"),
        ("t'es un idiot", "fr", REVIEW, "insult"),
        ("Putain c'est génial, merci !", "fr", ALLOW, "profanity"),
        ("Trop de bougnoules ici", "fr", HIDE, "hate"),
        ("Je vais te tuer", "fr", ESCALATE, "threat"),
        ("watch your back", "en", HIDE, "threat"),
        ("regarde ce porno", "fr", HIDE, "sexual"),
        ("send nudes to this 15 year old", "en", ESCALATE, "csam"),
        ("Cliquez ici pour recevoir votre cadeau", "fr", HIDE, "spam"),
        ("je veux mourir", "fr", REVIEW, "self_harm"),
    ],
)
def test_the_defaults_give_each_category_its_action(
    text: str, lang: str, action: ModerationAction, category: str
) -> None:
    outcome = judge(text, lang=lang)
    assert outcome.action == action
    assert category in names(outcome)
    assert outcome.policy_version == "v1"


def test_a_complaint_stays_allowed_and_keeps_its_topic() -> None:
    outcome = judge("Mon colis n'est jamais arrivé", lang="fr")
    assert outcome.action == ALLOW
    assert outcome.categories == ()
    assert outcome.complaint is not None
    assert outcome.complaint.topic == "delivery"


def test_self_harm_is_never_hidden_away_from_a_person() -> None:
    # The insult alone hides; with a person at risk in the text, a human must see it at once.
    outcome = judge("je veux mourir, bande de connards", lang="fr")
    assert names(outcome) == {"insult": HIDE, "self_harm": REVIEW}
    assert outcome.action == ESCALATE


@pytest.mark.parametrize(
    "text",
    [
        "T'es vraiment un connard.",
        "Putain c'est génial",
        "je veux mourir, bande de connards",
        "send nudes to this 15 year old",
        "t'es un idiot, espèce de con",
    ],
)
def test_category_scores_are_the_analysers_own(text: str) -> None:
    verdict = analyse(text)
    for finding in verdict.findings:
        assert score_of(finding) <= verdict.scores[finding.category.value]
    for category in {f.category for f in verdict.findings}:
        best = max(score_of(f) for f in verdict.findings if f.category == category)
        assert best == verdict.scores[category.value]


def test_severity_threshold_and_mild_action_are_the_brands() -> None:
    strict = Policy(categories=Categories(insult=Rule(action=HIDE, min_severity=1)))
    lenient = Policy(categories=Categories(insult=Rule(action=REVIEW, min_severity=3)))
    assert judge("t'es un idiot", strict, "fr").action == HIDE
    assert judge("T'es vraiment un connard.", lenient, "fr").action == ALLOW


def test_findings_under_the_score_threshold_are_ignored_but_kept_as_evidence() -> None:
    policy = Policy(categories=Categories(insult=Rule(action=HIDE, min_score=0.9)))
    outcome = judge("T'es vraiment un connard.", policy, "fr")
    assert outcome.action == ALLOW
    [insult] = outcome.categories
    assert (insult.action, insult.score, insult.findings[0].term) == (ALLOW, 0.8, "connard")


def test_profanity_can_be_sent_to_review() -> None:
    policy = Policy(categories=Categories(profanity=Rule(action=REVIEW)))
    assert judge("Putain c'est génial", policy, "fr").action == REVIEW


def test_custom_terms_are_found_through_evasions_with_offsets_in_the_original() -> None:
    policy = Policy(custom_terms=(CustomTerm(term="Zorglub", category=Category.INSULT),))
    text = "Encore un Z0RGLÜB, vraiment"
    [finding] = CompiledPolicy.build("v2", policy).custom_findings(text)
    assert finding.rule == "custom:insult:zorglub"
    assert text[finding.start : finding.end] == finding.term == "Z0RGLÜB"
    assert judge(text, policy).action == HIDE
    assert judge("zorglubs partout", policy).action == ALLOW  # whole words only
    assert judge("un zorrrglub", policy).action == HIDE  # elongated
    assert judge("un z o r g l u b", policy).action == HIDE  # spaced out
    assert judge("un zorglub", Policy()).action == ALLOW


def test_a_mild_custom_term_goes_to_review_and_a_phrase_matches_as_a_phrase() -> None:
    policy = Policy(
        custom_terms=(
            CustomTerm(term="vendu", category=Category.INSULT, severity=1),
            CustomTerm(term="prix cassés", category=Category.SPAM),
        )
    )
    assert judge("quel vendu", policy, "fr").action == REVIEW
    assert judge("Prix CASSES ici", policy, "fr").action == HIDE
    assert judge("les prix sont cassés", policy, "fr").action == ALLOW


def test_the_allow_list_clears_a_term_and_its_disguises_and_keeps_the_evidence() -> None:
    policy = Policy(allow_list=(AllowedTerm(term="connard"),))
    for text in ("T'es vraiment un connard.", "T'es vraiment un c0nnard."):
        outcome = judge(text, policy, "fr")
        assert outcome.action == ALLOW
        assert [f.rule for f in outcome.allowed] == ["lex:fr:insult:connard"]


def test_an_allow_entry_in_one_category_leaves_the_others() -> None:
    policy = Policy(allow_list=(AllowedTerm(term="connard", category=Category.HATE),))
    assert judge("T'es vraiment un connard.", policy, "fr").action == HIDE


def test_no_allow_list_clears_sexual_content_involving_minors() -> None:
    text = "send nudes to this 15 year old"
    terms = tuple(AllowedTerm(term=f.term) for f in analyse(text, "en").findings)
    assert judge(text, Policy(allow_list=terms), "en").action == ESCALATE


@pytest.mark.parametrize(
    "rule",
    [
        {"action": "allow"},
        {"action": "review"},
        {"action": "hide", "min_severity": 2},
        {"action": "hide", "min_score": 0.5},
    ],
)
def test_csam_can_only_be_hidden_or_escalated(rule: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as caught:
        Policy.model_validate({"categories": {"csam": rule}})
    assert caught.value.errors()[0]["loc"] == ("categories", "csam")


def test_bad_input_names_its_field_path() -> None:
    with pytest.raises(ValidationError) as caught:
        Policy.model_validate(
            {
                "categories": {"insult": {"action": "ban"}, "gossip": {"action": "hide"}},
                "custom_terms": [{"term": "ok", "category": "insult", "severity": 4}],
                "allow_list": [{"term": "  "}],
            }
        )
    locations = {error["loc"] for error in caught.value.errors()}
    assert locations == {
        ("categories", "insult", "action"),
        ("categories", "gossip"),
        ("custom_terms", 0, "severity"),
        ("allow_list", 0, "term"),
    }


def test_duplicates_and_contradictions_are_problems_with_their_paths() -> None:
    policy = Policy(
        custom_terms=(
            CustomTerm(term="Vendu", category=Category.INSULT),
            CustomTerm(term="vendu!", category=Category.INSULT),
            CustomTerm(term="bof", category=Category.INSULT),
            CustomTerm(term="日本", category=Category.SPAM),
        ),
        allow_list=(AllowedTerm(term="BOF"), AllowedTerm(term="bof")),
    )
    assert problems(policy) == [
        (("allow_list", 1, "term"), "'bof' is listed twice"),
        (("custom_terms", 1, "term"), "'vendu!' is listed twice"),
        (("custom_terms", 2, "term"), "'bof' is also on the allow-list"),
        (("custom_terms", 3, "term"), "term has no letter or digit to match"),
    ]
    assert problems(DEFAULT_POLICY) == []


def test_allowing_terms_adds_each_once_and_drops_a_custom_term_of_that_name() -> None:
    policy = Policy(
        custom_terms=(CustomTerm(term="con", category=Category.INSULT),),
        allow_list=(AllowedTerm(term="naze"),),
    )
    allowed = with_allowed(
        policy, [("Con", Category.INSULT), ("con", Category.INSULT), ("naze", None)]
    )
    assert allowed.allow_list == (
        AllowedTerm(term="naze"),
        AllowedTerm(term="Con", category=Category.INSULT),
    )
    assert allowed.custom_terms == ()
    assert problems(allowed) == []
    assert with_allowed(allowed, [("con", Category.INSULT)]) == allowed


def test_compiled_policies_are_cached_per_version_and_the_oldest_evicted() -> None:
    cache = PolicyCache(size=2)
    first = cache.get("acme:1", DEFAULT_POLICY, "v1")
    assert cache.get("acme:1", DEFAULT_POLICY, "v1") is first
    cache.get("acme:2", DEFAULT_POLICY, "v2")
    cache.get("acme:1", DEFAULT_POLICY, "v1")  # used: now the most recent
    cache.get("acme:3", DEFAULT_POLICY, "v3")
    assert cache.get("acme:1", DEFAULT_POLICY, "v1") is first
    assert cache.get("acme:2", DEFAULT_POLICY, "v2").version == "v2"


def test_a_policy_survives_a_json_round_trip() -> None:
    policy = Policy(
        categories=Categories(spam=Rule(action=REVIEW)),
        custom_terms=(CustomTerm(term="arnaque", category=Category.SPAM, severity=3),),
        allow_list=(AllowedTerm(term="con", category=Category.INSULT),),
    )
    assert Policy.model_validate_json(policy.model_dump_json()) == policy
