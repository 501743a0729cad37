"""Two records the demo trial holds so the analysis windows can be seen at work (issue 18 items
9 and 10), entered through the services like any site data once the course is simulated:

- a tumour scan after a new anticancer therapy: a participant in survival follow-up whose
  follow-up contact records a subsequent therapy gets one more assessment a few weeks after that
  therapy started, with the target lesions shrinking; it is stored and shown on the tumour page
  but counts for no response endpoint (``dawna.analysis.adam_response``);
- an adverse event after the treatment-emergent window: a participant whose treatment ended,
  alive and preferably without a new therapy by then, reports fatigue starting 40 days after
  the end of treatment (so more than 30 days after the last dose,
  ``treatment_emergent_days_after_last_dose``);
  it is stored on the safety page but is not treatment-emergent and stays out of the safety and
  registry tables.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.rules.lifecycle import State
from dawna.services import safety, tumour
from dawna.services.access import Principal
from dawna.store.db import Database
from dawna.store.models import FollowUpContact, Participant, StatusEvent, TreatmentPlan

__all__ = ["AE_AFTER_WINDOW", "AE_DAYS_AFTER_END", "SCAN_AFTER_THERAPY", "add"]

AE_DAYS_AFTER_END = 40
AE_AFTER_WINDOW = "Simulated: fatigue reported at a survival follow-up visit, after the " \
    "treatment-emergent window"
SCAN_AFTER_THERAPY = "scan_after_new_therapy"


def _therapy_start(contacts: list[FollowUpContact]) -> date | None:
    starts = [date.fromisoformat(str(t["start_date"])) for c in contacts
              for t in c.subsequent_therapy or [] if t.get("start_date")]
    return min(starts) if starts else None


def _follow_up(db: Database) -> list[dict[str, Any]]:
    """Participants alive after their end of treatment: pseudonym, site, end of treatment, first
    subsequent therapy start, the drugs of the plan."""
    out = []
    with db.sessions() as s:
        people = s.scalars(select(Participant).where(Participant.status.in_(
            (State.END_OF_TREATMENT.value, State.FOLLOW_UP.value))).order_by(
            Participant.id)).all()
        for p in people:
            ended = s.scalar(select(StatusEvent.event_date).where(
                StatusEvent.participant_id == p.id, StatusEvent.event == "treatment_ended"))
            contacts = list(s.scalars(select(FollowUpContact).where(
                FollowUpContact.participant_id == p.id)))
            plan = s.scalar(select(TreatmentPlan).where(TreatmentPlan.participant_id == p.id))
            if ended is None or plan is None or any(c.vital_status != "alive" for c in contacts):
                continue
            out.append({"pseudonym": p.pseudonym, "site": p.site_id, "ended": ended,
                        "therapy": _therapy_start(contacts),
                        "drugs": [str(d["drug"]) for d in plan.doses]})
    return out


def _scan_after_therapy(db: Database, settings: Settings, readers: dict[int, Principal],
                        candidates: list[dict[str, Any]], today: date) -> str | None:
    for c in candidates:
        if c["therapy"] is None:
            continue
        reader = readers[c["site"]]
        view = tumour.get(db, settings, reader, c["pseudonym"])
        if view.baseline is None or not view.assessments:
            continue
        last = view.assessments[-1].assessment
        day = max(c["therapy"] + timedelta(days=28), last.date + timedelta(days=28))
        if day >= today:
            continue
        targets = [lesion for lesion in view.baseline.lesions if lesion.target]
        visit = {"date": day.isoformat(),
                 "target": {t.id: round((t.diameter_mm or 10) * 0.5, 1) for t in targets},
                 "non_target": {n.id: "present" for n in view.baseline.lesions
                                if not n.target},
                 "new_lesions": "no"}
        with simulated(moment(day + timedelta(days=1), 15, settings.zone)):
            tumour.save_assessment(db, settings, reader, c["pseudonym"],
                                   tumour.parse_assessment(visit))
        return str(c["pseudonym"])
    return None


def _ae_after_window(db: Database, settings: Settings, coordinators: dict[int, Principal],
                     candidates: list[dict[str, Any]], today: date,
                     taken: str | None) -> str | None:
    def fits(c: dict[str, Any], without_therapy: bool) -> bool:
        stop = c["ended"] + timedelta(days=AE_DAYS_AFTER_END + 4)
        return c["pseudonym"] != taken and stop < today and not (
            without_therapy and c["therapy"] is not None and c["therapy"] <= stop)

    # preferably someone without a new therapy by then (only the 30-day rule excludes it)
    ordered = [c for c in candidates if fits(c, True)] + [
        c for c in candidates if fits(c, False) and not fits(c, True)]
    for c in ordered:
        start = c["ended"] + timedelta(days=AE_DAYS_AFTER_END)
        stop = start + timedelta(days=4)
        data = {"term": "Fatigue", "grade": 1, "start_date": start.isoformat(),
                "stop_date": stop.isoformat(), "outcome": "recovered",
                "action_taken": "not_applicable", "description": AE_AFTER_WINDOW,
                "relatedness": dict.fromkeys(c["drugs"], "not_related")}
        with simulated(moment(stop, 17, settings.zone)):
            safety.record_ae(db, settings, coordinators[c["site"]], c["pseudonym"],
                             safety.AeIn.model_validate(data))
        return str(c["pseudonym"])
    return None


def add(db: Database, settings: Settings, coordinators: dict[int, Principal],
        readers: dict[int, Principal]) -> dict[str, str | None]:
    """Enter the two cases (module docstring); returns the participant of each (None when the
    simulated trial, e.g. a very small one, has nobody who fits)."""
    today = local_today(settings.zone)
    candidates = _follow_up(db)
    scanned = _scan_after_therapy(db, settings, readers, candidates, today)
    return {SCAN_AFTER_THERAPY: scanned,
            "ae_after_window": _ae_after_window(db, settings, coordinators, candidates, today,
                                                scanned)}
