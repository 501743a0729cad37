"""A SUSAR in the simulated trial, so the safety work list shows its ICH E2A clocks: a
participant on treatment (the first site first, arm A before arm B) is admitted with grade 3
pneumonitis two days ago, judged related to dalpiciclib (in arm B: to the regimen's first drug)
and unexpected against its reference safety information (the protocol's ``rsi_documents``); the
initial report went to the ethics committee yesterday and the one to the authority is still due
(15 calendar days from the site's day of awareness)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.services import safety, treatment
from dawna.services.access import Principal
from dawna.store.db import Database
from dawna.store.models import Allocation, Participant

__all__ = ["recent_susar"]


def recent_susar(db: Database, settings: Settings, coordinators: dict[int, Principal]) -> None:
    today = local_today(settings.zone)
    start_day = today - timedelta(days=3)
    aware = datetime.combine(today - timedelta(days=2), time(10), tzinfo=settings.zone)
    with db.sessions() as s:
        people = s.execute(select(Participant.pseudonym, Participant.site_id)
                           .join(Allocation, Allocation.participant_id == Participant.id)
                           .where(Participant.site_id.in_(list(coordinators)))
                           .order_by(Participant.site_id, Allocation.arm,
                                     Allocation.randomized_at)).all()
    for pseudonym, site in people:
        who = coordinators[site]
        view = treatment.treatment_view(db, settings, who, pseudonym)
        if (view.status.value != "on_treatment" or view.plan is None or not view.cycles
                or view.cycles[0].start_date >= start_day):
            continue
        drugs = [d["drug"] for d in view.plan.doses]
        suspect = "dalpiciclib" if "dalpiciclib" in drugs else drugs[0]
        event = safety.AeIn.model_validate({
            "term": "Pneumonitis", "grade": 3, "start_date": start_day.isoformat(),
            "serious": True, "seriousness": ["hospitalisation"], "aware_at": aware.isoformat(),
            "relatedness": {d: "related" if d == suspect else "not_related" for d in drugs},
            "expectedness": "unexpected", "action_taken": "drug_interrupted",
            "outcome": "not_recovered",
            "description": "Simulated: dyspnoea and dry cough; chest CT shows bilateral "
                           "ground-glass opacities; no infection found"})
        with simulated(aware + timedelta(hours=1)):
            number = safety.record_ae(db, settings, who, pseudonym, event)
            safety.report_sae(db, settings, who, pseudonym, number)
        yesterday = today - timedelta(days=1)
        with simulated(datetime.combine(yesterday, time(11), tzinfo=settings.zone)):
            safety.record_susar_report(db, settings, who, pseudonym, number,
                                       safety.SusarReportIn(
                                           kind="initial", recipient="ethics_committee",
                                           sent_on=yesterday, reference="Simulated"))
        return
