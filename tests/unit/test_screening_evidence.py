"""Issue 18 items 1, 2 and 6: FES washout, dated evidence with windows, IN5's stop reason.

References (independent of the code under test):
- Cerianna (fluoroestradiol F 18) label, drug interactions (docs/domain.md §6): tamoxifen blocks
  FES uptake up to 8 weeks (56 days), fulvestrant up to 28 weeks (196 days) after the last dose;
  an all-negative read inside the window neither excludes (EX1) nor fails IN2 until the
  investigator confirms it or a repeat scan outside the window is read.
- Protocol file windows (site decisions): labs 14 days, imaging 28 days (RECIST 1.1 baseline
  within 4 weeks, docs/domain.md §2), FES 28 days before the decision date.
- The trial title "after CDK4/6 inhibitor failure": a line stopped for intolerance without
  progression needs the investigator's confirmation.

The base record is tests/screening_data.eligible_record(): decision 2024-03-10, labs
2024-03-04, imaging 2024-03-02, FES 2024-03-04 (5 read, 4 ER-positive), pathology 2024-02-20.
Day counts are worked by hand next to each case.
"""

from __future__ import annotations

import copy
from typing import Any

from screening_data import eligible_record

from dawna.protocol import bundled_protocol
from dawna.rules.eligibility import CriterionResult, Outcome, Status, evaluate
from dawna.rules.screening_record import ScreeningRecord

PROTOCOL = bundled_protocol()
MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.UNKNOWN
ALL_NEGATIVE = {"scan_date": "2024-03-04", "lesions_read": 3, "er_positive_lesions": 0}


def record(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(eligible_record())
    for key, value in changes.items():
        node, parts = out, key.split("__")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return out


def with_fulvestrant(stop: str | None, fes: dict[str, Any] | None = None) -> dict[str, Any]:
    data = record(fes_pet=dict(fes or ALL_NEGATIVE))
    data["treatment_lines"].append({"agents": ["fulvestrant"], "setting": "advanced",
                                    "start_date": "2023-02-01", "stop_date": stop,
                                    "reason_stopped": "progression" if stop else None})
    data["treatment_lines"][1]["start_date"] = "2023-07-10"
    return data


def judge(data: dict[str, Any], cid: str, protocol: Any = PROTOCOL) -> CriterionResult:
    result = evaluate(ScreeningRecord.model_validate(data), protocol)
    return next(c for c in result.criteria if c.id == cid)


def texts(c: CriterionResult) -> list[str]:
    return [str(m) for m in c.reasons]


# --- item 1: FES scan inside a washout window --------------------------------------------------


def test_all_negative_scan_inside_the_fulvestrant_window_neither_excludes_nor_fails_in2() -> None:
    """Last fulvestrant 2023-09-01 + 196 days = 2024-03-15: the scan of 2024-03-04 is inside."""
    data = with_fulvestrant("2023-09-01")
    ex1, in2 = judge(data, "EX1"), judge(data, "IN2")
    assert (ex1.status, in2.status) == (UNKNOWN, UNKNOWN)
    assert ex1.missing == in2.missing == ("fes_pet.washout_result_confirmed",)
    flag = ("FES scan on 2024-03-04 is within 28 weeks of the last fulvestrant dose (2023-09-01): "
            "fulvestrant blocks FES uptake until 2024-03-15 (Cerianna label); an all-negative "
            "read is not conclusive")
    assert texts(ex1) == [flag]
    assert evaluate(ScreeningRecord.model_validate(data), PROTOCOL).outcome is Outcome.INCOMPLETE


def test_investigator_confirmation_makes_the_all_negative_read_count() -> None:
    data = with_fulvestrant("2023-09-01", {**ALL_NEGATIVE, "washout_result_confirmed": True})
    assert judge(data, "EX1").status is MET
    assert judge(data, "IN2").status is NOT_MET
    assert "fulvestrant blocks FES uptake" in " ".join(texts(judge(data, "EX1")))  # still flagged


def test_repeat_scan_outside_the_window_is_conclusive() -> None:
    """A repeat scan read on 2024-03-16 (clear from 2024-03-15) replaces the first read."""
    repeat = {**ALL_NEGATIVE, "scan_date": "2024-03-16"}
    data = with_fulvestrant("2023-09-01", repeat)
    data["decision_date"] = "2024-03-17"
    assert (judge(data, "EX1").status, judge(data, "IN2").status) == (MET, NOT_MET)
    assert texts(judge(data, "EX1")) == ["all 3 lesions read on FES PET/CT are ER-negative"]


def test_fulvestrant_window_boundary() -> None:
    """Stop 2023-08-21 + 196 days = 2024-03-04 = scan day: outside (clear from that day).
    Stop 2023-08-22 + 196 days = 2024-03-05: the scan of 2024-03-04 is inside."""
    assert judge(with_fulvestrant("2023-08-21"), "EX1").status is MET
    assert judge(with_fulvestrant("2023-08-22"), "EX1").status is UNKNOWN


def test_tamoxifen_window_is_eight_weeks_and_an_ongoing_line_is_inside() -> None:
    """Stop 2024-01-08 + 56 days = 2024-03-04 (outside); 2024-01-09 + 56 = 2024-03-05 (inside)."""
    def tam(stop: str | None) -> dict[str, Any]:
        data = record(fes_pet=dict(ALL_NEGATIVE))
        data["treatment_lines"].append({"agents": ["Tamoxifen"], "setting": "advanced",
                                        "start_date": "2023-12-01", "stop_date": stop})
        return data
    assert judge(tam("2024-01-08"), "EX1").status is MET
    assert judge(tam("2024-01-09"), "EX1").status is UNKNOWN
    assert judge(tam(None), "EX1").status is UNKNOWN


def test_positive_lesions_inside_the_window_still_count_and_are_flagged() -> None:
    data = with_fulvestrant("2023-09-01", {"scan_date": "2024-03-04", "lesions_read": 5,
                                           "er_positive_lesions": 4})
    in2 = judge(data, "IN2")
    assert in2.status is MET
    assert texts(in2)[0].startswith("FES scan on 2024-03-04 is within 28 weeks")
    assert judge(data, "EX1").status is NOT_MET


def test_washout_weeks_are_protocol_settings() -> None:
    """With 20 weeks: 2023-09-01 + 140 days = 2024-01-19, before the scan: conclusive."""
    settings = dict(PROTOCOL.site_settings)
    settings["fes_washout_fulvestrant_weeks"] = settings[
        "fes_washout_fulvestrant_weeks"].model_copy(update={"value": 20})
    protocol = PROTOCOL.model_copy(update={"site_settings": settings})
    assert judge(with_fulvestrant("2023-09-01"), "EX1", protocol).status is MET
    assert PROTOCOL.setting_number("fes_washout_tamoxifen_weeks") == 8
    assert PROTOCOL.setting_number("fes_washout_fulvestrant_weeks") == 28


# --- item 2: dated evidence with windows --------------------------------------------------------


def test_labs_older_than_14_days_make_in8_unknown_even_when_they_fail() -> None:
    """Decision 2024-03-10: labs of 2024-02-25 are 14 days old (inside), 2024-02-24 is 15."""
    assert judge(record(labs__collection_date="2024-02-25"), "IN8").status is MET
    stale = judge(record(labs__collection_date="2024-02-24"), "IN8")
    assert (stale.status, stale.missing) == (UNKNOWN, ("labs.collection_date",))
    assert texts(stale) == ["Screening labs of 2024-02-24 is 15 days old on 2024-03-10, older "
                            "than its window of 14 days (site decision): repeat it"]
    low = record(labs__collection_date="2024-02-24")
    low["labs"]["anc"]["value"] = 1.0
    assert judge(low, "IN8").status is UNKNOWN  # old evidence decides nothing
    undated = record()
    del undated["labs"]["collection_date"]
    assert judge(undated, "IN8").missing == ("labs.collection_date",)


def test_imaging_window_28_days_for_in7() -> None:
    """2024-02-11 is 28 days before 2024-03-10 (inside); 2024-02-10 is 29 (outside)."""
    assert judge(record(imaging_date="2024-02-11"), "IN7").status is MET
    c = judge(record(imaging_date="2024-02-10"), "IN7")
    assert (c.status, c.missing) == (UNKNOWN, ("imaging_date",))
    assert judge(record(imaging_date=None), "IN7").missing == ("imaging_date",)


def test_fes_window_28_days_for_in2_and_ex1() -> None:
    old = record(fes_pet__scan_date="2024-02-10")  # 29 days before 2024-03-10
    assert (judge(old, "IN2").status, judge(old, "EX1").status) == (UNKNOWN, UNKNOWN)
    assert judge(old, "IN2").missing == ("fes_pet.scan_date",)
    assert judge(record(fes_pet__scan_date="2024-02-11"), "IN2").status is MET


def test_each_criterion_shows_its_window() -> None:
    result = evaluate(ScreeningRecord.model_validate(eligible_record()), PROTOCOL)
    windows = {c.id: [str(m) for m in c.windows] for c in result.criteria if c.windows}
    assert windows == {
        "IN1": ["Pathology report: dated; how recent is the investigator's judgment"],
        "IN2": ["FES PET/CT: at most 28 days before the decision (site decision)"],
        "IN7": ["Imaging of the measurable disease: at most 28 days before the decision "
                "(site decision)"],
        "IN8": ["Screening labs: at most 14 days before the decision (site decision)"],
        "EX1": ["FES PET/CT: at most 28 days before the decision (site decision)"]}
    assert result.outcome is Outcome.ELIGIBLE


# --- item 6: IN5 shows the CDK4/6 inhibitor line; intolerance needs confirmation ----------------


def _toxicity(confirmed: bool | None) -> dict[str, Any]:
    data = record()
    data["treatment_lines"][0].update(reason_stopped="toxicity", failure_confirmed=confirmed)
    return data


def test_in5_shows_the_cdk_line_stop_reason_and_dates() -> None:
    assert texts(judge(record(), "IN5")) == [
        "treatment_lines[0]: palbociclib + letrozole (advanced) from 2021-05-01 to 2023-06-30, "
        "stopped: progression"]


def test_in5_line_stopped_for_intolerance_needs_the_investigators_confirmation() -> None:
    pending = judge(_toxicity(None), "IN5")
    assert (pending.status, pending.missing) == (UNKNOWN, ("treatment_lines[0].failure_confirmed",))
    assert "stopped: toxicity (intolerance)" in texts(pending)[0]
    assert judge(_toxicity(True), "IN5").status is MET
    refused = judge(_toxicity(False), "IN5")
    assert refused.status is NOT_MET
    assert texts(refused)[0] == ("the investigator does not count the CDK4/6 inhibitor line "
                                 "stopped for toxicity as CDK4/6 inhibitor failure")
