"""The schedule of activities of the USDM 4.0 export, from ``schedule:`` of the protocol file
(``dawna/protocol/schedule.py``): activities (one per case report form), encounters (one per
visit), the main schedule timeline with one scheduled activity instance and one timing per
visit, and conditions for visits that only some arms have.

Sources: CDISC USDM 4.0 (DDF-RA v4.0.0: ScheduleTimeline, ScheduledActivityInstance, Timing with
``relativeFromScheduledInstanceId`` / ``relativeToScheduledInstanceId`` and an ISO 8601 window,
Encounter, Activity, Condition); the timing values and windows are the protocol's site settings
(``window_before`` / ``window_after`` in days, ``every`` in weeks), never copied numbers.
How a repeat (every cycle, every 8 weeks, after the previous contact, a depot's own clock) is
written is in ``docs/usdm.md``: USDM 4.0 has no repeat attribute, so the repeat is the timing's
description and the first occurrence is timed.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

from dawna.exports.usdm_codes import Ids
from dawna.exports.usdm_design import EPOCHS

if TYPE_CHECKING:
    from dawna.protocol.schedule import Visit
    from dawna.protocol.schema import Protocol

__all__ = ["Schedule", "schedule_parts"]

Json = dict[str, Any]

ANCHOR_TEXT = {
    "consent": "informed consent", "eligibility": "the signed eligible decision",
    "randomization": "randomization", "treatment_start": "treatment start (cycle 1 day 1)",
    "end_of_treatment": "the end of treatment",
}
# The visit whose instance an anchor's date is, and how the timing runs from it: the eligible
# decision closes screening, so a visit anchored on it starts at the end of the screening visit.
ANCHOR_VISIT = {"consent": ("screening", "start_to_start"),
                "eligibility": ("screening", "end_to_start"),
                "randomization": ("randomization", "start_to_start"),
                "treatment_start": ("treatment_start", "start_to_start"),
                "end_of_treatment": ("end_of_treatment", "start_to_start")}
UNTIL_TEXT = {"end_of_treatment": "until the end of treatment",
              "progression_or_end_of_study": "until progression or the end of the study",
              "end_of_study": "until the end of the study"}


class Schedule:
    def __init__(self) -> None:
        self.activities: list[Json] = []
        self.encounters: list[Json] = []
        self.timelines: list[Json] = []
        self.conditions: list[Json] = []


def schedule_parts(protocol: Protocol, ids: Ids, epoch_ids: dict[str, str]) -> Schedule:
    """The schedule of activities (empty when the protocol file declares none)."""
    out = Schedule()
    schedule = protocol.schedule
    if schedule is None:
        return out
    forms = list(dict.fromkeys(f for v in schedule.visits for f in v.forms))
    activity_id = {form: ids.named("Activity", form)
                   for form in forms + list(schedule.unscheduled)}
    for form, made in activity_id.items():
        out.activities.append({
            "id": made, "extensionAttributes": [], "name": form,
            "label": form.replace("_", " ").capitalize(),
            "description": ("Event-driven form: recorded when the event occurs, never due"
                            if form in schedule.unscheduled else None),
            "previousId": None, "nextId": None, "childIds": [], "definedProcedures": [],
            "biomedicalConceptIds": [], "bcCategoryIds": [], "bcSurrogateIds": [],
            "timelineId": None, "notes": [], "instanceType": "Activity"})
    _chain(out.activities)
    epoch_of = {anchor: epoch_ids[key] for key, _label, anchors in EPOCHS for anchor in anchors}
    visit_ids = {v.id for v in schedule.visits}
    instance_id = {v.id: ids.named("ScheduledActivityInstance", v.id) for v in schedule.visits}
    exit_id = ids.named("ScheduleTimelineExit", "main")
    timings, instances = [], []
    arm_labels = {arm.id: arm.label for arm in protocol.arms}
    for n, visit in enumerate(schedule.visits):
        timing = _timing(ids, protocol, visit, instance_id, visit_ids)
        timings.append(timing)
        out.encounters.append({
            "id": ids.named("Encounter", visit.id), "extensionAttributes": [],
            "name": visit.id, "label": visit.label, "description": visit.source,
            "type": ids.code("encounter_type", "visit", field=f"schedule.visits[{n}]"),
            "previousId": None, "nextId": None, "scheduledAtId": timing["id"],
            "environmentalSettings": [], "contactModes": [], "transitionStartRule": None,
            "transitionEndRule": None, "notes": [], "instanceType": "Encounter"})
        last = n == len(schedule.visits) - 1
        instances.append({
            "id": instance_id[visit.id], "extensionAttributes": [], "name": visit.id,
            "label": visit.label, "description": timing["description"],
            "defaultConditionId": None if last else instance_id[schedule.visits[n + 1].id],
            "epochId": epoch_of[visit.anchor], "timelineId": None,
            "timelineExitId": exit_id if last else None,
            "activityIds": [activity_id[f] for f in visit.forms],
            "encounterId": out.encounters[-1]["id"],
            "instanceType": "ScheduledActivityInstance"})
        if visit.arms and set(visit.arms) != set(arm_labels):
            names = ", ".join(arm_labels[a] for a in visit.arms)
            out.conditions.append({
                "id": ids.named("Condition", visit.id), "extensionAttributes": [],
                "name": f"{visit.id}_arms", "label": f"{visit.label}: {names}",
                "description": None,
                "text": f"Only for participants randomized to {names}"
                        + (" whose plan has a depot drug" if visit.repeat == "depot" else ""),
                "dictionaryId": None, "notes": [], "contextIds": [instance_id[visit.id]],
                "appliesToIds": [instance_id[visit.id]], "instanceType": "Condition"})
    _chain(out.encounters)
    first = schedule.visits[0]
    out.timelines.append({
        "id": ids.named("ScheduleTimeline", "main"), "extensionAttributes": [], "name": "main",
        "label": "Schedule of activities", "description": schedule.source,
        "mainTimeline": True,
        "entryCondition": f"Participant gives {ANCHOR_TEXT[first.anchor]}"
        if first.anchor == "consent" else f"From {ANCHOR_TEXT[first.anchor]}",
        "entryId": instance_id[first.id],
        "exits": [{"id": exit_id, "extensionAttributes": [],
                   "instanceType": "ScheduleTimelineExit"}],
        "timings": timings, "instances": instances, "plannedDuration": None,
        "instanceType": "ScheduleTimeline"})
    return out


def _chain(items: list[Json]) -> None:
    for a, b in pairwise(items):
        a["nextId"], b["previousId"] = b["id"], a["id"]


def _days(protocol: Protocol, name: str | None) -> int | None:
    return None if name is None else round(protocol.setting_number(name))


def _timing(ids: Ids, protocol: Protocol, visit: Visit, instance_id: dict[str, str],
            visit_ids: set[str]) -> Json:
    """The timing of a visit's first occurrence from its anchor, with the window and the
    repeat in words."""
    target, relation = ANCHOR_VISIT[visit.anchor]
    if target not in visit_ids:  # a schedule without that visit: timed from itself
        target, relation = visit.id, "start_to_start"
    fixed = target == visit.id and visit.day == 0
    kind = "fixed" if fixed else ("before" if visit.day < 0 else "after")
    before, after = _days(protocol, visit.window_before), _days(protocol, visit.window_after)
    window = before is not None or after is not None
    label = f"Day {visit.day} from {ANCHOR_TEXT[visit.anchor]}"
    return {
        "id": ids.named("Timing", visit.id), "extensionAttributes": [], "name": visit.id,
        "label": visit.label, "description": f"{label}{_repeat_text(protocol, visit)}",
        "type": ids.code("timing_type", kind, field=f"schedule.visits.{visit.id}"),
        "value": f"P{abs(visit.day)}D", "valueLabel": label,
        "relativeToFrom": ids.code("timing_relative", relation,
                                   field=f"schedule.visits.{visit.id}"),
        "relativeFromScheduledInstanceId": instance_id[visit.id],
        "relativeToScheduledInstanceId": instance_id[target],
        "windowLower": f"P{before or 0}D" if window else None,
        "windowUpper": f"P{after}D" if after is not None else None,
        "windowLabel": _window_label(before, after) if window else None,
        "instanceType": "Timing"}


def _window_label(before: int | None, after: int | None) -> str:
    if after is None:
        return f"-{before or 0} days, then open until entered"
    return f"-{before or 0}..+{after} days"


def _repeat_text(protocol: Protocol, visit: Visit) -> str:
    until = UNTIL_TEXT[visit.until]
    if visit.repeat == "cycle":
        lengths = ", ".join(f"{protocol.arm(a).label} {protocol.arm(a).regimen.cycle_length_days}"
                            f" days" for a in visit.arms)
        return f"; repeated on day 1 of every cycle ({lengths}) {until}"
    if visit.repeat in ("interval", "after_previous"):
        weeks = _days(protocol, visit.every)
        since = "from the anchor" if visit.repeat == "interval" else "after the previous visit"
        return f"; repeated every {weeks} weeks {since} {until}"
    if visit.repeat == "depot":
        return f"; repeated on each depot drug's own clock from the dose given {until}"
    return ""
