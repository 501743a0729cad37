"""The protocol as USDM 4.0 JSON (issue 22 item 6), checked against independent references: the
published USDM 4.0 JSON schema (vendored, byte for byte the CDISC DDF-RA v4.0.0 file, checked by
its Git blob hash) read by ``jsonschema`` directly, and the protocol file read as plain YAML
(not through dawna's models): arms, epochs, study cells, every criterion with its text,
endpoints, encounters, activities and windows compared with it."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from dawna.errors import ValidationError
from dawna.exports.usdm import usdm_document, validate_usdm
from dawna.protocol import bundled_protocol

SCHEMA_DIR = Path(str(resources.files("dawna.exports"))) / "schemas" / "usdm-4.0"
UPSTREAM_BLOB = "e5994177c2f56ab7acdc19cb43e532c6c53b56d4"  # DDF-RA v4.0.0 USDM_API.json
PROTOCOL_FILE = Path(str(resources.files("dawna.protocols"))) / "dawna_fes.yaml"


def independent_validator() -> Draft202012Validator:
    """The vendored schema as published: OpenAPI 3.1 component schemas (JSON Schema 2020-12),
    a whole study being ``Wrapper-Input``."""
    api = json.loads((SCHEMA_DIR / "USDM_API.json").read_text(encoding="utf-8"))
    return Draft202012Validator({"$ref": "#/components/schemas/Wrapper-Input",
                                 "components": api["components"]})


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return usdm_document(bundled_protocol())


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    """The protocol file as plain YAML."""
    data: dict[str, Any] = yaml.safe_load(PROTOCOL_FILE.read_text(encoding="utf-8"))
    return data


def design(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = doc["study"]["versions"][0]["studyDesigns"][0]
    return result


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


# --- the vendored schema -------------------------------------------------------------------------


def test_the_vendored_schema_is_the_published_file_with_its_licence_and_source() -> None:
    content = (SCHEMA_DIR / "USDM_API.json").read_bytes()
    blob = hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False)
    assert blob.hexdigest() == UPSTREAM_BLOB
    api = json.loads(content)
    assert api["openapi"] == "3.1.0" and api["info"]["version"] == "4.0.0"
    licence = (SCHEMA_DIR / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Copyright (c) 2022 CDISC" in licence
    origin = (SCHEMA_DIR / "SOURCE.md").read_text(encoding="utf-8")
    for fact in ("https://github.com/cdisc-org/DDF-RA", "Deliverables/API/USDM_API.json",
                 "v4.0.0", "aa303cb32f5d3ceecc68a16803e26720d2c1fc26", UPSTREAM_BLOB):
        assert fact in origin


# --- valid, stable ------------------------------------------------------------------------------


def test_the_export_is_valid_against_the_published_usdm_4_schema(doc: dict[str, Any]) -> None:
    errors = [f"{e.json_path}: {e.message[:200]}"
              for e in independent_validator().iter_errors(doc)]
    assert errors == []
    assert doc["usdmVersion"] == "4.0.0" and doc["systemName"] == "dawna"
    validate_usdm(doc)  # dawna's own check agrees


def test_ids_are_unique_and_every_reference_resolves(doc: dict[str, Any]) -> None:
    ids = [node["id"] for node in walk(doc) if isinstance(node.get("id"), str)]
    assert len(ids) == len(set(ids))
    known = set(ids)
    references = []
    for node in walk(doc):
        for key, value in node.items():
            if key.endswith("Id") and key != "id" and isinstance(value, str):
                references.append(value)
            elif key.endswith("Ids") and isinstance(value, list):
                references += value
    assert references and sorted(set(references) - known) == []


def test_the_same_protocol_gives_the_same_document(doc: dict[str, Any]) -> None:
    assert usdm_document(bundled_protocol()) == doc


# --- compared with the protocol file --------------------------------------------------------------


def test_two_arms_with_their_names_types_and_a_cell_for_every_epoch(doc: dict[str, Any]) -> None:
    d = design(doc)
    assert [(a["name"], a["type"]["code"], a["type"]["decode"]) for a in d["arms"]] == [
        ("Arm A", "C174266", "Investigational Arm"),
        ("Arm B", "C174267", "Active Comparator Arm")]
    assert [e["name"] for e in d["epochs"]] == ["screening", "treatment", "follow_up"]
    assert [e["type"]["decode"] for e in d["epochs"]] == [
        "Screening Epoch", "Treatment Epoch", "Follow-Up Epoch"]
    cells = {(c["armId"], c["epochId"]) for c in d["studyCells"]}
    assert cells == {(a["id"], e["id"]) for a in d["arms"] for e in d["epochs"]}
    assert len(d["studyCells"]) == 6
    elements = {e["id"]: e for e in d["elements"]}
    arm_b_treatment = next(c for c in d["studyCells"]
                           if c["armId"] == "StudyArm_B" and c["epochId"].endswith("treatment"))
    interventions = elements[arm_b_treatment["elementIds"][0]]["studyInterventionIds"]
    assert interventions and all(i.startswith("StudyIntervention_B_") for i in interventions)
    assert d["studyPhase"]["standardCode"]["decode"] == "Phase III Trial"
    assert d["blindingSchema"]["standardCode"]["decode"] == "Open Label Study"


def test_every_criterion_is_there_with_its_text_and_category(doc: dict[str, Any],
                                                             source: dict[str, Any]) -> None:
    version = doc["study"]["versions"][0]
    items = {i["id"]: i for i in version["eligibilityCriterionItems"]}
    criteria = design(doc)["eligibilityCriteria"]
    expected = [(c["id"], "Inclusion Criteria", c["text"], c.get("text_zh"))
                for c in source["eligibility"]["inclusion"]]
    expected += [(c["id"], "Exclusion Criteria", c["text"], c.get("text_zh"))
                 for c in source["eligibility"]["exclusion"]]
    got = []
    for c in criteria:
        item = items[c["criterionItemId"]]
        chinese = [x["valueString"] for x in item["extensionAttributes"]]
        got.append((c["identifier"], c["category"]["decode"], item["text"],
                    chinese[0] if chinese else None))
    assert got == expected
    assert len(got) == 19
    assert design(doc)["population"]["criterionIds"] == [c["id"] for c in criteria]
    assert design(doc)["population"]["plannedAge"]["minValue"]["value"] == 18


def test_objectives_and_endpoints_equal_the_endpoints_block(doc: dict[str, Any],
                                                            source: dict[str, Any]) -> None:
    level = {"primary": "Primary Endpoint", "secondary": "Secondary Endpoint",
             "exploratory": "Exploratory Endpoint"}
    got = [(e["name"], e["label"], e["text"], e["description"], e["level"]["decode"])
           for o in design(doc)["objectives"] for e in o["endpoints"]]
    expected = [(e["id"], e["title"], e["definition"], e["time_frame"], level[e["role"]])
                for e in source["endpoints"]]
    assert sorted(got) == sorted(expected)
    assert [o["level"]["decode"] for o in design(doc)["objectives"]] == [
        "Primary Objective", "Secondary Objective", "Exploratory Objective"]
    primary = design(doc)["objectives"][0]["endpoints"]
    assert [e["name"] for e in primary] == ["PFS"]


def test_encounters_and_the_timeline_follow_the_schedule(doc: dict[str, Any],
                                                        source: dict[str, Any]) -> None:
    visits = source["schedule"]["visits"]
    d = design(doc)
    assert [(e["name"], e["label"]) for e in d["encounters"]] == [
        (v["id"], v["label"]) for v in visits]
    assert all(e["type"]["decode"] == "Visit" for e in d["encounters"])
    timeline = d["scheduleTimelines"][0]
    assert timeline["mainTimeline"] is True
    activity = {a["id"]: a["name"] for a in d["activities"]}
    instances = timeline["instances"]
    assert [(i["name"], [activity[a] for a in i["activityIds"]]) for i in instances] == [
        (v["id"], v["forms"]) for v in visits]
    every_form = {f for v in visits for f in v["forms"]} | set(source["schedule"]["unscheduled"])
    assert set(activity.values()) == every_form
    settings = source["site_settings"]
    timings = {t["name"]: t for t in timeline["timings"]}
    for visit in visits:
        timing = timings[visit["id"]]
        if "window_after" in visit:
            assert timing["windowUpper"] == f"P{settings[visit['window_after']]['value']}D"
        if "window_before" in visit:
            assert timing["windowLower"] == f"P{settings[visit['window_before']]['value']}D"
    weeks = settings["tumour_assessment_interval_weeks"]["value"]
    assert f"every {weeks} weeks" in timings["tumour_assessment"]["description"]
    conditions = doc["study"]["versions"][0]["conditions"]
    assert {c["name"] for c in conditions} == {f"{v['id']}_arms" for v in visits
                                               if v.get("arms") and len(v["arms"]) == 1}


def test_interventions_carry_the_regimen_doses_routes_and_frequencies(
        doc: dict[str, Any], source: dict[str, Any]) -> None:
    interventions = {i["name"]: i for i in doc["study"]["versions"][0]["studyInterventions"]}
    dalpiciclib = interventions["A_dalpiciclib"]
    assert dalpiciclib["role"]["decode"] == "Experimental Intervention"
    (given,) = dalpiciclib["administrations"]
    component = source["arms"][0]["regimen"]["components"][0]
    assert given["dose"]["value"] == component["dose"] == 150
    assert given["dose"]["unit"]["standardCode"]["decode"] == "Milligram"
    assert given["route"]["standardCode"]["decode"] == "Oral Route of Administration"
    assert given["frequency"]["standardCode"]["decode"] == "Daily"
    assert given["duration"]["text"] == "days 1-21 of each 28-day cycle"
    fulvestrant = interventions["A_fulvestrant"]["administrations"][0]
    assert fulvestrant["duration"]["text"] == "day 1 of each 28-day cycle; cycle 1: days 1, 15"
    assert interventions["B_paclitaxel_capecitabine"]["role"]["decode"] == "Active Comparator"
    assert interventions["A_goserelin"]["role"]["decode"] == "Additional Required Treatment"
    options = [o["id"] for g in source["arms"][1]["regimen"]["choices"] for o in g["options"]]
    assert {f"B_{o}" for o in options} <= set(interventions)
    carboplatin = interventions["B_platinum"]["administrations"][0]
    assert carboplatin["dose"] is None and "6 AUC mg/mL·min" in carboplatin["description"]


# --- refusals -----------------------------------------------------------------------------------


def test_a_criterion_without_its_text_fails_validation_naming_the_path(
        doc: dict[str, Any]) -> None:
    broken = copy.deepcopy(doc)
    del broken["study"]["versions"][0]["eligibilityCriterionItems"][4]["text"]
    assert any(e.json_path == "$.study.versions[0].eligibilityCriterionItems[4]"
               for e in independent_validator().iter_errors(broken))
    with pytest.raises(ValidationError) as caught:
        validate_usdm(broken)
    assert caught.value.field == "$.study.versions[0].eligibilityCriterionItems[4]"
    assert "'text' is a required property" in str(caught.value)


def test_an_error_inside_the_study_design_names_its_own_path(doc: dict[str, Any]) -> None:
    broken = copy.deepcopy(doc)
    del design(broken)["eligibilityCriteria"][2]["category"]
    assert not independent_validator().is_valid(broken)
    with pytest.raises(ValidationError) as caught:
        validate_usdm(broken)
    assert caught.value.field == "$.study.versions[0].studyDesigns[0].eligibilityCriteria[2]"
    assert "'category' is a required property" in str(caught.value)


def test_a_value_without_a_pinned_code_is_refused_naming_the_field() -> None:
    protocol = bundled_protocol()
    other = protocol.model_copy(update={"registry": protocol.registry.model_copy(
        update={"phase": "NA"})})
    with pytest.raises(ValidationError) as caught:
        usdm_document(other)
    assert caught.value.field == "registry.phase"


def test_every_pinned_code_names_its_source_and_status() -> None:
    pinned = yaml.safe_load(resources.files("dawna.exports").joinpath("usdm_codes.yaml")
                            .read_text(encoding="utf-8"))
    assert pinned["code_system"] == "http://www.cdisc.org"
    for codelist, entries in pinned["codes"].items():
        for key, entry in entries.items():
            where = f"{codelist}.{key}"
            assert re.fullmatch(r"C\d+", entry["code"]), where
            assert entry["decode"], where
            assert entry["source"] in ("usdm_ct", "examples", "sdtm_ct", "ncit"), where
            assert entry["status"] == ("to_confirm" if entry["source"] == "ncit"
                                       else "confirmed"), where
