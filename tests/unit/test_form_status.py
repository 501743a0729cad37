"""Form status against hand-worked dates: the protocol file's schedule of activities
(tumour assessments every 8 weeks ± 7 days from randomization, cycle day 1 ± 3 days, survival
contacts 12 weeks after the previous ± 14 days, screening within 14 days of consent) and the
documented precedence of the later marks (REDCap record status dashboard precedent)."""

from __future__ import annotations

from datetime import date

import pytest

from dawna.protocol import bundled_protocol
from dawna.protocol.schedule import ScheduleOfActivities, check_schedule
from dawna.rules.form_status import (
    Course,
    Entered,
    FormState,
    Mark,
    Occurrence,
    display_state,
    form_status,
    next_after_previous,
    summarize,
)
from dawna.services.form_catalogue import FORMS

PROTOCOL = bundled_protocol()
assert PROTOCOL.schedule is not None
SCHEDULE: ScheduleOfActivities = PROTOCOL.schedule
NAMES = {n for v in SCHEDULE.visits for n in (v.every, v.window_before, v.window_after) if n}
SETTINGS = {name: int(PROTOCOL.setting_number(name)) for name in NAMES}


def course(today: date, **dates: object) -> Course:
    return Course(today=today, settings=SETTINGS, **dates)  # type: ignore[arg-type]


def of(rows: list[Occurrence], visit: str, form: str) -> list[Occurrence]:
    return [o for o in rows if o.visit == visit and o.form == form]


RANDOMIZED = {"consent": date(2025, 12, 20), "eligible": date(2026, 1, 2),
                  "randomization": date(2026, 1, 5), "arm": "A", "cycle_length_days": 28}


def test_protocol_settings_are_what_the_hand_calculations_assume() -> None:
    assert SETTINGS == {"tumour_assessment_interval_weeks": 8,
                        "tumour_assessment_window_days": 7, "cycle_visit_window_days": 3,
                        "survival_follow_up_interval_weeks": 12,
                        "survival_follow_up_window_days": 14, "screening_labs_max_age_days": 14,
                        "depot_grace_days": 3}


def test_every_scheduled_form_is_a_catalogued_form() -> None:
    named = {f for v in SCHEDULE.visits for f in v.forms} | set(SCHEDULE.unscheduled)
    assert named <= set(FORMS)


@pytest.mark.parametrize(("today", "state"), [
    # randomized 2026-01-05: week 8 = 2026-03-02, window 2026-02-23 .. 2026-03-09
    (date(2026, 2, 22), FormState.NOT_DUE),
    (date(2026, 2, 23), FormState.DUE),
    (date(2026, 3, 1), FormState.DUE),
    (date(2026, 3, 9), FormState.DUE),
    (date(2026, 3, 10), FormState.OVERDUE),
])
def test_week_8_tumour_assessment(today: date, state: FormState) -> None:
    rows = of(form_status(SCHEDULE, course(today, **RANDOMIZED), []),
              "tumour_assessment", "tumour_assessment")
    first = rows[0]
    assert (first.due, first.opens, first.closes) == (
        date(2026, 3, 2), date(2026, 2, 23), date(2026, 3, 9))
    assert first.state is state


def test_assessment_out_of_window_fills_the_nearest_and_says_so() -> None:
    entered = [Entered("tumour_assessment", 7, date(2026, 3, 12)),
               Entered("tumour_assessment", 8, date(2025, 12, 28), visit="screening")]
    rows = form_status(SCHEDULE, course(date(2026, 3, 20), **RANDOMIZED), entered)
    week8 = of(rows, "tumour_assessment", "tumour_assessment")[0]
    assert (week8.state, week8.rows, week8.out_of_window) == (FormState.ENTERED, (7,), True)
    baseline = of(rows, "screening", "tumour_assessment")[0]
    assert (baseline.state, baseline.rows) == (FormState.ENTERED, (8,))
    # week 16 (2026-04-27) is the next one, not due yet on 2026-03-20
    assert [o.state for o in of(rows, "tumour_assessment", "tumour_assessment")] == [
        FormState.ENTERED, FormState.NOT_DUE]


def test_screening_window_and_screen_failure() -> None:
    # consent 2026-01-02, 14 days: due to 2026-01-16, overdue from 2026-01-17
    assert of(form_status(SCHEDULE, course(date(2026, 1, 16), consent=date(2026, 1, 2)), []),
              "screening", "pet_study")[0].state is FormState.DUE
    late = form_status(SCHEDULE, course(date(2026, 1, 17), consent=date(2026, 1, 2)), [])
    assert of(late, "screening", "pet_study")[0].state is FormState.OVERDUE
    assert not of(late, "randomization", "allocation")  # not eligible yet: no randomization
    failed = form_status(SCHEDULE, course(date(2026, 2, 1), consent=date(2026, 1, 2),
                                          screen_failed=date(2026, 1, 10)),
                         [Entered("screening", 1, date(2026, 1, 10))])
    assert of(failed, "screening", "screening")[0].state is FormState.ENTERED
    assert of(failed, "screening", "pet_study")[0].state is FormState.NOT_EXPECTED


def test_cycles_follow_the_arm_length_and_delays() -> None:
    # arm B, 21 days: cycle 1 on 2026-01-12; cycle 2 planned 2026-02-02 ± 3 days
    base = dict(RANDOMIZED, arm="B", cycle_length_days=21, treatment_start=date(2026, 1, 12),
                cycles={1: date(2026, 1, 12)})
    rows = form_status(SCHEDULE, course(date(2026, 2, 6), **base),
                       [Entered("treatment_cycle", 11, date(2026, 1, 12), occurrence=1),
                        Entered("lab_result", 21, date(2026, 1, 10))])
    cycles = of(rows, "cycle_day_1", "treatment_cycle")
    assert [(o.number, o.due, o.state) for o in cycles] == [
        (1, date(2026, 1, 12), FormState.ENTERED), (2, date(2026, 2, 2), FormState.OVERDUE)]
    labs = of(rows, "cycle_day_1", "lab_result")
    assert [o.state for o in labs] == [FormState.ENTERED, FormState.OVERDUE]  # 01-10 ≥ 01-09
    assert not of(rows, "depot", "depot_dose")  # arm A only
    # cycle 2 delayed to 2026-02-09: cycle 3 planned 2026-03-02, due from 2026-02-27
    delayed = dict(base, cycles={1: date(2026, 1, 12), 2: date(2026, 2, 9)})
    rows = form_status(SCHEDULE, course(date(2026, 2, 27), **delayed), [])
    assert [(o.due, o.state) for o in of(rows, "cycle_day_1", "treatment_cycle")][2] == (
        date(2026, 3, 2), FormState.DUE)
    # after the end of treatment no next cycle is expected
    ended = dict(delayed, end_of_treatment=date(2026, 2, 20))
    assert len(of(form_status(SCHEDULE, course(date(2026, 4, 1), **ended), []),
                  "cycle_day_1", "treatment_cycle")) == 2


def test_depot_on_its_own_clock() -> None:
    # goserelin given 2026-01-12: next due 2026-02-09, late after 3 days' grace (2026-02-12)
    base = dict(RANDOMIZED, treatment_start=date(2026, 1, 12), cycles={1: date(2026, 1, 12)},
                depots={"goserelin": [date(2026, 1, 12)]})
    entered = [Entered("depot_dose", 5, date(2026, 1, 12), detail="goserelin")]
    rows = of(form_status(SCHEDULE, course(date(2026, 2, 13), **base), entered),
              "depot", "depot_dose")
    assert [(o.due, o.state, o.detail) for o in rows] == [
        (date(2026, 1, 12), FormState.ENTERED, "goserelin"),
        (date(2026, 2, 9), FormState.OVERDUE, "goserelin")]


def test_survival_contacts_after_the_previous_one() -> None:
    # end of treatment 2026-06-01: first contact due 2026-08-24 (12 weeks), ± 14 days
    base = dict(RANDOMIZED, end_of_treatment=date(2026, 6, 1))
    first = of(form_status(SCHEDULE, course(date(2026, 9, 7), **base), []),
               "survival_follow_up", "follow_up_contact")
    assert [(o.due, o.opens, o.closes, o.state) for o in first] == [
        (date(2026, 8, 24), date(2026, 8, 10), date(2026, 9, 7), FormState.DUE)]
    assert of(form_status(SCHEDULE, course(date(2026, 9, 8), **base), []),
              "survival_follow_up", "follow_up_contact")[0].state is FormState.OVERDUE
    # a contact on 2026-08-20: the next one 12 weeks later, 2026-11-12
    held = [Entered("follow_up_contact", 3, date(2026, 8, 20))]
    rows = of(form_status(SCHEDULE, course(date(2026, 9, 8), **base), held),
              "survival_follow_up", "follow_up_contact")
    assert [(o.due, o.state) for o in rows] == [
        (date(2026, 8, 24), FormState.ENTERED), (date(2026, 11, 12), FormState.NOT_DUE)]
    assert next_after_previous(date(2026, 6, 1), [date(2026, 8, 20)], 12) == date(2026, 11, 12)
    # at the end of study no further contact is expected
    dead = dict(base, end_of_study=date(2026, 9, 1))
    assert len(of(form_status(SCHEDULE, course(date(2026, 12, 1), **dead), held),
                  "survival_follow_up", "follow_up_contact")) == 1


def test_mark_precedence_and_cell_summary() -> None:
    entered = [Entered("consent", 1, date(2025, 12, 20)), Entered("screening", 2, date(2026, 1, 2))]
    marks = {("consent", 1): {Mark.VERIFIED, Mark.SIGNED}, ("screening", 2): {Mark.LOCKED,
                                                                            Mark.QUERIED}}
    rows = form_status(SCHEDULE, course(date(2026, 1, 4), consent=date(2025, 12, 20)), entered,
                       marks)
    assert display_state(of(rows, "screening", "consent")[0]) == "signed"
    assert display_state(of(rows, "screening", "screening")[0]) == "queried"
    assert display_state(of(rows, "screening", "pet_study")[0]) == "overdue"
    # 2025-12-20 + 14 days = 2026-01-03, the last day of the window
    assert of(form_status(SCHEDULE, course(date(2026, 1, 3), consent=date(2025, 12, 20)), []),
              "screening", "pet_study")[0].state is FormState.DUE
    # a repeated form: the cell shows the most urgent state, and how many are entered
    two = of(form_status(SCHEDULE, course(date(2026, 5, 5), **RANDOMIZED),  # week 16 closed 05-04
                         [Entered("tumour_assessment", 9, date(2026, 3, 2))]),
             "tumour_assessment", "tumour_assessment")
    summary = summarize(two)
    assert summary is not None
    assert (summary.state, summary.entered, summary.expected) == ("overdue", 1, 2)
    assert summarize([]) is None


def test_schedule_refuses_a_setting_in_the_wrong_unit() -> None:
    data = SCHEDULE.model_dump()
    data["visits"][5]["every"] = "tumour_assessment_window_days"
    bad = ScheduleOfActivities.model_validate(data)
    units = {k: v.unit for k, v in PROTOCOL.site_settings.items()}
    arms = {a.id: a.regimen.cycle_length_days for a in PROTOCOL.arms}
    with pytest.raises(ValueError, match="in days, not weeks") as error:
        check_schedule(bad, units, arms)
    assert error.value.context == {"path": "schedule.visits[5].every"}  # type: ignore[attr-defined]


def test_visit_labels_are_the_protocol_file_labels() -> None:
    """The grid translates the schedule's visit labels through message ids kept in the
    service; they must say what the protocol file says."""
    from dawna.services.form_status import VISIT_LABELS

    assert {v.id: v.label for v in SCHEDULE.visits} == VISIT_LABELS


def test_casebook_marks_every_entered_form_and_unscheduled_forms_are_never_due() -> None:
    from dawna.rules.form_status import unscheduled

    rows = form_status(SCHEDULE, course(date(2026, 1, 4), consent=date(2025, 12, 20)),
                       [Entered("consent", 1, date(2025, 12, 20))], casebook={Mark.SIGNED})
    assert display_state(of(rows, "screening", "consent")[0]) == "signed"
    assert display_state(of(rows, "screening", "pet_study")[0]) == "overdue"  # not entered
    events = unscheduled([Entered("adverse_event", 4, date(2026, 2, 1)),
                          Entered("adverse_event", 3, date(2026, 1, 20))],
                         {("adverse_event", 4): {Mark.QUERIED}})
    assert [(o.number, o.rows, o.state, display_state(o)) for o in events] == [
        (1, (3,), FormState.ENTERED, "entered"), (2, (4,), FormState.ENTERED, "queried")]
    summary = summarize(events)
    assert summary is not None and (summary.state, summary.entered) == ("queried", 2)
