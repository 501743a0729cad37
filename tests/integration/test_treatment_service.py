"""Treatment and safety through the services on SQLite and PostgreSQL: the prescriber's plan
with computed doses, cycles and delays, the calendar, graded laboratory results, adverse events
and the SAE clock, dose proposals and decisions, and who may see and do what.

Expected values are hand calculations written next to each assertion (Mosteller, Cockcroft–Gault
and Calvert from domain.md §5; CTCAE v5.0 thresholds from domain.md §4; the palbociclib label's
neutropenia rules as the class standard for dalpiciclib, domain.md §5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from helpers import principal
from sqlalchemy import func, select
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ProtocolViolation,
    ValidationError,
)
from dawna.services import (
    dose_modification,
    safety,
    treatment,
)
from dawna.store.db import Database
from dawna.store.models import (
    AdverseEvent,
    AuditRecord,
    LabResult,
    TreatmentCycle,
    TreatmentPlan,
)

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)  # the tests run "on" 2024-09-01 at the site


# ``trial``: tests/conftest.py (the two-site trial with its randomization list live)
pytestmark = pytest.mark.list_live


def _plan(**measures: Any) -> treatment.PlanIn:
    return treatment.PlanIn.model_validate({"measures": measures})


def _count(db: Database, model: Any) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_arm_b_doses_by_body_surface_area_and_calvert(trial: Database,
                                                      settings: Settings) -> None:
    pid = randomized_to(trial, settings, "B", "platinum")
    inv = principal(trial, "inv_a")
    with simulated(NOW):
        # Calvert: GFR (Cockcroft-Gault, female) = (140 - 60) × 64 / (72 × 80/88.4) × 0.85
        # = 5120 / 65.158 × 0.85 = 66.79 -> 66.8 mL/min; dose = 6 × (66.8 + 25) = 550.8 -> 551 mg
        preview = treatment.preview_plan(trial, inv, pid, _plan(
            height_cm=160, weight_kg=64, age_years=60, creatinine_umol_l=80))
        (carboplatin,) = preview.doses
        assert (carboplatin.drug, carboplatin.dose, carboplatin.unit) == ("carboplatin", 551,
                                                                          "mg")
        assert carboplatin.inputs["gfr_ml_min"] == pytest.approx(66.8)
        assert "Calvert" in carboplatin.formula
        # the variant cisplatin 75 mg/m²: BSA √(160 × 64 / 3600) = 1.6865 -> 1.69 m²;
        # 75 × 1.69 = 126.75 -> 127 mg
        variant = treatment.PlanIn.model_validate({
            "measures": {"height_cm": 160, "weight_kg": 64},
            "variants": {"chemotherapy": "cisplatin"}})
        (cisplatin,) = treatment.preview_plan(trial, inv, pid, variant).doses
        assert (cisplatin.drug, cisplatin.dose) == ("cisplatin", 127)
        # weekly paclitaxel is a variant of another option, not of the one randomized
        with pytest.raises(ValidationError) as caught:
            treatment.preview_plan(trial, inv, pid, treatment.PlanIn.model_validate({
                "measures": {"height_cm": 160, "weight_kg": 64},
                "variants": {"chemotherapy": "weekly_paclitaxel"}}))
        assert caught.value.field == "variants.chemotherapy"
        # Calvert needs the creatinine: refused naming it, nothing stored
        with pytest.raises(ValidationError) as caught:
            treatment.confirm_plan(trial, settings, inv, pid, _plan(height_cm=160, weight_kg=64,
                                                                    age_years=60))
        assert "creatinine" in (caught.value.field or "")
        assert _count(trial, TreatmentPlan) == 0


def test_capecitabine_range_dose_must_be_chosen_within_the_range(trial: Database,
                                                                  settings: Settings) -> None:
    pid = randomized_to(trial, settings, "B", "capecitabine")
    inv = principal(trial, "inv_a")
    with simulated(NOW):
        with pytest.raises(ValidationError) as caught:
            treatment.preview_plan(trial, inv, pid, _plan(height_cm=160, weight_kg=64))
        assert "chosen" in (caught.value.field or "")
        with pytest.raises(ValidationError):
            treatment.preview_plan(trial, inv, pid, treatment.PlanIn.model_validate({
                "measures": {"height_cm": 160, "weight_kg": 64},
                "chosen": {"capecitabine": 1300}}))  # range 1000-1250 mg/m²
        # 1000 mg/m² × 1.69 m² = 1690 mg per administration, twice daily
        done = treatment.confirm_plan(trial, settings, inv, pid, treatment.PlanIn.model_validate(
            {"measures": {"height_cm": 160, "weight_kg": 64},
             "chosen": {"capecitabine": 1000}}))
    assert [(d.drug, d.dose, d.frequency) for d in done.doses] == [("capecitabine", 1690, "BID")]


def test_only_investigators_prescribe_and_a_change_needs_version_and_reason(
        trial: Database, settings: Settings) -> None:
    pid = randomized_to(trial, settings, "A", "letrozole")
    with simulated(NOW):
        with pytest.raises(PermissionDenied):
            treatment.confirm_plan(trial, settings, principal(trial, "coord_a"), pid, _plan())
        inv = principal(trial, "inv_a")
        done = treatment.confirm_plan(trial, settings, inv, pid, _plan())
        assert [(d.drug, d.dose) for d in done.doses] == [("dalpiciclib", 150),
                                                          ("letrozole", 2.5)]
        with pytest.raises(ConflictError):
            treatment.confirm_plan(trial, settings, inv, pid, _plan(weight_kg=60),
                                   version=None, reason="weight changed")
        with pytest.raises(ValidationError) as caught:
            treatment.confirm_plan(trial, settings, inv, pid, _plan(weight_kg=60), version=1)
        assert caught.value.field == "reason"
        treatment.confirm_plan(trial, settings, inv, pid, _plan(weight_kg=60), version=1,
                               reason="weight measured again")
    with trial.sessions() as s:
        rows = s.scalars(select(AuditRecord).where(
            AuditRecord.table_name == "treatment_plan",
            AuditRecord.field == "measures.weight_kg")).all()
        assert [(r.old_value, r.new_value, r.reason) for r in rows if r.action == "update"] == [
            (None, "60.0", "weight measured again")]


def _arm_a_on_treatment(db: Database, settings: Settings) -> str:
    pid = randomized_to(db, settings, "A", "letrozole")
    with simulated(NOW):
        treatment.confirm_plan(db, settings, principal(db, "inv_a"), pid, _plan())
    return pid


def test_cycles_refuse_early_starts_and_unexplained_delays(trial: Database,
                                                           settings: Settings) -> None:
    pid = _arm_a_on_treatment(trial, settings)
    coord = principal(trial, "coord_a")
    with simulated(NOW):
        with pytest.raises(ValidationError) as caught:  # before randomization (2024-03-12)
            treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
                cycle=1, start_date=date(2024, 3, 11)))
        assert caught.value.field == "start_date"
        _first_cycle(trial, settings, pid)
        view = treatment.treatment_view(trial, settings, coord, pid)
        assert view.status.value == "on_treatment"
        with pytest.raises(ValidationError) as caught:
            treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
                cycle=3, start_date=date(2024, 4, 11)))
        assert caught.value.field == "cycle"
        # cycle 1 day 1 2024-03-14 + 28 days = 2024-04-11: one day earlier is refused
        with pytest.raises(ValidationError) as caught:
            treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
                cycle=2, start_date=date(2024, 4, 10)))
        assert caught.value.field == "start_date"
        with pytest.raises(ValidationError) as caught:  # 7 days late without a reason
            treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
                cycle=2, start_date=date(2024, 4, 18)))
        assert caught.value.field == "delay_reason"
        with pytest.raises(ValidationError) as caught:  # 130 mg is not a dose level
            treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
                cycle=2, start_date=date(2024, 4, 18), delay_reason="holiday",
                doses={"dalpiciclib": 130}))
        assert caught.value.field == "doses.dalpiciclib"
        assert _count(trial, TreatmentCycle) == 1
        treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
            cycle=2, start_date=date(2024, 4, 18), delay_reason="public holiday"))
        view = treatment.treatment_view(trial, settings, coord, pid)
    assert [(c.cycle, c.start_date, c.planned_date, c.delay_days) for c in view.cycles] == [
        (1, date(2024, 3, 14), date(2024, 3, 14), 0),
        (2, date(2024, 4, 18), date(2024, 4, 11), 7)]
    events = view.events
    labs = sorted((e.cycle, e.day) for e in events if e.kind == "lab")
    # blood counts: day 1 of every cycle, day 15 of cycles 1-2 only (domain.md §5)
    assert labs[:5] == [(1, 1), (1, 15), (2, 1), (2, 15), (3, 1)]
    assert (3, 15) not in labs
    # cycle 3 planned 28 days after the delayed cycle 2: 2024-05-16
    assert next(e.date for e in events if e.kind == "visit" and e.cycle == 3) == date(2024, 5, 16)
    # tumour assessments stay on the randomization grid: 2024-03-12 + 8 weeks = 2024-05-07
    first_ta = next(e for e in events if e.kind == "tumour_assessment")
    assert (first_ta.date, first_ta.window_start, first_ta.window_end) == (
        date(2024, 5, 7), date(2024, 4, 30), date(2024, 5, 14))


def test_lab_grades_with_unit_conversion_and_abnormal_baseline(trial: Database,
                                                               settings: Settings) -> None:
    pid = _arm_a_on_treatment(trial, settings)
    coord = principal(trial, "coord_a")
    with simulated(NOW):
        def lab(**kw: Any) -> LabResult:
            return safety.record_lab(trial, settings, coord, pid, safety.LabIn.model_validate(kw))

        # baseline ALT 60 U/L (ULN 40: abnormal) before the first dose
        lab(analyte="ALT", value=60, unit="U/L", uln=40, sample_date="2024-03-13")
        _first_cycle(trial, settings, pid)
        # 800 /mm³ = 0.8 ×10⁹/L: grade 3 (< 1.0 - 0.5)
        assert lab(analyte="ANC", value=800, unit="/mm3", lln=1800,
                   sample_date="2024-03-28").grade == 3
        # ALT 250: 250 / 60 = 4.17 × baseline -> grade 2 (> 3.0 - 5.0 × baseline); against the
        # ULN it would be 6.25 × ULN, grade 3: the stored abnormal baseline decides
        alt = lab(analyte="alt", value=250, unit="U/L", uln=40, sample_date="2024-03-28")
        assert (alt.grade, alt.baseline) == (2, 60)
        before = _count(trial, LabResult)
        with pytest.raises(ValidationError) as caught:  # 1.6 is grade 0 or 1: LLN needed
            lab(analyte="anc", value=1.6, unit="10^9/L", sample_date="2024-03-28")
        assert caught.value.field == "lln"
        with pytest.raises(ValidationError) as caught:
            lab(analyte="anc", value=1.6, unit="mmol/L", lln=1.8, sample_date="2024-03-28")
        assert caught.value.field == "unit"
        with pytest.raises(ValidationError) as caught:  # before consent (2024-03-01)
            lab(analyte="anc", value=2.6, unit="10^9/L", lln=1.8, sample_date="2024-02-20")
        assert caught.value.field == "sample_date"
        assert _count(trial, LabResult) == before


def test_one_report_grades_each_result_against_its_baseline(trial: Database,
                                                            settings: Settings) -> None:
    """A report read with its baselines once: a pre-treatment result in the same report is the
    baseline of a later one, and a stored one of another test still counts. CTCAE v5.0, ALT
    and AST with an abnormal baseline: > 3.0-5.0 x baseline is grade 2; without a baseline
    > ULN-3.0 x ULN is grade 1 (the unit tests' tables)."""
    pid = _arm_a_on_treatment(trial, settings)
    coord = principal(trial, "coord_a")
    with simulated(NOW):
        safety.record_lab(trial, settings, coord, pid, safety.LabIn(
            analyte="AST", value=50, unit="U/L", uln=40, sample_date=date(2024, 3, 13)))
        _first_cycle(trial, settings, pid)  # first dose 2024-03-14
        report = safety.record_labs(trial, settings, coord, pid, [safety.LabIn.model_validate(x)
                                                                  for x in (
            {"analyte": "ALT", "value": 60, "unit": "U/L", "uln": 40, "sample_date": "2024-03-13"},
            {"analyte": "ANC", "value": 2.5, "unit": "10^9/L", "lln": 1.8,
             "sample_date": "2024-03-28"},
            {"analyte": "ALT", "value": 250, "unit": "U/L", "uln": 40,
             "sample_date": "2024-03-28"},
            {"analyte": "AST", "value": 170, "unit": "U/L", "uln": 40,
             "sample_date": "2024-03-28"})])
    # ALT 60 = 1.5 x ULN, no earlier ALT: grade 1; ANC above its LLN: 0; ALT 250 / 60 = 4.17 x
    # the report's own pre-treatment ALT: 2; AST 170 / 50 = 3.4 x the stored AST: 2
    assert [(r.analyte, r.grade, r.baseline) for r in report] == [
        ("alt", 1, None), ("anc", 0, None), ("alt", 2, 60), ("ast", 2, 50)]


def _first_cycle(db: Database, settings: Settings, pid: str) -> None:
    """Cycle 1 day 1 on 2024-03-14, two days after randomization, recorded by the coordinator."""
    treatment.record_cycle(db, settings, principal(db, "coord_a"), pid, treatment.CycleIn(
        cycle=1, start_date=date(2024, 3, 14)))


def _ae(**kw: Any) -> safety.AeIn:
    base: dict[str, Any] = {"relatedness": {"dalpiciclib": "related",
                                            "letrozole": "not_related"},
                            "action_taken": "dose_not_changed", "outcome": "not_recovered"}
    return safety.AeIn.model_validate({**base, **kw})


def test_adverse_events_rules_corrections_and_the_sae_clock(trial: Database,
                                                            settings: Settings) -> None:
    pid = _arm_a_on_treatment(trial, settings)
    coord = principal(trial, "coord_a")
    with simulated(NOW):
        _first_cycle(trial, settings, pid)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"term": "Nausea", "grade": 2, "start_date": "2024-04-02",
              "stop_date": "2024-04-01", "outcome": "recovered"}, "stop_date"),
            ({"term": "Alopecia", "grade": 3, "start_date": "2024-04-02"}, "grade"),
            ({"term": "Not a CTCAE term", "grade": 1, "start_date": "2024-04-02"}, "term"),
            ({"term": "Nausea", "grade": 1, "start_date": "2024-04-02", "serious": True,
              "seriousness": ["hospitalisation"]}, "aware_at"),
            ({"term": "Nausea", "grade": 1, "start_date": "2024-04-02",
              "relatedness": {"dalpiciclib": "related"}}, "relatedness.letrozole"),
            ({"term": "Nausea", "grade": 4, "start_date": "2024-04-02"}, "grade"),  # max 3
            ({"term": "Febrile neutropenia", "grade": 5, "start_date": "2024-04-02"},
             "outcome"),  # grade 5 is death: outcome fatal
        ]
        for data, field in cases:
            with pytest.raises(ValidationError) as caught:
                safety.record_ae(trial, settings, coord, pid, _ae(**data))
            assert caught.value.field == field, data
        assert _count(trial, AdverseEvent) == 0
        n = safety.record_ae(trial, settings, coord, pid, _ae(term="nausea", grade=2,
                                                              start_date="2024-04-02"))
        assert n == 1
        with pytest.raises(ValidationError) as caught:
            safety.update_ae(trial, settings, coord, pid, 1, _ae(
                term="Nausea", grade=3, start_date="2024-04-02"), version=1, reason="")
        assert caught.value.field == "reason"
        safety.update_ae(trial, settings, coord, pid, 1, _ae(
            term="Nausea", grade=3, start_date="2024-04-02"), version=1,
            reason="worse at the visit")
        with pytest.raises(ConflictError):
            safety.update_ae(trial, settings, coord, pid, 1, _ae(
                term="Nausea", grade=2, start_date="2024-04-02"), version=1, reason="stale")
        aware = NOW - timedelta(hours=2)
        sae = safety.record_ae(trial, settings, coord, pid, _ae(
            term="Febrile neutropenia", grade=3, start_date="2024-08-31", serious=True,
            seriousness=["hospitalisation"], aware_at=aware.isoformat(),
            expectedness="expected"))
        (row,) = safety.board(trial, settings, coord).sae_unreported
        # reported to the sponsor within 24 hours of awareness (ICH E6; domain.md §8)
        assert (row.number, row.deadline, row.overdue) == (sae, aware + timedelta(hours=24),
                                                           False)
        assert row.hours_left == pytest.approx(22)
    with simulated(NOW + timedelta(hours=23)):
        assert safety.board(trial, settings, coord).sae_unreported[0].overdue
        safety.report_sae(trial, settings, coord, pid, sae)
        assert safety.board(trial, settings, coord).sae_unreported == []
        with pytest.raises(ConflictError):
            safety.report_sae(trial, settings, coord, pid, sae)
    with trial.sessions() as s:
        grade_change = s.scalars(select(AuditRecord).where(
            AuditRecord.table_name == "adverse_event", AuditRecord.field == "grade",
            AuditRecord.action == "update")).one()
        assert (grade_change.old_value, grade_change.new_value, grade_change.reason) == (
            "2", "3", "worse at the visit")


def test_grade_4_neutropenia_holds_then_resumes_one_level_lower(trial: Database,
                                                                settings: Settings) -> None:
    """Palbociclib label, Table 2 (domain.md §5): grade 4 -> withhold until grade ≤ 2, resume at
    the next lower dose (dalpiciclib 150 -> 125 mg); no re-escalation."""
    pid = _arm_a_on_treatment(trial, settings)
    coord, inv = principal(trial, "coord_a"), principal(trial, "inv_a")
    with simulated(datetime(2024, 4, 10, 4, tzinfo=UTC)):
        _first_cycle(trial, settings, pid)
        safety.record_lab(trial, settings, coord, pid, safety.LabIn(
            analyte="anc", value=0.4, unit="10^9/L", lln=1.8, sample_date=date(2024, 4, 10)))
        (proposal,) = dose_modification.propose(trial, settings, coord, pid)
        assert (proposal.drug, proposal.proposal.action.value) == ("dalpiciclib",
                                                                    "hold_recheck")
        with pytest.raises(PermissionDenied):
            dose_modification.decide(trial, settings, coord, pid, "dalpiciclib",
                                     "hold_recheck", "grade 4 neutropenia")
        dose_modification.decide(trial, settings, inv, pid, "dalpiciclib", "hold_recheck",
                                 "grade 4 neutropenia")
    with simulated(datetime(2024, 4, 17, 4, tzinfo=UTC)):
        with pytest.raises(ProtocolViolation) as caught:  # held: resume decision first
            treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
                cycle=2, start_date=date(2024, 4, 17), delay_reason="held for neutropenia"))
        assert caught.value.field == "doses.dalpiciclib"
        safety.record_lab(trial, settings, coord, pid, safety.LabIn(
            analyte="anc", value=1.2, unit="10^9/L", lln=1.8, sample_date=date(2024, 4, 16)))
        (proposal,) = dose_modification.propose(trial, settings, inv, pid)
        assert (proposal.proposal.action.value, proposal.dose_to) == ("resume_lower", 125)
        dose_modification.decide(trial, settings, inv, pid, "dalpiciclib", "resume_lower",
                                 "recovered to grade 2")
        with pytest.raises(ProtocolViolation):  # 150 mg would be a re-escalation
            treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
                cycle=2, start_date=date(2024, 4, 17), delay_reason="held for neutropenia",
                doses={"dalpiciclib": 150}))
        treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
            cycle=2, start_date=date(2024, 4, 17), delay_reason="held for neutropenia"))
        view = treatment.treatment_view(trial, settings, coord, pid)
    assert view.levels == {"dalpiciclib": 125}
    assert view.cycles[-1].doses[0] == {"drug": "dalpiciclib", "dose": 125, "unit": "mg",
                                        "level": 1}
    assert [(d.action, d.level_to) for d in view.decisions] == [("hold_recheck", None),
                                                               ("resume_lower", 1)]


def test_treatment_data_is_hidden_from_imaging_readers_and_other_sites(
        trial: Database, settings: Settings) -> None:
    pid = _arm_a_on_treatment(trial, settings)
    with simulated(NOW):
        with pytest.raises(PermissionDenied):  # the page shows the arm: readers stay blind
            treatment.treatment_view(trial, settings, principal(trial, "reader_a"), pid)
        with pytest.raises(NotFound):
            treatment.treatment_view(trial, settings, principal(trial, "coord_b"), pid)
        with pytest.raises(PermissionDenied):
            safety.board(trial, settings, principal(trial, "reader_a"))
        view = treatment.treatment_view(trial, settings, principal(trial, "monitor_a"), pid)
        assert view.arm == "A" and not view.can_record and not view.can_prescribe


def test_a_held_drug_is_not_given_even_when_its_dose_is_entered(trial: Database,
                                                                settings: Settings) -> None:
    pid = _arm_a_on_treatment(trial, settings)
    coord, inv = principal(trial, "coord_a"), principal(trial, "inv_a")
    with simulated(datetime(2024, 4, 10, 4, tzinfo=UTC)):
        _first_cycle(trial, settings, pid)
        safety.record_lab(trial, settings, coord, pid, safety.LabIn(
            analyte="anc", value=0.4, unit="10^9/L", lln=1.8, sample_date=date(2024, 4, 10)))
        dose_modification.decide(trial, settings, inv, pid, "dalpiciclib", "hold_recheck",
                                 "grade 4 neutropenia")
    with simulated(datetime(2024, 4, 17, 4, tzinfo=UTC)), pytest.raises(ProtocolViolation):
        # the web form fills in the current dose: still refused while on hold
        treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
            cycle=2, start_date=date(2024, 4, 17), delay_reason="held",
            doses={"dalpiciclib": 150}))
    assert _count(trial, TreatmentCycle) == 1


def test_a_chemotherapy_delay_with_reduction_is_not_reduced_again_at_the_recheck(
        trial: Database, settings: Settings) -> None:
    """Day-1 ANC 0.4 (grade 4): delay a week, the next cycle 20 % lower (551 -> 441 mg,
    0.8 × 551 = 440.8); at the recheck (ANC 2.5) the proposal is to continue at 441 mg."""
    pid = randomized_to(trial, settings, "B", "platinum")
    coord, inv = principal(trial, "coord_a"), principal(trial, "inv_a")
    with simulated(datetime(2024, 4, 3, 4, tzinfo=UTC)):
        treatment.confirm_plan(trial, settings, inv, pid, _plan(
            height_cm=160, weight_kg=64, age_years=60, creatinine_umol_l=80))
        treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
            cycle=1, start_date=date(2024, 3, 13)))
        safety.record_lab(trial, settings, coord, pid, safety.LabIn(
            analyte="anc", value=0.4, unit="10^9/L", lln=1.8, sample_date=date(2024, 4, 2)))
        (proposal,) = dose_modification.propose(trial, settings, inv, pid)
        assert (proposal.proposal.action.value, proposal.dose_to) == ("delay", 441)
        dose_modification.decide(trial, settings, inv, pid, "carboplatin", "delay",
                                 "grade 4 neutropenia on day 1")
    with simulated(datetime(2024, 4, 10, 4, tzinfo=UTC)):
        safety.record_lab(trial, settings, coord, pid, safety.LabIn(
            analyte="anc", value=2.5, unit="10^9/L", lln=1.8, sample_date=date(2024, 4, 9)))
        (proposal,) = dose_modification.propose(trial, settings, inv, pid)
        assert (proposal.proposal.action.value, proposal.dose) == ("continue", 441)
        dose_modification.decide(trial, settings, inv, pid, "carboplatin", "continue",
                                 "recovered")
        treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
            cycle=2, start_date=date(2024, 4, 10), delay_reason="neutropenia"))
        # the prescriber can still change the plan after the reduction (new weight 60 kg):
        # GFR (140 - 60) × 60 / (72 × 0.905) × 0.85 = 62.6; 6 × 87.6 = 525.6 -> 526; × 0.8
        changed = treatment.confirm_plan(trial, settings, inv, pid, _plan(
            height_cm=160, weight_kg=60, age_years=60, creatinine_umol_l=80), version=1,
            reason="weight measured again")
        assert changed.doses[0].dose == pytest.approx(0.8 * 526, abs=1)
        view = treatment.treatment_view(trial, settings, coord, pid)
    assert view.cycles[-1].doses[0]["dose"] == 441


def test_lab_units_are_stored_as_dawna_spells_them(trial: Database, settings: Settings) -> None:
    pid = _arm_a_on_treatment(trial, settings)
    coord = principal(trial, "coord_a")
    with simulated(NOW):
        first = safety.record_lab(trial, settings, coord, pid, safety.LabIn(
            analyte="ALT", value=30, unit="IU/L", uln=40, sample_date=date(2024, 3, 13)))
        later = safety.record_lab(trial, settings, coord, pid, safety.LabIn(
            analyte="ALT", value=130, unit="U/L", uln=40, sample_date=date(2024, 4, 1)))
    # 130 / 40 = 3.25 × ULN with a normal baseline (30 IU/L = 30 U/L): grade 2
    assert (first.unit, later.grade, later.baseline) == ("U/L", 2, 30)


def test_other_specify_terms_need_the_event_in_words(trial: Database,
                                                    settings: Settings) -> None:
    """CTCAE v5.0: an event no term describes is reported under its organ class's "Other,
    specify" term, graded by the generic definitions, with the verbatim description."""
    pid = _arm_a_on_treatment(trial, settings)
    coord = principal(trial, "coord_a")
    term = "Respiratory, thoracic and mediastinal disorders - Other, specify"
    with simulated(NOW):
        _first_cycle(trial, settings, pid)
        with pytest.raises(ValidationError) as caught:
            safety.record_ae(trial, settings, coord, pid, _ae(term=term, grade=2,
                                                              start_date="2024-04-02"))
        assert caught.value.field == "description"
        n = safety.record_ae(trial, settings, coord, pid, _ae(
            term=term, grade=2, start_date="2024-04-02", description="pneumonitis"))
    assert n == 1


def test_a_lab_correction_is_graded_again_and_audited(trial: Database,
                                                     settings: Settings) -> None:
    pid = _arm_a_on_treatment(trial, settings)
    coord = principal(trial, "coord_a")
    with simulated(NOW):
        _first_cycle(trial, settings, pid)
        row = safety.record_lab(trial, settings, coord, pid, safety.LabIn(
            analyte="anc", value=0.4, unit="10^9/L", lln=1.8, sample_date=date(2024, 3, 28)))
        assert row.grade == 4
        corrected = safety.LabIn(analyte="anc", value=1.4, unit="10^9/L", lln=1.8,
                                 sample_date=date(2024, 3, 28))
        with pytest.raises(ValidationError) as caught:
            safety.correct_lab(trial, settings, coord, pid, row.id, corrected, version=1,
                               reason="")
        assert caught.value.field == "reason"
        with pytest.raises(ValidationError) as caught:  # a bad unit is refused, nothing changes
            safety.correct_lab(trial, settings, coord, pid, row.id, safety.LabIn(
                analyte="anc", value=1.4, unit="g/L", lln=1.8, sample_date=date(2024, 3, 28)),
                version=1, reason="typo")
        assert caught.value.field == "unit"
        # 1.4 ×10⁹/L: grade 2 (< 1.5 - 1.0)
        fixed = safety.correct_lab(trial, settings, coord, pid, row.id, corrected, version=1,
                                   reason="transcription error: 1.4, not 0.4")
        assert (fixed.grade, fixed.version) == (2, 2)
        with pytest.raises(ConflictError):
            safety.correct_lab(trial, settings, coord, pid, row.id, corrected, version=1,
                               reason="stale")
    with trial.sessions() as s:
        change = s.scalars(select(AuditRecord).where(
            AuditRecord.table_name == "lab_result", AuditRecord.field == "grade",
            AuditRecord.action == "update")).one()
        assert (change.old_value, change.new_value, change.reason) == (
            "4", "2", "transcription error: 1.4, not 0.4")
