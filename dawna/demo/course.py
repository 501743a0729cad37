"""The simulated demo trial's course after randomization (settings in ``dawna/demo/trial.yaml``,
``course:``): first dose a few days after randomization, end of treatment at the progression the
tumour simulation produced, survival follow-up contacts every protocol interval with subsequent
therapy and deaths, a withdrawal of consent, and re-consent to the newer consent form version by
most participants still active when it was approved. Everything goes through the services at
its simulated time, so the dashboard, the audit trail and the CONSORT counts are what a site
would produce.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import select

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.protocol import bundled_protocol
from dawna.rules.lifecycle import State
from dawna.services import follow_up, lifecycle, tumour
from dawna.services.access import Principal
from dawna.store.db import Database
from dawna.store.models import Allocation, Consent, Participant

THERAPIES = ["capecitabine", "eribulin", "fulvestrant", "paclitaxel", "everolimus + exemestane",
             "vinorelbine"]


def _randomized(db: Database, settings: Settings) -> list[tuple[str, int, date]]:
    with db.sessions() as s:
        rows = s.execute(select(Participant.pseudonym, Participant.site_id,
                                Allocation.randomized_at)
                         .join(Allocation, Allocation.participant_id == Participant.id)
                         .order_by(Allocation.randomized_at)).all()
    return [(p, site, at.astimezone(settings.zone).date()) for p, site, at in rows]


def _progression(db: Database, settings: Settings, who: Principal, pseudonym: str
                 ) -> tuple[date | None, date | None]:
    view = tumour.get(db, settings, who, pseudonym)
    if view.result is None:
        return None, None
    last = view.result.timepoints[-1].date if view.result.timepoints else None
    return view.result.progression_date, last


def finish(db: Database, settings: Settings, cfg: dict[str, Any], rng: random.Random,
           coordinators: dict[int, Principal]) -> int:
    """End of treatment at progression, survival contacts, deaths, one withdrawal, and
    re-consents; returns the number of follow-up contacts entered."""
    today = local_today(settings.zone)
    interval = int(bundled_protocol().setting_number("survival_follow_up_interval_weeks")) * 7
    contacts = 0
    withdrawals = int(cfg["withdrawals"])
    for pseudonym, site_id, _randomized_on in _randomized(db, settings):
        who = coordinators[site_id]
        with db.sessions() as s:
            status = State(s.scalars(select(Participant.status).where(
                Participant.pseudonym == pseudonym)).one())
        if status is not State.ON_TREATMENT:
            continue
        progressed, last_scan = _progression(db, settings, who, pseudonym)
        if progressed is None:
            with db.sessions() as s:
                person = s.scalars(select(Participant).where(
                    Participant.pseudonym == pseudonym)).one()
                last_visit = lifecycle.latest_visit(s, person)
            last = max(d for d in (last_scan, last_visit) if d is not None) \
                if last_scan is not None else None
            if withdrawals and last is not None and last + timedelta(days=10) < today:
                withdrawals -= 1
                on = last + timedelta(days=rng.randint(3, 10))
                with simulated(moment(on, 11, settings.zone)):
                    lifecycle.withdraw(db, settings, who, pseudonym, on,
                                       "Simulated: moved to another city, declines further "
                                       "visits")
            continue
        eot = progressed + timedelta(days=rng.randint(2, 9))
        if eot >= today:
            continue
        with simulated(moment(eot, 15, settings.zone)):
            lifecycle.end_treatment(db, settings, who, pseudonym, eot, "progression")
        contact = eot
        therapy_recorded = False
        while True:
            contact = contact + timedelta(days=interval + rng.randint(-5, 5))
            if contact >= today:
                break
            data: dict[str, Any] = {"contact_date": contact.isoformat(), "vital_status": "alive"}
            if not therapy_recorded and rng.random() < cfg["subsequent_therapy"]:
                therapy_recorded = True
                data["subsequent_therapy"] = [{"name": rng.choice(THERAPIES), "start_date": (
                    eot + timedelta(days=rng.randint(7, 30))).isoformat()}]
            if rng.random() < cfg["death_per_contact"]:
                data.update(vital_status="dead", death_cause="breast cancer",
                            death_date=(contact - timedelta(days=rng.randint(1, 20))).isoformat())
                with db.sessions() as s:
                    person = s.scalars(select(Participant).where(
                        Participant.pseudonym == pseudonym)).one()
                    last_visit = lifecycle.latest_visit(s, person) or eot
                floor = max(eot + timedelta(days=1), last_visit)
                if floor > contact:  # data recorded after this contact: alive at it
                    data.update(vital_status="alive", death_cause=None, death_date=None)
                elif date.fromisoformat(data["death_date"]) < floor:
                    data["death_date"] = floor.isoformat()
            with simulated(moment(contact, 16, settings.zone)):
                follow_up.record_contact(db, settings, who, pseudonym,
                                         follow_up.ContactIn.model_validate(data))
            contacts += 1
            if data["vital_status"] == "dead":
                break
    _reconsent(db, settings, cfg, rng, coordinators, today)
    return contacts


def _reconsent(db: Database, settings: Settings, cfg: dict[str, Any], rng: random.Random,
               coordinators: dict[int, Principal], today: date) -> None:
    """Participants active when a newer version was approved re-consent at a later visit,
    except a share who are still due (so the dashboard shows the list)."""
    with db.sessions() as s:
        versions = lifecycle.consent_versions(s)
        if len(versions) < 2:
            return
        newest = versions[-1]
        rows = s.execute(select(Participant.pseudonym, Participant.site_id, Participant.status,
                                Consent.version)
                         .join(Consent, Consent.participant_id == Participant.id)
                         .order_by(Participant.id)).all()
    signed: dict[str, tuple[int, State, str]] = {}
    for pseudonym, site_id, status, version in rows:
        signed[pseudonym] = (site_id, State(status), version)
    for pseudonym, (site_id, status, version) in signed.items():
        if version == newest.version or status in (State.END_OF_STUDY, State.SCREEN_FAILED):
            continue
        if rng.random() >= cfg["reconsent_share"]:
            continue
        on = newest.approved + timedelta(days=rng.randint(14, 60))
        if on >= today:
            continue
        with simulated(moment(on, 10, settings.zone)):
            lifecycle.record_consent(db, settings, coordinators[site_id], pseudonym,
                                     newest.version, on, time(10, 30), "Simulated study nurse")
