"""ClinicalTrials.gov API v2 records (domain.md §9): lenient reading of hand-written records,
the eligibility text split into numbered criteria, the protocol skeleton, the DAWNA-FES export,
and malformed records refused naming the JSON path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dawna.protocol import bundled_protocol
from dawna.protocol.ctgov import (
    CtgovError,
    parse_study,
    protocol_skeleton,
    split_eligibility,
    to_v2,
)

REF = Path(__file__).parents[1] / "reference" / "ctgov"


def load(name: str) -> dict[str, Any]:
    return json.loads((REF / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_partial_dates_and_unknown_enum_values_are_kept() -> None:
    s = parse_study(load("NCT90000001.json"))
    assert (s.start_date, s.completion_date, s.phases) == ("2022-03", "2025", ["PHASE2"])
    other = parse_study(load("NCT90000002.json"))
    assert other.overall_status == "SOME_NEW_STATUS"  # unknown to dawna, kept as text
    assert other.lead_sponsor is None and other.arms == []  # optional modules absent


def test_eligibility_split_bullets_numbers_and_continuation_lines() -> None:
    inc, exc = split_eligibility(parse_study(load("NCT90000001.json")).eligibility_text)
    assert inc == ["HR-positive, HER2-negative advanced breast cancer",
                   "Progression on or after a CDK4/6 inhibitor", "ECOG performance status 0-1"]
    assert exc == ["Visceral crisis", "Untreated brain metastases"]
    inc, exc = split_eligibility(parse_study(load("NCT90000002.json")).eligibility_text)
    assert inc == ["HbA1c 7-10 %", "Age 40 to 75 years, on diet only"]
    assert exc == ["eGFR below 45 mL/min"]


def test_the_dawna_fes_export_matches_the_protocol_file() -> None:
    protocol = bundled_protocol()
    exported = to_v2(protocol)
    assert exported == load("NCT05861830.json")  # the committed v2 record of DAWNA-FES
    s = parse_study(exported)
    inc, exc = split_eligibility(s.eligibility_text)
    assert inc == [c.text for c in protocol.eligibility.inclusion]
    assert exc == [c.text for c in protocol.eligibility.exclusion]
    assert (s.nct_id, s.acronym, s.enrollment, s.phases) == (
        "NCT05861830", "DAWNA-FES", 80, ["PHASE3"])


def test_protocol_skeleton_numbers_the_criteria_and_leaves_rules_unwritten() -> None:
    skeleton = protocol_skeleton(parse_study(load("NCT90000001.json")))
    assert [c["id"] for c in skeleton["eligibility"]["inclusion"]] == ["IN1", "IN2", "IN3"]
    assert [c["id"] for c in skeleton["eligibility"]["exclusion"]] == ["EX1", "EX2"]
    assert all(c["rule"] is None for c in skeleton["eligibility"]["inclusion"])
    assert [a["label"] for a in skeleton["arms"]] == ["Palbociclib + fulvestrant", "Fulvestrant"]


@pytest.mark.parametrize(("mutate", "path"), [
    (lambda d: d["protocolSection"]["identificationModule"].pop("nctId"),
     "protocolSection.identificationModule.nctId"),
    (lambda d: d["protocolSection"]["identificationModule"].update(nctId="NCT123"),
     "protocolSection.identificationModule.nctId"),
    (lambda d: d["protocolSection"]["designModule"].update(phases="PHASE2"),
     "protocolSection.designModule.phases"),
    (lambda d: d["protocolSection"]["designModule"]["enrollmentInfo"].update(count="many"),
     "protocolSection.designModule.enrollmentInfo.count"),
    (lambda d: d["protocolSection"]["statusModule"]["startDateStruct"].update(date="03/2022"),
     "protocolSection.statusModule.startDateStruct.date"),
    (lambda d: d["protocolSection"]["armsInterventionsModule"]["interventions"][1].pop("name"),
     "protocolSection.armsInterventionsModule.interventions[1].name"),
])
def test_malformed_records_name_the_json_path(mutate: Any, path: str) -> None:
    data = load("NCT90000001.json")
    mutate(data)
    with pytest.raises(CtgovError) as caught:
        parse_study(data)
    assert caught.value.path == path


def test_not_an_object() -> None:
    for bad in ([], "text", None):
        with pytest.raises(CtgovError):
            parse_study(bad)
