"""The screening record (case report form) refuses bad input naming the field; ``dawna screen``.

Field paths are those the coordinator sees (``treatment_lines[0].stop_date``); ranges and units
from docs/domain.md §4 (accepted units) and RECIST 1.1 §3.1 (which diameter a lesion needs).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pydantic
import pytest
import typer
from typer.testing import CliRunner

from dawna.cli.screen import load_record, screen
from dawna.errors import ValidationError
from dawna.rules.screening_record import ScreeningRecord, dotted, future_dates

LINE = {"agents": ["palbociclib"], "setting": "advanced", "start_date": "2022-03-01"}


def first_error(data: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(pydantic.ValidationError) as caught:
        ScreeningRecord.model_validate(data)
    error = caught.value.errors()[0]
    return dotted(tuple(error["loc"])), error["msg"]


@pytest.mark.parametrize(("data", "path", "words"), [
    ({"ecog": 7}, "ecog", "less than or equal to 5"),
    ({"ecog": -1}, "ecog", "greater than or equal to 0"),
    ({"labs": {"anc": {"value": -0.5, "unit": "10^9/L"}}}, "labs.anc.value", "greater than"),
    ({"labs": {"anc": {"value": 1.5, "unit": "mg/furlong"}}}, "labs.anc.unit", "10^9/L"),
    ({"labs": {"hemoglobin": {"value": 9, "unit": "10^9/L"}}}, "labs.hemoglobin.unit", "g/dL"),
    ({"labs": {"alt": {"value": 30, "unit": "U/L"}}}, "labs.alt.uln", "required"),
    ({"labs": {"alt": {"value": 30, "unit": "U/L", "uln": 40, "lln": 50}}}, "labs.alt.lln",
     "below uln"),
    ({"treatment_lines": [LINE, {**LINE, "stop_date": "2022-02-28"}]},
     "treatment_lines[1].stop_date", "before start_date 2022-03-01"),
    ({"treatment_lines": [{**LINE, "agents": []}]}, "treatment_lines[0].agents", "at least 1"),
    ({"fes_pet": {"lesions_read": 3, "er_positive_lesions": 4}}, "fes_pet.er_positive_lesions",
     "must not exceed lesions_read (3)"),
    ({"date_of_birth": "1960-05-02", "consent_date": "1960-05-01"}, "date_of_birth",
     "must not be after consent_date 1960-05-01"),
    ({"date_of_birth": "1960-05-02", "decision_date": "1960-05-01"}, "date_of_birth",
     "must not be after decision_date"),
    ({"decision_date": "2024-06-01", "consent_date": "2024-06-02"}, "consent_date",
     "must not be after decision_date 2024-06-01"),
    ({"decision_date": "2024-06-01", "pathology": {"report_date": "2024-06-05"}},
     "pathology.report_date", "must not be after decision_date"),
    ({"date_of_birth": "1960-01-01", "other_malignancies": [{
        "type": "x", "category": "other", "diagnosis_date": "1959-01-01"}]},
     "other_malignancies[0].diagnosis_date", "before date_of_birth"),
    ({"consent_date": "2024-02-30"}, "consent_date", "date"),
    ({"favourite_colour": "blue"}, "favourite_colour", "Extra inputs"),
    ({"pathology": {"her2_ihc": "4+"}}, "pathology.her2_ihc", "'0', '1+', '2+' or '3+'"),
    ({"measurable_lesions": [{"location": "axilla", "outside_skull": True, "lymph_node": True,
                              "longest_diameter_mm": 20, "method": "CT"}]},
     "measurable_lesions[0].short_axis_mm", "required for a lymph node"),
    ({"measurable_lesions": [{"location": "lung", "outside_skull": True, "lymph_node": False,
                              "longest_diameter_mm": 0, "method": "CT"}]},
     "measurable_lesions[0].longest_diameter_mm", "greater than 0"),
    ({"other_malignancies": [{"type": "x", "category": "melanoma",
                              "diagnosis_date": "2020-01-01"}]},
     "other_malignancies[0].category", "other"),
])
def test_bad_input_is_refused_naming_the_field(data: dict[str, Any], path: str,
                                               words: str) -> None:
    where, message = first_error(data)
    assert where == path
    assert words in message


def test_valid_input_is_normalised_and_survives_a_json_round_trip() -> None:
    record = ScreeningRecord.model_validate({
        "treatment_lines": [{**LINE, "agents": ["  Nab-Paclitaxel ", "LETROZOLE"]}],
        "pathology": {"her2_ihc": 0}, "ecog": 5, "labs": {"anc": {"value": 0, "unit": "/mm3"}},
        "measurable_lesions": [], "date_of_birth": "1960-05-01", "consent_date": "1960-05-01"})
    assert record.treatment_lines is not None
    assert record.treatment_lines[0].agents == ["nab-paclitaxel", "letrozole"]
    assert record.pathology is not None and record.pathology.her2_ihc == "0"
    assert record.measurable_lesions == [] and record.other_malignancies is None
    stored = record.model_dump(mode="json", exclude_none=True)
    assert ScreeningRecord.model_validate(stored) == record
    assert ScreeningRecord().model_dump(exclude_none=True) == {}


def test_future_dates_lists_every_date_after_today() -> None:
    record = ScreeningRecord.model_validate({
        "decision_date": "2024-06-10", "consent_date": "2024-06-01",
        "treatment_lines": [{**LINE, "start_date": "2024-06-02", "stop_date": "2024-06-04"}],
        "major_surgery_or_injury": [{"kind": "injury", "description": "fall",
                                     "date": "2024-06-03"}]})
    assert future_dates(record, date(2024, 6, 2)) == [
        "decision_date", "treatment_lines[0].stop_date", "major_surgery_or_injury[0].date"]
    assert future_dates(record, date(2024, 6, 10)) == []


def test_json_schema_has_descriptions_for_the_coordinator() -> None:
    schema = ScreeningRecord.model_json_schema()
    props = schema["properties"]
    assert "ECOG" in props["ecog"]["description"]
    assert props["treatment_lines"]["description"].startswith("Every previous line")
    assert schema["additionalProperties"] is False
    unit = schema["$defs"]["CountMeasurement"]["properties"]["unit"]
    assert unit["enum"] == ["10^9/L", "/mm3", "cells/uL"]
    undocumented = [name for name, prop in props.items() if not prop.get("description")]
    assert undocumented == []
    for name, definition in schema["$defs"].items():
        for field, prop in definition["properties"].items():
            assert prop.get("description"), f"{name}.{field}"


# --- dawna screen ---------------------------------------------------------------------------------

app = typer.Typer()
app.command("screen")(screen)


@app.callback()
def _root() -> None:
    """Test application with the screen command, as the dawna CLI registers it."""


runner = CliRunner()

RECORD = {
    "decision_date": "2024-06-03", "consent_date": "2024-05-20", "date_of_birth": "1962-03-14",
    "sex": "female", "ecog": 3,
    "labs": {"collection_date": "2024-06-01", "anc": {"value": 1200, "unit": "/mm3"}},
}


def write(tmp_path: Path, content: Any, name: str = "record.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content),
                    encoding="utf-8")
    return path


def test_screen_prints_a_table_and_the_outcome(tmp_path: Path) -> None:
    result = runner.invoke(app, ["screen", str(write(tmp_path, RECORD))],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in ("AGE", "IN3", "EX10", "ECOG performance status 3 is above 2",
                 "ANC 1200 /mm³ (1.2 ×10⁹/L) is below 1.5 ×10⁹/L",
                 "Outcome: not eligible", "Failed: IN3, IN8", "fes_pet.er_positive_lesions"):
        assert text in out, text


def test_screen_json_output(tmp_path: Path) -> None:
    path = write(tmp_path, {**RECORD, "decision_date": None})
    result = runner.invoke(app, ["screen", str(path), "--format", "json",
                                 "--decision-date", "2024-07-01"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["outcome"] == "ineligible" and data["decision_date"] == "2024-07-01"
    ids = [c["id"] for c in data["criteria"]]
    assert ids[:3] == ["AGE", "SEX", "IN1"] and len(ids) == 21
    in3 = data["criteria"][ids.index("IN3")]
    assert in3 == {"id": "IN3", "kind": "inclusion", "status": "not_met",
                   "text": "Eastern Cooperative Oncology Group (ECOG) Performance Status (PS) "
                   "score: 0-2 points.", "reasons": ["ECOG performance status 3 is above 2"],
                   "missing": []}
    assert "fes_pet.er_positive_lesions" in data["missing"]
    assert "labs.qtcf_ms" not in data["missing"]  # IN8 already fails on the ANC


def test_screen_schema() -> None:
    result = runner.invoke(app, ["screen", "--schema"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == ScreeningRecord.model_json_schema()


@pytest.mark.parametrize(("content", "field", "words"), [
    (None, "file", "file not found"),
    ("{not json", "file", "invalid JSON at line 1, column 2"),
    ("[1, 2]", "file", "JSON object"),
    ({"treatment_lines": [LINE, {**LINE, "stop_date": "2022-01-01"}]},
     "treatment_lines[1].stop_date", "must not be before start_date"),
    ({"labs": {"anc": {"value": 1, "unit": "mg/furlong"}}}, "labs.anc.unit", "must be one of"),
    ({"shoe_size": 38}, "shoe_size", "unknown field"),
])
def test_screen_bad_file_raises_validation_error_naming_the_field(
        tmp_path: Path, content: Any, field: str, words: str) -> None:
    path = tmp_path / "absent.json" if content is None else write(tmp_path, content)
    result = runner.invoke(app, ["screen", str(path)])
    assert isinstance(result.exception, ValidationError), result.output
    assert result.exception.field == field
    assert words in result.exception.message
    with pytest.raises(ValidationError):
        load_record(path)


def test_screen_needs_a_file_and_a_real_decision_date(tmp_path: Path) -> None:
    result = runner.invoke(app, ["screen"])
    assert isinstance(result.exception, ValidationError)
    assert result.exception.field == "file"
    result = runner.invoke(app, ["screen", str(write(tmp_path, RECORD)),
                                 "--decision-date", "2024-02-30"])
    assert isinstance(result.exception, ValidationError)
    assert result.exception.field == "decision_date"


def test_documented_example_is_a_valid_eligible_record() -> None:
    """docs/screening-record.md shows a complete record; it must stay valid and eligible."""
    import re

    from dawna.protocol import bundled_protocol
    from dawna.rules.eligibility import Outcome, evaluate

    doc = (Path(__file__).parents[2] / "docs" / "screening-record.md").read_text("utf-8")
    example = re.search(r"```json\n(.*?)```", doc, re.S)
    assert example is not None
    record = ScreeningRecord.model_validate(json.loads(example[1]))
    assert evaluate(record, bundled_protocol()).outcome is Outcome.ELIGIBLE


def test_race_and_ethnicity_codes_map_to_the_pinned_cdisc_terms() -> None:
    """Each code the form offers has its CDISC submission value in the pinned codelists (RACE
    C74457, ETHNIC C66790: exports/sdtm_ct.yaml) and in ADSL's list; the NCI codes of the five
    OMB race categories are those of the CT package (written out here)."""
    from typing import get_args

    from dawna.analysis.adam import ETHNICITIES, RACES
    from dawna.exports.sdtm_spec import codelists
    from dawna.rules.screening_record import (
        ETHNICITY_TERMS,
        RACE_TERMS,
        Ethnicity,
        Race,
        ethnicity_term,
        race_term,
    )

    assert set(get_args(Race)) == set(RACE_TERMS)
    assert set(get_args(Ethnicity)) == set(ETHNICITY_TERMS)
    from dawna.services.audit_readable import FIELD_CODES  # the form's choices and the trail's

    assert set(FIELD_CODES[("screening", "record.race")]) == set(RACE_TERMS)
    assert set(FIELD_CODES[("screening", "record.ethnicity")]) == set(ETHNICITY_TERMS)
    ct = codelists()
    assert set(RACE_TERMS.values()) <= set(ct["RACE"]["terms"]) and ct["RACE"]["code"] == "C74457"
    assert set(ETHNICITY_TERMS.values()) <= set(ct["ETHNIC"]["terms"])
    assert set(RACE_TERMS.values()) <= set(RACES)
    assert set(ETHNICITY_TERMS.values()) <= set(ETHNICITIES)
    assert {t: ct["RACE"]["terms"][t] for t in (
        "AMERICAN INDIAN OR ALASKA NATIVE", "ASIAN", "BLACK OR AFRICAN AMERICAN",
        "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER", "WHITE")} == {
        "AMERICAN INDIAN OR ALASKA NATIVE": "C41259", "ASIAN": "C41260",
        "BLACK OR AFRICAN AMERICAN": "C16352",
        "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER": "C41219", "WHITE": "C41261"}
    assert race_term("native_hawaiian_or_other_pacific_islander") == (
        "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER")
    assert ethnicity_term("hispanic_or_latino") == "HISPANIC OR LATINO"
    assert race_term(None) is None and race_term("ASIAN") is None  # terms are not codes


def test_race_and_ethnicity_outside_their_categories_are_refused_naming_the_field() -> None:
    assert first_error({"race": "Asian"})[0] == "race"
    assert first_error({"race": "han"})[0] == "race"
    assert first_error({"ethnicity": "NOT HISPANIC OR LATINO"})[0] == "ethnicity"
    record = ScreeningRecord.model_validate({"race": "white", "ethnicity": "unknown"})
    assert (record.race, record.ethnicity) == ("white", "unknown")
