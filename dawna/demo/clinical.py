"""The demo trial's clinical forms (issue 21 items 1-4), for every randomized participant, drawn
from their own random stream so the rest of the demo is unchanged:

- medical history: one to three baseline conditions (common in women over 50 in China);
- a screening ECG and screening vital signs (height and the plan's dosing weight, or a drawn
  one before a plan) a few days after consent; then vital signs at every cycle's day 1 (weight
  drifting a little, afebrile), and an ECG at cycle 2;
- concomitant medications: an antiemetic or a proton-pump inhibitor from cycle 1, calcium for
  some; every ninth participant lost weight (≥ 10 % at the last cycle: the dose recompute
  prompt), and every eleventh took clarithromycin for a week during treatment (a strong CYP3A
  inhibitor: flagged, a prohibited-medication deviation).

Recorded through the services at their simulated times, so the audit trail is what a site
would produce.
"""

from __future__ import annotations

import random
from contextlib import AbstractContextManager
from datetime import date, timedelta

from sqlalchemy import select

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.services import clinical, treatment
from dawna.services.access import Principal
from dawna.store.db import Database
from dawna.store.models import Allocation, Participant

__all__ = ["fill"]

CONDITIONS = (("Hypertension", "I10"), ("Type 2 diabetes mellitus", "E11"),
              ("Hyperlipidaemia", "E78.5"), ("Hypothyroidism", "E03.9"),
              ("Osteoarthritis of knee", "M17"), ("Chronic gastritis", "K29.5"))


def _people(db: Database) -> list[tuple[str, int, date | None]]:
    with db.sessions() as s:
        rows = s.execute(select(Participant.pseudonym, Participant.site_id,
                                Participant.consent_date)
                         .join(Allocation, Allocation.participant_id == Participant.id)
                         .order_by(Allocation.randomized_at)).all()
    return [(p, site, consent) for p, site, consent in rows]


def _at(day: date, settings: Settings) -> AbstractContextManager[None]:
    return simulated(moment(day, 10, settings.zone))


def _history(db: Database, settings: Settings, who: Principal, pid: str, consent: date,
             rng: random.Random) -> int:
    n = 0
    for condition, code in rng.sample(CONDITIONS, rng.randint(1, 3)):
        start = consent - timedelta(days=rng.randint(400, 4000))
        with _at(consent, settings):
            clinical.record_history(db, settings, who, pid, clinical.HistoryIn(
                condition=condition, code=code, start_date=start))
        n += 1
    return n


def _conmeds(db: Database, settings: Settings, who: Principal, pid: str, first: date,
             stop: date, index: int, rng: random.Random) -> int:
    drug, dose, freq, why = rng.choice((("ondansetron", 8, "BID", "nausea"),
                                        ("omeprazole", 20, "QD", "dyspepsia"),
                                        ("metoclopramide", 10, "TID", "nausea")))
    entries = [clinical.ConmedIn(drug=drug, dose=dose, unit="mg", route="oral", frequency=freq,
                                 indication=why, start_date=first, ongoing=True)]
    if rng.random() < 0.4:
        entries.append(clinical.ConmedIn(
            drug="calcium carbonate", dose=600, unit="mg", route="oral", frequency="QD",
            indication="bone health", start_date=first, ongoing=True))
    if index % 11 == 10 and stop - first > timedelta(days=40):
        start = first + timedelta(days=30)
        entries.append(clinical.ConmedIn(
            drug="clarithromycin", dose=500, unit="mg", route="oral", frequency="BID",
            indication="respiratory infection", start_date=start,
            stop_date=start + timedelta(days=6)))
    for entry in entries:
        with _at(max(entry.stop_date or entry.start_date, entry.start_date), settings):
            clinical.record_conmed(db, settings, who, pid, entry)
    return len(entries)


def fill(db: Database, settings: Settings, coordinators: dict[int, Principal],
         seed: str = "dawna-demo-clinical") -> dict[str, int]:
    """The clinical forms of every randomized participant; returns counts."""
    rng = random.Random(seed)  # noqa: S311 - simulation, not security
    today = local_today(settings.zone)
    counts = {"medical_history": 0, "vital_signs": 0, "ecgs": 0, "conmeds": 0}
    for index, (pid, site_id, consent) in enumerate(_people(db)):
        who = coordinators[site_id]
        view = treatment.treatment_view(db, settings, who, pid)
        if consent is None:
            continue
        measures = view.plan.measures if view.plan is not None else {}
        height = float(measures.get("height_cm") or rng.randint(150, 168))
        weight = float(measures.get("weight_kg") or rng.randint(48, 72))
        counts["medical_history"] += _history(db, settings, who, pid, consent, rng)
        screen = consent + timedelta(days=rng.randint(1, 3))
        with _at(screen, settings):
            clinical.record_vitals(db, settings, who, pid, clinical.VitalsIn(
                measured_on=screen, timepoint="screening", height_cm=height, weight_kg=weight,
                systolic_mmhg=rng.randint(110, 140), diastolic_mmhg=rng.randint(65, 88),
                pulse_bpm=rng.randint(64, 90), temperature_c=round(rng.uniform(36.2, 36.9), 1)))
            clinical.record_ecg(db, settings, who, pid, clinical.EcgIn(
                recorded_on=screen, timepoint="screening", qt_ms=rng.randint(360, 400),
                heart_rate_bpm=rng.randint(62, 84)))
        counts["vital_signs"] += 1
        counts["ecgs"] += 1
        cycles = [c for c in view.cycles if c.start_date < today]
        losing = index % 9 == 8
        for k, c in enumerate(cycles):
            drift = -0.12 * weight * (k + 1) / len(cycles) if losing else rng.uniform(-1.5, 1.5)
            with _at(c.start_date, settings):
                clinical.record_vitals(db, settings, who, pid, clinical.VitalsIn(
                    measured_on=c.start_date, timepoint=f"cycle {c.cycle}",
                    weight_kg=round(weight + drift, 1), systolic_mmhg=rng.randint(108, 142),
                    diastolic_mmhg=rng.randint(64, 88), pulse_bpm=rng.randint(62, 92),
                    temperature_c=round(rng.uniform(36.1, 37.1), 1)))
                counts["vital_signs"] += 1
                if c.cycle == 2:
                    clinical.record_ecg(db, settings, who, pid, clinical.EcgIn(
                        recorded_on=c.start_date, timepoint="cycle 2",
                        qt_ms=rng.randint(370, 415), heart_rate_bpm=rng.randint(62, 86)))
                    counts["ecgs"] += 1
        if cycles:
            last = min(today - timedelta(days=1), cycles[-1].start_date + timedelta(days=27))
            counts["conmeds"] += _conmeds(db, settings, who, pid, cycles[0].start_date, last,
                                          index, rng)
    return counts
