"""FHIR R4 resources of the trial (issue 22 item 5), built with the ``fhir.resources`` R4B models
from the plain records of ``exports/fhir_records.py`` (never hand-written JSON): the
ResearchStudy, one ResearchSubject and one Patient per participant, and a Bundle of type
``collection``. The mCODE STU4 clinical resources are in ``exports/fhir_mcode.py``; codes and
their sources in ``exports/fhir_codes.yaml``; ``docs/fhir.md`` cites the sections.

Sources: HL7 FHIR R4 (4.0.1) ResearchStudy (§ 12.7: identifier, title, status, phase, arm),
ResearchSubject (§ 12.8: status, study, individual, assignedArm), Patient (§ 8.1), Bundle
(§ 2.36, type ``collection``; fullUrl the resource's absolute address); mCODE STU4 CancerPatient
(US Core Patient: a name is required, so a pseudonymized patient carries the data-absent-reason
``masked`` in place of it). Pseudonymization (PIPL art. 51, 73; ICH E6(R3) 2.9): without
``identity.view`` the Patient holds the pseudonym, sex and birth year only.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import yaml
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.researchstudy import ResearchStudy, ResearchStudyArm
from fhir.resources.R4B.researchsubject import ResearchSubject
from fhir.resources.R4B.resource import Resource

from dawna.exports.fhir_records import StudyRecord, SubjectRecord

__all__ = ["CODES_FILE", "FHIR_JSON", "bundle", "codeable", "codes", "patient", "profile",
           "reference", "research_study", "research_subject", "resource_id", "study_id",
           "system"]

CODES_FILE = "fhir_codes.yaml"
FHIR_JSON = "application/fhir+json"


@cache
def codes() -> dict[str, Any]:
    """The pinned codes (``exports/fhir_codes.yaml``)."""
    text = resources.files("dawna.exports").joinpath(CODES_FILE).read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def system(name: str) -> str:
    return str(codes()["systems"][name])


def profile(name: str) -> Meta:
    return Meta(profile=[codes()["profiles"][name]])


def codeable(system_name: str, code: str, display: str | None = None,
             text: str | None = None) -> CodeableConcept:
    return CodeableConcept(coding=[Coding(system=system(system_name), code=str(code),
                                          display=display)], text=text)


def reference(kind: str, ident: str, display: str | None = None) -> Reference:
    return Reference(reference=f"{kind}/{ident}", display=display)


def resource_id(*parts: object) -> str:
    """A FHIR id (``[A-Za-z0-9-.]{1,64}``) from the parts: pseudonyms are ``DF-XXXXXX``."""
    return "-".join(str(p) for p in parts).replace("_", "-").replace("/", "-")[:64]


def study_id(study: StudyRecord) -> str:
    return study.nct_id.lower()


def research_study(study: StudyRecord) -> ResearchStudy:
    """The trial: registry identifiers, title, status, phase, condition, period and arms."""
    c = codes()
    return ResearchStudy(
        id=study_id(study),
        identifier=[Identifier(system=system("nct"), value=study.nct_id),
                    Identifier(system=system("org_study_id"), value=study.org_study_id)],
        title=study.title,
        status=c["study_status"][study.overall_status],
        phase=codeable("study_phase", c["study_phase"][study.phase]),
        condition=[CodeableConcept(
            coding=[Coding(system=system("snomed"), code=c["breast_cancer"]["code"],
                           display=c["breast_cancer"]["display"])],
            text=", ".join(study.conditions))],
        keyword=[CodeableConcept(text=study.acronym)],
        description=study.summary,
        period=Period(start=study.start_date.isoformat(),
                      end=study.completion_date.isoformat()),
        arm=[ResearchStudyArm(name=a.id, type=CodeableConcept(text=a.type),
                              description=f"{a.label}: {a.description}") for a in study.arms])


def research_subject(study: StudyRecord, subject: SubjectRecord) -> ResearchSubject:
    """A participant in the trial: status mapped from dawna's status (``subject_status`` in the
    codes file), the period from consent, and the assigned arm only when ``subject.arm`` is set
    (readers kept blind to the allocation get none)."""
    period = Period(start=subject.consent_date.isoformat()) if subject.consent_date else None
    return ResearchSubject(
        id=resource_id("rs", subject.pseudonym),
        identifier=[Identifier(system=system("pseudonym"), value=subject.pseudonym)],
        status=codes()["subject_status"][subject.status],
        period=period,
        study=reference("ResearchStudy", study_id(study)),
        individual=reference("Patient", subject.pseudonym),
        assignedArm=subject.arm)


def _identifiers(subject: SubjectRecord) -> list[Identifier]:
    out = [Identifier(system=system("pseudonym"), value=subject.pseudonym)]
    if subject.screening_number:
        out.append(Identifier(system=system("screening_number"), value=subject.screening_number))
    if subject.identity is not None:
        out.append(Identifier(
            system=system("mrn"), value=subject.identity.medical_record_number,
            type=codeable("identifier_type", "MR", "Medical record number")))
    return out


def patient(subject: SubjectRecord) -> Patient:
    """The participant as a patient. Without identifiers: the pseudonym, sex and birth year, and
    a name that is absent for the reason ``masked``; with them: name, record number, phone and
    the full birth date."""
    if subject.identity is not None:
        names = [HumanName(text=subject.identity.full_name)]
        telecom = ([ContactPoint(system="phone", value=subject.identity.phone)]
                   if subject.identity.phone else None)
        born = subject.birth_date.isoformat() if subject.birth_date else None
    else:
        names = [HumanName(extension=[Extension(url=codes()["extensions"]["data_absent_reason"],
                                                valueCode="masked")])]
        telecom = None
        born = f"{subject.birth_year:04d}" if subject.birth_year else None
    gender = subject.sex if subject.sex in ("female", "male") else "unknown"
    return Patient(id=subject.pseudonym, meta=profile("patient"),
                   identifier=_identifiers(subject), name=names, telecom=telecom,
                   gender=gender, birthDate=born)


def bundle(resources_: Iterable[Resource], base: str, kind: str = "collection",
           ident: str | None = None) -> Bundle:
    """A Bundle of type ``collection`` (or ``searchset``, with its ``total``, for a search) of
    the resources, each with its absolute address under ``base`` (the FHIR endpoint's root) as
    ``fullUrl``."""
    root = base.rstrip("/")
    entries = [BundleEntry(fullUrl=f"{root}/{r.get_resource_type()}/{r.id}", resource=r)
               for r in resources_]
    return Bundle(id=ident, type=kind, total=len(entries) if kind == "searchset" else None,
                  entry=entries or None)
