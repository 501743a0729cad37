"""Dose formulas, computed doses and dose modification (dawna/rules/dose_formulas.py and
dawna/rules/dose_modification.py) against hand
calculations written here, and the palbociclib label's dose-modification table (docs/domain.md
§5), quoted from the UK SmPC text of IBRANCE §4.2 / US label §2.2 Table 2:

    Grade 1 or 2 | No dose adjustment is required.
    Grade 3 | Day 1 of cycle: Withhold IBRANCE, until recovery to Grade ≤ 2, and repeat
      complete blood count monitoring within 1 week. When recovered to Grade ≤ 2, start the
      next cycle at the same dose. Day 15 of first 2 cycles: If Grade 3 on Day 15, continue
      IBRANCE at the current dose to complete cycle [and repeat the count on Day 22; Grade 4 on
      Day 22: see Grade 4]. Consider dose reduction in cases of prolonged (> 1 week) recovery
      from Grade 3 neutropenia or recurrent Grade 3 neutropenia on Day 1 of subsequent cycles.
    Grade 3 neutropenia with fever ≥ 38.5 °C and/or infection | At any time: withhold until
      recovery to Grade ≤ 2; resume at the next lower dose.
    Grade 4 | At any time: withhold until recovery to Grade ≤ 2; resume at the next lower dose.
"""

from __future__ import annotations

import math

import pytest

from dawna.protocol import load_protocol
from dawna.rules.dose_formulas import (
    DosingError,
    PatientMeasures,
    body_surface_area_m2,
    carboplatin_dose_mg,
    check_dose_on_levels,
    compute_doses,
    creatinine_clearance_ml_min,
)
from dawna.rules.dose_modification import (
    Action,
    Toxicity,
    propose_chemotherapy,
    propose_dalpiciclib,
)
from dawna.rules.regimens import regimen_from_id

PROTOCOL = load_protocol()
LEVELS = (150.0, 125.0, 100.0)
NEUTROPENIA = "Neutrophil count decreased"


def _doses(regimen_id: str, measures: PatientMeasures, **kwargs):  # type: ignore[no-untyped-def]
    regimen = regimen_from_id(PROTOCOL, regimen_id)
    return {d.drug: d for d in compute_doses(regimen, measures, **kwargs)}


# --- formulas ------------------------------------------------------------------------------


def test_bsa_mosteller_by_hand() -> None:
    # √(160 × 64 / 3600) = √2.844444 = 1.686548 m²
    assert body_surface_area_m2(160, 64) == pytest.approx(1.686548, abs=1e-6)
    # √(180 × 80 / 3600) = √4 = 2 m²
    assert body_surface_area_m2(180, 80) == pytest.approx(2.0)


def test_cockcroft_gault_by_hand() -> None:
    # Scr = 80 / 88.4 = 0.904977 mg/dL; 72 × 0.904977 = 65.158371;
    # (140 − 60) × 64 = 5120; 5120 / 65.158371 = 78.5778; × 0.85 = 66.7911 mL/min
    assert creatinine_clearance_ml_min(60, 64, 80) == pytest.approx(66.7911, abs=1e-4)
    assert creatinine_clearance_ml_min(60, 64, 80, female=False) == pytest.approx(78.5778,
                                                                                    abs=1e-4)


def test_calvert_with_and_without_the_gfr_cap() -> None:
    assert carboplatin_dose_mg(5, 140) == pytest.approx(750)       # 5 × (125 + 25)
    assert carboplatin_dose_mg(5, 100) == pytest.approx(625)       # 5 × (100 + 25)
    assert carboplatin_dose_mg(6, 140, gfr_cap=150) == pytest.approx(990)  # 6 × (140 + 25)


@pytest.mark.parametrize(("call", "field"), [
    (lambda: body_surface_area_m2(90, 64), "height_cm"),
    (lambda: body_surface_area_m2(160, 300), "weight_kg"),
    (lambda: body_surface_area_m2(160, math.nan), "weight_kg"),
    (lambda: creatinine_clearance_ml_min(15, 64, 80), "age_years"),
    (lambda: creatinine_clearance_ml_min(60, 64, 0), "creatinine_umol_l"),
    (lambda: carboplatin_dose_mg(0, 100), "auc"),
    (lambda: carboplatin_dose_mg(5, -1), "gfr_ml_min"),
])
def test_impossible_inputs_are_refused_naming_the_field(call, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DosingError) as caught:
        call()
    assert caught.value.field == field


# --- computed doses --------------------------------------------------------------------------

PATIENT = PatientMeasures(height_cm=160, weight_kg=64, age_years=60, creatinine_umol_l=80)


def test_paclitaxel_carboplatin_by_hand() -> None:
    doses = _doses("B:paclitaxel_carboplatin", PATIENT)
    pac = doses["paclitaxel"]
    # BSA 1.686548 → 1.69 m²; 175 × 1.69 = 295.75 → 296 mg
    assert (pac.dose, pac.unit, pac.per) == (296, "mg", "administration")
    assert pac.dose_unrounded == pytest.approx(295.75)
    assert pac.inputs["bsa_m2"] == 1.69
    assert pac.inputs["bsa_m2_exact"] == pytest.approx(1.686548, abs=1e-6)
    assert str(pac.formula) == ("175 mg/m² × BSA 1.69 m² (Mosteller √(160 cm × 64 kg / 3600)) "
                                "= 296 mg")
    carbo = doses["carboplatin"]
    # GFR 66.7911 → 66.8 mL/min; 5 × (66.8 + 25) = 459 mg
    assert carbo.dose == 459
    assert carbo.inputs["gfr_capped"] == pytest.approx(66.8)
    assert carbo.inputs["sex_factor"] == 0.85
    assert str(carbo.formula) == (
        "AUC 5 × (GFR 66.8 mL/min + 25) = 459 mg (Calvert; GFR: Cockcroft–Gault (140 − 60) × "
        "64 kg / (72 × 0.905 mg/dL) × 0.85 = 66.8 mL/min)")
    assert carbo.level is None and pac.level is None


def test_carboplatin_gfr_is_capped() -> None:
    # (140 − 30) × 90 / (72 × 50/88.4) × 0.85 = 206.6 mL/min → capped at 125: 5 × 150 = 750 mg
    young = PatientMeasures(height_cm=170, weight_kg=90, age_years=30, creatinine_umol_l=50)
    carbo = _doses("B:paclitaxel_carboplatin", young)["carboplatin"]
    assert carbo.dose == 750
    assert carbo.inputs["gfr_ml_min"] == pytest.approx(206.6)
    assert carbo.inputs["gfr_capped"] == 125
    assert "capped at 125 mL/min" in str(carbo.formula)
    # a site cap of 150: 5 × (150 + 25) = 875 mg
    assert _doses("B:paclitaxel_carboplatin", young, gfr_cap=150)["carboplatin"].dose == 875


def test_measured_gfr_replaces_cockcroft_gault() -> None:
    measured = PatientMeasures(height_cm=160, weight_kg=64, measured_gfr_ml_min=90)
    # AUC 6 × (90 + 25) = 690 mg; no age or creatinine needed
    assert _doses("B:platinum", measured)["carboplatin"].dose == 690


def test_doses_round_half_up_to_the_mg() -> None:
    # √(160 × 56.2 / 3600) = 1.58044 → 1.58 m²; 175 × 1.58 = 276.5 → 277 mg (not banker's 276)
    doses = _doses("B:paclitaxel_carboplatin",
                   PatientMeasures(height_cm=160, weight_kg=56.2, age_years=60,
                                   creatinine_umol_l=80))
    assert doses["paclitaxel"].dose == 277
    assert doses["paclitaxel"].dose_unrounded == pytest.approx(276.5)


def test_dalpiciclib_dose_levels_and_fixed_endocrine_doses() -> None:
    doses = _doses("A:letrozole", PatientMeasures())
    assert (doses["dalpiciclib"].dose, doses["dalpiciclib"].level) == (150, 0)
    assert str(doses["letrozole"].formula) == "2.5 mg (fixed dose)"
    assert doses["letrozole"].dose == 2.5  # fixed doses are not rounded to the mg
    reduced = _doses("A:letrozole", PatientMeasures(), levels={"dalpiciclib": 1})
    assert (reduced["dalpiciclib"].dose, reduced["dalpiciclib"].level) == (125, 1)
    assert str(reduced["dalpiciclib"].formula) == (
        "125 mg (dose reduction 1; dose levels 150/125/100 mg)")
    assert _doses("A:letrozole", PatientMeasures(),
                  levels={"dalpiciclib": 2})["dalpiciclib"].dose == 100


def test_a_level_past_the_last_means_discontinue() -> None:
    with pytest.raises(DosingError) as caught:
        _doses("A:letrozole", PatientMeasures(), levels={"dalpiciclib": 3})
    assert caught.value.field == "level"
    assert "discontinue" in str(caught.value.message)


def test_range_doses_need_a_choice_within_the_range() -> None:
    assert _doses("A:tamoxifen", PatientMeasures(), chosen={"tamoxifen": 20})["tamoxifen"].dose \
        == 20
    for chosen in ({}, {"tamoxifen": 25}, {"tamoxifen": 5}):
        with pytest.raises(DosingError) as caught:
            _doses("A:tamoxifen", PatientMeasures(), chosen=chosen)
        assert caught.value.field == "chosen"
    # capecitabine 1250 mg/m² × 1.69 m² = 2112.5 → 2113 mg, per administration (twice daily)
    cape = _doses("B:capecitabine", PATIENT, chosen={"capecitabine": 1250})["capecitabine"]
    assert cape.dose == 2113


def test_a_fixed_dose_cannot_be_chosen() -> None:
    with pytest.raises(DosingError) as caught:
        _doses("A:letrozole", PatientMeasures(), chosen={"letrozole": 2.5})
    assert caught.value.field == "chosen"


def test_chemotherapy_reduction_factor() -> None:
    doses = _doses("B:paclitaxel_carboplatin", PATIENT, factors={"paclitaxel": 0.8})
    # 295.75 × 0.8 = 236.6 → 237 mg
    assert doses["paclitaxel"].dose == 237
    assert "× 80 % (dose reduction) = 237 mg" in str(doses["paclitaxel"].formula)
    assert doses["carboplatin"].dose == 459
    with pytest.raises(DosingError) as caught:
        _doses("A:letrozole", PatientMeasures(), factors={"letrozole": 0.8})
    assert caught.value.field == "factors"


@pytest.mark.parametrize(("measures", "field"), [
    (PatientMeasures(weight_kg=64, age_years=60, creatinine_umol_l=80), "height_cm"),
    (PatientMeasures(height_cm=160, age_years=60, creatinine_umol_l=80), "weight_kg"),
    (PatientMeasures(height_cm=160, weight_kg=64, age_years=60), "creatinine_umol_l"),
    (PatientMeasures(height_cm=160, weight_kg=64, creatinine_umol_l=80), "age_years"),
    (PatientMeasures(height_cm=260, weight_kg=64, age_years=60, creatinine_umol_l=80),
     "height_cm"),
    (PatientMeasures(height_cm=160, weight_kg=20, age_years=60, creatinine_umol_l=80),
     "weight_kg"),
    (PatientMeasures(height_cm=160, weight_kg=64, age_years=120, creatinine_umol_l=80),
     "age_years"),
])
def test_missing_or_impossible_measures_name_the_field(measures: PatientMeasures,
                                                        field: str) -> None:
    with pytest.raises(DosingError) as caught:
        _doses("B:paclitaxel_carboplatin", measures)
    assert caught.value.field == field


def test_an_impossible_measure_is_refused_even_when_unused() -> None:
    with pytest.raises(DosingError) as caught:
        _doses("A:letrozole", PatientMeasures(height_cm=16))
    assert caught.value.field == "height_cm"


def test_unknown_drug_names_are_refused() -> None:
    with pytest.raises(DosingError) as caught:
        _doses("A:letrozole", PatientMeasures(), levels={"palbociclib": 1})
    assert caught.value.field == "level"


def test_check_dose_on_levels() -> None:
    dalpiciclib = regimen_from_id(PROTOCOL, "A:letrozole").drug("dalpiciclib")
    assert [check_dose_on_levels(dalpiciclib, d) for d in (150, 125, 100)] == [0, 1, 2]
    with pytest.raises(DosingError) as caught:
        check_dose_on_levels(dalpiciclib, 120)
    assert caught.value.field == "dose"
    assert str(caught.value.message).endswith("150/125/100 mg are the dose levels")
    letrozole = regimen_from_id(PROTOCOL, "A:letrozole").drug("letrozole")
    with pytest.raises(DosingError):
        check_dose_on_levels(letrozole, 2.5)


def test_formulas_are_translatable_messages() -> None:
    carbo = _doses("B:platinum", PATIENT)["carboplatin"]
    seen: list[str] = []

    def gettext(s: str) -> str:
        seen.append(s)
        return s

    carbo.formula.render(gettext)
    assert any(s.startswith("AUC {auc}") for s in seen)
    assert any(s.startswith("Cockcroft–Gault") for s in seen)


# --- dalpiciclib dose modification (palbociclib label, Table 2 / Table 3) -------------------


def tox(grade: int, *, haem: bool = True, **kwargs) -> Toxicity:  # type: ignore[no-untyped-def]
    return Toxicity(NEUTROPENIA if haem else "Diarrhea", grade, haem, **kwargs)


@pytest.mark.parametrize("grade", [0, 1, 2])
def test_grade_1_2_no_dose_adjustment(grade: int) -> None:
    p = propose_dalpiciclib([tox(grade)], 0, LEVELS, cycle_day=1)
    assert (p.action, p.level_to, p.dose_to) == (Action.CONTINUE, 0, 150)
    assert "no dose adjustment" in str(p.rule)


def test_grade_3_on_day_1_hold_and_recheck_within_a_week() -> None:
    p = propose_dalpiciclib([tox(3)], 1, LEVELS, cycle_day=1)
    assert (p.action, p.level_from, p.level_to, p.dose_to) == (Action.HOLD_RECHECK, 1, None,
                                                               None)
    assert (p.resume_level, p.resume_dose) == (1, 125)  # same dose when recovered
    assert "within 1 week" in str(p.rule)
    assert "palbociclib" in p.source


def test_grade_3_on_hold_resumes_at_the_same_level_when_grade_2_or_better() -> None:
    p = propose_dalpiciclib([tox(3, recovered_to_grade=2)], 0, LEVELS, on_hold=True)
    assert (p.action, p.level_to, p.dose_to) == (Action.RESUME_SAME, 0, 150)
    assert str(p.rule).startswith(f"{NEUTROPENIA} grade 3, now grade 2:")


@pytest.mark.parametrize("now", [3, None])
def test_grade_3_on_hold_not_recovered_or_not_rechecked_stays_on_hold(now: int | None) -> None:
    p = propose_dalpiciclib([tox(3, recovered_to_grade=now)], 0, LEVELS, on_hold=True)
    assert p.action is Action.HOLD_RECHECK
    assert p.resume_level == 0


def test_grade_3_on_day_15_continues_and_rechecks_on_day_22() -> None:
    p = propose_dalpiciclib([tox(3)], 0, LEVELS, cycle_day=15)
    assert (p.action, p.level_to, p.dose_to) == (Action.CONTINUE, 0, 150)
    assert "day 22" in str(p.rule)


def test_grade_3_without_a_cycle_day_is_held_as_on_day_1() -> None:
    assert propose_dalpiciclib([tox(3)], 0, LEVELS).action is Action.HOLD_RECHECK


@pytest.mark.parametrize("toxicity", [
    tox(3, with_fever_or_infection=True),
    tox(4),
])
def test_febrile_grade_3_or_grade_4_hold_then_one_level_lower(toxicity: Toxicity) -> None:
    p = propose_dalpiciclib([toxicity], 0, LEVELS, cycle_day=1)
    assert p.action is Action.HOLD_RECHECK
    assert (p.resume_level, p.resume_dose) == (1, 125)
    recovered = Toxicity(toxicity.term, toxicity.grade, True,
                         toxicity.with_fever_or_infection, recovered_to_grade=2)
    p = propose_dalpiciclib([recovered], 0, LEVELS, on_hold=True)
    assert (p.action, p.level_to, p.dose_to) == (Action.RESUME_LOWER, 1, 125)


def test_febrile_rule_quotes_the_label() -> None:
    p = propose_dalpiciclib([tox(3, with_fever_or_infection=True)], 0, LEVELS)
    assert "fever ≥ 38.5 °C" in str(p.rule)
    assert "ANC ≥ 1.0" in str(p.rule)


def test_grade_4_at_the_lowest_level_discontinues() -> None:
    p = propose_dalpiciclib([tox(4)], 2, LEVELS)
    assert (p.action, p.level_from, p.level_to, p.dose_to) == (Action.DISCONTINUE, 2, None,
                                                               None)
    assert "below the lowest dose level (100 mg): discontinue" in str(p.rule)


@pytest.mark.parametrize("toxicity", [
    tox(3, prolonged_g3_weeks=1.5, recovered_to_grade=2),
    tox(3, recurrent=True, recovered_to_grade=2),
])
def test_prolonged_or_recurrent_grade_3_resumes_one_level_lower(toxicity: Toxicity) -> None:
    p = propose_dalpiciclib([toxicity], 0, LEVELS, on_hold=True)
    assert (p.action, p.level_to, p.dose_to) == (Action.RESUME_LOWER, 1, 125)
    assert "prolonged (> 1 week)" in str(p.rule)


def test_a_one_week_recovery_is_not_prolonged() -> None:
    p = propose_dalpiciclib([tox(3, prolonged_g3_weeks=1.0, recovered_to_grade=2)], 0, LEVELS,
                            on_hold=True)
    assert p.action is Action.RESUME_SAME


def test_non_haematological_grade_3_holds_until_grade_1_then_one_level_lower() -> None:
    p = propose_dalpiciclib([tox(3, haem=False)], 0, LEVELS)
    assert (p.action, p.resume_level) == (Action.HOLD_RECHECK, 1)
    p = propose_dalpiciclib([tox(3, haem=False, recovered_to_grade=2)], 0, LEVELS, on_hold=True)
    assert p.action is Action.HOLD_RECHECK
    p = propose_dalpiciclib([tox(3, haem=False, recovered_to_grade=1)], 0, LEVELS, on_hold=True)
    assert (p.action, p.level_to, p.dose_to) == (Action.RESUME_LOWER, 1, 125)
    assert propose_dalpiciclib([tox(2, haem=False)], 0, LEVELS).action is Action.CONTINUE


def test_grade_5_discontinues() -> None:
    assert propose_dalpiciclib([tox(5, haem=False)], 0, LEVELS).action is Action.DISCONTINUE


def test_the_worst_toxicity_decides_and_any_reduction_applies() -> None:
    p = propose_dalpiciclib([tox(2), tox(4)], 0, LEVELS)
    assert (p.action, p.resume_level) == (Action.HOLD_RECHECK, 1)
    # recovered neutropenia (same dose) but diarrhoea still grade 2 after grade 3: keep holding,
    # and resume one level lower because of the diarrhoea
    p = propose_dalpiciclib([tox(3, recovered_to_grade=2),
                             tox(3, haem=False, recovered_to_grade=2)], 0, LEVELS, on_hold=True)
    assert (p.action, p.resume_level, p.resume_dose) == (Action.HOLD_RECHECK, 1, 125)
    assert str(p.rule).startswith("Diarrhea grade 3")


def test_no_toxicity() -> None:
    assert propose_dalpiciclib([], 0, LEVELS).action is Action.CONTINUE
    assert propose_dalpiciclib([], 0, LEVELS, on_hold=True).action is Action.HOLD_RECHECK


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"toxicities": [tox(3)], "level": 3, "levels": LEVELS}, "level"),
    ({"toxicities": [tox(3)], "level": -1, "levels": LEVELS}, "level"),
    ({"toxicities": [tox(3)], "level": 0, "levels": ()}, "levels"),
    ({"toxicities": [tox(7)], "level": 0, "levels": LEVELS}, "grade"),
    ({"toxicities": [tox(3, recovered_to_grade=6)], "level": 0, "levels": LEVELS},
     "recovered_to_grade"),
])
def test_bad_dalpiciclib_input_names_the_field(kwargs, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DosingError) as caught:
        propose_dalpiciclib(**kwargs)
    assert caught.value.field == field


# --- chemotherapy day-1 rule (site decision) --------------------------------------------------


def test_chemotherapy_continues_with_adequate_counts() -> None:
    p = propose_chemotherapy([tox(1)], anc=2.0, platelets=180)
    assert (p.action, p.level_to, p.dose_factor) == (Action.CONTINUE, 0, 1.0)
    assert "site decision" in p.source


@pytest.mark.parametrize(("kwargs", "toxicities"), [
    ({"anc": 1.2, "platelets": 180}, []),
    ({"anc": 2.0, "platelets": 90}, []),
    ({}, [Toxicity(NEUTROPENIA, 2, True)]),                    # ANC < 1.5 by grade
    ({}, [Toxicity("Platelet count decreased", 2, True)]),     # platelets < 75 by grade
])
def test_low_day_1_counts_delay_one_week(kwargs, toxicities) -> None:  # type: ignore[no-untyped-def]
    p = propose_chemotherapy(toxicities, **kwargs)
    assert (p.action, p.level_to, p.resume_level, p.dose_factor) == (Action.DELAY, None, 0, 1.0)
    assert "delay the cycle by one week" in str(p.rule)


def test_measured_counts_override_the_grade() -> None:
    # platelets grade 1 (< LLN – 75) but 120 ×10⁹/L measured: no delay
    p = propose_chemotherapy([Toxicity("Platelet count decreased", 1, True)], platelets=120)
    assert p.action is Action.CONTINUE


@pytest.mark.parametrize("toxicity", [
    Toxicity("Febrile neutropenia", 3, True),
    Toxicity(NEUTROPENIA, 3, True, with_fever_or_infection=True),
    Toxicity("Platelet count decreased", 4, True),
    Toxicity("Diarrhea", 3, False),
    Toxicity("Palmar-plantar erythrodysesthesia syndrome", 3, False),
])
def test_dose_limiting_toxicity_reduces_by_20_percent(toxicity: Toxicity) -> None:
    p = propose_chemotherapy([toxicity], anc=2.0, platelets=150)
    assert (p.action, p.level_from, p.level_to) == (Action.REDUCE, 0, 1)
    assert p.dose_factor == pytest.approx(0.8)
    assert "20 %" in str(p.rule)


def test_grade_3_haematological_without_fever_is_not_a_reduction() -> None:
    p = propose_chemotherapy([Toxicity(NEUTROPENIA, 3, True)], anc=1.8, platelets=150)
    assert p.action is Action.CONTINUE


def test_second_reduction_and_percent_parameter() -> None:
    diarrhoea = [Toxicity("Diarrhea", 3, False)]
    p = propose_chemotherapy(diarrhoea, reductions_so_far=1, anc=2.0, platelets=150)
    assert (p.action, p.level_to, p.dose_factor) == (Action.REDUCE, 2, pytest.approx(0.6))
    p = propose_chemotherapy(diarrhoea, reduction_percent=25, anc=2.0, platelets=150)
    assert p.dose_factor == pytest.approx(0.75)


def test_a_third_reduction_discontinues() -> None:
    p = propose_chemotherapy([Toxicity("Diarrhea", 4, False)], reductions_so_far=2, anc=2.0,
                             platelets=150)
    assert p.action is Action.DISCONTINUE
    assert "discontinue" in str(p.rule)


def test_delay_with_a_reduction_restarts_reduced() -> None:
    p = propose_chemotherapy([Toxicity("Febrile neutropenia", 3, True)], anc=1.1, platelets=150)
    assert (p.action, p.resume_level, p.dose_factor) == (Action.DELAY, 1, pytest.approx(0.8))


def test_chemotherapy_grade_5_discontinues() -> None:
    assert propose_chemotherapy([Toxicity("Sepsis", 5, False)]).action is Action.DISCONTINUE


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"reductions_so_far": -1}, "reductions_so_far"),
    ({"reductions_so_far": 3}, "reductions_so_far"),
    ({"reduction_percent": 0}, "reduction_percent"),
    ({"anc": -1.0}, "anc"),
])
def test_bad_chemotherapy_input_names_the_field(kwargs, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DosingError) as caught:
        propose_chemotherapy([], **kwargs)
    assert caught.value.field == field


def test_rules_render_through_gettext() -> None:
    p = propose_dalpiciclib([tox(4)], 0, LEVELS)
    catalogue = {"{term} grade {grade}: {rule}": "{term} {grade} 级：{rule}"}
    text = p.rule.render(lambda s: catalogue.get(s, s))
    assert text.startswith(f"{NEUTROPENIA} 4 级：grade 3 with fever")
