"""The protocol as a CDISC USDM 4.0 JSON document (issue 22 item 6), from the protocol file only.

``usdm_document(protocol)`` builds the document (the API's ``Wrapper``: ``study``,
``usdmVersion``, ``systemName``, ``systemVersion``): the study with one study version holding its
identifiers, titles, organizations, eligibility criterion texts, study interventions and
conditions, and one interventional study design with arms, epochs, elements, study cells, the
population and its criteria, objectives and endpoints, activities, encounters and the schedule
timeline (``usdm_design.py``, ``usdm_schedule.py``; the mapping in ``docs/usdm.md``).

``validate_usdm`` checks it against the published USDM 4.0 JSON schema, vendored unchanged in
``dawna/exports/schemas/usdm-4.0/`` (CDISC DDF-RA v4.0.0 ``Deliverables/API/USDM_API.json``,
MIT; ``SOURCE.md`` there): an OpenAPI 3.1 document whose component schemas are JSON Schema
draft 2020-12, validated with ``jsonschema.Draft202012Validator`` from ``Wrapper-Input``.
``write_usdm`` writes ``usdm.json`` only when it is valid, with ``manifest.json``.

Sources: CDISC Unified Study Definitions Model 4.0 (DDF-RA release v4.0.0, 2025-06-03: UML, API
schema, controlled terminology ``USDM_CT.xlsx``); ICH M11 (the structured protocol USDM 4.0
carries).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dawna.errors import ValidationError
from dawna.exports.manifest import software_version, write_manifest
from dawna.exports.usdm_codes import Ids
from dawna.exports.usdm_design import design_parts
from dawna.exports.usdm_schedule import schedule_parts
from dawna.i18n import _

if TYPE_CHECKING:
    from dawna.protocol.schema import Protocol

__all__ = ["SCHEMA_FILE", "USDM_FILE", "USDM_VERSION", "usdm_document", "usdm_schema",
           "validate_usdm", "write_usdm"]

Json = dict[str, Any]
USDM_VERSION = "4.0.0"
USDM_FILE = "usdm.json"
SCHEMA_FILE = "schemas/usdm-4.0/USDM_API.json"
REGISTRY = "ClinicalTrials.gov"


@functools.lru_cache(maxsize=1)
def usdm_schema() -> Json:
    """The vendored USDM 4.0 API document (read once)."""
    text = resources.files("dawna.exports").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: Json = json.loads(text)
    return schema


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

    schema = {"$ref": "#/components/schemas/Wrapper-Input",
              "components": usdm_schema()["components"]}
    return Draft202012Validator(schema)


def validate_usdm(document: Json) -> None:
    """Refuse a document the USDM 4.0 schema does not accept: a ValidationError naming the JSON
    path of the most specific problem (``jsonschema.exceptions.best_match``) and the rule."""
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped, unused-ignore]

    error = best_match(_validator().iter_errors(document))
    if error is None:
        return
    error = _specific(error)
    path = error.json_path
    raise ValidationError(_("the USDM document breaks the USDM 4.0 schema at {path}: "
                            "{message}").format(path=path, message=error.message[:300]),
                          field=path)


def _specific(error: Any) -> Any:
    """Inside an ``anyOf`` (a study design is interventional or observational; an optional
    value is an object or null), the error of the one branch the instance was meant for: the
    branch whose ``instanceType`` matches and that is not the null alternative."""
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped, unused-ignore]

    while error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, list[Any]] = {}
        for e in error.context:
            branches.setdefault(e.relative_schema_path[0], []).append(e)
        meant = [errors for errors in branches.values()
                 if not any(list(e.path) == ["instanceType"] or (not e.path and e.validator
                                                                 == "type") for e in errors)]
        if len(meant) != 1:
            break
        error = best_match(meant[0])
    return error


def _organization(ids: Ids, key: str, name: str, kind: str, scheme: str,
                  identifier: str, field: str) -> Json:
    return {"id": ids.named("Organization", key), "extensionAttributes": [], "name": name,
            "label": name, "type": ids.code("organization_type", kind, field=field),
            "identifierScheme": scheme, "identifier": identifier, "legalAddress": None,
            "managedSites": [], "instanceType": "Organization"}


def _title(ids: Ids, text: str, kind: str) -> Json:
    return {"id": ids.new("StudyTitle"), "extensionAttributes": [], "text": text,
            "type": ids.code("title_type", kind, field=f"registry.{kind}"),
            "instanceType": "StudyTitle"}


def usdm_document(protocol: Protocol, *, version: str = "1",
                  rationale: str = "Protocol as registered") -> Json:
    """The USDM 4.0 document of ``protocol``; ``version`` the protocol version's label
    (``versionIdentifier``), ``rationale`` its summary of changes."""
    registry = protocol.registry
    if registry.study_type != "INTERVENTIONAL":
        raise ValidationError(_("the USDM export covers interventional studies only, not "
                                "{kind}").format(kind=registry.study_type),
                              field="registry.study_type")
    ids = Ids()
    sponsor = registry.lead_sponsor
    organizations = [
        _organization(ids, "registry", REGISTRY, "registry", "USGOV", "CT-GOV",
                      "registry.nct_id"),
        _organization(ids, "sponsor", sponsor.name, sponsor.sponsor_class, "name",
                      sponsor.name, "registry.lead_sponsor.class")]
    organizations += [
        _organization(ids, f"collaborator_{i + 1}", c.name, c.sponsor_class, "name", c.name,
                      f"registry.collaborators[{i}].class")
        for i, c in enumerate(registry.collaborators)]
    identifiers = [
        {"id": ids.new("StudyIdentifier"), "extensionAttributes": [], "text": text,
         "scopeId": scope, "instanceType": "StudyIdentifier"}
        for text, scope in ((registry.nct_id, organizations[0]["id"]),
                            (registry.org_study_id, organizations[1]["id"]))]
    design = design_parts(protocol, ids)
    schedule = schedule_parts(protocol, ids, design.epoch_ids)
    design_json = {
        "id": ids.named("InterventionalStudyDesign", "main"), "extensionAttributes": [],
        "name": registry.acronym, "label": registry.brief_title,
        "description": registry.detailed_description,
        "studyType": ids.code("study_type", registry.study_type, field="registry.study_type"),
        "studyPhase": ids.alias("phase", registry.phase, field="registry.phase"),
        "therapeuticAreas": [],
        "characteristics": ([ids.code("characteristic", "RANDOMIZED",
                                      field="registry.design.allocation")]
                            if registry.design.allocation == "RANDOMIZED" else []),
        "encounters": schedule.encounters, "activities": schedule.activities,
        "arms": design.arms, "studyCells": design.cells, "rationale": registry.brief_summary,
        "epochs": design.epochs, "elements": design.elements, "estimands": [],
        "indications": [{"id": ids.new("Indication"), "extensionAttributes": [],
                         "name": condition, "label": condition, "description": None,
                         "codes": [], "isRareDisease": False, "notes": [],
                         "instanceType": "Indication"} for condition in registry.conditions],
        "studyInterventionIds": [iv["id"] for iv in design.interventions],
        "objectives": design.objectives, "population": design.population,
        "scheduleTimelines": schedule.timelines, "biospecimenRetentions": [],
        "documentVersionIds": [], "eligibilityCriteria": design.criteria,
        "analysisPopulations": [], "notes": [], "subTypes": [],
        "model": ids.code("model", registry.design.intervention_model,
                          field="registry.design.intervention_model"),
        "intentTypes": [ids.code("intent", registry.design.primary_purpose,
                                 field="registry.design.primary_purpose")],
        "blindingSchema": ids.alias("blinding", registry.design.masking,
                                    field="registry.design.masking"),
        "instanceType": "InterventionalStudyDesign"}
    study_version = {
        "id": ids.named("StudyVersion", version), "extensionAttributes": [],
        "versionIdentifier": version, "rationale": rationale, "documentVersionIds": [],
        "dateValues": [], "amendments": [], "businessTherapeuticAreas": [],
        "studyIdentifiers": identifiers, "referenceIdentifiers": [],
        "studyDesigns": [design_json],
        "titles": [_title(ids, registry.brief_title, "brief"),
                   _title(ids, registry.acronym, "acronym")],
        "eligibilityCriterionItems": design.criterion_items, "narrativeContentItems": [],
        "abbreviations": [], "roles": [], "organizations": organizations,
        "studyInterventions": design.interventions, "administrableProducts": [],
        "medicalDevices": [], "productOrganizationRoles": [], "biomedicalConcepts": [],
        "bcCategories": [], "bcSurrogates": [], "dictionaries": [],
        "conditions": schedule.conditions, "notes": [], "instanceType": "StudyVersion"}
    study = {"id": ids.named("Study", registry.nct_id), "extensionAttributes": [],
             "name": registry.acronym, "description": registry.brief_summary,
             "label": registry.brief_title, "versions": [study_version], "documentedBy": [],
             "instanceType": "Study"}
    return {"study": study, "usdmVersion": USDM_VERSION, "systemName": "dawna",
            "systemVersion": software_version()}


def write_usdm(directory: Path, protocol: Protocol, *, version: str = "1",
               rationale: str = "Protocol as registered") -> list[Path]:
    """Write ``usdm.json`` (validated first: nothing is written when invalid) and
    ``manifest.json`` into ``directory``; the paths written."""
    document = usdm_document(protocol, version=version, rationale=rationale)
    validate_usdm(document)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / USDM_FILE
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    manifest = write_manifest(directory, "usdm", {USDM_FILE: None}, data_cut=None,
                              pseudonymized=True,
                              extra={"usdm_version": USDM_VERSION, "protocol_version": version,
                                     "nct_id": protocol.registry.nct_id})
    return [path, manifest]
