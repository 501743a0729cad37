"""Which toxicities are current for a dose proposal (dawna/rules/current_toxicity.py), on inputs
written here with the expected answers worked by hand: the windows (3 days before the latest
cycle's day 1, or 14 days before treatment), the fold (the latest result of each test, or the
worst over the whole cycle; ongoing events), fever or infection from the CTCAE term of the event
(not from words in it), the recheck after a hold and the cycle day of the latest count."""

from __future__ import annotations

from datetime import date

import pytest

from dawna.rules.current_toxicity import (
    FEVER_OR_INFECTION_TERMS,
    EventObservation,
    LabObservation,
    count_cycle_day,
    current_toxicities,
    fever_or_infection,
    hold_causes,
    toxicity_window_start,
)
from dawna.rules.dose_modification import Action, Toxicity, propose_dalpiciclib
from dawna.rules.hold_recovery import Recovery

ANC = "Neutrophil count decreased"
PLT = "Platelet count decreased"
ALT = "Alanine aminotransferase increased"


def anc(day: date, grade: int) -> LabObservation:
    return LabObservation("anc", ANC, grade, day)


def test_window_starts_three_days_before_the_latest_cycle() -> None:
    # cycles on 1 March and 29 March: 29 March − 3 days = 26 March
    starts = [date(2026, 3, 1), date(2026, 3, 29)]
    assert toxicity_window_start(starts, date(2026, 4, 10)) == date(2026, 3, 26)


def test_window_before_treatment_is_the_last_fourteen_days() -> None:
    # no cycle yet: 10 April − 14 days = 27 March
    assert toxicity_window_start([], date(2026, 4, 10)) == date(2026, 3, 27)


def test_the_latest_result_of_each_test_counts_and_older_ones_do_not() -> None:
    since = date(2026, 3, 26)
    labs = [anc(date(2026, 3, 20), 4),          # before the window: ignored
            anc(date(2026, 3, 27), 3),          # in the window, then a later count...
            anc(date(2026, 4, 3), 1),           # ...grade 1 is the latest: it counts
            LabObservation("platelets", PLT, 2, date(2026, 3, 28))]
    assert current_toxicities(labs, [], since) == [
        Toxicity(PLT, 2, haematological=True), Toxicity(ANC, 1, haematological=True)]


def test_whole_cycle_takes_the_worst_result_of_each_test() -> None:
    since = date(2026, 3, 26)
    labs = [anc(date(2026, 3, 27), 3), anc(date(2026, 4, 3), 1)]
    assert current_toxicities(labs, [], since, whole_cycle=True) == [
        Toxicity(ANC, 3, haematological=True)]


def test_grade_zero_is_no_toxicity() -> None:
    assert current_toxicities([anc(date(2026, 4, 1), 0)], [], date(2026, 3, 26)) == []


def test_ongoing_events_count_stopped_ones_only_over_the_whole_cycle() -> None:
    since = date(2026, 3, 26)
    events = [EventObservation("Nausea", 3),                                 # ongoing
              EventObservation("Diarrhea", 3, stop_date=date(2026, 3, 30)),  # stopped in window
              EventObservation("Fatigue", 3, stop_date=date(2026, 3, 20))]   # stopped before
    assert [t.term for t in current_toxicities([], events, since)] == ["Nausea"]
    assert [t.term for t in current_toxicities([], events, since, whole_cycle=True)] == [
        "Diarrhea", "Nausea"]  # grade 3 both: by term


def test_an_event_not_related_to_the_drug_is_left_out_for_that_drug() -> None:
    events = [EventObservation("Nausea", 3, relatedness={"dalpiciclib": "not_related",
                                                         "letrozole": "related"})]
    since = date(2026, 3, 26)
    assert current_toxicities([], events, since, drug="dalpiciclib") == []
    assert current_toxicities([], events, since, drug="letrozole") == [
        Toxicity("Nausea", 3, haematological=False)]
    assert len(current_toxicities([], events, since)) == 1  # no drug: every event


def test_the_worst_grade_of_a_term_wins_between_results_and_events() -> None:
    events = [EventObservation(ANC, 4)]
    assert current_toxicities([anc(date(2026, 4, 1), 3)], events, date(2026, 3, 26)) == [
        Toxicity(ANC, 4, haematological=True)]


@pytest.mark.parametrize(("term", "fever"), [
    ("Fever", True),
    ("Febrile neutropenia", True),
    ("Lung infection", True),
    ("Urinary tract infection", True),
    ("Sepsis", True),
    ("Infections and infestations - Other, specify", True),
    ("Nausea", False),
    (ANC, False),
    ("fever", False),  # a code, not a word: only the CTCAE spelling is coded
])
def test_fever_or_infection_is_the_ctcae_term_of_the_event(term: str, fever: bool) -> None:
    assert fever_or_infection([term]) is fever


def test_the_coded_terms_are_fever_febrile_neutropenia_and_the_infections() -> None:
    assert {
        "Febrile neutropenia", "Fever", "Lung infection", "Urinary tract infection", "Sepsis",
        "Infections and infestations - Other, specify"} == FEVER_OR_INFECTION_TERMS


def test_fever_marks_only_the_neutropenia_terms() -> None:
    labs = [anc(date(2026, 4, 1), 3), LabObservation("platelets", PLT, 3, date(2026, 4, 1))]
    events = [EventObservation("Fever", 1)]
    found = {t.term: t for t in current_toxicities(labs, events, date(2026, 3, 26))}
    assert found[ANC].with_fever_or_infection is True
    assert found[PLT].with_fever_or_infection is False
    assert found["Fever"].with_fever_or_infection is False
    assert found["Fever"].haematological is False


def test_a_stopped_fever_does_not_make_the_neutropenia_febrile() -> None:
    events = [EventObservation("Fever", 1, stop_date=date(2026, 3, 30))]
    (tox,) = current_toxicities([anc(date(2026, 4, 1), 3)], events, date(2026, 3, 26))
    assert tox.with_fever_or_infection is False


HELD = date(2026, 4, 1)


def test_recheck_after_a_hold_takes_the_latest_result_of_the_cause() -> None:
    based_on = [{"term": ANC, "grade": 4, "fever": False}]
    after = [anc(date(2026, 4, 8), 3), anc(date(2026, 4, 15), 2),
             LabObservation("alt", ALT, 3, date(2026, 4, 16))]  # not a cause
    causes, states = hold_causes(based_on, HELD, after, [])
    assert causes == [Toxicity(ANC, 4, haematological=True, recovered_to_grade=2)]
    assert [s.state for s in states] == [Recovery.RECOVERED]


def test_recheck_without_a_new_count_is_not_rechecked() -> None:
    causes, states = hold_causes([{"term": ANC, "grade": 3, "fever": True}], HELD, [], [])
    assert causes == [Toxicity(ANC, 3, haematological=True, with_fever_or_infection=True)]
    assert [s.state for s in states] == [Recovery.NO_RECHECK]


def test_each_cause_recovers_on_its_own_test_not_on_the_last_sample() -> None:
    """Issue 17 item 1: hold for grade 3 neutrophils and grade 3 platelets; platelets still
    grade 3 on 8 April, neutrophils rechecked last (9 April) at grade 1: platelets have NOT
    recovered (palbociclib label Table 2: each count to grade <= 2), so no resume."""
    based_on = [{"term": ANC, "grade": 3, "fever": False},
                {"term": PLT, "grade": 3, "fever": False}]
    after = [LabObservation("platelets", PLT, 3, date(2026, 4, 8)), anc(date(2026, 4, 9), 1)]
    causes, states = hold_causes(based_on, HELD, after, [])
    assert [(c.term, c.recovered_to_grade) for c in causes] == [(ANC, 1), (PLT, 3)]
    assert [s.state for s in states] == [Recovery.RECOVERED, Recovery.NOT_RECOVERED]
    proposal = propose_dalpiciclib(causes, 0, (150, 125, 100), on_hold=True)
    assert proposal.action is Action.HOLD_RECHECK


def test_a_count_that_fell_further_during_the_hold_counts_at_its_worst() -> None:
    # held at grade 3, grade 4 on 5 April, grade 2 on 12 April: grade 4 at any time -> lower
    causes, _ = hold_causes([{"term": ANC, "grade": 3, "fever": False}], HELD,
                            [anc(date(2026, 4, 5), 4), anc(date(2026, 4, 12), 2)], [])
    assert causes == [Toxicity(ANC, 4, haematological=True, recovered_to_grade=2)]
    assert propose_dalpiciclib(causes, 0, (150, 125, 100), on_hold=True).action is \
        Action.RESUME_LOWER


def test_a_clinical_cause_recovers_by_its_own_event_never_by_a_count() -> None:
    based_on = [{"term": "Diarrhea", "grade": 3, "fever": False, "event": "4"},
                {"term": ANC, "grade": 3, "fever": False}]
    counts = [anc(date(2026, 4, 9), 0)]
    ongoing = [EventObservation("Diarrhea", 2, number="4"), EventObservation("Nausea", 3,
                                                                               number="5")]
    causes, states = hold_causes(based_on, HELD, counts, ongoing)
    assert [s.state for s in states] == [Recovery.NOT_RECOVERED, Recovery.RECOVERED]
    assert causes[0].recovered_to_grade == 2  # Table 3: needs grade <= 1
    resolved = [EventObservation("Diarrhea", 3, stop_date=date(2026, 4, 6), number="4")]
    causes, states = hold_causes(based_on, HELD, counts, resolved)
    assert [s.state for s in states] == [Recovery.RECOVERED, Recovery.RECOVERED]
    assert causes[0].recovered_to_grade == 0


def test_a_clinical_cause_stored_without_its_number_is_matched_by_term() -> None:
    based_on = [{"term": "Diarrhea", "grade": 3, "fever": False}]
    ongoing = [EventObservation("Diarrhea", 2, number="1"), EventObservation("Diarrhea", 1,
                                                                               number="2")]
    causes, _ = hold_causes(based_on, HELD, [], ongoing)
    assert causes[0].recovered_to_grade == 2  # the highest ongoing Diarrhea
    _, states = hold_causes(based_on, HELD, [], [])
    assert states[0].state is Recovery.NO_RECHECK  # no course recorded at all


def test_worst_counts_keeps_a_grade_4_nadir_of_the_cycle() -> None:
    """Issue 17 item 2: grade 4 on day 15, grade 1 on day 22: the proposal rests on grade 4
    with the recovery to grade 1 (palbociclib label Table 2, "at any time")."""
    labs = [anc(date(2026, 3, 15), 4), anc(date(2026, 3, 22), 1)]
    (tox,) = current_toxicities(labs, [], date(2026, 2, 26), worst_counts_since=date(2026, 3, 1))
    assert (tox.grade, tox.recovered_to_grade) == (4, 1)
    # a nadir before the drug's last decision (16 March) was already answered by it
    (after,) = current_toxicities(labs, [], date(2026, 2, 26),
                                  worst_counts_since=date(2026, 3, 16))
    assert (after.grade, after.recovered_to_grade) == (1, None)
    (latest,) = current_toxicities(labs, [], date(2026, 2, 26))
    assert (latest.grade, latest.recovered_to_grade) == (1, None)


def test_cycle_day_is_the_day_of_the_latest_count_in_the_cycle() -> None:
    starts = [date(2026, 3, 1), date(2026, 3, 29)]
    # a count of 12 April reviewed on 13 April: 12 April − 29 March = 14 days → day 15
    assert count_cycle_day(starts, date(2026, 4, 12), date(2026, 4, 13)) == 15
    # the latest count is from the previous cycle: today's day, 13 April → day 16
    assert count_cycle_day(starts, date(2026, 3, 20), date(2026, 4, 13)) == 16
    assert count_cycle_day(starts, None, date(2026, 3, 29)) == 1
    assert count_cycle_day([], date(2026, 3, 20), date(2026, 4, 13)) is None
