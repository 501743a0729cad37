"""The demo trial's protocol deviation log (issue 20 item 6): the detection rules run over the
simulated data (blood counts missed, tumour assessments out of their windows; the eligibility
violation of the correction story is already there), the sites record a few deviations no
rule finds (a late re-consent, capsules missed while travelling, a visit moved by a public
holiday, a sample stored at the wrong temperature), and the investigators acknowledge about
half of what is open, the oldest first. Through the services, so the audit trail holds each
step.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from dawna.clock import simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.rules.deviation_rules import Category, Importance
from dawna.services import deviation_detect, deviation_log
from dawna.services.access import Principal
from dawna.store.db import Database
from dawna.store.models import Participant, TreatmentCycle

__all__ = ["log"]

#: (category, importance, description, action taken, day of the participant's cycle 2)
_ENTERED = (
    (Category.CONSENT, Importance.IMPORTANT,
     "Re-consent to the amended consent form obtained 12 days after the version was approved; "
     "study procedures of cycle 2 done before the re-consent",
     "Re-consent obtained; ethics committee informed; staff retrained on re-consent", 3),
    (Category.DOSE, Importance.NOT_IMPORTANT,
     "Participant did not take the oral study drug on 3 days of cycle 2 while travelling "
     "(diary checked at the next visit)",
     "Participant re-educated on the dosing diary; no dose change", 9),
    (Category.VISIT_WINDOW, Importance.NOT_IMPORTANT,
     "Cycle 2 day 1 visit moved by 2 days because of the Spring Festival holiday",
     "None needed; the next cycles planned around public holidays", 1),
    (Category.OTHER, Importance.NOT_IMPORTANT,
     "Plasma sample for the exploratory biomarker stored at -20 °C instead of -80 °C for 6 "
     "hours (freezer failure)",
     "Sample flagged for the central laboratory; freezer alarm repaired", 2),
)


def _second_cycles(db: Database) -> list[tuple[str, int, date]]:
    with db.sessions() as s:
        rows = s.execute(select(Participant.pseudonym, Participant.site_id,
                                TreatmentCycle.start_date)
                         .join(TreatmentCycle, TreatmentCycle.participant_id == Participant.id)
                         .where(TreatmentCycle.cycle == 2)
                         .order_by(TreatmentCycle.start_date, Participant.id)).all()
    return [(str(p), int(site), day) for p, site, day in rows]


def log(db: Database, settings: Settings, coordinators: dict[int, Principal],
        investigators: dict[int, Principal]) -> int:
    """Detect, record, acknowledge; returns the number of deviations in the log."""
    for who in coordinators.values():
        deviation_detect.detect(db, settings, who)
    people = _second_cycles(db)
    step = max(1, len(people) // (len(_ENTERED) + 1))
    for (category, importance, text, action, day), (pseudonym, site, start) in zip(
            _ENTERED, people[step::step], strict=False):
        when = start + timedelta(days=day - 1)
        with simulated(moment(when + timedelta(days=2), 11, settings.zone)):
            deviation_log.record(db, settings, coordinators[site], pseudonym,
                                 deviation_log.DeviationIn(
                                     category=category, occurred_on=when, description=text,
                                     importance=importance, action_taken=action))
    sites = _sites(db)
    everyone = {r.id: r for who in investigators.values()
                for r in deviation_log.listing(db, who)}
    open_rows = sorted((r for r in everyone.values()
                        if r.open and r.kind != "eligibility_violation"),
                       key=lambda r: (r.occurred_on, r.id))
    for r in open_rows[: len(open_rows) // 2]:  # today: after the detection that opened them
        deviation_log.acknowledge(
            db, settings, investigators[sites[r.pseudonym]], r.pseudonym, r.id,
            "Reviewed with the coordinator; the participant's safety was not affected",
            action_taken=r.action_taken or "Noted in the site file; staff reminded of the "
            "schedule")
    return len(everyone)


def _sites(db: Database) -> dict[str, int]:
    with db.sessions() as s:
        return {str(p): int(site) for p, site in s.execute(
            select(Participant.pseudonym, Participant.site_id))}
