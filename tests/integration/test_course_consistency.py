"""A participant's course stays consistent in time (issue 18 item 7), through the services on
SQLite and PostgreSQL: every status event is checked against every dated record of the
participant (consents, re-consents, survival contacts, assessments...), not only the last status
change, and the refusal names the conflicting record; a contact after the end of study is
refused naming the end of study. Dates are the issue's case, worked by hand in each test."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from helpers import PASSWORD, principal
from screening_data import eligible_record

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ValidationError
from dawna.rules.recist_case import Assessment, Baseline
from dawna.services import follow_up, lifecycle, participants, randomization, screening, tumour
from dawna.services.schemas import ParticipantCreate
from dawna.store.db import Database

CHOICES = {"endocrine_therapy": "letrozole", "chemotherapy": "capecitabine"}
FACTORS = {"visceral_metastasis": "yes", "cdk46i_setting": "advanced"}
#: eight survival contacts after 2025-01-01, the participant alive at each
CONTACTS = [date(2025, 1, 15), date(2025, 3, 10), date(2025, 5, 5), date(2025, 6, 30),
            date(2025, 8, 25), date(2025, 10, 20), date(2025, 12, 15), date(2026, 2, 9)]
TODAY = datetime(2026, 6, 1, 4, tzinfo=UTC)


# ``trial``: tests/conftest.py (the two-site trial with its randomization list live)
pytestmark = pytest.mark.list_live


def _in_follow_up(db: Database, settings: Settings, reconsent: bool = True) -> str:
    """Consent 2024-03-01, randomized 2024-03-12, first dose 2024-03-13, end of treatment
    2024-09-02 (progression), re-consent to version 1.1 on 2025-04-01, then the contacts."""
    pid = participants.register(db, settings, principal(db, "coord_a"), ParticipantCreate(
        site_code="SITEA", full_name="吴霞", medical_record_number="MRN-4242",
        consent_date=date(2024, 3, 1), consent_time=time(9, 30),
        consent_obtained_by="Dr Sun")).pseudonym
    coord, inv = principal(db, "coord_a"), principal(db, "inv_a")
    with simulated(datetime(2024, 3, 10, 8, tzinfo=UTC)):
        screening.save(db, settings, coord, pid, screening.record_from_dict(eligible_record()),
                       None, None)
        screening.sign(db, settings, inv, pid, PASSWORD, True)
    with simulated(datetime(2024, 3, 12, 3, tzinfo=UTC)):
        randomization.randomize(db, settings, coord, pid, FACTORS, CHOICES)
    with simulated(TODAY):
        lifecycle.start_treatment(db, settings, coord, pid, date(2024, 3, 13))
        lifecycle.end_treatment(db, settings, coord, pid, date(2024, 9, 2), "progression")
        if reconsent:
            lifecycle.record_consent(db, settings, coord, pid, "1.1", date(2025, 4, 1), None,
                                     "Dr Sun")
        for on in CONTACTS:
            follow_up.record_contact(db, settings, coord, pid, follow_up.ContactIn(
                contact_date=on, vital_status="alive"))
    return pid


def _course(db: Database, pid: str) -> tuple[str, int]:
    view = follow_up.course(db, principal(db, "coord_a"), pid)
    return view.status.value, len(view.events)


def test_withdrawal_before_a_reconsent_and_eight_contacts_is_refused(
        trial: Database, settings: Settings) -> None:
    pid = _in_follow_up(trial, settings)
    before = _course(trial, pid)
    assert before[0] == "follow_up"
    coord = principal(trial, "coord_a")
    with simulated(TODAY), pytest.raises(ValidationError) as caught:
        lifecycle.withdraw(trial, settings, coord, pid, date(2025, 1, 1), "asked to stop")
    # the last status change (follow-up started on 2024-09-02) is before 2025-01-01: only the
    # records show the conflict; the first one after 2025-01-01 is the contact of 2025-01-15
    assert caught.value.field == "date"
    assert "survival contact of 2025-01-15" in caught.value.message
    assert _course(trial, pid) == before
    # a withdrawal after the last contact (2026-02-09) is accepted
    with simulated(TODAY):
        lifecycle.withdraw(trial, settings, coord, pid, date(2026, 3, 1), "asked to stop")
    assert _course(trial, pid)[0] == "end_of_study"


def test_the_refusal_names_the_reconsent_when_it_is_the_first_later_record(
        trial: Database, settings: Settings) -> None:
    pid = _in_follow_up(trial, settings)
    with simulated(TODAY), pytest.raises(ValidationError) as caught:
        # between the contacts of 2025-03-10 and 2025-05-05, the re-consent of 2025-04-01 first
        lifecycle.end_study(trial, settings, principal(trial, "coord_a"), pid,
                            date(2025, 3, 20), "study_closed")
    assert "re-consent (version 1.1) of 2025-04-01" in caught.value.message


@pytest.mark.parametrize("on", [date(2025, 12, 1), date(2026, 2, 9)])
def test_lost_to_follow_up_on_or_before_a_contact_alive_is_refused(
        trial: Database, settings: Settings, on: date) -> None:
    pid = _in_follow_up(trial, settings, reconsent=False)
    before = _course(trial, pid)
    with simulated(TODAY), pytest.raises(ValidationError) as caught:
        lifecycle.end_study(trial, settings, principal(trial, "coord_a"), pid, on,
                            "lost_to_follow_up")
    # the latest contact at which she was alive: 2026-02-09
    assert "survival contact of 2026-02-09" in caught.value.message
    assert "alive" in caught.value.message
    assert _course(trial, pid) == before


def test_a_contact_after_the_end_of_study_is_refused_naming_it(trial: Database,
                                                               settings: Settings) -> None:
    pid = _in_follow_up(trial, settings, reconsent=False)
    coord = principal(trial, "coord_a")
    with simulated(TODAY):
        lifecycle.end_study(trial, settings, coord, pid, date(2026, 4, 1), "lost_to_follow_up")
        with pytest.raises(ValidationError) as caught:
            follow_up.record_contact(trial, settings, coord, pid, follow_up.ContactIn(
                contact_date=date(2026, 4, 20), vital_status="alive"))
        assert caught.value.field == "contact_date"
        assert "end of study on 2026-04-01" in caught.value.message
        # a contact held before the end of study may still be entered late
        follow_up.record_contact(trial, settings, coord, pid, follow_up.ContactIn(
            contact_date=date(2026, 3, 2), vital_status="alive"))
    view = follow_up.course(trial, coord, pid)
    assert view.status.value == "end_of_study" and len(view.contacts) == len(CONTACTS) + 1


def test_a_death_before_a_recorded_tumour_assessment_is_refused_naming_it(
        trial: Database, settings: Settings) -> None:
    pid = _in_follow_up(trial, settings, reconsent=False)
    coord, reader = principal(trial, "coord_a"), principal(trial, "reader_a")
    with simulated(TODAY):
        tumour.save_baseline(trial, settings, reader, pid, Baseline.model_validate({
            "date": "2024-03-05", "lesions": [{"id": "T1", "organ": "liver",
                                               "diameter_mm": 30, "target": True}]}))
        tumour.save_assessment(trial, settings, reader, pid, Assessment.model_validate(
            {"date": "2026-03-02", "target": {"T1": 20}}))
        with pytest.raises(ValidationError) as caught:
            lifecycle.end_study(trial, settings, coord, pid, date(2026, 2, 20), "death")
    assert "2026-03-02" in caught.value.message


def test_an_end_of_treatment_before_a_recorded_cycle_is_refused_naming_it(
        trial: Database, settings: Settings) -> None:
    from treatment_data import randomized_to

    from dawna.services import treatment

    pid = randomized_to(trial, settings, "A", "letrozole")
    coord = principal(trial, "coord_a")
    with simulated(datetime(2024, 9, 1, 4, tzinfo=UTC)):
        treatment.confirm_plan(trial, settings, principal(trial, "inv_a"), pid,
                               treatment.PlanIn())
        for n, on in ((1, date(2024, 3, 14)), (2, date(2024, 4, 11))):
            treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
                cycle=n, start_date=on))
        before = _course(trial, pid)
        # the first dose (2024-03-14) is the last status change: only the cycles show the
        # conflict; the first one after 2024-04-01 is cycle 2 of 2024-04-11
        with pytest.raises(ValidationError) as caught:
            lifecycle.end_treatment(trial, settings, coord, pid, date(2024, 4, 1), "toxicity")
        assert "treatment cycle 2 of 2024-04-11" in caught.value.message
        assert _course(trial, pid) == before
        lifecycle.end_treatment(trial, settings, coord, pid, date(2024, 4, 20), "toxicity")
