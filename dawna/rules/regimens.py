"""A participant's regimen from the protocol file, and the treatment calendar.

Sources: the protocol file's ``arms[].regimen`` (registry record NCT05861830 arm texts and
``docs/domain.md`` §5), ``site_settings`` ``tumour_assessment_interval_weeks`` /
``tumour_assessment_window_days`` (domain.md §2: every 8 weeks ± 7 days from randomization,
site decision) and the palbociclib label's blood-count schedule (§5.1 / §2.2: "prior to the
start of therapy and at the beginning of each cycle, as well as on Day 15 of the first 2
cycles"), used for dalpiciclib as the class standard (domain.md §5).

A regimen id names the arm and the chosen option ids, in the protocol's group order:
``A:letrozole``, ``A:fulvestrant+goserelin``, ``B:weekly_paclitaxel``; a physician-entered arm B
regimen (registry "not limited to") is ``B:physician_entered`` and has no drugs: its calendar
holds the visits, blood counts and tumour assessments only.

Formulas and computed doses are in :mod:`dawna.rules.dose_formulas`, dose modification in
:mod:`dawna.rules.dose_modification`, the calendar in :mod:`dawna.rules.treatment_calendar`; their
names are re-exported here (the services' one door to the treatment rules).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dawna.protocol import Protocol
from dawna.protocol.regimen import ChoiceGroup, DrugComponent, Schedule
from dawna.protocol.regimen import Modification as ProtocolModification
from dawna.rules.dose_formulas import (
    ComputedDose,
    PatientMeasures,
    body_surface_area_m2,
    carboplatin_dose_mg,
    check_dose_on_levels,
    compute_doses,
    creatinine_clearance_ml_min,
)
from dawna.rules.dose_modification import (
    CHEMO_REDUCTION_PERCENT,
    Action,
    Proposal,
    Toxicity,
    chemotherapy_factor,
    propose_chemotherapy,
    propose_dalpiciclib,
)
from dawna.rules.messages import N_, Message
from dawna.rules.regimen_model import (
    PHYSICIAN_ENTERED,
    DosingError,
    Modification,
    PlannedDrug,
    Regimen,
)
from dawna.rules.treatment_calendar import (
    CalendarEvent,
    LabRule,
    build_calendar,
    cycle_starts,
    default_lab_rule,
)

__all__ = [
    "CHEMO_REDUCTION_PERCENT",
    "PHYSICIAN_ENTERED",
    "Action",
    "CalendarEvent",
    "ComputedDose",
    "DosingError",
    "LabRule",
    "PatientMeasures",
    "PlannedDrug",
    "Proposal",
    "Regimen",
    "RegimenSettings",
    "Toxicity",
    "body_surface_area_m2",
    "build_calendar",
    "carboplatin_dose_mg",
    "check_dose_on_levels",
    "chemotherapy_factor",
    "choices_from_stored",
    "compute_doses",
    "creatinine_clearance_ml_min",
    "cycle_starts",
    "default_lab_rule",
    "propose_chemotherapy",
    "propose_dalpiciclib",
    "regimen_from_id",
    "regimen_ids",
    "regimen_settings",
    "resolve_regimen",
]

def _planned(component: DrugComponent, rules: Iterable[ProtocolModification] = ()
             ) -> PlannedDrug:
    rule = next((r for r in rules if r.drug == component.drug), None)
    return PlannedDrug(
        drug=component.drug, dose=component.dose, dose_min=component.dose_min,
        dose_max=component.dose_max, unit=component.unit.value, route=component.route.value,
        frequency=component.frequency.value,
        days=None if component.continuous else tuple(component.days or ()),
        cycle_overrides={cycle: tuple(days) for cycle, days in component.cycle_overrides.items()},
        dose_levels=(tuple(component.dose_levels.levels) if component.dose_levels else None),
        source=component.source, provenance=component.provenance.value, note=component.note,
        modification=None if rule is None else Modification(
            rule.rule, rule.table, tuple(rule.count_days), rule.source, rule.provenance.value))


def _schedules(group: ChoiceGroup) -> Iterable[Schedule]:
    for option in group.options:
        yield option
        yield from option.alternatives


def _find(group: ChoiceGroup, option_id: str) -> Schedule | None:
    return next((s for s in _schedules(group) if s.id == option_id), None)


def resolve_regimen(protocol: Protocol, arm_id: str, choices: Mapping[str, str]) -> Regimen:
    """The regimen of a participant of ``arm_id`` with ``choices`` {choice group id: option or
    alternative id}.

    The arm's fixed components (dalpiciclib) always come first, then each group's choice in the
    protocol's order. A group with ``required_when`` (ovarian function suppression) may be left
    out; any other unanswered group, an unknown option or ``physician_entered`` where the group
    does not allow it is refused naming the group. Groups of the protocol's other arms and their
    ``<group>_text`` keys (as stored at randomization) are ignored; other keys are refused.
    """
    arm = next((a for a in protocol.arms if a.id == arm_id), None)
    if arm is None:
        raise DosingError("arm", Message(N_("{arm} is not an arm of the protocol"),
                                         {"arm": arm_id}))
    known = {g.id for a in protocol.arms for g in a.regimen.choices}
    for key in choices:
        if key not in known and not (key.endswith("_text") and key[:-5] in known):
            raise DosingError(key, Message(N_("not a choice group of the protocol")))
    drugs = [_planned(c) for c in arm.regimen.components]
    procedures: list[str] = []
    chosen_ids: list[str] = []
    labels = [c.drug.capitalize() for c in arm.regimen.components]
    entered = False
    for group in arm.regimen.choices:
        value = (choices.get(group.id) or "").strip()
        if not value:
            if group.required_when is not None:
                continue
            raise DosingError(group.id, Message(N_("choose one of the options of {group}"),
                                                {"group": group.label}))
        if value == PHYSICIAN_ENTERED:
            if not group.physician_entered_allowed:
                raise DosingError(group.id, Message(
                    N_("{group} must be one of the listed options"), {"group": group.label}))
            entered = True
            chosen_ids.append(value)
            labels.append("physician-entered regimen")
            continue
        schedule = _find(group, value)
        if schedule is None:
            raise DosingError(group.id, Message(
                N_("{value} is not an option of {group} ({options})"),
                {"value": value, "group": group.label,
                 "options": ", ".join(s.id for s in _schedules(group))}))
        chosen_ids.append(schedule.id)
        labels.append(schedule.label)
        drugs.extend(_planned(c, schedule.modification) for c in schedule.components)
        if schedule.procedure is not None:
            procedures.append(schedule.procedure.name)
    return Regimen(id=f"{arm.id}:{'+'.join(chosen_ids)}", arm=arm.id,
                   cycle_length_days=arm.regimen.cycle_length_days, drugs=tuple(drugs),
                   procedures=tuple(procedures), label=f"{arm.label}: {' + '.join(labels)}",
                   physician_entered=entered)


def choices_from_stored(stored: Mapping[str, Mapping[str, str]], arm_id: str) -> dict[str, str]:
    """The choices of ``arm_id`` from the randomization record's ``regimen_choices``
    (``{group_id: {"arm": "A", "option": option_id, "label": ...}}``, see
    :mod:`dawna.services.regimen_choice`), for :func:`resolve_regimen`."""
    return {group: str(entry["option"]) for group, entry in stored.items()
            if entry.get("arm") == arm_id and entry.get("option")}


def regimen_from_id(protocol: Protocol, regimen_id: str) -> Regimen:
    """The regimen named ``ARM:OPTION[+OPTION...]`` (option or alternative ids of the arm's
    choice groups, in any order; the arm's fixed drugs may be named too and are ignored), e.g.
    ``A:goserelin+fulvestrant`` → ``A:fulvestrant+goserelin``. For ``dawna calendar --regimen``
    without a database."""
    arm_id, sep, rest = regimen_id.strip().partition(":")
    arm = next((a for a in protocol.arms if a.id == arm_id.strip()), None)
    if not sep or arm is None:
        raise DosingError("regimen", Message(
            N_("{value} is not a regimen id: ARM:OPTION[+OPTION], e.g. {example}"),
            {"value": regimen_id, "example": "A:fulvestrant+goserelin"}))
    fixed = {c.drug for c in arm.regimen.components}
    choices: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in rest.split("+"))):
        if part in fixed:
            continue
        groups = [g for g in arm.regimen.choices
                  if _find(g, part) is not None
                  or (part == PHYSICIAN_ENTERED and g.physician_entered_allowed)]
        if not groups:
            raise DosingError("regimen", Message(
                N_("{value} is not an option of arm {arm}"), {"value": part, "arm": arm.id}))
        group = groups[0]
        if group.id in choices:
            raise DosingError("regimen", Message(
                N_("{first} and {second} are both options of {group}: choose one"),
                {"first": choices[group.id], "second": part, "group": group.label}))
        choices[group.id] = part
    return resolve_regimen(protocol, arm.id, choices)


def regimen_ids(protocol: Protocol) -> list[str]:
    """Every regimen id with one option (or alternative) per required group, and none or one
    per conditional group (OFS), in protocol order; ``physician_entered`` where allowed."""
    out: list[str] = []
    for arm in protocol.arms:
        per_group: list[list[str | None]] = []
        for group in arm.regimen.choices:
            ids: list[str | None] = [s.id for s in _schedules(group)]
            if group.physician_entered_allowed:
                ids.append(PHYSICIAN_ENTERED)
            per_group.append([None, *ids] if group.required_when is not None else ids)
        for combo in itertools.product(*per_group):
            out.append(f"{arm.id}:{'+'.join(i for i in combo if i is not None)}")
    return out


@dataclass(frozen=True)
class RegimenSettings:
    """The protocol's calendar and dosing settings (defaults: domain.md §2, §5)."""

    assessment_interval_weeks: int = 8
    assessment_window_days: int = 7
    carboplatin_gfr_cap: float = 125.0


def regimen_settings(protocol: Protocol) -> RegimenSettings:
    """``tumour_assessment_interval_weeks``, ``tumour_assessment_window_days`` and
    ``carboplatin_gfr_cap`` from the protocol's site settings (defaults when absent);
    ``bsa_formula`` other than ``mosteller`` is refused (the only one implemented)."""
    settings = protocol.site_settings
    bsa = settings.get("bsa_formula")
    if bsa is not None and str(bsa.value).lower() != "mosteller":
        raise DosingError("bsa_formula", Message(N_("{value} is not supported: use mosteller"),
                                                 {"value": str(bsa.value)}))
    default = RegimenSettings()

    def get(name: str, fallback: float) -> float:
        return protocol.setting_number(name) if name in settings else fallback

    return RegimenSettings(
        assessment_interval_weeks=int(get("tumour_assessment_interval_weeks",
                                          default.assessment_interval_weeks)),
        assessment_window_days=int(get("tumour_assessment_window_days",
                                       default.assessment_window_days)),
        carboplatin_gfr_cap=get("carboplatin_gfr_cap", default.carboplatin_gfr_cap))
