"""Regimens from the real DAWNA-FES protocol file and the treatment calendar
(dawna/rules/regimens.py), against dates counted by hand here.

Sources: the protocol's arms (registry record NCT05861830; docs/domain.md §5: dalpiciclib days
1–21 of 28, fulvestrant 500 mg days 1 and 15 of cycle 1 then day 1, 21-day chemotherapy) and
tumour assessments every 8 weeks ± 7 days from randomization, not moved by cycle delays
(domain.md §2); blood counts on day 1 of every cycle and day 15 of cycles 1–2 with dalpiciclib
(palbociclib label, domain.md §5).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dawna.protocol import load_protocol
from dawna.rules.regimens import (
    CalendarEvent,
    DosingError,
    LabRule,
    PatientMeasures,
    build_calendar,
    choices_from_stored,
    compute_doses,
    cycle_starts,
    regimen_from_id,
    regimen_ids,
    regimen_settings,
    resolve_regimen,
)

PROTOCOL = load_protocol()
RANDOMIZED = date(2024, 1, 1)  # a Monday
FIRST = date(2024, 1, 8)       # cycle 1 day 1, a week after randomization


def of(events: list[CalendarEvent], kind: str, drug: str | None = None) -> list[CalendarEvent]:
    return [e for e in events if e.kind == kind and (drug is None or e.drug == drug)]


def dates(events: list[CalendarEvent]) -> list[date]:
    return [e.date for e in events]


# --- regimens -------------------------------------------------------------------------------


def test_arm_a_always_has_dalpiciclib_and_ofs_is_optional() -> None:
    r = resolve_regimen(PROTOCOL, "A", {"endocrine_therapy": "letrozole"})
    assert (r.id, r.arm, r.cycle_length_days) == ("A:letrozole", "A", 28)
    assert [d.drug for d in r.drugs] == ["dalpiciclib", "letrozole"]
    assert r.label == "Arm A: Dalpiciclib + Letrozole"
    dalpiciclib, letrozole = r.drugs
    assert dalpiciclib.days == tuple(range(1, 22))
    assert (dalpiciclib.dose, dalpiciclib.unit, dalpiciclib.route, dalpiciclib.frequency) == (
        150, "mg", "PO", "QD")
    assert dalpiciclib.dose_levels == (150, 125, 100)
    assert dalpiciclib.provenance == "confirmed"
    assert letrozole.days is None  # continuous
    assert r.procedures == ()


def test_ofs_options_drugs_and_procedure() -> None:
    r = resolve_regimen(PROTOCOL, "A", {"endocrine_therapy": "fulvestrant",
                                        "ovarian_function_suppression": "goserelin"})
    assert r.id == "A:fulvestrant+goserelin"
    fulvestrant = r.drug("fulvestrant")
    assert fulvestrant.days_in_cycle(1) == (1, 15)
    assert fulvestrant.days_in_cycle(2) == (1,)
    r = resolve_regimen(PROTOCOL, "A", {"endocrine_therapy": "anastrozole",
                                        "ovarian_function_suppression": "bilateral_oophorectomy"})
    assert r.procedures == ("bilateral oophorectomy",)
    assert [d.drug for d in r.drugs] == ["dalpiciclib", "anastrozole"]


@pytest.mark.parametrize(("arm", "choices", "drug", "check"), [
    ("B", {"chemotherapy": "weekly_paclitaxel"}, "paclitaxel",
     lambda d: d.days == (1, 8, 15) and d.dose == 80),
    ("B", {"chemotherapy": "cisplatin"}, "cisplatin", lambda d: d.dose == 75),
    ("B", {"chemotherapy": "gemcitabine_carboplatin"}, "carboplatin",
     lambda d: d.days == (1, 8) and d.dose == 2),
    ("A", {"endocrine_therapy": "letrozole", "ovarian_function_suppression": "leuprorelin_im"},
     "leuprorelin", lambda d: d.route == "IM"),
])
def test_alternatives_are_accepted(arm, choices, drug, check) -> None:  # type: ignore[no-untyped-def]
    assert check(resolve_regimen(PROTOCOL, arm, choices).drug(drug))


def test_missing_required_group_and_unknown_option_name_the_group() -> None:
    with pytest.raises(DosingError) as caught:
        resolve_regimen(PROTOCOL, "A", {})
    assert caught.value.field == "endocrine_therapy"
    with pytest.raises(DosingError) as caught:
        resolve_regimen(PROTOCOL, "A", {"endocrine_therapy": "letrozol"})
    assert caught.value.field == "endocrine_therapy"
    assert "letrozole" in str(caught.value.message)  # the options are listed
    with pytest.raises(DosingError) as caught:
        resolve_regimen(PROTOCOL, "A", {"endocrine_therapy": "letrozole",
                                        "ovarian_function_suppression": "tamoxifen"})
    assert caught.value.field == "ovarian_function_suppression"
    with pytest.raises(DosingError) as caught:
        resolve_regimen(PROTOCOL, "C", {})
    assert caught.value.field == "arm"


def test_other_arms_groups_are_ignored_and_unknown_keys_refused() -> None:
    r = resolve_regimen(PROTOCOL, "A", {"endocrine_therapy": "letrozole",
                                        "chemotherapy": "physician_entered",
                                        "chemotherapy_text": "eribulin"})
    assert r.id == "A:letrozole"
    with pytest.raises(DosingError) as caught:
        resolve_regimen(PROTOCOL, "A", {"endocrine_therapy": "letrozole", "ofs": "goserelin"})
    assert caught.value.field == "ofs"


def test_physician_entered_chemotherapy_has_no_drugs() -> None:
    r = resolve_regimen(PROTOCOL, "B", {"chemotherapy": "physician_entered"})
    assert (r.id, r.drugs, r.physician_entered) == ("B:physician_entered", (), True)
    with pytest.raises(DosingError) as caught:
        resolve_regimen(PROTOCOL, "A", {"endocrine_therapy": "physician_entered"})
    assert caught.value.field == "endocrine_therapy"


def test_choices_from_the_randomization_record() -> None:
    stored = {
        "endocrine_therapy": {"arm": "A", "option": "fulvestrant", "label": "Fulvestrant"},
        "ovarian_function_suppression": {"arm": "A", "option": "goserelin",
                                         "label": "Goserelin"},
        "chemotherapy": {"arm": "B", "option": "physician_entered", "text": "eribulin"},
    }
    assert choices_from_stored(stored, "A") == {"endocrine_therapy": "fulvestrant",
                                                "ovarian_function_suppression": "goserelin"}
    assert choices_from_stored(stored, "B") == {"chemotherapy": "physician_entered"}
    r = resolve_regimen(PROTOCOL, "A", choices_from_stored(stored, "A"))
    assert r.id == "A:fulvestrant+goserelin"


def test_regimen_from_id_in_any_order() -> None:
    r = regimen_from_id(PROTOCOL, "A:goserelin+fulvestrant")
    assert r.id == "A:fulvestrant+goserelin"
    assert regimen_from_id(PROTOCOL, "A:dalpiciclib+letrozole").id == "A:letrozole"
    assert regimen_from_id(PROTOCOL, " B:weekly_paclitaxel ").drug("paclitaxel").dose == 80


@pytest.mark.parametrize("bad", ["letrozole", "C:letrozole", "A:letrozole+anastrozole",
                                 "A:paclitaxel_carboplatin", "A:", "B:"])
def test_regimen_from_id_refuses(bad: str) -> None:
    with pytest.raises(DosingError):
        regimen_from_id(PROTOCOL, bad)


def test_regimen_ids_list_every_combination_and_round_trip() -> None:
    ids = regimen_ids(PROTOCOL)
    # arm A: 5 endocrine options × (no OFS + goserelin, leuprorelin, leuprorelin_im,
    # oophorectomy) = 25; arm B: 5 options + 3 alternatives + physician-entered = 9
    assert len(ids) == 34 == len(set(ids))
    assert {"A:letrozole", "A:fulvestrant+goserelin", "A:tamoxifen+bilateral_oophorectomy",
            "B:paclitaxel_carboplatin", "B:weekly_paclitaxel", "B:gemcitabine_carboplatin",
            "B:cisplatin", "B:physician_entered"} <= set(ids)
    for regimen_id in ids:
        assert regimen_from_id(PROTOCOL, regimen_id).id == regimen_id


def test_settings_from_the_protocol() -> None:
    settings = regimen_settings(PROTOCOL)
    assert (settings.assessment_interval_weeks, settings.assessment_window_days,
            settings.carboplatin_gfr_cap) == (8, 7, 125)


# --- cycle starts ---------------------------------------------------------------------------


def test_cycles_back_to_back() -> None:
    assert cycle_starts(FIRST, 28, 3) == [date(2024, 1, 8), date(2024, 2, 5), date(2024, 3, 4)]
    assert cycle_starts(FIRST, 21, 3) == [date(2024, 1, 8), date(2024, 1, 29), date(2024, 2, 19)]


def test_a_delayed_cycle_moves_the_cycles_after_it() -> None:
    starts = cycle_starts(FIRST, 28, 4, {2: date(2024, 2, 12)})   # cycle 2 one week late
    assert starts == [date(2024, 1, 8), date(2024, 2, 12), date(2024, 3, 11), date(2024, 4, 8)]
    starts = cycle_starts(FIRST, 28, 4, {2: date(2024, 2, 12), 3: date(2024, 3, 14)})
    assert starts[2:] == [date(2024, 3, 14), date(2024, 4, 11)]
    # actual starts of cycles beyond the calendar are ignored
    assert cycle_starts(FIRST, 28, 1, {5: date(2025, 1, 1)}) == [FIRST]


def test_a_cycle_cannot_start_before_the_previous_one_ends() -> None:
    with pytest.raises(DosingError) as caught:
        cycle_starts(FIRST, 28, 3, {3: date(2024, 3, 1)})
    assert caught.value.field == "cycle_start"
    # cycle 2 runs 2024-02-05 to 2024-03-03
    assert str(caught.value.message) == (
        "cycle 3 cannot start before cycle 2 ends (2024-03-03); the earliest start is "
        "2024-03-04")


@pytest.mark.parametrize(("args", "field"), [
    ((FIRST, 28, 0), "cycles"),
    ((FIRST, 0, 3), "cycle_length_days"),
    ((FIRST, 28, 3, {0: FIRST}), "cycle_start"),
])
def test_bad_cycle_input(args, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DosingError) as caught:
        cycle_starts(*args)
    assert caught.value.field == field


# --- calendar -------------------------------------------------------------------------------


def arm_a(cycles: int = 3, **kwargs) -> list[CalendarEvent]:  # type: ignore[no-untyped-def]
    kwargs.setdefault("randomization_date", RANDOMIZED)
    return build_calendar(regimen_from_id(PROTOCOL, "A:letrozole"), FIRST, cycles, **kwargs)


def test_arm_a_dose_days() -> None:
    events = arm_a()
    dalpiciclib = of(events, "dose", "dalpiciclib")
    assert len(dalpiciclib) == 3 * 21
    assert [e.day for e in dalpiciclib[:21]] == list(range(1, 22))
    assert dalpiciclib[20].date == date(2024, 1, 28)           # cycle 1 day 21
    assert dalpiciclib[21].date == date(2024, 2, 5)            # cycle 2 day 1
    assert {(e.dose, e.unit, e.route, e.frequency) for e in dalpiciclib} == {
        (150, "mg", "PO", "QD")}
    letrozole = of(events, "dose", "letrozole")               # continuous: every day
    assert len(letrozole) == 3 * 28
    assert dates(letrozole) == [FIRST + timedelta(days=i) for i in range(84)]
    assert str(letrozole[0].label) == "letrozole 2.5 mg PO QD"


def test_visits_and_arm_a_blood_counts_on_day_15_of_cycles_1_and_2_only() -> None:
    events = arm_a()
    assert dates(of(events, "visit")) == [date(2024, 1, 8), date(2024, 2, 5), date(2024, 3, 4)]
    assert str(of(events, "visit")[1].label) == "Cycle 2 day 1 visit"
    labs = of(events, "lab")
    assert [(e.cycle, e.day) for e in labs] == [(1, 1), (1, 15), (2, 1), (2, 15), (3, 1)]
    assert dates(labs) == [date(2024, 1, 8), date(2024, 1, 22), date(2024, 2, 5),
                           date(2024, 2, 19), date(2024, 3, 4)]


def test_tumour_assessments_every_8_weeks_from_randomization() -> None:
    events = arm_a(assessments_until=date(2024, 7, 1))
    scans = of(events, "tumour_assessment")
    # 2024-01-01 + 8, 16, 24 weeks; 32 weeks (2024-08-12) is after the end date
    assert dates(scans) == [date(2024, 2, 26), date(2024, 4, 22), date(2024, 6, 17)]
    assert (scans[0].window_start, scans[0].window_end) == (date(2024, 2, 19), date(2024, 3, 4))
    assert str(scans[0].label) == "Tumour assessment 1 (window 2024-02-19 – 2024-03-04)"
    assert scans[0].cycle is None
    # default end: the last day of the last cycle (2024-03-04 + 27 = 2024-03-31)
    assert dates(of(arm_a(), "tumour_assessment")) == [date(2024, 2, 26)]


def test_a_cycle_delay_moves_later_cycles_but_not_the_assessment_grid() -> None:
    until = date(2024, 7, 1)
    plain = arm_a(assessments_until=until)
    delayed = arm_a(actual_starts={2: date(2024, 2, 12)}, assessments_until=until)
    assert dates(of(delayed, "visit")) == [date(2024, 1, 8), date(2024, 2, 12), date(2024, 3, 11)]
    # the day-15 count follows the actual start of cycle 2
    assert date(2024, 2, 26) in dates(of(delayed, "lab"))
    assert dates(of(delayed, "tumour_assessment")) == dates(of(plain, "tumour_assessment"))
    # dalpiciclib pauses during the delay; continuous letrozole goes on (cycle 1 days 29-35)
    dalpiciclib = of(delayed, "dose", "dalpiciclib")
    assert dalpiciclib[21].date == date(2024, 2, 12)
    letrozole_c1 = [e for e in of(delayed, "dose", "letrozole") if e.cycle == 1]
    assert [e.day for e in letrozole_c1] == list(range(1, 36))
    assert letrozole_c1[-1].date == date(2024, 2, 11)
    assert len(of(delayed, "dose", "letrozole")) == 35 + 28 + 28


def test_fulvestrant_loading_dose() -> None:
    events = build_calendar(regimen_from_id(PROTOCOL, "A:fulvestrant+goserelin"), FIRST, 3)
    fulvestrant = of(events, "dose", "fulvestrant")
    assert [(e.cycle, e.day) for e in fulvestrant] == [(1, 1), (1, 15), (2, 1), (3, 1)]
    assert dates(fulvestrant) == [date(2024, 1, 8), date(2024, 1, 22), date(2024, 2, 5),
                                  date(2024, 3, 4)]
    assert {(e.dose, e.route, e.frequency) for e in fulvestrant} == {(500, "IM", "ONCE")}
    assert dates(of(events, "dose", "goserelin")) == [date(2024, 1, 8), date(2024, 2, 5),
                                                      date(2024, 3, 4)]


def test_oophorectomy_once_on_the_first_day() -> None:
    events = build_calendar(regimen_from_id(PROTOCOL, "A:letrozole+bilateral_oophorectomy"),
                            FIRST, 3)
    procedures = of(events, "procedure")
    assert [(e.date, e.cycle, e.day) for e in procedures] == [(FIRST, 1, 1)]
    assert str(procedures[0].label) == "Procedure: bilateral oophorectomy"


def test_tamoxifen_bid_is_one_event_a_day_and_unchosen_range_has_no_dose() -> None:
    events = build_calendar(regimen_from_id(PROTOCOL, "A:tamoxifen"), FIRST, 1)
    tamoxifen = of(events, "dose", "tamoxifen")
    assert len(tamoxifen) == 28
    assert {(e.dose, e.frequency) for e in tamoxifen} == {(None, "BID")}
    assert str(tamoxifen[0].label) == "tamoxifen 10–20 mg PO BID"


def test_arm_b_21_day_cycles_computed_doses_and_day_1_counts() -> None:
    regimen = regimen_from_id(PROTOCOL, "B:paclitaxel_capecitabine")
    doses = compute_doses(regimen, PatientMeasures(height_cm=160, weight_kg=64))
    events = build_calendar(regimen, FIRST, 2, doses=doses)
    assert dates(of(events, "visit")) == [date(2024, 1, 8), date(2024, 1, 29)]
    assert dates(of(events, "lab")) == [date(2024, 1, 8), date(2024, 1, 29)]
    paclitaxel = of(events, "dose", "paclitaxel")
    # 175 mg/m² × 1.69 m² = 295.75 → 296 mg
    assert [(e.date, e.dose, e.unit) for e in paclitaxel] == [
        (date(2024, 1, 8), 296, "mg"), (date(2024, 1, 29), 296, "mg")]
    capecitabine = of(events, "dose", "capecitabine")
    # 1000 mg/m² × 1.69 m² = 1690 mg twice daily, days 1-14
    assert len(capecitabine) == 28
    assert {(e.dose, e.frequency) for e in capecitabine} == {(1690, "BID")}
    assert capecitabine[13].date == date(2024, 1, 21)
    assert str(capecitabine[0].label) == "capecitabine 1690 mg PO BID"


def test_weekly_paclitaxel_days() -> None:
    events = build_calendar(regimen_from_id(PROTOCOL, "B:weekly_paclitaxel"), FIRST, 1)
    assert dates(of(events, "dose", "paclitaxel")) == [date(2024, 1, 8), date(2024, 1, 15),
                                                       date(2024, 1, 22)]
    assert str(of(events, "dose", "paclitaxel")[0].label) == "paclitaxel 80 mg/m² IV ONCE"


def test_physician_entered_calendar_has_visits_counts_and_scans_only() -> None:
    regimen = regimen_from_id(PROTOCOL, "B:physician_entered")
    events = build_calendar(regimen, FIRST, 4, randomization_date=RANDOMIZED)
    assert {e.kind for e in events} == {"visit", "lab", "tumour_assessment"}
    assert len(of(events, "visit")) == 4


def test_custom_lab_rule() -> None:
    rule = LabRule(days=(1, 8), source="test")
    events = build_calendar(regimen_from_id(PROTOCOL, "B:capecitabine"), FIRST, 2,
                            lab_rule=rule)
    assert [(e.cycle, e.day) for e in of(events, "lab")] == [(1, 1), (1, 8), (2, 1), (2, 8)]


def test_events_are_sorted_by_date_then_kind() -> None:
    events = build_calendar(regimen_from_id(PROTOCOL, "A:fulvestrant+bilateral_oophorectomy"),
                            FIRST, 2, assessments_until=date(2024, 6, 1))
    order = {"procedure": 0, "visit": 1, "lab": 2, "dose": 3, "tumour_assessment": 4}
    keys = [(e.date, order[e.kind], e.drug or "") for e in events]
    assert keys == sorted(keys)
    assert [e.kind for e in events[:5]] == ["procedure", "visit", "lab", "dose", "dose"]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"randomization_date": date(2024, 1, 9)}, "first_day"),
    ({"assessment_interval_weeks": 0}, "assessment_interval_weeks"),
    ({"assessment_window_days": -1}, "assessment_window_days"),
    ({"lab_rule": LabRule(days=(29,))}, "lab_rule"),
    ({"actual_starts": {2: date(2024, 2, 1)}}, "cycle_start"),
])
def test_bad_calendar_input_names_the_field(kwargs, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DosingError) as caught:
        arm_a(**kwargs)
    assert caught.value.field == field


def test_a_dose_for_a_drug_outside_the_regimen_is_refused() -> None:
    other = compute_doses(regimen_from_id(PROTOCOL, "B:platinum"),
                          PatientMeasures(height_cm=160, weight_kg=64, measured_gfr_ml_min=90))
    with pytest.raises(DosingError) as caught:
        arm_a(doses=other)
    assert caught.value.field == "drug"
