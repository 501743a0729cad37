"""The FHIR export as files (issue 22 items 5 and 8): ``bundle.json`` (a Bundle of type
``collection`` with every resource) and one NDJSON file per resource type (the FHIR Bulk Data
format: one resource per line, ``<Type>.ndjson``), with ``manifest.json``
(``exports/manifest.py``). Every resource is serialized by its ``fhir.resources`` model."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from fhir.resources.R4B.resource import Resource

from dawna.exports.fhir import bundle, patient, research_study, research_subject
from dawna.exports.fhir_mcode import mcode_resources
from dawna.exports.fhir_records import StudyRecord, SubjectRecord
from dawna.exports.manifest import write_manifest

__all__ = ["BUNDLE_FILE", "KIND", "subject_resources", "trial_resources", "write_fhir"]

BUNDLE_FILE = "bundle.json"
KIND = "fhir"


def subject_resources(study: StudyRecord, subject: SubjectRecord) -> list[Resource]:
    """The Patient, the ResearchSubject and the mCODE resources of one participant."""
    return [patient(subject), research_subject(study, subject), *mcode_resources(subject)]


def trial_resources(study: StudyRecord, subjects: Iterable[SubjectRecord],
                    progress: Callable[[str], None] | None = None) -> list[Resource]:
    """The ResearchStudy, then each participant's resources in order."""
    out: list[Resource] = [research_study(study)]
    for subject in subjects:
        out.extend(subject_resources(study, subject))
        if progress:
            progress(subject.pseudonym)
    return out


def write_fhir(directory: Path, resources: list[Resource], base: str, *, data_cut: date,
               pseudonymized: bool, sites: list[str]) -> dict[str, int]:
    """Write the bundle, the NDJSON files and the manifest; returns file name → resources."""
    directory.mkdir(parents=True, exist_ok=True)
    by_type: dict[str, list[Resource]] = {}
    for r in resources:
        by_type.setdefault(r.get_resource_type(), []).append(r)
    rows: dict[str, int] = {}
    for kind, items in sorted(by_type.items()):
        name = f"{kind}.ndjson"
        with (directory / name).open("w", encoding="utf-8") as fh:
            for item in items:
                fh.write(item.model_dump_json() + "\n")
        rows[name] = len(items)
    whole = bundle(resources, base, ident=f"dawna-{data_cut.isoformat()}")
    (directory / BUNDLE_FILE).write_text(whole.model_dump_json(indent=1) + "\n",
                                         encoding="utf-8")
    rows[BUNDLE_FILE] = len(resources)
    write_manifest(directory, KIND, dict(rows), data_cut=data_cut, pseudonymized=pseudonymized,
                   extra={"sites": sites,
                          "fhir": "R4 (4.0.1), mCODE STU4; models: fhir.resources R4B",
                          "resources": {k: len(v) for k, v in sorted(by_type.items())}})
    return rows
