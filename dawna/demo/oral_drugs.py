"""The demo trial's pre-treatment tests and oral drug accountability (issue 21 items 5-7).

For every randomized participant: a woman of childbearing potential has a negative pregnancy
test (with her contraception) the day before the FES scan and, once treated, two days before
cycle 1; a
participant on the chemotherapy arm has hepatitis B screening five days before cycle 1 (a few
anti-HBc positive; an HBsAg-positive one starts entecavir three days before cycle 1); each cycle
of each oral drug is dispensed on day 1 with a lot and expiry and, once the cycle is over,
counted back with the participant's dose diary (0-2 missed days). Its own random stream, so the
rest of the demo is drawn as before; recorded through the services at their simulated times.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.rules.dispensing import ORAL_DRUGS
from dawna.services import treatment
from dawna.services.access import Principal
from dawna.services.treatment import dispensing, pretreatment
from dawna.store.db import Database
from dawna.store.models import Allocation, Participant, PetStudy

__all__ = ["record"]

CONTRACEPTION = ("intrauterine device", "condom", "oral contraceptive pill",
                 "bilateral tubal ligation")


def _people(db: Database) -> list[tuple[str, int, date | None, date | None, str]]:
    with db.sessions() as s:
        fes = (select(PetStudy.participant_id, func.min(PetStudy.scan_date).label("scan"))
               .where(PetStudy.tracer == "FES").group_by(PetStudy.participant_id).subquery())
        rows = s.execute(select(Participant.pseudonym, Participant.site_id,
                                Participant.consent_date, fes.c.scan, Allocation.arm)
                         .join(Allocation, Allocation.participant_id == Participant.id)
                         .outerjoin(fes, fes.c.participant_id == Participant.id)
                         .order_by(Allocation.randomized_at)).all()
    return [tuple(r) for r in rows]


def _units(drug: str, dose: float, frequency: str) -> tuple[float, float]:
    """(strength in mg, units per day): capecitabine as 500 mg tablets per administration."""
    per_day = 2 if frequency == "BID" else 1
    if drug == "capecitabine":
        return 500.0, float(max(1, round(dose / 500)) * per_day)
    return float(dose), float(per_day)


def _tests(db: Database, settings: Settings, who: Principal, rng: random.Random,
           pseudonym: str, consent: date | None, scan: date | None, first: date | None) -> int:
    view = pretreatment.pretreatment_view(db, settings, who, pseudonym)
    if not view.childbearing_potential:
        return 0
    method = rng.choice(CONTRACEPTION)
    done = 0
    for purpose, day in (("fes_scan", scan - timedelta(days=1) if scan else None),
                         ("treatment", first - timedelta(days=2) if first else None)):
        if day is None or (consent is not None and day < consent):
            continue
        with simulated(moment(day, 9, settings.zone)):
            pretreatment.record_pregnancy_test(db, settings, who, pseudonym,
                                               pretreatment.PregnancyTestIn(
                                                   test_date=day, purpose=purpose,
                                                   method="serum" if purpose == "treatment"
                                                   else "urine", result="negative",
                                                   contraception=method))
        done += 1
    return done


def _hbv(db: Database, settings: Settings, who: Principal, rng: random.Random,
         pseudonym: str, consent: date | None, first: date) -> None:
    day = max(first - timedelta(days=5), consent or first)
    draw = rng.random()
    hbsag, anti_hbc = draw < 0.06, draw < 0.2
    start = first - timedelta(days=3) if hbsag else None
    with simulated(moment(max(day, start or day), 14, settings.zone)):
        pretreatment.record_hbv(db, settings, who, pseudonym, pretreatment.HbvIn(
            sample_date=day, hbsag_positive=hbsag, anti_hbc_positive=anti_hbc,
            hbv_dna_iu_ml=round(rng.uniform(200, 5000)) if hbsag else 0.0,
            prophylaxis_drug="entecavir" if hbsag else None, prophylaxis_start=start))


def record(db: Database, settings: Settings, coordinators: dict[int, Principal],
           seed: str = "dawna-demo-oral-drugs") -> dict[str, int]:
    """Tests, dispensings, returns and diaries of every randomized, treated participant."""
    rng = random.Random(seed)  # noqa: S311 - simulation, not security
    today = local_today(settings.zone)
    counts = {"pregnancy_tests": 0, "hbv_screenings": 0, "dispensings": 0, "diaries": 0}
    for pseudonym, site_id, consent, scan, arm in _people(db):
        who = coordinators[site_id]
        view = treatment.treatment_view(db, settings, who, pseudonym)
        first = view.cycles[0].start_date if view.cycles else None
        # before the FES scan (every woman of childbearing potential) and before treatment
        counts["pregnancy_tests"] += _tests(db, settings, who, rng, pseudonym, consent, scan,
                                            first)
        if view.regimen is None or first is None:
            continue
        if arm == "B":
            _hbv(db, settings, who, rng, pseudonym, consent, first)
            counts["hbv_screenings"] += 1
        oral = {d.drug: d for d in view.regimen.drugs
                if d.route.upper() == "PO" and d.drug in ORAL_DRUGS}
        for n, c in enumerate(view.cycles):
            nxt = (view.cycles[n + 1].start_date if n + 1 < len(view.cycles)
                   else c.start_date + timedelta(days=view.regimen.cycle_length_days))
            for dose in c.doses:
                planned = oral.get(dose["drug"])
                if planned is None or dose.get("dose") in (None, 0):
                    continue
                strength, per_day = _units(planned.drug, float(dose["dose"]),
                                           planned.frequency)
                days = len(planned.days) if planned.days else view.regimen.cycle_length_days
                units = int(days * per_day)
                with simulated(moment(c.start_date, 10, settings.zone)):
                    dispensing.dispense(db, settings, who, pseudonym, dispensing.DispenseIn(
                        cycle=c.cycle, drug=planned.drug, dispensed_on=c.start_date,
                        lot_number=f"{planned.drug[:3].upper()}{c.start_date:%y%m}"
                                   f"{rng.randint(1, 9)}",
                        expiry_date=c.start_date + timedelta(days=rng.randint(300, 700)),
                        bottles=max(1, units // 30 + (1 if units % 30 else 0)),
                        units_dispensed=units, unit_strength_mg=strength,
                        units_per_day=per_day, prescribed_days=days))
                counts["dispensings"] += 1
                if nxt >= today:
                    continue
                missed = set(rng.sample(range(1, days + 1), k=rng.choice((0, 0, 1, 2))))
                diary = {c.start_date + timedelta(days=i): (i + 1) not in missed
                         for i in range(days)}
                with simulated(moment(nxt, 11, settings.zone)):
                    row = next(d for d in dispensing.accountability(db, who, pseudonym)
                               .dispensings if d.cycle == c.cycle and d.drug == planned.drug)
                    dispensing.record_return(db, settings, who, pseudonym, row.id,
                                             dispensing.ReturnIn(
                                                 returned_on=nxt,
                                                 units_returned=int(len(missed) * per_day)))
                    dispensing.record_diary(db, settings, who, pseudonym, dispensing.DiaryIn(
                        cycle=c.cycle, drug=planned.drug, days=diary))
                counts["diaries"] += 1
    return counts
