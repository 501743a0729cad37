"""A participant's course through the services on SQLite and PostgreSQL: consent and re-consent,
the state machine with dated and audited events, survival follow-up, withdrawal, the dashboard.
Expected states follow the issue's course: pre-screening -> consented -> screening -> eligible ->
randomized -> on treatment -> end of treatment -> follow-up -> end of study."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from helpers import PASSWORD, principal
from screening_data import eligible_record
from sqlalchemy import select

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ProtocolViolation, ValidationError
from dawna.rules.recist_case import Assessment, Baseline
from dawna.services import follow_up, lifecycle, participants, randomization, screening, tumour
from dawna.services.schemas import ParticipantCreate
from dawna.store.db import Database
from dawna.store.models import AuditRecord

CHOICES = {"endocrine_therapy": "letrozole", "chemotherapy": "capecitabine"}
FACTORS = {"visceral_metastasis": "yes", "cdk46i_setting": "advanced"}


# ``trial``: tests/conftest.py (the two-site trial with its randomization list live)
pytestmark = pytest.mark.list_live


def _register(db: Database, settings: Settings, **consent: object) -> str:
    return participants.register(db, settings, principal(db, "coord_a"), ParticipantCreate(
        site_code="SITEA", full_name="吴霞", medical_record_number="MRN-4242",
        **consent)).pseudonym  # type: ignore[arg-type]


def _status(db: Database, pid: str) -> str:
    return follow_up.course(db, principal(db, "coord_a"), pid).status.value


def _to_randomized(db: Database, settings: Settings) -> str:
    pid = _register(db, settings, consent_date=date(2024, 3, 1), consent_time=time(9, 30),
                    consent_obtained_by="Dr Sun")
    coord, inv = principal(db, "coord_a"), principal(db, "inv_a")
    with simulated(datetime(2024, 3, 10, 8, tzinfo=UTC)):  # signed on the decision date
        screening.save(db, settings, coord, pid, screening.record_from_dict(eligible_record()),
                       None, None)
        screening.sign(db, settings, inv, pid, PASSWORD, True)
    with simulated(datetime(2024, 3, 12, 3, tzinfo=UTC)):  # randomized two days later
        randomization.randomize(db, settings, coord, pid, FACTORS, CHOICES)
    return pid


def test_registration_with_consent_records_the_version_in_force(trial: Database,
                                                                settings: Settings) -> None:
    pid = _register(trial, settings, consent_date=date(2024, 3, 1), consent_time=time(9, 30),
                    consent_obtained_by="Dr Sun")
    view = follow_up.course(trial, principal(trial, "coord_a"), pid)
    assert view.status.value == "consented"
    (consent,) = view.consents
    # the protocol file's versions: 1.0 approved 2023-04-20, 1.1 approved 2025-03-03
    assert (consent.version, consent.signed_on, consent.obtained_by, consent.kind) == (
        "1.0", date(2024, 3, 1), "Dr Sun", "initial")
    assert consent.signed_at is not None and consent.signed_at.hour == 1  # 09:30 +08:00 in UTC
    assert [e.event for e in view.events] == ["consent"]
    assert view.needs_reconsent  # 1.1 has been approved since


def test_a_version_approved_after_the_signature_date_is_refused(trial: Database,
                                                                settings: Settings) -> None:
    with pytest.raises(ValidationError) as caught:
        _register(trial, settings, consent_date=date(2024, 3, 1), consent_version="1.1")
    assert caught.value.field == "consent_version"
    with pytest.raises(ValidationError):
        _register(trial, settings, consent_date=date(2024, 3, 1), consent_version="9.9")


def test_pre_screening_needs_consent_before_any_procedure(trial: Database,
                                                          settings: Settings) -> None:
    pid = _register(trial, settings)
    coord = principal(trial, "coord_a")
    assert _status(trial, pid) == "pre_screening"
    with pytest.raises(ProtocolViolation):
        screening.save(trial, settings, coord, pid, screening.record_from_dict(
            eligible_record()), None, None)
    lifecycle.record_consent(trial, settings, coord, pid, "1.0", date(2024, 3, 1), time(10, 0),
                             "Dr Sun")
    assert _status(trial, pid) == "consented"
    # a screening record whose FES scan precedes consent is refused, nothing stored
    early = eligible_record()
    early["fes_pet"]["scan_date"] = "2024-02-28"
    with pytest.raises(ValidationError) as caught:
        screening.save(trial, settings, coord, pid, screening.record_from_dict(early), None, None)
    assert caught.value.field == "fes_pet.scan_date"
    assert _status(trial, pid) == "consented"


def test_reconsent_to_the_newer_version_only(trial: Database, settings: Settings) -> None:
    pid = _register(trial, settings, consent_date=date(2024, 3, 1))
    coord = principal(trial, "coord_a")
    with pytest.raises(ValidationError):  # the same version again
        lifecycle.record_consent(trial, settings, coord, pid, "1.0", date(2025, 4, 1), None,
                                 "Dr Sun")
    dash = follow_up.dashboard(trial, settings, coord)
    assert (pid, "SITEA", "1.0") in dash.reconsent
    lifecycle.record_consent(trial, settings, coord, pid, "1.1", date(2025, 4, 1), time(14, 0),
                             "Dr Sun")
    view = follow_up.course(trial, coord, pid)
    assert [k.kind for k in view.consents] == ["initial", "reconsent"]
    assert not view.needs_reconsent
    assert pid not in [r[0] for r in follow_up.dashboard(trial, settings, coord).reconsent]


def test_the_whole_course_with_follow_up_and_death(trial: Database, settings: Settings) -> None:
    pid = _to_randomized(trial, settings)
    coord = principal(trial, "coord_a")
    assert _status(trial, pid) == "randomized"
    with pytest.raises(ValidationError) as caught:   # before randomization (2024-03-12)
        lifecycle.start_treatment(trial, settings, coord, pid, date(2024, 3, 11))
    assert caught.value.field == "date"
    lifecycle.start_treatment(trial, settings, coord, pid, date(2024, 3, 13))
    with pytest.raises(ValidationError) as caught:   # no reason
        lifecycle.end_treatment(trial, settings, coord, pid, date(2024, 9, 2), "")
    assert caught.value.field == "reason"
    lifecycle.end_treatment(trial, settings, coord, pid, date(2024, 9, 2), "progression")
    assert _status(trial, pid) == "end_of_treatment"
    view = follow_up.course(trial, coord, pid)
    assert view.next_contact_due == date(2024, 11, 25)  # 2 Sep 2024 + 12 weeks (84 days)
    alive = follow_up.ContactIn(contact_date=date(2024, 11, 20), vital_status="alive",
                                subsequent_therapy=[{"name": "capecitabine",  # type: ignore[list-item]
                                                     "start_date": "2024-09-20"}])
    follow_up.record_contact(trial, settings, coord, pid, alive)
    assert _status(trial, pid) == "follow_up"
    with pytest.raises(ValidationError) as caught:   # death before a recorded visit
        follow_up.record_contact(trial, settings, coord, pid, follow_up.ContactIn(
            contact_date=date(2025, 2, 10), vital_status="dead", death_date=date(2024, 11, 1)))
    assert caught.value.field == "death_date"
    follow_up.record_contact(trial, settings, coord, pid, follow_up.ContactIn(
        contact_date=date(2025, 2, 10), vital_status="dead", death_date=date(2025, 1, 30),
        death_cause="disease progression"))
    view = follow_up.course(trial, coord, pid)
    assert view.status.value == "end_of_study"
    assert [e.event for e in view.events] == [
        "consent", "screening_started", "signed_eligible", "randomized", "treatment_started",
        "treatment_ended", "follow_up_started", "study_ended"]
    assert view.events[-1].reason == "death"
    dash = follow_up.dashboard(trial, settings, coord)
    assert dash.flow["randomized"] == 1 and dash.flow["treated"] == 1
    assert dash.end_of_treatment_reasons == {"progression": 1}
    assert dash.end_of_study_reasons == {"death": 1}
    # every move is in the audit trail with its reason
    with trial.sessions() as s:
        moves = s.scalars(select(AuditRecord).where(AuditRecord.table_name == "participant",
                                                    AuditRecord.field == "status")).all()
    assert [(m.old_value, m.new_value) for m in moves][-2:] == [
        ("end_of_treatment", "follow_up"), ("follow_up", "end_of_study")]
    assert all(m.reason for m in moves)


@pytest.mark.parametrize(("move", "field"), [
    (lambda db, st, who, pid: lifecycle.start_treatment(db, st, who, pid, date(2026, 11, 20)),
     "event"),                                              # eligible, not randomized
    (lambda db, st, who, pid: lifecycle.end_study(db, st, who, pid, date(2026, 11, 20),
                                                  "lost_to_follow_up"), "event"),
    (lambda db, st, who, pid: lifecycle.end_study(db, st, who, pid, date(2026, 11, 20),
                                                  "bored"), "reason"),
    (lambda db, st, who, pid: lifecycle.end_study(db, st, who, pid, date(2024, 2, 1),
                                                  "withdrawal"), "date"),  # before consent
])
def test_illegal_moves_are_refused_and_nothing_changes(trial: Database, settings: Settings,
                                                       move: object, field: str) -> None:
    pid = _register(trial, settings, consent_date=date(2024, 3, 1))
    coord = principal(trial, "coord_a")
    screening.save(trial, settings, coord, pid, screening.record_from_dict(eligible_record()),
                   None, None)
    screening.sign(trial, settings, principal(trial, "inv_a"), pid, PASSWORD, True)
    before = follow_up.course(trial, coord, pid)
    with pytest.raises(ValidationError) as caught:
        move(trial, settings, coord, pid)  # type: ignore[operator]
    assert caught.value.field == field
    after = follow_up.course(trial, coord, pid)
    assert (after.status, len(after.events)) == (before.status, len(before.events))


def test_follow_up_only_after_end_of_treatment(trial: Database, settings: Settings) -> None:
    pid = _to_randomized(trial, settings)
    with pytest.raises(ProtocolViolation):
        follow_up.record_contact(trial, settings, principal(trial, "coord_a"), pid,
                                 follow_up.ContactIn(contact_date=date(2024, 4, 20),
                                                     vital_status="alive"))


def test_withdrawal_ends_treatment_and_stops_later_data(trial: Database,
                                                        settings: Settings) -> None:
    pid = _to_randomized(trial, settings)
    coord, reader = principal(trial, "coord_a"), principal(trial, "reader_a")
    lifecycle.start_treatment(trial, settings, coord, pid, date(2024, 3, 13))
    tumour.save_baseline(trial, settings, reader, pid, Baseline.model_validate({
        "date": "2024-03-05", "lesions": [{"id": "T1", "organ": "liver", "diameter_mm": 30,
                                           "target": True}]}))
    lifecycle.withdraw(trial, settings, coord, pid, date(2024, 5, 20), "moved away")
    view = follow_up.course(trial, coord, pid)
    assert view.status.value == "end_of_study" and view.withdrawn_on == date(2024, 5, 20)
    assert [(e.event, e.reason) for e in view.events][-2:] == [
        ("treatment_ended", "withdrawal_of_consent"), ("study_ended", "withdrawal")]
    with pytest.raises(ProtocolViolation):   # a scan after the withdrawal is not collected
        tumour.save_assessment(trial, settings, reader, pid, Assessment.model_validate(
            {"date": "2024-05-21", "target": {"T1": 20}}))
    # one dated before it is still accepted (late entry of data collected before)
    tumour.save_assessment(trial, settings, reader, pid, Assessment.model_validate(
        {"date": "2024-05-06", "target": {"T1": 20}}))
    assert tumour.get(trial, settings, reader, pid).baseline is not None


def test_randomized_participants_keep_their_signed_decision_in_the_screening_log(
        trial: Database, settings: Settings) -> None:
    from dawna.services.screening_log import screening_log

    pid = _to_randomized(trial, settings)
    log = screening_log(trial, principal(trial, "coord_a"), None)
    row = next(r for r in log.rows if r.pseudonym == pid)
    assert (row.status, row.signed_outcome) == ("randomized", "eligible")
    assert log.counts.eligible_signed == 1
