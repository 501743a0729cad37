"""The demo trial fills every applicable issue 21 form for every randomized participant: medical
history, screening vital signs and a screening ECG; vital signs on day 1 of every cycle given;
a concomitant medication for every treated participant; for a woman of childbearing potential
a pregnancy test on or before the FES scan and, once treated, on or before the first dose;
hepatitis B screening on or before the first cycle of chemotherapy (arm B); a dispensing of
every oral drug dosed in every cycle (the regimen's PO drugs of ``rules.dispensing``)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dawna.config import Settings
from dawna.rules.dispensing import ORAL_DRUGS
from dawna.services.auth import principal_of
from dawna.services.treatment import pretreatment
from dawna.store.db import Database
from dawna.store.models import (
    Allocation,
    ConcomitantMedication,
    DrugDispensing,
    Ecg,
    HbvScreening,
    MedicalHistory,
    Membership,
    Participant,
    PetStudy,
    PregnancyTest,
    Role,
    TreatmentCycle,
    User,
    VitalSigns,
)

pytestmark = pytest.mark.xdist_group("demo_exports")


def _missing(db: Database, settings: Settings) -> dict[str, list[str]]:
    """Form -> the participants (and cycles) that lack it."""
    gaps: dict[str, list[str]] = defaultdict(list)
    with db.sessions() as s:
        people = dict(s.execute(select(Participant.id, Participant.pseudonym)
                                .join(Allocation, Allocation.participant_id == Participant.id))
                      .all())
        sites = dict(s.execute(select(Participant.id, Participant.site_id)).all())
        arm = dict(s.execute(select(Allocation.participant_id, Allocation.arm)).all())
        history = set(s.scalars(select(MedicalHistory.participant_id)))
        screening_vitals = set(s.scalars(select(VitalSigns.participant_id)
                                         .where(VitalSigns.timepoint == "screening")))
        screening_ecg = set(s.scalars(select(Ecg.participant_id)
                                      .where(Ecg.timepoint == "screening")))
        vitals_days = {tuple(r) for r in s.execute(
            select(VitalSigns.participant_id, VitalSigns.measured_on))}
        conmeds = set(s.scalars(select(ConcomitantMedication.participant_id)))
        cycles = list(s.scalars(select(TreatmentCycle).order_by(TreatmentCycle.start_date)))
        first = {}
        for c in cycles:
            first.setdefault(c.participant_id, c.start_date)
        dispensed = {tuple(r) for r in s.execute(select(
            DrugDispensing.participant_id, DrugDispensing.cycle, DrugDispensing.drug))}
        tests = defaultdict(list)
        for t in s.scalars(select(PregnancyTest)):
            tests[(t.participant_id, t.purpose)].append(t.test_date)
        scans = dict(s.execute(select(PetStudy.participant_id, func.min(PetStudy.scan_date))
                               .where(PetStudy.tracer == "FES")
                               .group_by(PetStudy.participant_id)).all())
        hbv = defaultdict(list)
        for row in s.scalars(select(HbvScreening)):
            hbv[row.participant_id].append(row.sample_date)
        coordinators = {m.site_id: principal_of(s.get(User, m.user_id)) for m in s.scalars(
            select(Membership).where(Membership.role == Role.COORDINATOR))}
    for pid, name in people.items():
        for form, have in (("medical history", history), ("screening vitals", screening_vitals),
                           ("screening ECG", screening_ecg)):
            if pid not in have:
                gaps[form].append(name)
        if pid in first and pid not in conmeds:
            gaps["conmeds"].append(name)
        view = pretreatment.pretreatment_view(db, settings, coordinators[sites[pid]], name)
        if view.childbearing_potential:
            for purpose, event in (("fes_scan", scans.get(pid)), ("treatment", first.get(pid))):
                if event is not None and not any(d <= event for d in tests[(pid, purpose)]):
                    gaps[f"pregnancy test before {purpose}"].append(name)
        if arm.get(pid) == "B" and pid in first and not any(d <= first[pid] for d in hbv[pid]):
            gaps["HBV screening"].append(name)
    for c in cycles:
        name = people.get(c.participant_id)
        if name is None or c.start_date > settings_today(settings):
            continue
        if (c.participant_id, c.start_date) not in vitals_days:
            gaps["vitals every cycle"].append(f"{name} cycle {c.cycle}")
        for dose in c.doses or []:
            if (dose.get("drug") in ORAL_DRUGS and dose.get("dose")
                    and (c.participant_id, c.cycle, dose["drug"]) not in dispensed):
                gaps["dispensing"].append(f"{name} cycle {c.cycle} {dose['drug']}")
    return dict(gaps)


def settings_today(settings: Settings):  # type: ignore[no-untyped-def]
    from dawna.clock import local_today

    return local_today(settings.zone)


def test_every_randomized_participant_has_each_applicable_form(demo_template: Path) -> None:
    db = Database(f"sqlite:///{demo_template}")
    settings = Settings(env="test", database_url=db.url, secret_key="b" * 40)
    try:
        with db.sessions() as s:
            randomized = s.scalar(select(func.count()).select_from(Allocation))
        assert randomized and randomized >= 10
        assert _missing(db, settings) == {}
    finally:
        db.dispose()
