"""The mCODE building blocks against their sources: HER2 status from IHC and ISH as the
ASCO/CAP 2018 guideline states it (Wolff et al., J Clin Oncol 2018;36:2105: IHC 3+ positive,
0/1+ negative, 2+ equivocal until ISH decides), metastatic sites named from free text, and one
participant's resources validated by the ``fhir.resources`` R4B models from their JSON text."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fhir.resources.R4B import get_fhir_model_class

from dawna.exports.fhir import codes, patient, research_subject
from dawna.exports.fhir_mcode import her2_status, mcode_resources, metastatic_site
from dawna.exports.fhir_records import (
    ArmRecord,
    DoseRecord,
    IdentityRecord,
    MetastasisRecord,
    PathologyRecord,
    ResponseRecord,
    StudyRecord,
    SubjectRecord,
)


@pytest.mark.parametrize(("ihc", "ish", "status"), [
    ("3+", None, "positive"), ("2+", "positive", "positive"), ("2+", "negative", "negative"),
    ("2+", None, "equivocal"), ("2+", "not_done", "equivocal"), ("1+", None, "negative"),
    ("0", None, "negative"), (None, None, None), (None, "positive", "positive")])
def test_her2_status_follows_asco_cap_2018(ihc: str | None, ish: str | None,
                                           status: str | None) -> None:
    assert her2_status(ihc, ish) == status


@pytest.mark.parametrize(("location", "site"), [
    ("bone (T8 vertebra)", "bone"), ("Left ilium", "bone"), ("right lung", "lung"),
    ("liver segment 6", "liver"), ("mediastinal lymph node", "lymph_node"),
    ("pleura", "pleura"), ("brain (CNS)", "brain"), ("T10 soft tissue", "other")])
def test_metastatic_sites_from_free_text(location: str, site: str) -> None:
    assert metastatic_site(location) == site


STUDY = StudyRecord(nct_id="NCT05861830", org_study_id="X", acronym="DAWNA-FES", title="t",
                    overall_status="RECRUITING", phase="PHASE3", start_date=date(2023, 5, 15),
                    completion_date=date(2026, 6, 30), summary="s", conditions=("c",),
                    arms=(ArmRecord("A", "Arm A", "EXPERIMENTAL", "d"),))


def _subject(identity: IdentityRecord | None, arm: str | None) -> SubjectRecord:
    return SubjectRecord(
        pseudonym="DF-ABC123", site_code="PUMCH", status="on_treatment",
        consent_date=date(2024, 1, 2), sex="female", birth_year=1960,
        birth_date=date(1960, 3, 4) if identity else None,
        screening_number="PUMCH-S001" if identity else None, identity=identity, arm=arm,
        randomized_on=date(2024, 1, 20), decision_date=date(2024, 1, 15),
        pathology=PathologyRecord(date(2024, 1, 1), "positive", 80, "negative", None, "2+",
                                  "positive"),
        ecog=1, ecog_date=date(2024, 1, 15),
        metastases=(MetastasisRecord("bone (sternum)", date(2024, 1, 10), "FES PET/CT"),
                    MetastasisRecord("right lung", date(2024, 1, 9), "screening imaging")),
        responses=(ResponseRecord(date(2024, 3, 1), "PR"), ResponseRecord(date(2024, 5, 1), "PD")),
        doses=(DoseRecord(1, date(2024, 1, 22), "dalpiciclib", 150, "mg", 0),),
        screened=True)


def _roundtrip(resource: object) -> object:
    text = resource.model_dump_json()  # type: ignore[attr-defined]
    return get_fhir_model_class(json.loads(text)["resourceType"]).model_validate_json(text)


def test_a_pseudonymized_participant_reads_back_as_valid_r4_resources() -> None:
    s = _subject(None, None)
    out = [_roundtrip(r) for r in [patient(s), research_subject(STUDY, s), *mcode_resources(s)]]
    p, subject = out[0], out[1]
    assert p.birthDate == "1960" and [i.value for i in p.identifier] == ["DF-ABC123"]
    assert p.name[0].text is None and p.telecom is None
    assert subject.assignedArm is None and subject.status == "on-study-intervention"
    her2 = next(r for r in out if r.id == "tmt-DF-ABC123-her2")
    assert her2.valueCodeableConcept.coding[0].code == "10828004"  # ISH positive
    status = [r.valueCodeableConcept.coding[0].code for r in out if r.id.startswith("cds-")]
    assert status == ["268910001", "271299001"]  # PR improved, PD worsened
    secondary = sorted(r.code.coding[0].code for r in out if r.id.startswith("scc-"))
    assert secondary == ["94222008", "94391008"]
    assert {r.meta.profile[0].rsplit("/", 1)[1] for r in out[2:]} == {
        "mcode-primary-cancer-condition", "mcode-secondary-cancer-condition",
        "mcode-tumor-marker-test", "mcode-ecog-performance-status",
        "mcode-cancer-disease-status", "mcode-cancer-related-medication-administration"}


def test_identifiers_and_the_arm_appear_only_when_given() -> None:
    s = _subject(IdentityRecord("张三", "MRN42", "13800000000"), "A")
    p = _roundtrip(patient(s))
    assert p.name[0].text == "张三" and p.birthDate.isoformat() == "1960-03-04"
    assert {i.value for i in p.identifier} == {"DF-ABC123", "PUMCH-S001", "MRN42"}
    assert _roundtrip(research_subject(STUDY, s)).assignedArm == "A"


def test_every_dawna_status_has_a_research_subject_status() -> None:
    from dawna.rules.lifecycle import State

    allowed = {"candidate", "eligible", "follow-up", "ineligible", "not-registered",
               "off-study", "on-study", "on-study-intervention", "on-study-observation",
               "pending-on-study", "potential-candidate", "screening", "withdrawn"}
    mapping = codes()["subject_status"]
    assert set(mapping) == {s.value for s in State} and set(mapping.values()) <= allowed
