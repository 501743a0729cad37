"""The study design part of the USDM 4.0 export: arms, epochs, elements and study cells, the
population with its eligibility criteria, objectives and endpoints, and the study interventions
with their administrations, from the protocol file only (mapping in ``docs/usdm.md``).

Sources: CDISC USDM 4.0 (DDF-RA v4.0.0 UML and API schema: StudyArm, StudyEpoch, StudyElement,
StudyCell, EligibilityCriterion / EligibilityCriterionItem, Objective / Endpoint,
StudyIntervention / Administration); ICH M11 (CeSHarP) §5 (population), §3 (objectives and
endpoints), §6 (interventions), whose structure USDM 4.0 carries.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

from dawna.exports.usdm_codes import Ids, extension_zh

if TYPE_CHECKING:
    from dawna.protocol.regimen import Arm, DrugComponent, Schedule
    from dawna.protocol.schema import Protocol

__all__ = ["EPOCHS", "Design", "design_parts"]

Json = dict[str, Any]

# The three epochs of the design, in order, and the schedule anchors each one holds (a visit
# belongs to the epoch of its anchor: docs/usdm.md).
EPOCHS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("screening", "Screening", ("consent", "eligibility")),
    ("treatment", "Treatment", ("randomization", "treatment_start")),
    ("follow_up", "Follow-up", ("end_of_treatment",)),
)

LEVEL_NAMES = {"primary": "Primary", "secondary": "Secondary", "exploratory": "Exploratory"}
PURPOSE = {"time_to_event": "Efficacy", "response_rate": "Efficacy", "safety": "Safety"}


class Design:
    """Everything the study design holds, and the interventions (which USDM keeps on the study
    version and references by id)."""

    def __init__(self) -> None:
        self.arms: list[Json] = []
        self.epochs: list[Json] = []
        self.elements: list[Json] = []
        self.cells: list[Json] = []
        self.criteria: list[Json] = []
        self.criterion_items: list[Json] = []
        self.population: Json = {}
        self.objectives: list[Json] = []
        self.interventions: list[Json] = []
        self.epoch_ids: dict[str, str] = {}


def design_parts(protocol: Protocol, ids: Ids) -> Design:
    design = Design()
    _epochs(design, ids)
    for i, arm in enumerate(protocol.arms):
        design.arms.append({
            "id": ids.named("StudyArm", arm.id), "extensionAttributes": [], "name": arm.label,
            "label": arm.label, "description": arm.description,
            "type": ids.code("arm_type", arm.type, field=f"arms[{i}].type"),
            "dataOriginDescription": "Data collected from the participants of the trial",
            "dataOriginType": ids.code("data_origin", "WITHIN_STUDY", field=f"arms[{i}]"),
            "populationIds": [], "notes": [ids.note(f"Intervention ({arm.intervention.type}): "
                                                    f"{arm.intervention.registry_text}")],
            "instanceType": "StudyArm"})
        design.interventions += _interventions(arm, i, ids)
    _elements_and_cells(protocol, design, ids)
    _eligibility(protocol, design, ids)
    design.objectives = _objectives(protocol, ids)
    return design


def _epochs(design: Design, ids: Ids) -> None:
    made: list[Json] = [{"id": ids.named("StudyEpoch", key), "extensionAttributes": [], "name": key,
             "label": label, "description": f"{label} epoch",
             "type": ids.code("epoch", key, field="epoch"), "previousId": None, "nextId": None,
             "notes": [], "instanceType": "StudyEpoch"} for key, label, _anchors in EPOCHS]
    _chain(made)
    design.epochs = made
    design.epoch_ids = {key: str(epoch["id"]) for (key, _l, _a), epoch in zip(EPOCHS, made,
                                                                               strict=True)}


def _chain(items: list[Json]) -> None:
    """Fill ``previousId`` / ``nextId`` in list order."""
    for a, b in pairwise(items):
        a["nextId"], b["previousId"] = b["id"], a["id"]


def _element(ids: Ids, key: str, label: str, start: str, end: str,
             interventions: list[str]) -> Json:
    return {"id": ids.named("StudyElement", key), "extensionAttributes": [], "name": key,
            "label": label, "description": None,
            "transitionStartRule": ids.rule(f"{key}_start", start),
            "transitionEndRule": ids.rule(f"{key}_end", end),
            "studyInterventionIds": interventions, "notes": [], "instanceType": "StudyElement"}


def _elements_and_cells(protocol: Protocol, design: Design, ids: Ids) -> None:
    screening = _element(ids, "screening", "Screening", "Informed consent signed",
                         "Randomization (after the signed eligible decision)", [])
    follow_up = _element(ids, "follow_up", "Follow-up", "End of treatment",
                         "End of study (death, withdrawal of consent or study closure)", [])
    design.elements = [screening]
    for arm, arm_json in zip(protocol.arms, design.arms, strict=True):
        own = [iv["id"] for iv in design.interventions
               if iv["id"].startswith(f"StudyIntervention_{arm.id}_")]
        treatment = _element(ids, f"treatment_{arm.id}", f"{arm.label} treatment",
                             "Randomization to " + arm.label,
                             "End of treatment (progression, toxicity, withdrawal or "
                             "investigator's decision)", own)
        design.elements.append(treatment)
        for key, element in (("screening", screening), ("treatment", treatment),
                             ("follow_up", follow_up)):
            design.cells.append({
                "id": ids.named("StudyCell", f"{arm.id}_{key}"), "extensionAttributes": [],
                "armId": arm_json["id"], "epochId": design.epoch_ids[key],
                "elementIds": [element["id"]], "instanceType": "StudyCell"})
    design.elements.append(follow_up)


def _eligibility(protocol: Protocol, design: Design, ids: Ids) -> None:
    rules = protocol.eligibility
    for category, criteria in (("inclusion", rules.inclusion), ("exclusion", rules.exclusion)):
        for j, criterion in enumerate(criteria):
            item = {"id": ids.named("EligibilityCriterionItem", criterion.id),
                    "extensionAttributes": extension_zh(ids, criterion.text_zh),
                    "name": criterion.id, "label": None, "description": None,
                    "text": criterion.text, "dictionaryId": None,
                    "notes": [ids.note(criterion.note)] if criterion.note else [],
                    "instanceType": "EligibilityCriterionItem"}
            design.criterion_items.append(item)
            design.criteria.append({
                "id": ids.named("EligibilityCriterion", criterion.id),
                "extensionAttributes": [], "name": criterion.id, "label": None,
                "description": None,
                "category": ids.code("criterion_category", category,
                                     field=f"eligibility.{category}[{j}]"),
                "identifier": criterion.id, "criterionItemId": item["id"], "nextId": None,
                "previousId": None, "notes": [], "instanceType": "EligibilityCriterion"})
    _chain(design.criteria)
    registry = protocol.registry
    age_max = rules.maximum_age_years
    design.population = {
        "id": ids.named("StudyDesignPopulation", "main"), "extensionAttributes": [],
        "name": "main", "label": "Study population",
        "description": "Participants with " + ", ".join(registry.conditions),
        "includesHealthySubjects": rules.healthy_volunteers,
        "plannedEnrollmentNumber": ids.quantity(registry.enrollment.count, None,
                                                field="registry.enrollment"),
        "plannedCompletionNumber": None,
        "plannedSex": [ids.code("sex", rules.sex, field="eligibility.sex")],
        "criterionIds": [c["id"] for c in design.criteria],
        "plannedAge": None if age_max is None else {
            "id": ids.new("Range"), "extensionAttributes": [],
            "minValue": ids.quantity(rules.minimum_age_years, "year",
                                     field="eligibility.minimum_age_years"),
            "maxValue": ids.quantity(age_max, "year", field="eligibility.maximum_age_years"),
            "isApproximate": False, "instanceType": "Range"},
        "notes": [], "cohorts": [], "instanceType": "StudyDesignPopulation"}


def _objectives(protocol: Protocol, ids: Ids) -> list[Json]:
    """One objective per endpoint level that has endpoints, holding them (the protocol file
    names endpoints, not objective texts: docs/usdm.md)."""
    out = []
    for role, level in LEVEL_NAMES.items():
        endpoints = [e for e in protocol.endpoints if e.role == role]
        if not endpoints:
            continue
        titles = "; ".join(e.title for e in endpoints)
        out.append({
            "id": ids.named("Objective", role), "extensionAttributes": [], "name": role,
            "label": f"{level} objective", "description": None,
            "text": f"{level} objective: compare the arms on {titles}",
            "dictionaryId": None, "notes": [],
            "level": ids.code("objective_level", role, field="endpoints"),
            "endpoints": [{
                "id": ids.named("Endpoint", e.id), "extensionAttributes": [], "name": e.id,
                "label": e.title, "description": e.time_frame, "text": e.definition,
                "dictionaryId": None,
                "notes": [ids.note(f"Analysis population: {e.population}"),
                          ids.note(f"Source: {e.source}")],
                "purpose": PURPOSE[e.kind],
                "level": ids.code("endpoint_level", e.role, field=f"endpoints[{e.id}].role"),
                "instanceType": "Endpoint"} for e in endpoints],
            "instanceType": "Objective"})
    return out


# --- interventions -----------------------------------------------------------------------------


def _interventions(arm: Arm, i: int, ids: Ids) -> list[Json]:
    """One study intervention per fixed drug of the arm and per option (and variant) of each
    choice group, with the role docs/usdm.md explains."""
    regimen, where = arm.regimen, f"arms[{i}].regimen"
    own_role = "experimental" if arm.type == "EXPERIMENTAL" else "active_comparator"
    out = []
    for c, component in enumerate(regimen.components):
        out.append(_intervention(ids, arm, component.drug, component.drug, own_role,
                                 [component], None, None, f"{where}.components[{c}]"))
    for g, group in enumerate(regimen.choices):
        partner = group.required_when is not None or bool(regimen.components)
        role = "additional_required" if partner else own_role
        for o, option in enumerate(group.options):
            variants: list[Schedule] = [option, *option.alternatives]
            for schedule in variants:
                out.append(_intervention(
                    ids, arm, schedule.id, schedule.label, role, list(schedule.components),
                    schedule, group.label, f"{where}.choices[{g}].options[{o}]"))
    return out


def _intervention(ids: Ids, arm: Arm, key: str, label: str, role: str,
                  components: list[DrugComponent], schedule: Schedule | None,
                  group: str | None, where: str) -> Json:
    kind = "PROCEDURE" if schedule is not None and schedule.procedure else "DRUG"
    description = f"{arm.label}: {label}" + (f" ({group})" if group else "")
    if schedule is not None and schedule.procedure is not None:
        description += f"; procedure: {schedule.procedure.name}, once"
    return {
        "id": ids.named("StudyIntervention", f"{arm.id}_{key}"),
        "extensionAttributes": extension_zh(ids, schedule.label_zh if schedule else None),
        "name": f"{arm.id}_{key}", "label": label, "description": description,
        "role": ids.code("intervention_role", role, field=where),
        "type": ids.code("intervention_type", kind, field=where),
        "minimumResponseDuration": None, "codes": [],
        "administrations": [_administration(ids, arm, c, f"{where}.components[{n}]")
                            for n, c in enumerate(components)],
        "notes": [ids.note(schedule.note)] if schedule is not None and schedule.note else [],
        "instanceType": "StudyIntervention"}


def days_text(component: DrugComponent, cycle_days: int) -> str:
    """When a drug is given in a cycle, in words (``days 1-21 of each 28-day cycle``)."""
    if component.continuous:
        return f"every day (continuous), cycles of {cycle_days} days"
    text = f"{_days(component.days or ())} of each {cycle_days}-day cycle"
    for cycle, days in sorted(component.cycle_overrides.items()):
        text += f"; cycle {cycle}: {_days(days)}"
    return text


def _days(days: tuple[int, ...]) -> str:
    return ("day " if len(days) == 1 else "days ") + _ranges(days)


def _ranges(days: tuple[int, ...]) -> str:
    parts: list[list[int]] = []
    for day in days:
        if parts and day == parts[-1][-1] + 1:
            parts[-1].append(day)
        else:
            parts.append([day])
    return ", ".join(f"{p[0]}-{p[-1]}" if len(p) > 1 else str(p[0]) for p in parts)


def _administration(ids: Ids, arm: Arm, component: DrugComponent, where: str) -> Json:
    coded_unit = component.unit.value in ("mg", "mg/m2")
    if component.dose is not None:
        amount = f"{component.dose:g} {component.unit.value}"
    else:
        amount = f"{component.dose_min:g}-{component.dose_max:g} {component.unit.value}"
    timing = days_text(component, arm.regimen.cycle_length_days)
    dose = (ids.quantity(component.dose, component.unit.value, field=f"{where}.unit")
            if component.dose is not None and coded_unit else None)
    return {
        "id": ids.new("Administration"), "extensionAttributes": [], "name": component.drug,
        "label": f"{component.drug} {amount} {component.route.value} "
                 f"{component.frequency.value}",
        "description": f"{component.drug}: {amount}, {component.route.value}, "
                       f"{component.frequency.value}, {timing}",
        "duration": {"id": ids.new("Duration"), "extensionAttributes": [], "text": timing,
                     "quantity": None, "durationWillVary": True,
                     "reasonDurationWillVary": "Given until the end of treatment",
                     "instanceType": "Duration"},
        "dose": dose,
        "route": ids.alias("route", component.route.value, field=f"{where}.route"),
        "frequency": ids.alias("frequency", component.frequency.value,
                               field=f"{where}.frequency"),
        "administrableProductId": None, "medicalDeviceId": None,
        "notes": [ids.note(f"Source: {component.source} ({component.provenance.value})")],
        "instanceType": "Administration"}
