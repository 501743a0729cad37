"""The structured diff of two protocol files (dawna.protocol.diff), on hand-built variants of
the bundled file: each expected change is written out by hand from the edit made."""

from __future__ import annotations

from typing import Any

import pytest

from dawna.protocol import bundled_protocol
from dawna.protocol.diff import diff_protocols
from dawna.protocol.schema import Protocol


def _variant(edit: Any) -> Protocol:
    data = bundled_protocol().model_dump(mode="json", by_alias=True)
    edit(data)
    return Protocol.model_validate(data)


@pytest.fixture(scope="module")
def v1() -> Protocol:
    return bundled_protocol()


def test_identical_files_have_no_difference(v1: Protocol) -> None:
    assert diff_protocols(v1, v1).empty
    assert diff_protocols(v1, _variant(lambda d: None)).counts() == {}


def test_a_clarified_criterion_text_is_one_change_named_by_criterion_id(v1: Protocol) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["eligibility"]["inclusion"][0]["text"] = "HR-positive, HER2-negative (ASCO/CAP 2020)."

    diff = diff_protocols(v1, _variant(edit))
    assert [(c.section, c.kind, c.path, c.new) for c in diff.changes] == [
        ("criteria", "changed", "eligibility.inclusion[IN1].text",
         "HR-positive, HER2-negative (ASCO/CAP 2020).")]
    assert diff.changes[0].old == v1.eligibility.inclusion[0].text


def test_removing_a_criterion_reports_that_criterion_only(v1: Protocol) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["eligibility"]["exclusion"] = [c for c in d["eligibility"]["exclusion"]
                                         if c["id"] != "EX3"]

    diff = diff_protocols(v1, _variant(edit))
    assert [(c.kind, c.path) for c in diff.changes] == [
        ("removed", "eligibility.exclusion[EX3]")]
    assert diff.changes[0].old["text"] == v1.criterion("EX3").text


def test_added_criterion_and_age_limit(v1: Protocol) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["eligibility"]["maximum_age_years"] = 75
        d["eligibility"]["exclusion"].append({"id": "EX11", "text": "Pregnant or breastfeeding."})

    diff = diff_protocols(v1, _variant(edit))
    assert {(c.kind, c.path, c.old, c.new if not isinstance(c.new, dict) else c.new["text"])
            for c in diff.section("criteria")} == {
        ("changed", "eligibility.maximum_age_years", 80, 75),
        ("added", "eligibility.exclusion[EX11]", None, "Pregnant or breastfeeding.")}


def test_a_threshold_is_a_setting_and_an_assessment_interval_is_schedule(v1: Protocol) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["site_settings"]["anc_min"]["value"] = 2.0
        d["site_settings"]["tumour_assessment_interval_weeks"]["value"] = 12

    diff = diff_protocols(v1, _variant(edit))
    assert [(c.section, c.path, c.old, c.new) for c in diff.changes] == [
        ("schedule", "site_settings.tumour_assessment_interval_weeks.value",
         v1.setting("tumour_assessment_interval_weeks").value, 12),
        ("settings", "site_settings.anc_min.value", 1.5, 2.0)]
    assert diff.counts() == {"schedule": 1, "settings": 1}


def test_a_dose_change_is_a_regimen_change_named_by_arm_and_drug(v1: Protocol) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["arms"][0]["regimen"]["components"][0]["days"] = list(range(1, 15))  # A: dalpiciclib

    diff = diff_protocols(v1, _variant(edit))
    assert [(c.section, c.path, c.old, c.new) for c in diff.changes] == [
        ("regimens", "arms[A].regimen.components[dalpiciclib].days", list(range(1, 22)),
         list(range(1, 15)))]


def test_randomization_and_consent_forms_have_their_sections(v1: Protocol) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["randomization"]["block_sizes"] = [2]
        d["consent_forms"].append({"version": "1.2", "approved": "2025-09-01",
                                   "approved_by": "Ethics committee", "status": "site_decision"})

    diff = diff_protocols(v1, _variant(edit))
    assert [(c.section, c.kind, c.path) for c in diff.changes] == [
        ("randomization", "changed", "randomization.block_sizes"),
        ("consent_forms", "added", "consent_forms[1.2]")]
    assert diff.as_json()["counts"] == {"randomization": 1, "consent_forms": 1}
