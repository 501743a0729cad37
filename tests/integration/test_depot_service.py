"""Depot injections on their own 28-day clock through the services (issue 17 item 5): goserelin
every 28 days from the dose given (Zoladex 3.6 mg prescribing information §2), not moved by a
delayed cycle; a late depot is flagged after the site's grace (protocol depot_grace_days = 3);
a date in the future or before the previous dose is refused naming given_on; audited."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from helpers import principal
from screening_data import premenopausal_record as premenopausal
from sqlalchemy import func, select
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ValidationError
from dawna.exports.ical import calendar_ics
from dawna.services import lifecycle, treatment
from dawna.services.treatment import render
from dawna.store.db import Database
from dawna.store.models import AuditRecord, DepotDose

CHOICES = {"endocrine_therapy": "letrozole", "chemotherapy": "capecitabine"}


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # noon in Asia/Shanghai


# ``trial``: tests/conftest.py (the two-site trial with its randomization list live)
pytestmark = pytest.mark.list_live


def _goserelin_participant(db: Database, settings: Settings) -> str:
    pid = randomized_to(db, settings, "A", "letrozole", record=premenopausal(),
                        choices=CHOICES | {"ovarian_function_suppression": "goserelin"})
    inv = principal(db, "inv_a")
    with simulated(at(date(2024, 3, 14))):
        treatment.confirm_plan(db, settings, inv, pid, treatment.PlanIn.model_validate(
            {"variants": {"ovarian_function_suppression": "goserelin"}}))
    return pid


def _doses(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(DepotDose)) or 0)


def test_goserelin_keeps_its_28_day_clock_through_a_cycle_delay(trial: Database,
                                                                settings: Settings) -> None:
    pid = _goserelin_participant(trial, settings)
    coord = principal(trial, "coord_a")
    with simulated(at(date(2024, 3, 15))):
        treatment.record_cycle(trial, settings, coord, pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 15)))
        treatment.record_depot(trial, settings, coord, pid, treatment.DepotDoseIn(
            drug="goserelin", given_on=date(2024, 3, 15)))
    # cycle 2 was due on 2024-04-12 (15 Mar + 28) and is held one week: it starts on 19 Apr
    with simulated(at(date(2024, 4, 19))):
        treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
            cycle=2, start_date=date(2024, 4, 19), delay_reason="neutropenia grade 3 hold"))
        # goserelin is still due 28 days after 15 Mar = 12 Apr, not on the delayed day 1
        (clock,) = treatment.depot_view(trial, settings, coord, pid)
        assert clock.next_due == date(2024, 4, 12)
        assert clock.late and clock.days_late == 7  # 19 Apr - 12 Apr > 3 days' grace
        events = treatment.participant_calendar(trial, settings, coord, pid)
        goserelin = [e.date for e in events if e.drug == "goserelin"]
        assert date(2024, 4, 12) in goserelin and date(2024, 4, 19) not in goserelin
        late = next(e for e in events if e.drug == "goserelin" and e.date == date(2024, 4, 12))
        assert "LATE" in render(late.label)
        ics = calendar_ics(events, calendar_name="t", uid_prefix="t-", render=render,
                           tz=settings.site_timezone).decode()
        assert "DTSTART;VALUE=DATE:20240412" in ics
        # the site's calendar lists the injection too (given at the site, on its own clock)
        site = treatment.site_calendar(trial, settings, coord)
        assert (pid, date(2024, 4, 12)) in {(who, e.date) for who, e in site
                                            if e.drug == "goserelin"}
        # given late on 19 Apr: the next is due 28 days after the dose given, 17 May
        treatment.record_depot(trial, settings, coord, pid, treatment.DepotDoseIn(
            drug="goserelin", given_on=date(2024, 4, 19)))
        (clock,) = treatment.depot_view(trial, settings, coord, pid)
        assert clock.next_due == date(2024, 5, 17) and not clock.late
        assert clock.late_doses == [date(2024, 4, 19)]
    # after the end of treatment nothing is due or late
    with simulated(at(date(2024, 6, 1))):
        lifecycle.end_treatment(trial, settings, coord, pid, date(2024, 5, 10), "progression")
        (clock,) = treatment.depot_view(trial, settings, coord, pid)
        assert not clock.late
        assert not [e for e in treatment.participant_calendar(trial, settings, coord, pid)
                    if e.drug == "goserelin" and e.date > date(2024, 5, 10)]
    with trial.sessions() as s:
        audited = s.scalars(select(AuditRecord).where(AuditRecord.table_name == "depot_dose"))
        assert {a.field for a in audited} >= {"drug", "given_on"}


def test_depot_dates_out_of_order_or_in_the_future_are_refused(trial: Database,
                                                               settings: Settings) -> None:
    pid = _goserelin_participant(trial, settings)
    coord = principal(trial, "coord_a")
    with simulated(at(date(2024, 4, 20))):
        treatment.record_depot(trial, settings, coord, pid, treatment.DepotDoseIn(
            drug="goserelin", given_on=date(2024, 4, 12)))
        for bad in (date(2024, 4, 1), date(2024, 4, 12), date(2024, 4, 21)):
            with pytest.raises(ValidationError) as err:
                treatment.record_depot(trial, settings, coord, pid, treatment.DepotDoseIn(
                    drug="goserelin", given_on=bad))
            assert err.value.field == "given_on"
        with pytest.raises(ValidationError) as err:
            treatment.record_depot(trial, settings, coord, pid, treatment.DepotDoseIn(
                drug="fulvestrant", given_on=date(2024, 4, 19)))
        assert err.value.field == "drug"
    assert _doses(trial) == 1
