"""Rules of the clinical forms (issue 21 items 1-4) against hand-worked values."""

from __future__ import annotations

from datetime import date

import pytest

from dawna.errors import ValidationError
from dawna.rules import cyp3a, ecg, medical_history, vital_signs
from dawna.rules.current_toxicity import current_toxicities

CODED = [
    cyp3a.CodedDrug("clarithromycin", "克拉霉素", "J01FA09", "strong_inhibitor"),
    cyp3a.CodedDrug("ritonavir", "利托那韦", "J05AE03", "strong_inhibitor"),
    cyp3a.CodedDrug("rifampicin", "利福平", "J04AB02", "strong_inducer"),
    cyp3a.CodedDrug("St John's wort", "圣约翰草", "N06AX25", "strong_inducer"),
    cyp3a.CodedDrug("fluconazole", "氟康唑", "J02AC01", "moderate_inhibitor"),
    cyp3a.CodedDrug("ondansetron", "昂丹司琼", "A04AA01"),
]


# --- CYP3A -------------------------------------------------------------------------------------

def test_strong_inhibitor_flagged_by_name_case_and_punctuation_ignored() -> None:
    flag = cyp3a.cyp3a_flag("Clarithromycin ", None, CODED)
    assert flag is not None and flag.cyp3a == "strong_inhibitor"
    assert "strong CYP3A inhibitor" in str(flag.message)


def test_inducer_flagged_by_name_with_apostrophe_and_by_chinese_name() -> None:
    assert cyp3a.cyp3a_flag("st. johns wort", None, CODED).cyp3a == "strong_inducer"
    assert cyp3a.cyp3a_flag("利福平", None, CODED).drug.name == "rifampicin"


def test_combination_flagged_on_any_part_and_by_atc() -> None:
    assert cyp3a.cyp3a_flag("lopinavir/ritonavir", None, CODED).drug.name == "ritonavir"
    assert cyp3a.cyp3a_flag("some brand", "j04ab02", CODED).drug.name == "rifampicin"


def test_moderate_and_uncoded_drugs_are_not_flagged() -> None:
    assert cyp3a.cyp3a_flag("fluconazole", "J02AC01", CODED) is None
    assert cyp3a.cyp3a_flag("ondansetron", None, CODED) is None
    assert cyp3a.cyp3a_flag("clarithromycin-like herbal", None, CODED) is None


def test_overlap_with_treatment_by_hand() -> None:
    first, last = date(2026, 3, 1), date(2026, 6, 30)
    assert cyp3a.overlaps_treatment(date(2026, 1, 1), date(2026, 3, 1), False, first, None)
    assert not cyp3a.overlaps_treatment(date(2026, 1, 1), date(2026, 2, 28), False, first, None)
    assert cyp3a.overlaps_treatment(date(2026, 4, 1), None, True, first, None)
    assert not cyp3a.overlaps_treatment(date(2026, 7, 1), None, True, first, last)
    assert not cyp3a.overlaps_treatment(date(2026, 4, 1), None, True, None, None)


def test_stop_before_start_refused_naming_stop_date() -> None:
    with pytest.raises(ValidationError) as exc:
        cyp3a.check_dates(date(2026, 3, 2), date(2026, 3, 1), False)
    assert exc.value.field == "stop_date"
    with pytest.raises(ValidationError):
        cyp3a.check_dates(date(2026, 3, 2), date(2026, 3, 3), True)
    with pytest.raises(ValidationError):
        cyp3a.check_dates(date(2026, 3, 2), None, False)
    cyp3a.check_dates(date(2026, 3, 2), date(2026, 3, 2), False)


# --- ECG ---------------------------------------------------------------------------------------

def test_fridericia_by_hand() -> None:
    # RR 1000 ms: cube root of 1 s is 1, QTcF = QT
    assert ecg.fridericia_ms(400, rr_ms=1000) == pytest.approx(400.0)
    # RR 729 ms: 0.729^(1/3) = 0.9 exactly, 360 / 0.9 = 400
    assert ecg.fridericia_ms(360, rr_ms=729) == pytest.approx(400.0)
    # RR 512 ms: 0.512^(1/3) = 0.8, 450 / 0.8 = 562.5
    assert ecg.fridericia_ms(450, rr_ms=512) == pytest.approx(562.5)
    # heart rate 60/min: RR = 60/60 = 1 s
    assert ecg.fridericia_ms(420, heart_rate_bpm=60) == pytest.approx(420.0)
    # heart rate 75/min: RR = 0.8 s, 0.8^(1/3) = 0.928318, 400 / 0.928318 = 430.887
    assert ecg.fridericia_ms(400, heart_rate_bpm=75) == pytest.approx(430.887, abs=0.001)


def test_qt_without_rr_or_rate_refused_naming_rr() -> None:
    with pytest.raises(ValidationError) as exc:
        ecg.fridericia_ms(400)
    assert exc.value.field == "rr_ms"


def test_rate_and_rr_that_disagree_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        ecg.fridericia_ms(400, rr_ms=1000, heart_rate_bpm=90)
    assert exc.value.field == "heart_rate_bpm"
    assert ecg.fridericia_ms(400, rr_ms=1000, heart_rate_bpm=61) == pytest.approx(400.0)


@pytest.mark.parametrize(("qtc", "baseline", "grade"), [
    (449, None, 0), (449.4, None, 0), (449.5, None, 1), (450, None, 1), (480, None, 1),
    (481, None, 2), (500, None, 2), (500.4, None, 2), (501, None, 3), (530, None, 3),
    (470, 409, 3), (470, 410, 1), (430, 360, 3),
])
def test_qtc_grade_ctcae_v5(qtc: float, baseline: float | None, grade: int) -> None:
    assert ecg.qtc_grade(qtc, baseline) == grade


def test_torsade_is_grade_4() -> None:
    assert ecg.qtc_grade(440, torsade=True) == 4


def test_screening_qtcf_is_latest_screening_reading_before_decision() -> None:
    readings = [ecg.EcgReading(date(2026, 1, 5), "screening", 455.4),
                ecg.EcgReading(date(2026, 1, 9), "screening", 471.6),
                ecg.EcgReading(date(2026, 2, 1), "cycle_1", 490.0)]
    assert ecg.screening_qtcf(readings) == 472.0
    assert ecg.screening_qtcf(readings, date(2026, 1, 6)) == 455.0
    assert ecg.screening_qtcf(readings[2:]) is None


# --- vital signs -------------------------------------------------------------------------------

def test_weight_5000_kg_refused_naming_weight() -> None:
    with pytest.raises(ValidationError) as exc:
        vital_signs.check_vitals({"weight_kg": 5000.0})
    assert exc.value.field == "weight_kg"


def test_diastolic_above_systolic_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        vital_signs.check_vitals({"systolic_mmhg": 80.0, "diastolic_mmhg": 90.0})
    assert exc.value.field == "diastolic_mmhg"


def test_weight_change_by_hand() -> None:
    # 60 kg dosed, 54 kg now: (54 - 60) / 60 = -10.0 % -> recompute
    change = vital_signs.weight_change(60.0, 54.0, 10.0)
    assert change.percent == -10.0 and change.recompute
    # 60 -> 65.9: +9.8 % -> no
    assert not vital_signs.weight_change(60.0, 65.9, 10.0).recompute
    assert vital_signs.weight_change(60.0, 66.0, 10.0).recompute


@pytest.mark.parametrize(("t", "sustained", "febrile"), [
    (38.3, False, False), (38.4, False, True), (38.0, True, True), (37.9, True, False),
    (38.2, False, False), (None, True, False),
])
def test_febrile_temperature_ctcae_v5(t: float | None, sustained: bool, febrile: bool) -> None:
    assert vital_signs.is_febrile(t, sustained) is febrile


@pytest.mark.parametrize(("t", "grade"), [(37.9, 0), (38.0, 1), (39.0, 1), (39.1, 2),
                                          (40.0, 2), (40.1, 3)])
def test_fever_grade_ctcae_v5(t: float, grade: int) -> None:
    assert vital_signs.fever_grade(t) == grade


def test_measured_fever_makes_neutropenia_febrile_in_current_toxicity() -> None:
    from dawna.rules.current_toxicity import LabObservation
    day = date(2026, 3, 10)
    labs = [LabObservation(analyte="anc", term="Neutrophil count decreased", grade=3,
                           sample_date=day)]
    fever = vital_signs.fever_observation(38.5, False, day)
    assert fever is not None and fever.term == "Fever" and fever.grade == 1
    without = current_toxicities(labs, [], date(2026, 3, 1), worst_counts_since=date(2026, 3, 1))
    with_fever = current_toxicities(labs, [fever], date(2026, 3, 1),
                                    worst_counts_since=date(2026, 3, 1))
    anc = next(t for t in without if t.term == "Neutrophil count decreased")
    assert not anc.with_fever_or_infection
    anc = next(t for t in with_fever if t.term == "Neutrophil count decreased")
    assert anc.with_fever_or_infection
    assert vital_signs.fever_observation(37.2, False, day) is None


# --- medical history ---------------------------------------------------------------------------

def test_worsening_after_first_dose_is_an_adverse_event() -> None:
    first = date(2026, 3, 1)
    assert medical_history.is_adverse_event(date(2026, 3, 1), first)
    assert not medical_history.is_adverse_event(date(2026, 2, 28), first)
    assert not medical_history.is_adverse_event(None, first)
    assert not medical_history.is_adverse_event(date(2026, 3, 5), None)


def test_history_dates_refused_naming_field() -> None:
    today = date(2026, 3, 1)
    with pytest.raises(ValidationError) as exc:
        medical_history.check_history(date(2020, 1, 2), date(2020, 1, 1), False, None, today)
    assert exc.value.field == "stop_date"
    with pytest.raises(ValidationError) as exc:
        medical_history.check_history(date(2020, 1, 2), None, True, date(2019, 1, 1), today)
    assert exc.value.field == "worsened_on"
    with pytest.raises(ValidationError) as exc:
        medical_history.check_history(date(2027, 1, 2), None, True, None, today)
    assert exc.value.field == "start_date"


def test_recomputed_bsa_dose_by_hand() -> None:
    # capecitabine 1000 mg/m2, 160 cm, 54 kg: BSA = sqrt(160 x 54 / 3600) = sqrt(2.4) = 1.549
    # -> 1.55 m2; 1000 x 1.55 = 1550 mg
    assert vital_signs.recomputed_bsa_dose(1000, 160, 54) == (1.55, 1550.0)
    # at 75 % (dose reduction): 1550 x 0.75 = 1162.5 -> 1163 mg (halves up)
    assert vital_signs.recomputed_bsa_dose(1000, 160, 54, 0.75) == (1.55, 1163.0)


@pytest.mark.parametrize(("qt", "qtcf", "in8"), [(360, 400.0, "met"), (423, 470.0, "met"),
                                                (423.9, 471.0, "not_met")])
def test_screening_ecg_qtcf_feeds_in8(qt: float, qtcf: float, in8: str) -> None:
    """The screening ECG's QTcF, as the screening record's labs.qtcf_ms, against qtcf_max 470
    ms (domain.md §5, "<="). RR 729 ms: 0.729^(1/3) = 0.9, so 360 / 0.9 = 400 ms,
    423 / 0.9 = 470 ms (met), 423.9 / 0.9 = 471 ms (not met)."""
    from screening_data import eligible_record

    from dawna.protocol import bundled_protocol
    from dawna.rules.eligibility import evaluate
    from dawna.rules.screening_record import ScreeningRecord

    reading = ecg.EcgReading(date(2024, 3, 5), "screening", ecg.fridericia_ms(qt, rr_ms=729))
    record = eligible_record()
    record["labs"]["qtcf_ms"] = ecg.screening_qtcf([reading])
    assert record["labs"]["qtcf_ms"] == qtcf
    result = evaluate(ScreeningRecord.model_validate(record), bundled_protocol())
    verdict = next(c for c in result.criteria if c.id == "IN8")
    assert verdict.status.value == in8
