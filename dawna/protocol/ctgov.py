"""ClinicalTrials.gov API v2 study records: read leniently, split the eligibility text, write a
protocol-file skeleton, and write the DAWNA-FES protocol back as a v2 record.

Format (``docs/domain.md`` §9): ``protocolSection`` with modules; every module but
``identificationModule`` (with its ``nctId``) is optional; dates may be partial ("2023-05"); enum
values dawna does not know are kept as text. A wrong type is refused naming its JSON path
(``protocolSection.designModule.phases[0]``).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import AliasPath, BaseModel, ConfigDict, Field, ValidationError, field_validator

from dawna.protocol.schema import Protocol

__all__ = ["CtgovError", "ImportedStudy", "parse_study", "protocol_skeleton", "split_eligibility",
           "to_v2"]

PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class CtgovError(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class _M(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Arm(_M):
    label: str
    type: str | None = None
    description: str | None = None
    intervention_names: list[str] = Field(default_factory=list, alias="interventionNames")


class Intervention(_M):
    type: str | None = None
    name: str
    description: str | None = None
    arm_group_labels: list[str] = Field(default_factory=list, alias="armGroupLabels")


class ImportedStudy(_M):
    """The parts of a v2 record dawna shows and compares (the whole record is kept too)."""

    nct_id: str = Field(validation_alias=AliasPath("protocolSection", "identificationModule",
                                                   "nctId"))
    brief_title: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "identificationModule", "briefTitle"))
    official_title: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "identificationModule", "officialTitle"))
    acronym: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "identificationModule", "acronym"))
    overall_status: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "statusModule", "overallStatus"))
    start_date: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "statusModule", "startDateStruct", "date"))
    completion_date: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "statusModule", "completionDateStruct", "date"))
    lead_sponsor: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "sponsorCollaboratorsModule", "leadSponsor", "name"))
    brief_summary: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "descriptionModule", "briefSummary"))
    detailed_description: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "descriptionModule", "detailedDescription"))
    conditions: list[str] = Field(default_factory=list, validation_alias=AliasPath(
        "protocolSection", "conditionsModule", "conditions"))
    keywords: list[str] = Field(default_factory=list, validation_alias=AliasPath(
        "protocolSection", "conditionsModule", "keywords"))
    study_type: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "designModule", "studyType"))
    phases: list[str] = Field(default_factory=list, validation_alias=AliasPath(
        "protocolSection", "designModule", "phases"))
    enrollment: int | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "designModule", "enrollmentInfo", "count"))
    arms: list[Arm] = Field(default_factory=list, validation_alias=AliasPath(
        "protocolSection", "armsInterventionsModule", "armGroups"))
    interventions: list[Intervention] = Field(default_factory=list, validation_alias=AliasPath(
        "protocolSection", "armsInterventionsModule", "interventions"))
    eligibility_text: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "eligibilityModule", "eligibilityCriteria"))
    sex: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "eligibilityModule", "sex"))
    minimum_age: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "eligibilityModule", "minimumAge"))
    maximum_age: str | None = Field(None, validation_alias=AliasPath(
        "protocolSection", "eligibilityModule", "maximumAge"))

    @field_validator("nct_id")
    @classmethod
    def _nct(cls, value: str) -> str:
        if not re.fullmatch(r"NCT\d{8}", value):
            raise ValueError("must be NCT and 8 digits")
        return value

    @field_validator("start_date", "completion_date")
    @classmethod
    def _partial(cls, value: str | None) -> str | None:
        if value is not None and not PARTIAL_DATE.match(value):
            raise ValueError("must be a date YYYY, YYYY-MM or YYYY-MM-DD")
        return value


_PATHS = {name: ".".join(str(p) for p in field.validation_alias.path)
          for name, field in ImportedStudy.model_fields.items()
          if isinstance(field.validation_alias, AliasPath)}


def parse_study(data: Any) -> ImportedStudy:
    """A v2 record; :class:`CtgovError` names the JSON path of the first problem."""
    if not isinstance(data, dict):
        raise CtgovError("$", "a study record is a JSON object")
    identification = (data.get("protocolSection") or {}).get("identificationModule") \
        if isinstance(data.get("protocolSection"), dict) else None
    if not isinstance(identification, dict) or "nctId" not in identification:
        raise CtgovError("protocolSection.identificationModule.nctId",
                         "is required (a record without an NCT id cannot be imported)")
    try:
        return ImportedStudy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = list(first["loc"])
        path = _PATHS.get(str(loc[0]), str(loc[0])) if loc else "$"
        for part in loc[1:]:
            path += f"[{part}]" if isinstance(part, int) else f".{part}"
        raise CtgovError(path, str(first["msg"]).removeprefix("Value error, ")) from None


_ITEM = re.compile(r"^\s*(?:\d+[.)]|[*\-•·●]|[a-z][.)])\s+", re.IGNORECASE)


def _items(block: str) -> list[str]:
    items: list[str] = []
    for line in block.splitlines():
        if not line.strip():
            continue
        if _ITEM.match(line) or not items:
            items.append(_ITEM.sub("", line).strip())
        else:
            items[-1] = f"{items[-1]} {line.strip()}"
    return [i for i in items if i]


def split_eligibility(text: str | None) -> tuple[list[str], list[str]]:
    """The eligibility text as numbered inclusion and exclusion criteria: the blocks after
    "Inclusion Criteria:" and "Exclusion Criteria:", one criterion per numbered or bulleted
    item (continuation lines joined)."""
    if not text:
        return [], []
    match = re.search(r"exclusion\s+criteria\s*:?", text, re.IGNORECASE)
    inclusion, exclusion = (text[:match.start()], text[match.end():]) if match else (text, "")
    inclusion = re.sub(r"^.*?inclusion\s+criteria\s*:?", "", inclusion, count=1,
                       flags=re.IGNORECASE | re.DOTALL)
    return _items(inclusion), _items(exclusion)


def protocol_skeleton(study: ImportedStudy) -> dict[str, Any]:
    """A protocol-file skeleton: registry text, arms and interventions as text, the criteria
    numbered and left uncomputed until someone writes their rules."""
    inclusion, exclusion = split_eligibility(study.eligibility_text)
    return {
        "schema_version": 1, "status": "skeleton: imported from ClinicalTrials.gov, not reviewed",
        "registry": {"nct_id": study.nct_id, "acronym": study.acronym,
                     "brief_title": study.brief_title, "official_title": study.official_title,
                     "overall_status": study.overall_status, "phases": study.phases,
                     "start_date": study.start_date, "completion_date": study.completion_date,
                     "conditions": study.conditions, "enrollment": study.enrollment},
        "arms": [{"label": a.label, "type": a.type, "description": a.description,
                  "interventions": a.intervention_names} for a in study.arms],
        "interventions": [{"name": i.name, "type": i.type, "description": i.description}
                          for i in study.interventions],
        "eligibility": {
            "sex": study.sex, "minimum_age": study.minimum_age, "maximum_age": study.maximum_age,
            "inclusion": [{"id": f"IN{n}", "text": t, "rule": None}
                          for n, t in enumerate(inclusion, 1)],
            "exclusion": [{"id": f"EX{n}", "text": t, "rule": None}
                          for n, t in enumerate(exclusion, 1)]},
    }


def to_v2(protocol: Protocol) -> dict[str, Any]:
    """The protocol file's registry record as a ClinicalTrials.gov API v2 study record."""
    r = protocol.registry
    e = protocol.eligibility
    text = "Inclusion Criteria:\n\n" + "\n".join(
        f"{n}. {c.text}" for n, c in enumerate(e.inclusion, 1))
    text += "\n\nExclusion Criteria:\n\n" + "\n".join(
        f"{n}. {c.text}" for n, c in enumerate(e.exclusion, 1))
    return {"protocolSection": {
        "identificationModule": {"nctId": r.nct_id, "briefTitle": r.brief_title,
                                 "acronym": r.acronym, "orgStudyIdInfo": {"id": r.org_study_id}},
        "statusModule": {"overallStatus": r.overall_status,
                         "startDateStruct": {"date": r.start_date.isoformat()},
                         "completionDateStruct": {"date": r.completion_date.isoformat()}},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": r.lead_sponsor.name,
                                                       "class": r.lead_sponsor.sponsor_class}},
        "descriptionModule": {"briefSummary": r.brief_summary,
                              "detailedDescription": r.detailed_description},
        "conditionsModule": {"conditions": list(r.conditions)},
        "designModule": {"studyType": r.study_type, "phases": [r.phase],
                         "designInfo": {"allocation": r.design.allocation,
                                        "interventionModel": r.design.intervention_model,
                                        "primaryPurpose": r.design.primary_purpose,
                                        "maskingInfo": {"masking": r.design.masking}},
                         "enrollmentInfo": {"count": r.enrollment.count}},
        "armsInterventionsModule": {
            "armGroups": [{"label": a.label, "type": a.type, "description": a.description,
                           "interventionNames": [f"{a.intervention.type.title()}: "
                                                 f"{a.intervention.name}"]}
                          for a in protocol.arms],
            "interventions": [{"type": a.intervention.type, "name": a.intervention.name,
                               "description": a.intervention.registry_text,
                               "armGroupLabels": [a.label]} for a in protocol.arms]},
        "eligibilityModule": {"eligibilityCriteria": text, "sex": e.sex,
                              "healthyVolunteers": e.healthy_volunteers,
                              "minimumAge": f"{e.minimum_age_years} Years",
                              **({"maximumAge": f"{e.maximum_age_years} Years"}
                                 if e.maximum_age_years is not None else {})},
    }}
