"""The participant state machine (dawna.rules.lifecycle) against the course the issue and ICH
E6(R3) describe: every listed move allowed, every other refused with the rule named."""

from __future__ import annotations

from datetime import date

import pytest

from dawna.rules.lifecycle import (
    EOS_REASONS,
    EOT_REASONS,
    TRANSITIONS,
    DatedRecord,
    Event,
    State,
    TransitionRefused,
    check_against_records,
    check_event_date,
    check_record_in_study,
    target_state,
)
from dawna.rules.messages import Message

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


# --- issue 18 item 7: the course checked against every dated record ---------------------------


def _rec(kind: str, on: str, label: str, alive: bool = False) -> DatedRecord:
    return DatedRecord(kind, date.fromisoformat(on), Message(label), alive)


# The case: a re-consent in April 2025 and eight later survival contacts.
RECORDED = [_rec("consent", "2024-02-01", "consent of 2024-02-01"),
          _rec("consent", "2025-04-10", "re-consent of 2025-04-10"),
          *[_rec("contact", f"2025-{m:02d}-15", f"contact of 2025-{m:02d}-15", alive=True)
            for m in range(5, 13)]]


def test_a_withdrawal_before_data_already_recorded_is_refused_naming_it() -> None:
    with pytest.raises(TransitionRefused) as caught:
        check_against_records(Event.STUDY_ENDED, date(2025, 1, 1), RECORDED, reason="withdrawal")
    assert caught.value.field == "date"
    assert caught.value.message.params["record"].template == "re-consent of 2025-04-10"


def test_lost_to_follow_up_before_a_contact_alive_is_refused() -> None:
    with pytest.raises(TransitionRefused) as caught:
        check_against_records(Event.STUDY_ENDED, date(2025, 12, 15), RECORDED,
                              reason="lost_to_follow_up")
    assert caught.value.message.params["record"].template == "contact of 2025-12-15"


def test_an_end_of_study_after_every_record_is_accepted() -> None:
    check_against_records(Event.STUDY_ENDED, date(2026, 1, 20), RECORDED,
                          reason="lost_to_follow_up")


def test_an_end_of_treatment_before_a_recorded_cycle_is_refused() -> None:
    records = [_rec("cycle", "2025-03-01", "cycle 3 of 2025-03-01"),
               _rec("lab", "2025-03-20", "blood count of 2025-03-20")]
    with pytest.raises(TransitionRefused):
        check_against_records(Event.TREATMENT_ENDED, date(2025, 2, 28), records)
    # a laboratory result after the end of treatment is normal (follow-up of toxicity)
    check_against_records(Event.TREATMENT_ENDED, date(2025, 3, 10), records)


def test_a_contact_after_the_end_of_study_is_refused_naming_it() -> None:
    with pytest.raises(TransitionRefused) as caught:
        check_record_in_study(date(2025, 6, 2), study_ended=date(2025, 6, 1),
                              what=Message("survival contact"))
    assert "end of study" in caught.value.message.template
    check_record_in_study(date(2025, 6, 1), study_ended=date(2025, 6, 1),
                          what=Message("survival contact"))
