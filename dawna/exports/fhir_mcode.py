"""mCODE STU4 resources of one participant (issue 22 item 5), built with the ``fhir.resources``
R4B models from a ``SubjectRecord``; codes from ``exports/fhir_codes.yaml``, sections cited in
``docs/fhir.md``.

- PrimaryCancerCondition: breast cancer (SNOMED CT 254837009), category 372087000, one per
  screened participant.
- SecondaryCancerCondition: one per metastatic site (bone, liver, lung, pleura, brain, lymph
  node, other) named by the screening record's lesion locations and the read PET lesions; the
  site from the first keyword of the codes file found in the free text (category 128462008).
- TumorMarkerTest: ER, PR and HER2 of the screening pathology report (LOINC 16112-5, 16113-3,
  48676-1; category 250724005). HER2 status from IHC and ISH as ASCO/CAP 2018 (Wolff et al., J
  Clin Oncol 2018;36:2105): IHC 3+ or ISH positive is positive; IHC 0/1+ or ISH negative is
  negative; IHC 2+ without ISH is equivocal (as ``rules/criteria_inclusion.py`` reads it).
- CancerDiseaseStatus: one per RECIST 1.1 follow-up time point (LOINC 97509-4), the overall
  response mapped to ConditionStatusTrendVS, evidence type imaging, focus the primary cancer.
- CancerRelatedMedicationAdministration: one per drug given in a treatment cycle (day 1 of the
  cycle, the dose recorded for the cycle), the drug as its RxNorm ingredient (dalpiciclib, not
  in RxNorm, by name only).
- ECOG performance status: LOINC 89247-1 with the integer score and its LOINC answer as
  interpretation (LL529-9), at screening.
"""

from __future__ import annotations

from datetime import date

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.medicationadministration import (
    MedicationAdministration,
    MedicationAdministrationDosage,
)
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.resource import Resource

from dawna.exports.fhir import codeable, codes, profile, reference, resource_id, system
from dawna.exports.fhir_records import MetastasisRecord, PathologyRecord, SubjectRecord

__all__ = ["HER2_EQUIVOCAL", "her2_status", "mcode_resources", "metastatic_site"]

HER2_EQUIVOCAL = "equivocal"


def her2_status(ihc: str | None, ish: str | None) -> str | None:
    """positive, negative or equivocal from the IHC score and ISH (ASCO/CAP 2018); ``None``
    when neither is recorded."""
    if ihc == "3+" or ish == "positive":
        return "positive"
    if ihc in ("0", "1+") or ish == "negative":
        return "negative"
    if ihc == "2+":
        return HER2_EQUIVOCAL
    return None


def metastatic_site(location: str) -> str:
    """The site key of the codes file for a free-text location (``other`` when no keyword)."""
    text = location.lower()
    for row in codes()["metastatic_sites"]:
        if any(k in text for k in row["keywords"]):
            return str(row["site"])
    return "other"


def _sct(code: str, display: str, text: str | None = None) -> CodeableConcept:
    return codeable("snomed", code, display, text)


def _category(name: str) -> CodeableConcept:
    row = codes()["categories"][name]
    return _sct(row["code"], row["display"])


def _clinical(status: str) -> CodeableConcept:
    return codeable("condition_clinical", status)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def primary_condition(s: SubjectRecord) -> Condition:
    c = codes()["breast_cancer"]
    recorded = s.pathology.report_date if s.pathology else None
    return Condition(
        id=resource_id("pcc", s.pseudonym), meta=profile("primary_cancer_condition"),
        clinicalStatus=_clinical("active"),
        verificationStatus=codeable("condition_verification", "confirmed"),
        category=[codeable("condition_category", "problem-list-item"), _category("primary")],
        code=_sct(c["code"], c["display"]),
        subject=reference("Patient", s.pseudonym),
        recordedDate=_day(recorded or s.decision_date))


def secondary_conditions(s: SubjectRecord) -> list[Condition]:
    """One per metastatic site, the earliest date it was seen and every location text."""
    sites: dict[str, list[MetastasisRecord]] = {}
    for m in s.metastases:
        sites.setdefault(metastatic_site(m.location), []).append(m)
    rows = {r["site"]: r for r in codes()["metastatic_sites"]}
    out = []
    for site, found in sorted(sites.items()):
        row = rows[site]
        seen = min((m.seen_on for m in found if m.seen_on), default=None)
        where = "; ".join(sorted({f"{m.location} ({m.source})" for m in found}))
        out.append(Condition(
            id=resource_id("scc", s.pseudonym, site), meta=profile("secondary_cancer_condition"),
            clinicalStatus=_clinical("active"),
            category=[codeable("condition_category", "problem-list-item"),
                      _category("secondary")],
            code=_sct(row["code"], row["display"], site.replace("_", " ")),
            bodySite=[CodeableConcept(text=where)],
            subject=reference("Patient", s.pseudonym),
            recordedDate=_day(seen)))
    return out


def _marker(s: SubjectRecord, name: str, value: str, text: str, on: date | None
            ) -> Observation:
    loinc = codes()["tumor_markers"][name]
    answer = codes()["marker_values"][value]
    return Observation(
        id=resource_id("tmt", s.pseudonym, name), meta=profile("tumor_marker_test"),
        status="final",
        category=[codeable("observation_category", "laboratory"), _category("tumor_marker")],
        code=codeable("loinc", loinc["code"], loinc["display"]),
        subject=reference("Patient", s.pseudonym),
        effectiveDateTime=_day(on),
        valueCodeableConcept=_sct(answer["code"], answer["display"], text))


def tumor_markers(s: SubjectRecord) -> list[Observation]:
    p: PathologyRecord | None = s.pathology
    if p is None:
        return []
    out = []
    for name, status, percent in (("er", p.er, p.er_percent), ("pr", p.pr, p.pr_percent)):
        if status:
            text = f"{status} ({percent:g} % nuclei)" if percent is not None else status
            out.append(_marker(s, name, status, text, p.report_date))
    her2 = her2_status(p.her2_ihc, p.her2_ish)
    if her2:
        text = f"{her2} (IHC {p.her2_ihc or '-'}, ISH {p.her2_ish or '-'})"
        out.append(_marker(s, "her2", her2, text, p.report_date))
    return out


def disease_status(s: SubjectRecord) -> list[Observation]:
    c = codes()["disease_status"]
    evidence = c["evidence_imaging"]
    out = []
    for r in s.responses:
        value = codes()["recist_status"][r.overall]
        out.append(Observation(
            id=resource_id("cds", s.pseudonym, r.assessed_on.isoformat()),
            meta=profile("cancer_disease_status"),
            extension=[Extension(url=codes()["extensions"]["disease_status_evidence"],
                                 valueCodeableConcept=_sct(evidence["code"],
                                                           evidence["display"]))],
            status="final",
            category=[codeable("observation_category", "imaging")],
            code=codeable("loinc", c["code"], c["display"]),
            subject=reference("Patient", s.pseudonym),
            focus=[reference("Condition", resource_id("pcc", s.pseudonym))],
            effectiveDateTime=r.assessed_on.isoformat(),
            valueCodeableConcept=_sct(value["code"], value["display"],
                                      f"RECIST 1.1 overall response {r.overall}")))
    return out


def _medication(drug: str) -> CodeableConcept:
    """The drug as its RxNorm ingredient where the codes file has one (mCODE binds the
    medication to RxNorm, extensible), always with the protocol's name as text."""
    row = codes()["medications"].get(drug.strip().lower())
    if row is None:  # dalpiciclib (not in RxNorm) or a physician-entered drug
        return CodeableConcept(text=drug)
    return codeable("rxnorm", row["code"], row["display"], text=drug)


def medication_administrations(s: SubjectRecord) -> list[MedicationAdministration]:
    out = []
    for d in s.doses:
        level = f", dose level {d.level}" if d.level is not None else ""
        out.append(MedicationAdministration(
            id=resource_id("cma", s.pseudonym, d.cycle, d.drug),
            meta=profile("medication_administration"),
            status="completed",
            medicationCodeableConcept=_medication(d.drug),
            subject=reference("Patient", s.pseudonym),
            effectiveDateTime=d.given_on.isoformat(),
            dosage=MedicationAdministrationDosage(
                text=f"cycle {d.cycle}{level}",
                dose=Quantity(value=d.dose, unit=d.unit, system=system("ucum"), code=d.unit)),
            note=[Annotation(text=f"Dose recorded for cycle {d.cycle} (day 1 {d.given_on})")]))
    return out


def ecog(s: SubjectRecord) -> list[Observation]:
    if s.ecog is None:
        return []
    c = codes()["ecog"]
    answer = c["answers"][s.ecog]
    return [Observation(
        id=resource_id("ecog", s.pseudonym), meta=profile("ecog"), status="final",
        category=[codeable("observation_category", "survey")],
        code=codeable("loinc", c["code"], c["display"]),
        subject=reference("Patient", s.pseudonym),
        effectiveDateTime=_day(s.ecog_date),
        valueInteger=s.ecog,
        interpretation=[CodeableConcept(coding=[Coding(system=system("loinc"),
                                                       code=answer["code"],
                                                       display=answer["display"])])])]


def mcode_resources(s: SubjectRecord) -> list[Resource]:
    """Every mCODE resource of one participant (none before screening data exist)."""
    if not s.screened:
        return [*disease_status(s), *medication_administrations(s)]
    return [primary_condition(s), *secondary_conditions(s), *tumor_markers(s), *ecog(s),
            *disease_status(s), *medication_administrations(s)]
