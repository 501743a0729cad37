"""The demo trial's depot injections (goserelin, leuprorelin, fulvestrant) on their own clock.

Each arm A participant with a depot drug gets it from cycle 1 day 1, then on its own clock
(every 28 days after the dose given; fulvestrant days 1, 15 and 29 first: ``rules.depot``),
whatever the dalpiciclib holds and cycle delays the treatment simulation produced, so a delayed
cycle shows the depot keeping its date. A dose is usually given on its due day, sometimes one
or two days later (within the site's grace), up to the end of treatment or today. Recorded
through the service at its simulated time, so the audit trail is what a site would produce.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.rules.depot import DEPOT_SCHEDULES, depot_state
from dawna.services import treatment, tumour
from dawna.services.access import Principal
from dawna.store.db import Database
from dawna.store.models import Allocation, Participant

__all__ = ["give"]


def _due(drug: str, given: list[date], first: date) -> date:
    if not given:
        return first
    return depot_state(drug, given, given[-1]).next_due


def _people(db: Database) -> list[tuple[str, int]]:
    with db.sessions() as s:
        rows = s.execute(select(Participant.pseudonym, Participant.site_id)
                         .join(Allocation, Allocation.participant_id == Participant.id)
                         .order_by(Allocation.randomized_at)).all()
    return [(p, site) for p, site in rows]


def give(db: Database, settings: Settings, coordinators: dict[int, Principal],
         seed: str = "dawna-demo-depots") -> dict[str, int]:
    """Depot doses for every randomized participant treated with a depot drug; returns the
    number of doses and of delayed cycles during which a depot kept its date. Its own random
    stream (``seed``), so the rest of the demo is drawn as before."""
    rng = random.Random(seed)  # noqa: S311 - simulation, not security
    today = local_today(settings.zone)
    counts = {"depot_doses": 0, "holds_with_depot_on_time": 0}
    for pseudonym, site_id in _people(db):
        who = coordinators[site_id]
        view = treatment.treatment_view(db, settings, who, pseudonym)
        if view.regimen is None or not view.cycles:
            continue
        drugs = [d.drug for d in view.regimen.drugs if d.drug in DEPOT_SCHEDULES]
        if not drugs:
            continue
        result = tumour.get(db, settings, who, pseudonym).result
        last = view.cycles[-1].start_date + timedelta(days=view.regimen.cycle_length_days - 1)
        stop = min(today - timedelta(days=1), last)
        if result is not None and result.progression_date is not None:
            stop = min(stop, result.progression_date)
        first = view.cycles[0].start_date
        kept: set[date] = set()
        for drug in drugs:
            given: list[date] = []
            while True:
                due = _due(drug, given, first)
                day = due if not given or rng.random() < 0.8 else due + timedelta(
                    days=rng.randint(1, 2))
                if day > stop:
                    break
                with simulated(moment(day, 11, settings.zone)):
                    treatment.record_depot(db, settings, who, pseudonym, treatment.DepotDoseIn(
                        drug=drug, given_on=day))
                given.append(day)
                counts["depot_doses"] += 1
            kept.update(given)
        for c in view.cycles:
            delayed = c.delay_days > 0
            if delayed and any(c.planned_date <= g < c.start_date for g in kept):
                counts["holds_with_depot_on_time"] += 1
    return counts
