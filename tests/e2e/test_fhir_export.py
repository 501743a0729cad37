"""FHIR R4 with mCODE STU4 (issue 22 item 5) on the scaled demo trial: every resource of the
export is read back from the JSON text and validated by the ``fhir.resources`` R4B models, counts
are compared with the store (independent SQL), one participant is checked by hand against its
stored values, and the endpoint keeps each reader to what they may see (identifiers, the arm,
other sites: 404 as an OperationOutcome).
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runner import invoke
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from helpers import demo_logins

from dawna.exports.manifest import verify_manifest

pytestmark = pytest.mark.xdist_group("demo_exports")
Login = Callable[[str], TestClient]
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
#: dawna status → FHIR R4 research-subject-status, read in the value set (FHIR R4 §12.8)
SUBJECT_STATUS = {"screening": "screening", "screen_failed": "ineligible",
                  "follow_up": "follow-up", "end_of_study": "off-study",
                  "on_treatment": "on-study-intervention", "randomized": "on-study"}
#: the demo's lesion locations → SNOMED CT secondary malignant neoplasm codes (by hand)
SITE_CODE = {"bone (T8 vertebra)": "94222008", "bone (left ilium)": "94222008",
             "bone (sternum)": "94222008", "right lung": "94391008", "left lung": "94391008",
             "pleura": "94493005", "liver segment 6": "94381002", "liver": "94381002",
             "left axillary lymph node": "128462008", "mediastinal lymph node": "128462008",
             "left axillary node": "128462008", "T10 soft tissue": "128462008"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    path = tmp_path_factory.mktemp("fhir") / "demo.sqlite3"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture(scope="module")
def login(demo: Path) -> Iterator[Login]:
    yield from demo_logins(f"sqlite:///{demo}", "f")


@pytest.fixture(scope="module")
def exported(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fhir-out") / "fhir"
    done = invoke(["export", "fhir", str(out), "--as", "datamanager"],
                  env={"DAWNA_DATABASE_URL": f"sqlite:///{demo}", "DAWNA_ENV": "test",
                       "LANG": "C.UTF-8"})
    assert done.returncode == 0, done.stderr
    return out


def _sql(demo: Path, query: str, *args: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(demo) as c:
        return c.execute(query, args).fetchall()


def _parsed(text: str) -> Any:
    """The resource of a JSON text, validated by its R4B model."""
    kind = json.loads(text)["resourceType"]
    return get_fhir_model_class(kind).model_validate_json(text)


def _profile(resource: Any) -> str:
    return resource.meta.profile[0].removeprefix(MCODE) if resource.meta else ""


def _loinc(resource: Any) -> str:
    return resource.code.coding[0].code


def test_every_resource_of_the_export_is_valid_fhir_and_counts_match_the_store(
        demo: Path, exported: Path) -> None:
    bundle = Bundle.model_validate_json((exported / "bundle.json").read_text("utf-8"))
    assert bundle.type == "collection"
    resources = [_parsed(e.resource.model_dump_json()) for e in bundle.entry]
    lines = [_parsed(line) for name in sorted(exported.glob("*.ndjson"))
             for line in name.read_text("utf-8").splitlines()]
    assert sorted(r.model_dump_json() for r in lines) == sorted(
        r.model_dump_json() for r in resources)
    manifest = verify_manifest(exported)
    assert manifest["kind"] == "fhir" and manifest["pseudonymized"] is True
    assert {f["name"]: f["rows"] for f in manifest["files"]}["bundle.json"] == len(resources)

    kinds = Counter((r.get_resource_type(), _profile(r)) for r in resources)
    people = _sql(demo, "SELECT count(*) FROM participant")[0][0]
    screened = _sql(demo, "SELECT count(*) FROM screening")[0][0]
    ecog = _sql(demo, "SELECT count(*) FROM screening WHERE "
                      "json_extract(record, '$.ecog') IS NOT NULL")[0][0]
    markers = _sql(demo, "SELECT count(json_extract(record, '$.pathology.er')) + "
                         "count(json_extract(record, '$.pathology.pr')) + "
                         "count(json_extract(record, '$.pathology.her2_ihc')) FROM screening")[0][0]
    doses = _sql(demo, "SELECT sum(json_array_length(doses)) FROM treatment_cycle")[0][0]
    follow_ups = _sql(demo, "SELECT count(*) FROM tumour_assessment f WHERE kind = 'follow_up' "
                            "AND EXISTS (SELECT 1 FROM tumour_assessment b WHERE "
                            "b.participant_id = f.participant_id AND b.kind = 'baseline')")[0][0]
    assert kinds[("ResearchStudy", "")] == 1
    assert kinds[("Patient", "mcode-cancer-patient")] == people == 32
    assert kinds[("ResearchSubject", "")] == people
    assert kinds[("Condition", "mcode-primary-cancer-condition")] == screened
    assert kinds[("Observation", "mcode-tumor-marker-test")] == markers == 3 * screened
    assert kinds[("Observation", "mcode-ecog-performance-status")] == ecog
    assert kinds[("Observation", "mcode-cancer-disease-status")] == follow_ups > 0
    assert kinds[("MedicationAdministration",
                  "mcode-cancer-related-medication-administration")] == doses > 0
    per_marker = Counter(_loinc(r) for r in resources
                         if _profile(r) == "mcode-tumor-marker-test")
    assert per_marker == {"16112-5": screened, "16113-3": screened, "48676-1": screened}
    arms = Counter(r.assignedArm for r in resources if r.get_resource_type() == "ResearchSubject")
    assert dict(_sql(demo, "SELECT arm, count(*) FROM allocation GROUP BY arm")) == {
        a: n for a, n in arms.items() if a}
    text = "".join(p.read_text("utf-8") for p in exported.iterdir())
    names = [v for row in _sql(demo, "SELECT full_name, medical_record_number, phone FROM "
                                     "participant_identity") for v in row if v]
    assert names and not [v for v in names if v in text]
    assert "urn:dawna:medical-record-number" not in text
    recorded = _sql(demo, "SELECT s.code, a.actor, a.new_value FROM audit_record a JOIN site s "
                          "ON s.id = a.site_id WHERE a.table_name = 'data_export' AND "
                          "a.field = 'pseudonymized' AND a.row_id IN (SELECT row_id FROM "
                          "audit_record WHERE field = 'kind' AND new_value = 'fhir')")
    assert sorted(recorded) == [("PUMCH", "datamanager", "true"),
                                ("SIM2", "datamanager", "true")]


def _secondary_codes(demo: Path, participant: int) -> set[str]:
    record = json.loads(_sql(demo, "SELECT record FROM screening WHERE participant_id = ?",
                             participant)[0][0])
    places = [m["location"] for m in record.get("measurable_lesions") or []]
    places += ["liver"] if record.get("liver_metastases") else []
    for (data,) in _sql(demo, "SELECT data FROM pet_study WHERE participant_id = ? AND "
                              "status = 'read'", participant):
        places += [lesion["organ"] for lesion in json.loads(data).get("lesions", [])]
    return {SITE_CODE[p] for p in places}


def test_one_participant_by_hand_against_the_store(demo: Path, exported: Path) -> None:
    pid, pseudonym, status, arm = _sql(
        demo, "SELECT p.id, p.pseudonym, p.status, a.arm FROM participant p JOIN allocation a "
              "ON a.participant_id = p.id ORDER BY p.screening_number LIMIT 1")[0]
    record = json.loads(_sql(demo, "SELECT record FROM screening WHERE participant_id = ?",
                             pid)[0][0])
    bundle = Bundle.model_validate_json((exported / "bundle.json").read_text("utf-8"))
    mine = [e.resource for e in bundle.entry
            if pseudonym in (e.resource.id or "")]
    by_id = {r.id: r for r in mine}
    patient = by_id[pseudonym]
    assert patient.birthDate == record["date_of_birth"][:4] and patient.gender == "female"
    assert [i.value for i in patient.identifier] == [pseudonym]
    assert patient.name[0].extension[0].valueCode == "masked"
    subject = by_id[f"rs-{pseudonym}"]
    assert (subject.status, subject.assignedArm) == (SUBJECT_STATUS[status], arm)
    assert subject.individual.reference == f"Patient/{pseudonym}"
    er = by_id[f"tmt-{pseudonym}-er"]
    expected_er = {"positive": "10828004", "negative": "260385009"}[record["pathology"]["er"]]
    assert (_loinc(er), er.valueCodeableConcept.coding[0].code) == ("16112-5", expected_er)
    assert f"({record['pathology']['er_percent']:g} % nuclei)" in er.valueCodeableConcept.text
    her2 = by_id[f"tmt-{pseudonym}-her2"]
    assert record["pathology"]["her2_ihc"] in ("0", "1+")  # ASCO/CAP 2018: negative
    assert her2.valueCodeableConcept.coding[0].code == "260385009"
    ecog = by_id[f"ecog-{pseudonym}"]
    assert (_loinc(ecog), ecog.valueInteger) == ("89247-1", record["ecog"])
    assert ecog.interpretation[0].coding[0].code == {
        0: "LA9622-7", 1: "LA9623-5", 2: "LA9624-3"}[record["ecog"]]
    secondary = {r.code.coding[0].code for r in mine if _profile(r) ==
                 "mcode-secondary-cancer-condition"}
    assert secondary == _secondary_codes(demo, pid)
    cycle, day1, doses = _sql(demo, "SELECT cycle, start_date, doses FROM treatment_cycle "
                                    "WHERE participant_id = ? ORDER BY cycle LIMIT 1", pid)[0]
    for dose in json.loads(doses):
        given = by_id[f"cma-{pseudonym}-{cycle}-{dose['drug']}"]
        assert given.effectiveDateTime.isoformat() == day1
        assert (float(given.dosage.dose.value), given.dosage.dose.unit) == (
            dose["dose"], dose["unit"])
        assert given.medicationCodeableConcept.text == dose["drug"]
        # RxNorm ingredient concepts (term type IN), as listed from the RxNorm release
        # (docs/fhir.md "Medications"); dalpiciclib has none
        rxnorm = {"letrozole": "72965", "anastrozole": "84857", "exemestane": "258494",
                  "fulvestrant": "282357", "tamoxifen": "10324", "goserelin": "50610",
                  "leuprorelin": "42375", "paclitaxel": "56946", "capecitabine": "194000",
                  "carboplatin": "40048", "cisplatin": "2555", "gemcitabine": "12574"}
        coded = [(c.system, c.code) for c in given.medicationCodeableConcept.coding or []]
        expected = rxnorm.get(dose["drug"])
        assert coded == ([("http://www.nlm.nih.gov/research/umls/rxnorm", expected)]
                         if expected else []), dose["drug"]
    statuses = [r for r in mine if _profile(r) == "mcode-cancer-disease-status"]
    follow = _sql(demo, "SELECT assessment_date FROM tumour_assessment WHERE participant_id = ? "
                        "AND kind = 'follow_up' ORDER BY assessment_date", pid)
    assert sorted(r.effectiveDateTime.isoformat() for r in statuses) == [d for (d,) in follow]
    assert all(r.focus[0].reference == f"Condition/pcc-{pseudonym}" for r in statuses)


def _fhir(client: TestClient, path: str, status: int = 200) -> Any:
    answer = client.get(path)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    return _parsed(answer.text)


def test_every_medication_is_its_rxnorm_ingredient_or_named_by_text(exported: Path) -> None:
    """mCODE binds the medication to RxNorm (extensible): each protocol drug the demo gave is
    coded as its ingredient (RxNorm names; leuprorelin is "leuprolide"); dalpiciclib, which
    RxNorm lacks, is text only."""
    rxnorm = {"letrozole": ("72965", "letrozole"), "anastrozole": ("84857", "anastrozole"),
              "exemestane": ("258494", "exemestane"), "fulvestrant": ("282357", "fulvestrant"),
              "tamoxifen": ("10324", "tamoxifen"), "goserelin": ("50610", "goserelin"),
              "leuprorelin": ("42375", "leuprolide"), "paclitaxel": ("56946", "paclitaxel"),
              "capecitabine": ("194000", "capecitabine"),
              "carboplatin": ("40048", "carboplatin"), "cisplatin": ("2555", "cisplatin"),
              "gemcitabine": ("12574", "gemcitabine")}
    bundle = Bundle.model_validate_json((exported / "bundle.json").read_text("utf-8"))
    given = [e.resource.medicationCodeableConcept for e in bundle.entry
             if e.resource.__resource_type__ == "MedicationAdministration"]
    seen = {m.text for m in given}
    assert "dalpiciclib" in seen and len(seen & set(rxnorm)) >= 3, seen
    for m in given:
        coding = [(c.system, c.code, c.display) for c in m.coding or []]
        if m.text in rxnorm:
            assert coding == [("http://www.nlm.nih.gov/research/umls/rxnorm",
                               *rxnorm[m.text])], m.text
        else:
            assert coding == [] and m.text == "dalpiciclib", m.text


def test_the_endpoint_scopes_identifiers_arms_and_sites(demo: Path, login: Login) -> None:
    pumch = _sql(demo, "SELECT p.pseudonym, i.full_name, i.medical_record_number FROM "
                       "participant p JOIN site s ON s.id = p.site_id JOIN participant_identity "
                       "i ON i.participant_id = p.id JOIN allocation a ON a.participant_id = "
                       "p.id WHERE s.code = 'PUMCH' ORDER BY p.screening_number LIMIT 1")[0]
    sim2 = _sql(demo, "SELECT p.pseudonym FROM participant p JOIN site s ON s.id = p.site_id "
                      "WHERE s.code = 'SIM2' LIMIT 1")[0][0]
    pseudonym, name, mrn = pumch
    patient = _fhir(login("investigator"), f"/fhir/Patient/{pseudonym}")
    assert patient.name[0].text == name
    assert mrn in [i.value for i in patient.identifier]
    reader = login("reader")
    assert _fhir(reader, f"/fhir/ResearchSubject/rs-{pseudonym}").assignedArm is None
    assert _fhir(login("investigator"),
                 f"/fhir/ResearchSubject/rs-{pseudonym}").assignedArm in ("A", "B")
    hidden = _fhir(reader, f"/fhir/Patient/{pseudonym}")
    assert name not in hidden.model_dump_json() and len(hidden.birthDate) == 4
    everything = _fhir(reader, f"/fhir/Patient/{pseudonym}/$everything")
    assert everything.type == "searchset" and everything.total == len(everything.entry)
    kinds = {e.resource.get_resource_type() for e in everything.entry}
    assert "MedicationAdministration" not in kinds and "Observation" in kinds
    for path in (f"/fhir/Patient/{sim2}", f"/fhir/ResearchSubject/rs-{sim2}",
                 f"/fhir/Patient/{sim2}/$everything"):
        refused = _fhir(reader, path, 404)
        assert isinstance(refused, OperationOutcome)
        assert refused.issue[0].code == "not-found"
    found = _fhir(reader, "/fhir/Patient")
    assert sim2 not in found.model_dump_json() and found.total == _sql(
        demo, "SELECT count(*) FROM participant p JOIN site s ON s.id = p.site_id "
              "WHERE s.code = 'PUMCH'")[0][0]
    one = _fhir(login("datamanager"), f"/fhir/Patient?identifier=urn:dawna:pseudonym|{sim2}")
    assert [e.resource.id for e in one.entry] == [sim2]
    study = _fhir(reader, "/fhir/ResearchStudy/nct05861830")
    assert study.identifier[0].value == "NCT05861830" and [a.name for a in study.arm] == [
        "A", "B"]
    assert _fhir(reader, "/fhir/$export", 403).issue[0].code == "forbidden"
    anonymous = TestClient(login("reader").app)
    assert _fhir(anonymous, "/fhir/ResearchStudy", 401).issue[0].code == "login"
    assert _fhir(reader, "/fhir/Encounter/x", 404).issue[0].code == "not-found"
    assert _fhir(reader, "/fhir/metadata").fhirVersion == "4.0.1"


def test_the_statistician_downloads_the_zip_from_the_exports_page(login: Login) -> None:
    client = login("statistician")
    page = client.get("/exports")  # data.export, as every data export (docs/exports.md)
    assert page.status_code == 200 and 'id="export-fhir"' in page.text
    answer = client.get("/exports/fhir.zip")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert {"bundle.json", "manifest.json", "Patient.ndjson"} <= set(archive.namelist())
    bundle = Bundle.model_validate_json(archive.read("bundle.json"))
    assert bundle.entry[0].fullUrl == "http://testserver/fhir/ResearchStudy/nct05861830"
    assert login("monitor").get("/exports/fhir.zip").status_code == 403
