"""The scaled demo trial fills the clinical forms for every randomized participant with a plan
(issue 21): history, screening vital signs and ECG, vital signs each cycle, medications; one
prohibited medication (clarithromycin during treatment) is a deviation."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from dawna.store.db import Database
from dawna.store.models import (
    ConcomitantMedication,
    Ecg,
    MedicalHistory,
    ProtocolDeviation,
    TreatmentPlan,
    VitalSigns,
)


def test_demo_fills_the_clinical_forms(demo_template: Path, tmp_path: Path) -> None:
    target = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, target)
    db = Database(f"sqlite:///{target}")
    with db.sessions() as s:
        planned = set(s.scalars(select(TreatmentPlan.participant_id)))
        for model in (MedicalHistory, VitalSigns, Ecg):
            have = set(s.scalars(select(model.participant_id).distinct()))
            assert planned <= have, model.__tablename__
        screening = s.scalar(select(func.count()).select_from(Ecg)
                             .where(Ecg.timepoint == "screening"))
        assert screening == len(planned)
        assert s.scalar(select(func.count()).select_from(ConcomitantMedication)) >= len(planned)
        kinds = list(s.scalars(select(ProtocolDeviation.kind)
                               .where(ProtocolDeviation.kind == "prohibited_medication")))
        assert len(kinds) >= 1
    db.dispose()
