"""Stratification factors pre-filled from the screening record (IN5 parts 1 and 2 of the registry
record define the CDK4/6 inhibitor setting; liver metastases are visceral disease)."""

from __future__ import annotations

from dawna.rules.screening_record import ScreeningRecord
from dawna.services.randomization import suggest_factors


def _line(agents: list[str], setting: str) -> dict[str, object]:
    return {"agents": agents, "setting": setting, "start_date": "2021-01-01",
            "stop_date": "2022-01-01", "reason_stopped": "progression"}


def test_advanced_cdk46i_line_wins_and_names_are_matched_loosely() -> None:
    record = ScreeningRecord.model_validate({"treatment_lines": [
        _line(["Abemaciclib"], "adjuvant"), _line(["Palbociclib", "letrozole"], "advanced")],
        "liver_metastases": True})
    assert suggest_factors(record) == {"factor.cdk46i_setting": "advanced",
                                       "factor.visceral_metastasis": "yes"}


def test_adjuvant_only_and_no_cdk46i_give_no_guess_beyond_the_record() -> None:
    adjuvant = ScreeningRecord.model_validate({"treatment_lines": [
        _line(["ribociclib", "anastrozole"], "neoadjuvant")], "liver_metastases": False})
    assert suggest_factors(adjuvant) == {"factor.cdk46i_setting": "adjuvant"}
    chemo_only = ScreeningRecord.model_validate({"treatment_lines": [
        _line(["capecitabine"], "advanced")]})
    assert suggest_factors(chemo_only) == {}  # visceral status unknown: left to the user
