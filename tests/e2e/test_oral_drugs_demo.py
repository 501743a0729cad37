"""The demo trial fills the pre-treatment tests and oral drug accountability (issue 21 items
5-7): every treated participant's oral drugs are dispensed each cycle, every woman of
childbearing potential has a negative test before her first dose, every participant on the
chemotherapy arm has hepatitis B screening; compliance is never above 100 %."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from dawna.store.db import Database
from dawna.store.models import (
    Allocation,
    DoseDiary,
    DrugDispensing,
    HbvScreening,
    PregnancyTest,
    TreatmentCycle,
)


def test_demo_fills_tests_and_accountability(demo_template: Path) -> None:
    db = Database(f"sqlite:///{demo_template}")
    try:
        with db.sessions() as s:
            treated = set(s.scalars(select(TreatmentCycle.participant_id).distinct()))
            dispensed = set(s.scalars(select(DrugDispensing.participant_id).distinct()))
            arm_b = set(s.scalars(select(Allocation.participant_id)
                                  .where(Allocation.arm == "B"))) & treated
            screened = set(s.scalars(select(HbvScreening.participant_id).distinct()))
            assert treated and dispensed <= treated and arm_b <= screened
            # every treated arm A participant takes dalpiciclib and an oral endocrine drug or
            # fulvestrant: at least dalpiciclib is dispensed
            arm_a = treated - arm_b
            assert arm_a <= dispensed
            assert s.scalar(select(func.count()).select_from(PregnancyTest)) or 0
            assert not s.scalar(select(func.count()).select_from(PregnancyTest)
                                .where(PregnancyTest.result == "positive"))
            for row in s.scalars(select(DrugDispensing)
                                 .where(DrugDispensing.units_returned.is_not(None))):
                taken = row.units_dispensed - (row.units_returned or 0) - row.units_lost
                assert 0 <= taken <= row.prescribed_days * row.units_per_day
            assert s.scalar(select(func.count()).select_from(DoseDiary)) or 0
    finally:
        db.dispose()
