"""FES/FDG lesion reads (dawna.rules.pet) against domain.md §6: FES SUVmax ≥ 1.5 is
ER-positive, liver lesions are not evaluable on FES, the lesion and patient categories."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from dawna.rules.pet import Lesion, Study, Thresholds, call, flags, summarize

T = Thresholds()


def lesion(lesion_id: str, suv: float, organ: str = "bone", **kw: Any) -> Lesion:
    return Lesion(id=lesion_id, organ=organ, suvmax=suv, **kw)


def study(tracer: str, *lesions: Lesion, **kw: Any) -> Study:
    data = {"tracer": tracer, "scan_date": "2024-03-04", "read_date": "2024-03-05",
            "injected_mbq": 185, "weight_kg": 60, "uptake_min": 60} | kw
    return Study(**data, lesions=list(lesions))


@pytest.mark.parametrize(("suv", "status"), [(1.5, "positive"), (1.49, "negative"),
                                             (0.0, "negative"), (12.0, "positive")])
def test_fes_threshold(suv: float, status: str) -> None:
    assert call("FES", lesion("L1", suv), T).status == status


def test_strict_comparator_from_the_protocol() -> None:
    strict = Thresholds(fes_positive=1.5, fes_comparator=">")
    assert call("FES", lesion("L1", 1.5), strict).status == "negative"


def test_liver_lesions_are_not_evaluable_on_fes_only() -> None:
    assert call("FES", lesion("L1", 9.0, "liver segment 7"), T).status == "not_evaluable"
    assert call("FDG", lesion("L1", 9.0, "liver segment 7"), T).status == "positive"


def test_a_reader_override_needs_a_reason() -> None:
    with pytest.raises(ValidationError):
        lesion("L1", 1.2, reader_call="positive")
    c = call("FES", lesion("L1", 1.2, reader_call="positive",
                           override_reason="partial volume: 6 mm lesion"), T)
    assert (c.derived, c.status, c.overridden) == ("negative", "positive", True)


def test_patient_summary_worked_by_hand() -> None:
    fes = study("FES", lesion("L1", 3.2), lesion("L2", 1.1), lesion("L3", 0.8),
                lesion("L4", 6.0, "liver"), lesion("L5", 2.0))
    fdg = study("FDG", lesion("L1", 5.0), lesion("L2", 7.5), lesion("L3", 1.2),
                lesion("L4", 8.0, "liver"), lesion("L6", 4.0))
    s = summarize(fes, fdg, T)
    # FES evaluable: L1 +, L2 -, L3 -, L5 + (L4 liver not evaluable) -> 4 read, 2 positive
    assert (s.lesions_read, s.er_positive) == (4, 2)
    assert s.at_least_one_positive is True and s.all_negative is False
    assert s.heterogeneity == "mixed"
    assert s.concordance == {"L1": "FES+/FDG+", "L2": "FES-/FDG+", "L3": "FES-/FDG-",
                             "L4": "FES not evaluable", "L5": "FES+/FDG not read",
                             "L6": "FDG only"}
    # FDG-avid with FES evaluable: L1, L2 -> 1 of 2 FES-negative
    assert (s.fdg_avid, s.fdg_avid_fes_negative, s.fdg_avid_fes_negative_share) == (2, 1, 0.5)


def test_all_negative_and_all_positive() -> None:
    neg = summarize(study("FES", lesion("L1", 0.9), lesion("L2", 1.0)), None, T)
    assert (neg.all_negative, neg.at_least_one_positive, neg.heterogeneity) == (
        True, False, "all_negative")
    pos = summarize(study("FES", lesion("L1", 2.9)), None, T)
    assert (pos.all_negative, pos.heterogeneity) == (False, "all_positive")
    only_liver = summarize(study("FES", lesion("L1", 5.0, "liver")), None, T)
    assert (only_liver.lesions_read, only_liver.all_negative, only_liver.heterogeneity) == (
        0, False, None)
    assert summarize(None, None, T).at_least_one_positive is None


@pytest.mark.parametrize("bad", [
    {"injected_mbq": -5}, {"injected_mbq": 5000}, {"weight_kg": 3}, {"weight_kg": 900},
    {"scan_date": "2024-03-06"},  # after the read
    {"uptake_min": 0},
])
def test_absurd_studies_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        study("FES", lesion("L1", 2.0), **bad)


def test_lesions_read_twice_or_absurd_suv_are_refused() -> None:
    with pytest.raises(ValidationError, match="read twice"):
        study("FES", lesion("L1", 2.0), lesion("l1", 3.0))
    for suv in (-0.1, 150.0, float("nan")):
        with pytest.raises(ValidationError):
            lesion("L1", suv)
    with pytest.raises(ValidationError):
        Lesion(id="L1", organ="bone", suvmax=2.0, suvpeak=2.5)


def test_label_flags_for_fes() -> None:
    assert flags(study("FES", injected_mbq=185, uptake_min=60)) == []
    texts = [m.template for m in flags(study("FES", injected_mbq=300, uptake_min=95))]
    assert len(texts) == 2
    assert flags(study("FDG", injected_mbq=300, uptake_min=95)) == []


# --- issue 18 item 1: FES scans inside an ER-drug washout window (Cerianna label) -------------


def test_fulvestrant_within_28_weeks_is_flagged() -> None:
    """Last fulvestrant 2025-01-06; 28 weeks later is 2025-07-21. A scan on 2025-07-20 is
    inside the window, one on 2025-07-21 is not."""
    from datetime import date

    from dawna.rules.pet import washout_flags

    inside = washout_flags(date(2025, 7, 20), {"Fulvestrant": date(2025, 1, 6)})
    assert [(f.drug, f.clear_from) for f in inside] == [("fulvestrant", date(2025, 7, 21))]
    assert washout_flags(date(2025, 7, 21), {"fulvestrant": date(2025, 1, 6)}) == []


def test_tamoxifen_within_8_weeks_and_other_drugs_ignored() -> None:
    """Tamoxifen last taken 2025-03-01: window to 2025-04-26 (8 weeks); letrozole never blocks."""
    from datetime import date

    from dawna.rules.pet import washout_flags

    flags_ = washout_flags(date(2025, 4, 25), {"tamoxifen": date(2025, 3, 1),
                                               "letrozole": date(2025, 4, 20)})
    assert [f.drug for f in flags_] == ["tamoxifen"]
    assert washout_flags(date(2025, 4, 26), {"tamoxifen": date(2025, 3, 1)}) == []


def test_an_all_negative_read_inside_a_window_is_not_conclusive_until_confirmed() -> None:
    from dawna.rules.pet import er_negative_conclusive

    assert not er_negative_conclusive(inside_washout=True, investigator_confirmed=False,
                                      repeat_scan_outside_window=False)
    assert er_negative_conclusive(inside_washout=True, investigator_confirmed=True,
                                  repeat_scan_outside_window=False)
    assert er_negative_conclusive(inside_washout=True, investigator_confirmed=False,
                                  repeat_scan_outside_window=True)
    assert er_negative_conclusive(inside_washout=False, investigator_confirmed=False,
                                  repeat_scan_outside_window=False)
