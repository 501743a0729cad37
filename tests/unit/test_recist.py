"""RECIST 1.1 response engine against the guideline (Eisenhauer et al., Eur J Cancer
2009;45:228-247: §4.3.1-4.3.3, Tables 1-3) and pharmaverse admiralonco's own test data for
``derive_param_confirmed_bor`` (tests/testthat/test-derive_param_confirmed_bor.R, values restated
here by hand). Every expected value is worked by hand in the test."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from dawna.rules.recist import confirmed_bor, evaluate, unconfirmed_bor
from dawna.rules.recist_case import Case, CaseError, ResponseSettings

BASE = date(2026, 1, 5)


def day(n: int) -> str:
    return (BASE + timedelta(days=n)).isoformat()


def case(lesions: list[dict[str, Any]], assessments: list[dict[str, Any]],
         **settings: Any) -> Case:
    return Case.model_validate({"baseline": {"date": BASE.isoformat(), "lesions": lesions},
                                "assessments": assessments, "settings": settings})


LIVER = {"id": "T1", "organ": "liver", "diameter_mm": 40, "target": True}
LUNG = {"id": "T2", "organ": "lung", "diameter_mm": 20, "target": True}
NODE = {"id": "N1", "organ": "axillary node", "nodal": True, "diameter_mm": 20, "target": True}
BONE = {"id": "NT1", "organ": "bone", "target": False}


def tp(n: int, target: dict[str, Any] | None = None, non_target: dict[str, str] | None = None,
       new: str = "no") -> dict[str, Any]:
    return {"date": day(n), "target": target or {}, "non_target": non_target or {},
            "new_lesions": new}


def overall(c: Case) -> list[str]:
    return [t.overall for t in evaluate(c).timepoints]


# --- target response (§4.3.1) -------------------------------------------------------------


def test_sums_changes_and_nadir_worked_by_hand() -> None:
    # baseline 40 + 20 = 60; 30+10 = 40 (-33.3 % of 60, PR); 20+8 = 28 (nadir 40 -> -30 %);
    # 30+10 = 40 is +42.9 % and +12 mm above the nadir 28 -> PD although still below baseline.
    result = evaluate(case([LIVER, LUNG], [
        tp(56, {"T1": 30, "T2": 10}), tp(112, {"T1": 20, "T2": 8}),
        tp(168, {"T1": 30, "T2": 10})]))
    sums = [t.sum_mm for t in result.timepoints]
    assert result.baseline_sum_mm == 60
    assert sums == [40, 28, 40]
    assert [t.change_from_baseline_pct for t in result.timepoints] == [-33.3, -53.3, -33.3]
    assert [t.change_from_nadir_pct for t in result.timepoints] == [-33.3, -30.0, 42.9]
    assert [t.nadir_mm for t in result.timepoints] == [60, 40, 28]
    assert [t.target for t in result.timepoints] == ["PR", "PR", "PD"]
    assert result.progression_date == BASE + timedelta(days=168)


def test_pr_is_decided_exactly_at_30_percent() -> None:
    # 33.3 mm baseline; 30 % below is 23.31 mm exactly (a float product would miss it).
    lesion = {"id": "T1", "organ": "liver", "diameter_mm": 33.3, "target": True}
    assert [t.target for t in evaluate(case([lesion], [tp(56, {"T1": 23.31})])).timepoints] == [
        "PR"]
    assert [t.target for t in evaluate(case([lesion], [tp(56, {"T1": 23.32})])).timepoints] == [
        "SD"]


@pytest.mark.parametrize(("nadir_path", "last", "expected"), [
    ([10], 14, "PR"),   # +40 % but only 4 mm: the absolute 5 mm rule alone keeps it from PD
                        # (and 14 mm is still 65 % below the baseline 40 mm: PR)
    ([10], 15, "PD"),   # +50 % and 5 mm
    ([30], 35, "SD"),   # +5 mm but only 16.7 %
    ([30], 36, "PD"),   # +20 % and +6 mm
])
def test_pd_needs_20_percent_and_5_mm_above_nadir(nadir_path: list[float], last: float,
                                                   expected: str) -> None:
    lesion = {"id": "T1", "organ": "liver", "diameter_mm": 40, "target": True}
    visits = [tp(56 * (i + 1), {"T1": v}) for i, v in enumerate([*nadir_path, last])]
    assert evaluate(case([lesion], visits)).timepoints[-1].target == expected


def test_too_small_counts_5_mm_and_a_smaller_measurement_is_used_as_measured() -> None:
    # baseline 40 + 20 = 60. too_small + 0 = 5 (PR, not CR: the lesion is present).
    result = evaluate(case([LIVER, LUNG], [tp(56, {"T1": "too_small", "T2": 0}),
                                          tp(112, {"T1": 3, "T2": 0})]))
    assert [t.sum_mm for t in result.timepoints] == [5, 3]
    assert [t.target for t in result.timepoints] == ["PR", "PR"]
    # from nadir 3 mm, too small (5 mm) is +2 mm: not PD
    result = evaluate(case([LIVER, LUNG], [tp(56, {"T1": 3, "T2": 0}),
                                          tp(112, {"T1": "too_small", "T2": 0})]))
    assert result.timepoints[-1].target == "PR"


def test_nodal_cr_with_a_positive_sum() -> None:
    # every non-nodal target gone, the node 8 mm (< 10 mm short axis): CR with a sum of 8 mm
    result = evaluate(case([LIVER, NODE], [tp(56, {"T1": 0, "N1": 8})]))
    t = result.timepoints[0]
    assert (t.sum_mm, t.target, t.overall) == (8, "CR", "CR")
    # a node at 10 mm is not normal: PR (18 mm -> 10 mm, sum 10 of 60)
    assert evaluate(case([LIVER, NODE], [tp(56, {"T1": 0, "N1": 10})])).timepoints[0].target \
        == "PR"


def test_target_not_evaluated_is_ne_unless_the_read_ones_show_pd() -> None:
    result = evaluate(case([LIVER, LUNG], [tp(56, {"T1": 20, "T2": None}),
                                          tp(112, {"T1": 75})]))
    first, second = result.timepoints
    assert (first.target, first.sum_mm, first.assessed_sum_mm) == ("NE", None, 20)
    # T1 alone 75 mm >= 1.2 x 60 = 72 and +15 mm: PD from the assessed lesion alone
    assert (second.target, second.overall) == ("PD", "PD")


def test_ne_timepoint_does_not_lower_the_nadir() -> None:
    # T2 unread at day 56 (assessed sum 20 is not a sum); nadir stays 60; 50 is then SD.
    result = evaluate(case([LIVER, LUNG], [tp(56, {"T1": 20}), tp(112, {"T1": 30, "T2": 20})]))
    assert [t.target for t in result.timepoints] == ["NE", "SD"]
    assert result.timepoints[1].nadir_mm == 60


# --- non-target response (§4.3.2) and Table 1 ---------------------------------------------

TABLE_1 = [
    # target measurements, non-target status, new lesions -> target, non-target, overall
    ({"T1": 0}, "absent", "no", "CR", "CR", "CR"),
    ({"T1": 0}, "present", "no", "CR", "NON-CR/NON-PD", "PR"),
    ({"T1": 0}, "not_evaluated", "no", "CR", "NE", "PR"),
    ({"T1": 20}, "present", "no", "PR", "NON-CR/NON-PD", "PR"),
    ({"T1": 20}, "not_evaluated", "no", "PR", "NE", "PR"),
    ({"T1": 20}, "absent", "no", "PR", "CR", "PR"),
    ({"T1": 35}, "present", "no", "SD", "NON-CR/NON-PD", "SD"),
    ({"T1": 35}, "not_evaluated", "no", "SD", "NE", "SD"),
    ({"T1": None}, "present", "no", "NE", "NON-CR/NON-PD", "NE"),
    ({"T1": 50}, "present", "no", "PD", "NON-CR/NON-PD", "PD"),
    ({"T1": 20}, "unequivocal_progression", "no", "PR", "PD", "PD"),
    ({"T1": 0}, "absent", "yes", "CR", "CR", "PD"),
    ({"T1": None}, "not_evaluated", "yes", "NE", "NE", "PD"),
]


@pytest.mark.parametrize(("target", "nt", "new", "t_resp", "nt_resp", "ovr"), TABLE_1)
def test_table_1_target_disease(target: dict[str, Any], nt: str, new: str, t_resp: str,
                                nt_resp: str, ovr: str) -> None:
    # baseline T1 40 mm; 50 mm is +25 % and +10 mm
    result = evaluate(case([LIVER, BONE], [tp(56, target, {"NT1": nt}, new)]))
    t = result.timepoints[0]
    assert (t.target, t.non_target, t.overall) == (t_resp, nt_resp, ovr)


@pytest.mark.parametrize(("nt", "new", "ovr"), [
    ("absent", "no", "CR"),
    ("present", "no", "NON-CR/NON-PD"),
    ("not_evaluated", "no", "NE"),
    ("unequivocal_progression", "no", "PD"),
    ("present", "yes", "PD"),
])
def test_table_2_non_target_disease_only(nt: str, new: str, ovr: str) -> None:
    t = evaluate(case([BONE], [tp(56, None, {"NT1": nt}, new)])).timepoints[0]
    assert (t.target, t.sum_mm, t.overall) == (None, None, ovr)


def test_non_target_left_out_of_an_assessment_is_not_evaluated() -> None:
    t = evaluate(case([BONE], [tp(56)])).timepoints[0]
    assert (t.non_target, t.overall) == ("NE", "NE")


# --- new lesions (§4.3.3) -----------------------------------------------------------------


def test_equivocal_new_lesion_confirmed_later_is_pd_from_its_first_observation() -> None:
    result = evaluate(case([LIVER], [tp(56, {"T1": 30}), tp(112, {"T1": 30}, new="equivocal"),
                                     tp(140, {"T1": 30}, new="equivocal"),
                                     tp(168, {"T1": 30}, new="yes")]))
    assert [t.overall for t in result.timepoints] == ["SD", "PD", "PD", "PD"]
    assert result.progression_date == BASE + timedelta(days=112)


def test_equivocal_new_lesion_that_resolves_is_not_pd() -> None:
    result = evaluate(case([LIVER], [tp(56, {"T1": 30}, new="equivocal"), tp(112, {"T1": 30}),
                                     tp(168, {"T1": 30}, new="yes")]))
    assert [t.overall for t in result.timepoints] == ["SD", "SD", "PD"]
    assert result.progression_date == BASE + timedelta(days=168)


# --- best overall response: Table 3 (confirmation) ----------------------------------------

S = ResponseSettings()  # 28-day confirmation, SD at 42 days


def bor(*responses: tuple[int, str], settings: ResponseSettings = S) -> str:
    obs = [(BASE + timedelta(days=n), r) for n, r in responses]
    return confirmed_bor(obs, BASE, settings).response


@pytest.mark.parametrize(("first", "second", "expected"), [
    ("CR", "CR", "CR"),
    ("CR", "PR", "SD"),     # Table 3 "SD, PD or PR"; admiralonco treats it as a data issue: SD
    ("CR", "SD", "SD"),
    ("CR", "PD", "SD"),     # SD criteria met at the first assessment (day 56 >= 42)
    ("CR", "NE", "SD"),
    ("PR", "CR", "PR"),
    ("PR", "PR", "PR"),
    ("PR", "SD", "SD"),
    ("PR", "PD", "SD"),
    ("PR", "NE", "SD"),
    ("NE", "NE", "NE"),
])
def test_table_3_with_sd_interval_met(first: str, second: str, expected: str) -> None:
    assert bor((56, first), (112, second)) == expected


@pytest.mark.parametrize(("first", "second", "expected"), [
    ("CR", "PD", "PD"),
    ("CR", "NE", "NE"),
    ("PR", "PD", "PD"),
    ("PR", "NE", "NE"),
])
def test_table_3_without_the_sd_interval(first: str, second: str, expected: str) -> None:
    # first assessment at day 28 (< 42): an unconfirmed response is not SD
    assert bor((28, first), (50, second)) == expected


def test_confirmation_needs_28_days_and_at_most_one_ne_between() -> None:
    assert bor((56, "PR"), (83, "PR")) == "SD"                  # 27 days
    assert bor((56, "PR"), (84, "PR")) == "PR"                  # 28 days
    assert bor((56, "CR"), (70, "NE"), (98, "CR")) == "CR"      # one NE between
    assert bor((56, "CR"), (63, "NE"), (70, "NE"), (98, "CR")) == "SD"  # two NE
    assert bor((56, "PR"), (70, "SD"), (98, "PR")) == "SD"      # SD between, not accepted
    accept = ResponseSettings(accept_sd_between=True)
    assert bor((56, "PR"), (70, "SD"), (98, "PR"), settings=accept) == "PR"


def test_assessments_after_first_pd_do_not_count() -> None:
    assert bor((56, "PD"), (112, "CR"), (168, "CR")) == "PD"


def test_sd_before_the_minimum_interval_is_ne() -> None:
    assert bor((41, "SD")) == "NE"
    assert bor((42, "SD")) == "SD"
    obs = [(BASE + timedelta(days=41), "SD")]
    assert unconfirmed_bor(obs, BASE, 42).response == "NE"
    assert unconfirmed_bor([(BASE + timedelta(days=20), "PR")], BASE, 42).response == "PR"


def test_no_assessment_is_ne() -> None:
    assert bor() == "NE"


ADMIRALONCO_ADRS = {
    # subject: (treatment start, [(date, response)]) from test-derive_param_confirmed_bor.R
    "1": ("2020-01-01", [("2020-01-01", "PR"), ("2020-02-01", "CR"), ("2020-02-16", "NE"),
                         ("2020-03-01", "CR"), ("2020-04-01", "SD")]),
    "2": ("2019-12-12", [("2020-01-01", "SD"), ("2020-02-01", "PR"), ("2020-03-01", "SD"),
                         ("2020-03-13", "CR")]),
    "3": ("2019-11-11", [("2019-11-12", "CR"), ("2019-12-02", "CR"), ("2020-01-01", "SD")]),
    "4": ("2019-12-30", [("2020-01-01", "PR"), ("2020-03-01", "SD"), ("2020-04-01", "SD"),
                         ("2020-05-01", "PR"), ("2020-05-15", "NON-CR/NON-PD")]),
    "5": ("2020-01-01", [("2020-01-01", "PR"), ("2020-01-10", "SD"), ("2020-01-20", "PR"),
                         ("2020-05-15", "NON-CR/NON-PD")]),
    "6": ("2020-02-02", [("2020-02-06", "PR"), ("2020-02-16", "CR"), ("2020-03-30", "PR")]),
    "7": ("2020-02-02", [("2020-02-06", "PR"), ("2020-02-16", "CR"), ("2020-04-01", "NE")]),
    "8": ("2020-04-01", []),
    "9": ("2020-02-01", [("2020-02-16", "PD"), ("2020-03-06", "SD")]),
}


@pytest.mark.parametrize(("settings", "expected"), [
    # Test 1: ref_start_window 28, ref_confirm 28 (max_nr_ne 1, accept_sd FALSE)
    (ResponseSettings(sd_min_days=28, confirmation_days=28), {
        "1": ("CR", "2020-02-01"), "2": ("SD", "2020-02-01"), "3": ("SD", "2020-01-01"),
        "4": ("SD", "2020-03-01"), "5": ("NON-CR/NON-PD", "2020-05-15"),
        "6": ("SD", "2020-03-30"), "7": ("NE", "2020-02-06"), "8": ("NE", None),
        "9": ("PD", "2020-02-16")}),
    # Test 2: ref_confirm 14, max_nr_ne 0, accept_sd TRUE (subject 7's ND record left out)
    (ResponseSettings(sd_min_days=28, confirmation_days=14, max_ne_between=0,
                      accept_sd_between=True), {
        "1": ("PR", "2020-01-01"), "2": ("PR", "2020-02-01"), "3": ("CR", "2019-11-12"),
        "4": ("SD", "2020-03-01"), "5": ("PR", "2020-01-01"), "6": ("SD", "2020-03-30"),
        "8": ("NE", None), "9": ("PD", "2020-02-16")}),
])
def test_admiralonco_confirmed_bor_test_data(settings: ResponseSettings,
                                             expected: dict[str, tuple[str, str | None]]) -> None:
    for subject, (want, want_date) in expected.items():
        start, rows = ADMIRALONCO_ADRS[subject]
        obs = [(date.fromisoformat(d), r) for d, r in rows]
        got = confirmed_bor(obs, date.fromisoformat(start), settings)
        assert (subject, got.response, got.date and got.date.isoformat()) == (
            subject, want, want_date)


# --- the whole case and CDISC dates --------------------------------------------------------


def test_cdisc_dates_latest_scan_for_response_earliest_for_progression() -> None:
    visits = [dict(tp(56, {"T1": 20}), scan_dates=[day(54), day(57)]),
              dict(tp(112, {"T1": 20}), scan_dates=[day(110), day(113)]),
              dict(tp(168, {"T1": 40}), scan_dates=[day(165), day(168)])]
    result = evaluate(case([LIVER], visits))
    assert [t.adt for t in result.timepoints] == [BASE + timedelta(days=d) for d in (57, 113, 165)]
    assert result.progression_date == BASE + timedelta(days=165)
    assert result.first_response_date == BASE + timedelta(days=57)
    assert (result.confirmed.response, result.confirmed.date) == ("PR", BASE + timedelta(days=57))


def test_measurable_lesions_outside_the_skull_are_counted() -> None:
    brain = {"id": "T3", "organ": "brain", "diameter_mm": 15, "target": True,
             "intracranial": True}
    small = {"id": "NT2", "organ": "liver", "diameter_mm": 8, "target": False}
    assert evaluate(case([LIVER, brain, small, BONE], [])).measurable_outside_skull == 1


# --- refused input ---------------------------------------------------------------------------


@pytest.mark.parametrize(("lesions", "assessments", "field", "words"), [
    ([LIVER, dict(LUNG, id="T1")], [], "baseline.lesions[1].id", "unique"),
    ([dict(LIVER, diameter_mm=9)], [], "baseline.lesions[0].diameter_mm", "not measurable"),
    ([dict(LIVER, method="X-ray", diameter_mm=19)], [], "baseline.lesions[0].diameter_mm",
     "at least 20"),
    ([dict(LIVER, slice_thickness_mm=8, diameter_mm=15)], [],
     "baseline.lesions[0].diameter_mm", "at least 16"),
    ([dict(NODE, diameter_mm=14)], [], "baseline.lesions[0].diameter_mm", "at least 15"),
    ([dict(NODE, diameter_mm=9, target=False)], [], "baseline.lesions[0].diameter_mm",
     "is normal"),
    ([dict(LIVER, diameter_mm=None)], [], "baseline.lesions[0].diameter_mm", "needs"),
    ([dict(LIVER, id=f"T{i}", organ=f"organ {i}") for i in range(6)], [], "baseline.lesions",
     "at most 5"),
    ([dict(LIVER, id=f"T{i}") for i in range(3)], [], "baseline.lesions", "per organ"),
    ([dict(NODE, id=f"N{i}", organ=f"node {i}") for i in range(3)], [], "baseline.lesions",
     "lymph nodes"),
    ([LIVER], [tp(-1, {"T1": 30})], "assessments[0].date", "baseline"),
    ([LIVER], [tp(0, {"T1": 30})], "assessments[0].date", "baseline"),
    ([LIVER], [tp(60, {"T1": 30}), tp(60, {"T1": 30})], "assessments[1].date", "date order"),
    ([LIVER], [tp(60, {"T9": 30})], "assessments[0].target.T9", "not a target"),
    ([LIVER, BONE], [tp(60, {"NT1": 30})], "assessments[0].target.NT1", "not a target"),
    ([LIVER, BONE], [tp(60, {"T1": 30}, {"T1": "present"})], "assessments[0].non_target.T1",
     "not a non-target"),
])
def test_rule_breaking_cases_are_refused_with_the_field(
        lesions: list[dict[str, Any]], assessments: list[dict[str, Any]], field: str,
        words: str) -> None:
    with pytest.raises(CaseError) as caught:
        evaluate(case(lesions, assessments))
    assert caught.value.field == field
    assert words in caught.value.message.template.format(**{
        k: str(v) for k, v in caught.value.message.params.items()})


@pytest.mark.parametrize("bad", [
    {"T1": -3}, {"T1": "abc"}, {"T1": float("nan")},
])
def test_negative_or_non_numeric_measurements_are_refused(bad: dict[str, Any]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        case([LIVER], [tp(56, bad)])
    with pytest.raises(ValidationError):
        case([dict(LIVER, diameter_mm=next(iter(bad.values())))], [])
