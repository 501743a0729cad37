"""The participant state machine (dawna.rules.lifecycle) against the course the issue and ICH
E6(R3) describe: every listed move allowed, every other refused with the rule named."""

from __future__ import annotations

from datetime import date

import pytest

from dawna.rules.lifecycle import (
    EOS_REASONS,
    EOT_REASONS,
    TRANSITIONS,
    Event,
    State,
    TransitionRefused,
    check_event_date,
    target_state,
)

S, E = State, Event

COURSE = [  # the happy path, written out by hand from the issue
    (S.PRE_SCREENING, E.CONSENT, None, S.CONSENTED),
    (S.CONSENTED, E.SCREENING_STARTED, None, S.SCREENING),
    (S.SCREENING, E.SIGNED_ELIGIBLE, None, S.ELIGIBLE),
    (S.ELIGIBLE, E.RANDOMIZED, None, S.RANDOMIZED),
    (S.RANDOMIZED, E.TREATMENT_STARTED, None, S.ON_TREATMENT),
    (S.ON_TREATMENT, E.TREATMENT_ENDED, "progression", S.END_OF_TREATMENT),
    (S.END_OF_TREATMENT, E.FOLLOW_UP_STARTED, None, S.FOLLOW_UP),
    (S.FOLLOW_UP, E.STUDY_ENDED, "death", S.END_OF_STUDY),
]


@pytest.mark.parametrize(("state", "event", "reason", "expected"), COURSE)
def test_the_course_of_a_participant(state: State, event: Event, reason: str | None,
                                     expected: State) -> None:
    assert target_state(state, event, reason) is expected


def test_screen_failure_and_a_voided_decision() -> None:
    assert target_state(S.SCREENING, E.SIGNED_NOT_ELIGIBLE) is S.SCREEN_FAILED
    assert target_state(S.SCREEN_FAILED, E.DECISION_VOIDED) is S.SCREENING
    assert target_state(S.ELIGIBLE, E.DECISION_VOIDED) is S.SCREENING


def test_every_move_not_listed_is_refused() -> None:
    refused = 0
    for state in State:
        for event in Event:
            if event in (E.STUDY_ENDED, E.TREATMENT_ENDED):
                continue
            if (state, event) in TRANSITIONS:
                continue
            with pytest.raises(TransitionRefused) as caught:
                target_state(state, event)
            assert caught.value.field == "event"
            refused += 1
    # 10 states x 8 events without a reason, less the 9 such moves listed (consent, screening
    # started, signed eligible / not eligible, two voided decisions, randomized, treatment
    # started, follow-up started)
    assert refused == 10 * 8 - 9


@pytest.mark.parametrize(("state", "event"), [
    (S.CONSENTED, E.RANDOMIZED),          # randomized without screening
    (S.SCREENING, E.RANDOMIZED),          # without a signed decision
    (S.SCREEN_FAILED, E.RANDOMIZED),
    (S.ELIGIBLE, E.TREATMENT_STARTED),    # treated before randomization
    (S.FOLLOW_UP, E.TREATMENT_STARTED),
    (S.END_OF_STUDY, E.CONSENT),
])
def test_named_illegal_moves(state: State, event: Event) -> None:
    with pytest.raises(TransitionRefused) as caught:
        target_state(state, event)
    assert "not allowed" in caught.value.message.template


def test_end_of_treatment_needs_a_known_reason() -> None:
    for reason in (None, ""):
        with pytest.raises(TransitionRefused) as caught:
            target_state(S.ON_TREATMENT, E.TREATMENT_ENDED, reason)
        assert caught.value.field == "reason"
    with pytest.raises(TransitionRefused):
        target_state(S.ON_TREATMENT, E.TREATMENT_ENDED, "bored")
    for reason in EOT_REASONS:
        assert target_state(S.ON_TREATMENT, E.TREATMENT_ENDED, reason) is S.END_OF_TREATMENT
    # randomized and never treated: CONSORT "did not receive the allocated intervention"
    assert target_state(S.RANDOMIZED, E.TREATMENT_ENDED, "other") is S.END_OF_TREATMENT
    with pytest.raises(TransitionRefused):
        target_state(S.FOLLOW_UP, E.TREATMENT_ENDED, "progression")


def test_end_of_study_reasons_and_where_they_apply() -> None:
    assert set(EOS_REASONS) == {"death", "withdrawal", "lost_to_follow_up", "study_closed"}
    assert target_state(S.ON_TREATMENT, E.STUDY_ENDED, "death") is S.END_OF_STUDY
    assert target_state(S.SCREENING, E.STUDY_ENDED, "withdrawal") is S.END_OF_STUDY
    with pytest.raises(TransitionRefused):   # lost only once treatment has ended
        target_state(S.ON_TREATMENT, E.STUDY_ENDED, "lost_to_follow_up")
    with pytest.raises(TransitionRefused):   # nothing after the end
        target_state(S.END_OF_STUDY, E.STUDY_ENDED, "death")
    with pytest.raises(TransitionRefused):   # a screen failure is already finished
        target_state(S.SCREEN_FAILED, E.STUDY_ENDED, "withdrawal")
    with pytest.raises(TransitionRefused) as caught:
        target_state(S.FOLLOW_UP, E.STUDY_ENDED, None)
    assert caught.value.field == "reason"


def test_event_dates() -> None:
    today, consent = date(2026, 5, 1), date(2026, 1, 10)
    check_event_date(date(2026, 1, 10), consent=consent, previous=None, today=today,
                     event=E.SCREENING_STARTED)
    for on, kwargs, words in [
        (date(2026, 5, 2), {}, "future"),
        (date(2026, 1, 9), {}, "before the informed consent"),
        (date(2026, 2, 1), {"previous": date(2026, 2, 2)}, "previous recorded event"),
        (date(2026, 2, 1), {"consent": None}, "no informed consent"),
    ]:
        args = {"consent": consent, "previous": None, "today": today} | kwargs
        with pytest.raises(TransitionRefused) as caught:
            check_event_date(on, event=E.TREATMENT_STARTED, **args)  # type: ignore[arg-type]
        assert words in caught.value.message.template
    # the consent itself may carry no earlier consent
    check_event_date(date(2026, 1, 10), consent=None, previous=None, today=today, event=E.CONSENT)
