"""Randomize the demo trial's signed-eligible patients through the real services: the list is
generated and taken live by the system (as the statistician would), and each patient is
randomized by the site's coordinator with factors pre-filled from the screening record."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from dawna.clock import simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.protocol import bundled_protocol
from dawna.services import randomization, screening
from dawna.services.access import Principal
from dawna.services.regimen_choice import required_groups, status_key
from dawna.store.audit import Actor
from dawna.store.db import Database
from dawna.store.models import Allocation, Participant, ParticipantStatus


def simulate(db: Database, settings: Settings, actor: Actor, rng: random.Random,
             coordinators: dict[int, Principal], accrual_start: date) -> int:
    """The list is generated and taken live a week before accrual starts; each participant is
    randomized one to five days after the signed eligibility decision (never after now), until
    the registry record's enrollment (80) is reached."""
    protocol = bundled_protocol()
    cfg = protocol.randomization
    if cfg is None:
        return 0
    with simulated(moment(accrual_start - timedelta(days=7), 10, settings.zone)):
        randomization.generate(db, settings, actor, "Simulated demo trial: allocation list")
        randomization.go_live(db, actor, "Simulated demo trial: go-live")
    with db.sessions() as s:
        eligible = [(p.pseudonym, p.site_id) for p in s.scalars(
            select(Participant).where(Participant.status == ParticipantStatus.ELIGIBLE)
            .order_by(Participant.consent_date, Participant.id))]
    planned = []
    for pseudonym, site_id in eligible:
        view = screening.get(db, settings, coordinators[site_id], pseudonym)
        decided = view.record.decision_date or accrual_start
        when = moment(decided + timedelta(days=rng.randint(1, 5)), 11, settings.zone)
        planned.append((when, pseudonym, site_id, view.record))
    done = 0
    target = protocol.registry.enrollment.count  # 80: the trial stops randomizing there
    for when, pseudonym, site_id, record in sorted(planned, key=lambda p: (p[0], p[1])):
        if done >= target:
            break  # later eligible participants stay eligible, not randomized (accrual closed)
        suggested = randomization.suggest_factors(record)
        factors: dict[str, str] = {}
        for f in cfg.factors:
            factors[f.name] = suggested.get(f"factor.{f.name}") or rng.choice(list(f.levels))
        choices: dict[str, Any] = {}
        key = status_key(record, record.decision_date or when.date())
        for _arm, group in required_groups(protocol, key):
            if group.required_when is not None:  # suppression: a monthly depot for the demo
                choices[group.id] = rng.choice(["goserelin", "leuprorelin"])
            else:
                choices[group.id] = rng.choice([o.id for o in group.options])
        with simulated(when):
            randomization.randomize(db, settings, coordinators[site_id], pseudonym, factors,
                                    choices)
        done += 1
    return done


def correction_story(db: Database, settings: Settings,
                     coordinators: dict[int, Principal], today: date) -> str | None:
    """Issue 18 item 3: two weeks after the first randomization, source document verification
    finds ECOG 3 (not 1) at screening; the coordinator corrects the record with that reason, the
    decision turns "not eligible", an eligibility violation opens for the investigator and the
    participant stays randomized. Returns the participant's pseudonym."""
    with db.sessions() as s:
        first = s.execute(select(Participant.pseudonym, Participant.site_id,
                                 Allocation.randomized_at)
                          .join(Allocation, Allocation.participant_id == Participant.id)
                          .order_by(Allocation.randomized_at, Allocation.id).limit(1)).first()
    if first is None:
        return None
    pseudonym, site_id, at = first
    day = min(at.date() + timedelta(days=14), today)
    current = screening.get(db, settings, coordinators[site_id], pseudonym)
    record = current.record
    data = record.model_dump(mode="json", exclude_none=True) | {"ecog": 3}
    with simulated(moment(day, 10, settings.zone)):
        screening.save(db, settings, coordinators[site_id], pseudonym,
                       screening.record_from_dict(data),
                       "Source document verification: ECOG was 3 at screening (clinic note)",
                       current.version)
    return str(pseudonym)
