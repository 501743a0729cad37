"""Dose proposals and decisions through the services (issue 17 items 1, 2, 3 and 7), with the
expected answers worked by hand from the labels:

- palbociclib (Ibrance) PI §2.2 Table 2, the dalpiciclib class rule: each blood count recovers
  to grade <= 2 on its own recheck; grade 4 at any time in the cycle -> next lower dose
  (150 -> 125 mg);
- capecitabine (Xeloda) PI §2: grade 2, 1st appearance -> interrupt, resume at 100 %; 2nd ->
  75 %; grade 3, 1st -> 75 %; doses missed during an interruption are not made up.

CTCAE v5.0 grades: ANC (LLN 1.8) 1.6 -> grade 1, 0.8 -> grade 3, 0.4 -> grade 4; platelets
(×10⁹/L) 40 and 45 -> grade 3 (< 50), 120 -> grade 0."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from helpers import principal
from sqlalchemy import func, select
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ValidationError
from dawna.services import dose_modification, safety, treatment
from dawna.store.db import Database
from dawna.store.models import DoseDecision

# ``trial``: tests/conftest.py (the two-site trial with its randomization list live)
pytestmark = pytest.mark.list_live


def _at(day: date) -> Any:
    return simulated(datetime(day.year, day.month, day.day, 4, tzinfo=UTC))


def _lab(db: Database, settings: Settings, pid: str, analyte: str, value: float,
         on: date) -> None:
    lln = 1.8 if analyte == "anc" else 150
    safety.record_lab(db, settings, principal(db, "coord_a"), pid, safety.LabIn(
        analyte=analyte, value=value, unit="10^9/L", lln=lln, sample_date=on))


def _decisions(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(DoseDecision)) or 0)


def _arm_a(db: Database, settings: Settings) -> str:
    pid = randomized_to(db, settings, "A", "letrozole")
    with _at(date(2024, 3, 14)):
        treatment.confirm_plan(db, settings, principal(db, "inv_a"), pid,
                               treatment.PlanIn.model_validate({"measures": {}}))
        treatment.record_cycle(db, settings, principal(db, "coord_a"), pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 14)))
    return pid


def _held_for_neutrophils_and_platelets(db: Database, settings: Settings) -> str:
    pid = _arm_a(db, settings)
    with _at(date(2024, 4, 10)):
        _lab(db, settings, pid, "anc", 0.8, date(2024, 4, 10))        # grade 3
        _lab(db, settings, pid, "platelets", 40, date(2024, 4, 10))   # grade 3
        (prop,) = dose_modification.propose(db, settings, principal(db, "inv_a"), pid)
        assert prop.proposal.action.value == "hold_recheck"
        dose_modification.decide(db, settings, principal(db, "inv_a"), pid, "dalpiciclib",
                                 "hold_recheck", "grade 3 neutrophils and platelets")
    return pid


def test_each_cause_of_a_hold_recovers_on_its_own_recheck(trial: Database,
                                                         settings: Settings) -> None:
    """Issue 17 item 1: platelets still grade 3 on 15 April, neutrophils rechecked last (16
    April) at grade 1: NOT resume; resuming anyway is refused, nothing stored."""
    pid = _held_for_neutrophils_and_platelets(trial, settings)
    inv = principal(trial, "inv_a")
    with _at(date(2024, 4, 16)):
        _lab(trial, settings, pid, "platelets", 45, date(2024, 4, 15))  # grade 3
        _lab(trial, settings, pid, "anc", 1.6, date(2024, 4, 16))       # grade 1, entered last
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert prop.proposal.action.value == "hold_recheck"
        assert [(c.term, c.state) for c in prop.causes] == [
            ("Neutrophil count decreased", "recovered"),
            ("Platelet count decreased", "not_recovered")]
        before = _decisions(trial)
        with pytest.raises(ValidationError) as caught:
            dose_modification.decide(trial, settings, inv, pid, "dalpiciclib", "resume_same",
                                     "neutrophils recovered")
        assert caught.value.field == "recheck"
        assert "Platelet count decreased" in str(caught.value)
        assert _decisions(trial) == before
        _lab(trial, settings, pid, "platelets", 120, date(2024, 4, 16))  # grade 0
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert (prop.proposal.action.value, prop.dose_to) == ("resume_same", 150)


def test_a_resume_without_a_recheck_needs_an_override_which_is_recorded(
        trial: Database, settings: Settings) -> None:
    pid = _held_for_neutrophils_and_platelets(trial, settings)
    inv = principal(trial, "inv_a")
    with _at(date(2024, 4, 16)):
        _lab(trial, settings, pid, "anc", 1.6, date(2024, 4, 16))  # platelets not rechecked
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert [c.state for c in prop.causes] == ["recovered", "no_recheck"]
        with pytest.raises(ValidationError) as caught:
            dose_modification.decide(trial, settings, inv, pid, "dalpiciclib", "resume_same",
                                     "neutrophils recovered")
        assert caught.value.field == "recheck"
        dose_modification.decide(trial, settings, inv, pid, "dalpiciclib", "resume_same",
                                 "platelets checked at the outside hospital", override=True)
    with trial.sessions() as s:
        last = s.scalars(select(DoseDecision).order_by(DoseDecision.id.desc())).first()
        assert last is not None and last.override is True
        assert [(b["term"], b.get("state")) for b in last.based_on] == [
            ("Neutrophil count decreased", "recovered"),
            ("Platelet count decreased", "no_recheck")]


def test_a_grade_4_nadir_then_a_recovered_count_resumes_one_level_lower(
        trial: Database, settings: Settings) -> None:
    """Issue 17 item 2: grade 4 on day 15 (28 March), recovered (ANC 2.0, grade 0) on
    10 April: grade 4 at any time in the cycle -> 125 mg, not "same dose"."""
    pid = _arm_a(trial, settings)
    inv = principal(trial, "inv_a")
    with _at(date(2024, 4, 10)):
        _lab(trial, settings, pid, "anc", 0.4, date(2024, 3, 28))
        _lab(trial, settings, pid, "anc", 2.0, date(2024, 4, 10))
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert (prop.proposal.action.value, prop.dose_to) == ("resume_lower", 125)
        assert [(t.term, t.grade, t.recovered_to_grade) for t in prop.based_on] == [
            ("Neutrophil count decreased", 4, 0)]
        dose_modification.decide(trial, settings, inv, pid, "dalpiciclib", "resume_lower",
                                 "grade 4 nadir on day 15")
        # the nadir was answered by that decision: not reduced a second time
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert (prop.proposal.action.value, prop.dose_to) == ("continue", 125)


def test_every_ongoing_severe_event_is_shown_and_an_unrelated_one_says_why(
        trial: Database, settings: Settings) -> None:
    """Issue 17 item 3: an ongoing grade 3 SAE, drug interrupted, judged unrelated: shown, and
    left out of the dalpiciclib proposal with the reason; the proposal cites labels by name."""
    pid = _arm_a(trial, settings)
    with _at(date(2024, 4, 10)):
        safety.record_ae(trial, settings, principal(trial, "coord_a"), pid,
                         safety.AeIn.model_validate({
                             "term": "Diarrhea", "grade": 3, "start_date": "2024-04-08",
                             "serious": True, "seriousness": ["hospitalisation"],
                             "aware_at": "2024-04-09T02:00:00+00:00",
                             "relatedness": {"dalpiciclib": "not_related",
                                             "letrozole": "not_related"},
                             "action_taken": "drug_interrupted", "outcome": "not_recovered"}))
        (prop,) = dose_modification.propose(trial, settings, principal(trial, "inv_a"), pid)
    assert prop.proposal.action.value == "continue"
    (row,) = prop.severe
    assert (row.term, row.grade, row.serious, row.in_proposal) == ("Diarrhea", 3, True, False)
    assert "not related to dalpiciclib" in row.why
    assert "domain.md" not in prop.rule + prop.proposal.source


def _capecitabine(db: Database, settings: Settings) -> str:
    pid = randomized_to(db, settings, "B", "capecitabine")
    with _at(date(2024, 3, 14)):
        treatment.confirm_plan(db, settings, principal(db, "inv_a"), pid,
                               treatment.PlanIn.model_validate({
                                   "measures": {"height_cm": 160, "weight_kg": 64},
                                   "chosen": {"capecitabine": 1000}}))  # 1690 mg
        treatment.record_cycle(db, settings, principal(db, "coord_a"), pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 14)))
    return pid


def _hfs(db: Database, settings: Settings, pid: str, grade: int, start: str,
         stop: str | None = None) -> int:
    data: dict[str, Any] = {
        "term": "Palmar-plantar erythrodysesthesia syndrome", "grade": grade,
        "start_date": start, "relatedness": {"capecitabine": "related"},
        "action_taken": "drug_interrupted", "outcome": "not_recovered"}
    if stop:
        data.update(stop_date=stop, outcome="recovered")
    return safety.record_ae(db, settings, principal(db, "coord_a"), pid,
                            safety.AeIn.model_validate(data))


def _resolve(db: Database, settings: Settings, pid: str, number: int, grade: int, start: str,
             stop: str, version: int = 1) -> None:
    safety.update_ae(db, settings, principal(db, "coord_a"), pid, number,
                     safety.AeIn.model_validate({
                         "term": "Palmar-plantar erythrodysesthesia syndrome", "grade": grade,
                         "start_date": start, "stop_date": stop,
                         "relatedness": {"capecitabine": "related"},
                         "action_taken": "drug_interrupted", "outcome": "recovered"}),
                     version=version, reason="resolved")


def test_capecitabine_follows_its_label_and_records_the_days_not_taken(
        trial: Database, settings: Settings) -> None:
    """Issue 17 item 7. Grade 2 hand-foot syndrome on day 6 (19 March): interrupt; resolved on
    day 10 -> resume at 100 % (1st appearance), days 6-9 not taken. Grade 2 again in cycle 2:
    2nd appearance -> resume at 75 % of 1690 mg = 1267.5 -> 1268 mg."""
    pid = _capecitabine(trial, settings)
    inv = principal(trial, "inv_a")
    with _at(date(2024, 3, 19)):
        first = _hfs(trial, settings, pid, 2, "2024-03-19")
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert (prop.proposal.action.value, prop.dose_to) == ("hold_recheck", 1690)
        assert "capecitabine label" in prop.rule
        dose_modification.decide(trial, settings, inv, pid, "capecitabine", "hold_recheck",
                                 "grade 2 hand-foot syndrome")
    with _at(date(2024, 3, 23)):
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert prop.proposal.action.value == "hold_recheck"  # still ongoing at grade 2
        _resolve(trial, settings, pid, first, 2, "2024-03-19", "2024-03-22")
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert [(c.term, c.state) for c in prop.causes] == [
            ("Palmar-plantar erythrodysesthesia syndrome", "recovered")]
        assert (prop.proposal.action.value, prop.dose_to) == ("resume_same", 1690)
        dose_modification.decide(trial, settings, inv, pid, "capecitabine", "resume_same",
                                 "resolved")
    with trial.sessions() as s:
        hold = s.scalars(select(DoseDecision).where(DoseDecision.action == "hold_recheck")).one()
        # interrupted on day 6, resumed on day 10 (23 March − 14 March = 9 days): 6, 7, 8, 9
        assert (hold.cycle, hold.days_not_taken) == (1, [6, 7, 8, 9])
    with _at(date(2024, 4, 8)):
        treatment.record_cycle(trial, settings, principal(trial, "coord_a"), pid,
                               treatment.CycleIn(cycle=2, start_date=date(2024, 4, 4)))
        _hfs(trial, settings, pid, 2, "2024-04-08")
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert (prop.proposal.action.value, prop.dose_to) == ("hold_recheck", 1268)


def test_capecitabine_grade_3_resumes_at_75_and_grade_4_discontinues(
        trial: Database, settings: Settings) -> None:
    pid = _capecitabine(trial, settings)
    inv = principal(trial, "inv_a")
    with _at(date(2024, 3, 19)):
        _hfs(trial, settings, pid, 3, "2024-03-19")
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert (prop.proposal.action.value, prop.dose_to) == ("hold_recheck", 1268)
        _lab(trial, settings, pid, "anc", 0.4, date(2024, 3, 19))  # grade 4 neutrophils
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert prop.proposal.action.value == "discontinue"
        assert "50 %" in prop.rule  # the label's physician-judgement option is stated


def _gem_carbo(db: Database, settings: Settings) -> str:
    pid = randomized_to(db, settings, "B", "gemcitabine_platinum")
    with _at(date(2024, 3, 14)):
        treatment.confirm_plan(db, settings, principal(db, "inv_a"), pid,
                               treatment.PlanIn.model_validate({
                                   "variants": {"chemotherapy": "gemcitabine_carboplatin"},
                                   "measures": {
                                   "height_cm": 160, "weight_kg": 64, "age_years": 60,
                                   "creatinine_umol_l": 80}}))
        treatment.record_cycle(db, settings, principal(db, "coord_a"), pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 14)))
    return pid


def test_the_gemcitabine_day_8_dose_follows_the_label_table(trial: Database,
                                                            settings: Settings) -> None:
    """Issue 17 item 8, Gemzar PI §2 table with carboplatin: day 8 is 21 March; granulocytes
    1.2 ×10⁹/L (1000-1499) and platelets 150 -> 50 % of 1690 mg (1000 mg/m² × 1.69 m²) =
    845 mg for that dose only; granulocytes 0.8 (< 1000) -> hold the day-8 dose."""
    pid = _gem_carbo(trial, settings)
    inv = principal(trial, "inv_a")
    with _at(date(2024, 3, 21)):
        _lab(trial, settings, pid, "anc", 1.2, date(2024, 3, 21))
        _lab(trial, settings, pid, "platelets", 150, date(2024, 3, 21))
        props = {d.drug: d for d in dose_modification.propose(trial, settings, inv, pid)}
        gem = props["gemcitabine"]
        assert (gem.proposal.action.value, gem.dose, gem.dose_to) == ("day_dose", 1690, 845)
        assert "Gemzar" in gem.rule
        dose_modification.decide(trial, settings, inv, pid, "gemcitabine", "day_dose",
                                 "day 8 granulocytes 1.2")
        view = treatment.treatment_view(trial, settings, inv, pid)
        assert view.decisions[-1].dose_to == 845
        (cycle_dose,) = [d for d in dose_modification.propose(trial, settings, inv, pid)
                         if d.drug == "gemcitabine"]
        assert cycle_dose.dose == 1690  # the next doses are full doses again
        _lab(trial, settings, pid, "anc", 0.8, date(2024, 3, 21))
        gem = next(d for d in dose_modification.propose(trial, settings, inv, pid)
                   if d.drug == "gemcitabine")
        assert gem.proposal.action.value == "delay" and "hold the day-8 dose" in gem.rule


def test_severe_neuropathy_reduces_paclitaxel_by_its_label(trial: Database,
                                                           settings: Settings) -> None:
    """Taxol PI §2: grade 3 peripheral neuropathy -> 20 % lower for subsequent courses."""
    pid = randomized_to(trial, settings, "B", "paclitaxel_carboplatin")
    inv = principal(trial, "inv_a")
    with _at(date(2024, 3, 14)):
        treatment.confirm_plan(trial, settings, inv, pid, treatment.PlanIn.model_validate({
            "measures": {"height_cm": 160, "weight_kg": 64, "age_years": 60,
                         "creatinine_umol_l": 80}}))
        treatment.record_cycle(trial, settings, principal(trial, "coord_a"), pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 14)))
    with _at(date(2024, 4, 3)):
        safety.record_ae(trial, settings, principal(trial, "coord_a"), pid,
                         safety.AeIn.model_validate({
                             "term": "Peripheral sensory neuropathy", "grade": 3,
                             "start_date": "2024-04-01",
                             "relatedness": {"paclitaxel": "related",
                                             "carboplatin": "not_related"},
                             "action_taken": "dose_reduced", "outcome": "not_recovered"}))
        props = {d.drug: d for d in dose_modification.propose(trial, settings, inv, pid)}
    taxol = props["paclitaxel"]
    assert taxol.proposal.action.value == "reduce" and "paclitaxel label" in taxol.rule
    assert "Taxol" in taxol.proposal.source
    assert props["carboplatin"].proposal.action.value == "continue"  # judged not related


def test_a_clinical_cause_is_not_recovered_by_a_blood_count(trial: Database,
                                                            settings: Settings) -> None:
    """Issue 17 item 1: dalpiciclib held for grade 3 diarrhoea and grade 3 neutrophils
    (Ibrance §2.2 Table 3: withhold until grade <= 1, then the next lower dose). A normal blood
    count afterwards recovers the neutrophils, not the diarrhoea; the event's own resolution
    does -> 125 mg."""
    pid = _arm_a(trial, settings)
    inv, coord = principal(trial, "inv_a"), principal(trial, "coord_a")
    ae: dict[str, Any] = {"term": "Diarrhea", "grade": 3, "start_date": "2024-04-08",
                          "relatedness": {"dalpiciclib": "related",
                                          "letrozole": "not_related"},
                          "action_taken": "drug_interrupted", "outcome": "not_recovered"}
    with _at(date(2024, 4, 9)):
        number = safety.record_ae(trial, settings, coord, pid, safety.AeIn.model_validate(ae))
        _lab(trial, settings, pid, "anc", 0.8, date(2024, 4, 9))  # grade 3 too
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert prop.proposal.action.value == "hold_recheck"
        assert {t.term for t in prop.based_on} >= {"Diarrhea", "Neutrophil count decreased"}
        assert prop.severe[0].in_proposal
        dose_modification.decide(trial, settings, inv, pid, "dalpiciclib", "hold_recheck",
                                 "grade 3 diarrhoea")
    with _at(date(2024, 4, 12)):
        _lab(trial, settings, pid, "anc", 2.5, date(2024, 4, 12))  # a normal count
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert prop.proposal.action.value == "hold_recheck"
        assert {(c.term, c.state) for c in prop.causes} == {
            ("Diarrhea", "not_recovered"), ("Neutrophil count decreased", "recovered")}
        safety.update_ae(trial, settings, coord, pid, number, safety.AeIn.model_validate(
            {**ae, "stop_date": "2024-04-11", "outcome": "recovered"}), version=1,
            reason="resolved")
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
        assert {c.state for c in prop.causes} == {"recovered"}
        assert (prop.proposal.action.value, prop.dose_to) == ("resume_lower", 125)


def test_a_toxicity_new_during_a_capecitabine_interruption_is_waited_for(
        trial: Database, settings: Settings) -> None:
    """Interrupted for grade 2 hand-foot syndrome (resume at 100 %); grade 3 diarrhoea during
    the interruption: when the hand-foot syndrome resolves, still interrupted, and the resume
    dose is now 75 % (Xeloda PI §2, grade 3 first appearance): 0.75 × 1690 = 1267.5 -> 1268."""
    pid = _capecitabine(trial, settings)
    inv = principal(trial, "inv_a")
    with _at(date(2024, 3, 19)):
        first = _hfs(trial, settings, pid, 2, "2024-03-19")
        dose_modification.decide(trial, settings, inv, pid, "capecitabine", "hold_recheck",
                                 "grade 2 hand-foot syndrome")
    with _at(date(2024, 3, 23)):
        safety.record_ae(trial, settings, principal(trial, "coord_a"), pid,
                         safety.AeIn.model_validate({
                             "term": "Diarrhea", "grade": 3, "start_date": "2024-03-21",
                             "relatedness": {"capecitabine": "related"},
                             "action_taken": "drug_interrupted",
                             "outcome": "not_recovered"}))
        _resolve(trial, settings, pid, first, 2, "2024-03-19", "2024-03-22")
        (prop,) = dose_modification.propose(trial, settings, inv, pid)
    assert (prop.proposal.action.value, prop.dose_to) == ("hold_recheck", 1268)
    assert [t.term for t in prop.based_on] == ["Palmar-plantar erythrodysesthesia syndrome",
                                              "Diarrhea"]
