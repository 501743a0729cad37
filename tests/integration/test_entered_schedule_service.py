"""Physician-entered regimens (issue 17 item 9): eribulin 1.4 mg/m² IV days 1 and 8 of a
21-day cycle (Halaven prescribing information §2.1) gets its schedule, and no cycle starts until
the prescriber confirms it explicitly (confirmed_by/at stored)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from helpers import principal
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ProtocolViolation, ValidationError
from dawna.services import dose_modification, safety, treatment
from dawna.store.db import Database
from dawna.store.models import TreatmentCycle

NOW = datetime(2024, 3, 15, 4, tzinfo=UTC)
ERIBULIN = {"drug": "eribulin", "dose": 1.4, "unit": "mg/m2", "route": "IV", "days": [1, 8]}


# ``trial``: tests/conftest.py (the two-site trial with its randomization list live)
pytestmark = pytest.mark.list_live


def _plan(**extra: Any) -> treatment.PlanIn:
    return treatment.PlanIn.model_validate({
        "measures": {"height_cm": 160, "weight_kg": 64}, "custom_drugs": [ERIBULIN], **extra})


def test_no_cycle_starts_before_the_prescriber_confirms_the_schedule(
        trial: Database, settings: Settings) -> None:
    pid = randomized_to(trial, settings, "B", "physician_entered")
    inv, coord = principal(trial, "inv_a"), principal(trial, "coord_a")
    with simulated(NOW):
        with pytest.raises(ValidationError) as err:
            treatment.confirm_plan(trial, settings, inv, pid, _plan())
        assert err.value.field == "cycle_length_days", str(err.value)
        # nab-paclitaxel-like day 22 does not fit a 21-day cycle
        with pytest.raises(ValidationError) as err:
            treatment.confirm_plan(trial, settings, inv, pid, treatment.PlanIn.model_validate({
                "measures": {"height_cm": 160, "weight_kg": 64}, "cycle_length_days": 21,
                "custom_drugs": [ERIBULIN | {"days": [1, 8, 22]}]}))
        assert err.value.field == "custom_drugs.0.days"
        preview = treatment.confirm_plan(trial, settings, inv, pid,
                                         _plan(cycle_length_days=21))
        assert preview.cycle_length_days == 21
        assert preview.doses[0].drug == "eribulin"
        with pytest.raises(ProtocolViolation) as refused:
            treatment.record_cycle(trial, settings, coord, pid,
                                   treatment.CycleIn(cycle=1, start_date=date(2024, 3, 15)))
        assert refused.value.field == "schedule_confirmed"
        view = treatment.treatment_view(trial, settings, inv, pid)
        assert view.plan is not None and view.plan.schedule_confirmed_by is None
        treatment.confirm_plan(trial, settings, inv, pid,
                               _plan(cycle_length_days=21, schedule_confirmed=True),
                               version=view.plan.version, reason="schedule checked")
        view = treatment.treatment_view(trial, settings, inv, pid)
        assert view.plan is not None and view.plan.schedule_confirmed_by == "inv_a"
        assert view.plan.schedule_confirmed_at is not None
        treatment.record_cycle(trial, settings, coord, pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 15)))
        # the calendar follows the entered schedule: eribulin on days 1 and 8, cycle 2 on day 22
        events = treatment.participant_calendar(trial, settings, inv, pid)
        eribulin = sorted({e.date for e in events if e.drug == "eribulin"})
        assert eribulin[:4] == [date(2024, 3, 15), date(2024, 3, 22), date(2024, 4, 5),
                                date(2024, 4, 12)]
        # a blood count before each dose (days 1 and 8), not only on day 1
        counts = sorted(e.date for e in events if e.kind == "lab")
        assert counts[:4] == eribulin[:4]
    # the generic chemotherapy rule applies to the entered drug: ANC 0.4 ×10⁹/L (grade 4) on
    # the day before cycle 2 -> not "continue"
    with simulated(datetime(2024, 4, 4, 4, tzinfo=UTC)):
        safety.record_lab(trial, settings, coord, pid, safety.LabIn(
            analyte="anc", value=0.4, unit="10^9/L", lln=1.8, sample_date=date(2024, 4, 4)))
        (proposal,) = dose_modification.propose(trial, settings, inv, pid)
        assert proposal.drug == "eribulin" and proposal.proposal.action.value != "continue"
    with trial.sessions() as s:
        assert s.query(TreatmentCycle).count() == 1
