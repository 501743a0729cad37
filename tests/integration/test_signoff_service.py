"""Sign-off and locks through the services on SQLite and PostgreSQL (issue 20 item 4).

References: 21 CFR 11.50 (the signed record shows printed name, date and time and meaning),
11.70 (a change of the signed data breaks the link: the signature shows void), 11.200(a)(1)
(password re-entered: a wrong one signs nothing); locks refuse every service's change
(lab correction, adverse event follow-up, screening correction, a new form in a locked
casebook) with a 409 naming the form, nothing stored, until a data manager unlocks with a reason.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from helpers import PASSWORD, SYSTEM, principal, two_site_trial
from screening_data import eligible_record
from sqlalchemy import func, select
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import (
    AuthenticationFailed,
    ConflictError,
    PermissionDenied,
    ValidationError,
)
from dawna.services import admin, locks, randomization, safety, screening, signoff, treatment
from dawna.services.schemas import UserCreate
from dawna.services.schemas_signoff import SignIn
from dawna.store.db import Database
from dawna.store.models import (
    AdverseEvent,
    AuditRecord,
    FormLock,
    FormSignature,
    LabResult,
    Participant,
    Role,
)
from dawna.store.uow import UnitOfWork

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)


@pytest.fixture
def trial(db: Database, settings: Settings) -> Database:
    two_site_trial(db)
    admin.create_user(db, SYSTEM, UserCreate(username="dm_a", display_name="Data Manager A",
                                             password=PASSWORD), "test set-up")
    admin.grant_role(db, SYSTEM, "dm_a", "SITEA", Role.DATA_MANAGER, "test set-up")
    randomization.generate(db, settings, SYSTEM, "list for the test")
    randomization.go_live(db, SYSTEM, "go live for the test")
    return db


def _count(db: Database, model: Any, *where: Any) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _lab(db: Database, settings: Settings, pid: str) -> safety.LabRow:
    with simulated(NOW):
        treatment.confirm_plan(db, settings, principal(db, "inv_a"), pid,
                               treatment.PlanIn.model_validate({"measures": {
                                   "height_cm": 160, "weight_kg": 64}}))
        return safety.record_lab(db, settings, principal(db, "coord_a"), pid, safety.LabIn(
            analyte="anc", value=2.6, unit="10^9/L", lln=1.8, sample_date=date(2024, 3, 13)))


def _correct(db: Database, settings: Settings, pid: str, lab_id: int, value: float,
             version: int) -> None:
    with simulated(NOW):
        safety.correct_lab(db, settings, principal(db, "coord_a"), pid, lab_id, safety.LabIn(
            analyte="anc", value=value, unit="10^9/L", lln=1.8, sample_date=date(2024, 3, 13)),
            version=version, reason="transcription error")


def _sign(password: str = PASSWORD, **kw: Any) -> SignIn:
    return SignIn(password=password, confirm=True, **kw)


def test_sign_lock_refuse_unlock_and_void(trial: Database, settings: Settings) -> None:
    pid = randomized_to(trial, settings, "A", "letrozole")
    row = _lab(trial, settings, pid)
    inv, coord, mon, dm = (principal(trial, u) for u in ("inv_a", "coord_a", "monitor_a",
                                                          "dm_a"))
    audit_before = _count(trial, AuditRecord)
    # wrong password: refused, nothing signed, nothing audited (21 CFR 11.200(a)(1))
    with pytest.raises(AuthenticationFailed) as caught:
        signoff.sign(trial, settings, inv, pid, "lab_result", str(row.id), _sign("wrong-one"))
    assert caught.value.field == "password"
    # a coordinator holds no signature right
    with pytest.raises(PermissionDenied):
        signoff.sign(trial, settings, coord, pid, "lab_result", str(row.id), _sign())
    with pytest.raises(ValidationError) as caught:  # the meaning box not ticked
        signoff.sign(trial, settings, inv, pid, "lab_result", str(row.id),
                     SignIn(password=PASSWORD))
    assert caught.value.field == "confirm"
    assert _count(trial, FormSignature) == 0
    assert _count(trial, AuditRecord) == audit_before

    sig = signoff.sign(trial, settings, inv, pid, "lab_result", str(row.id),
                       _sign(meaning="approval"))
    # 11.50: printed name, date and time, meaning
    assert (sig.signer_name, sig.meaning_code, sig.valid) == ("inv_a", "approval", True)
    assert sig.meaning.startswith("Approval:") and pid in sig.meaning
    assert sig.signed_at.tzinfo is not None
    # the same data signed again: a conflict, one signature
    with pytest.raises(ConflictError):
        signoff.sign(trial, settings, inv, pid, "lab_result", str(row.id), _sign())
    assert _count(trial, FormSignature) == 1
    # locked after signing (protocol setting lock_form_after_signature, on)
    assert _count(trial, FormLock, FormLock.active_key.is_not(None)) == 1
    with pytest.raises(ConflictError) as caught:
        _correct(trial, settings, pid, row.id, 2.2, 1)
    assert caught.value.field == "lock" and "Laboratory result" in caught.value.message
    with trial.sessions() as s:
        assert s.get(LabResult, row.id).value == 2.6  # nothing stored
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.table_name == "lab_result", AuditRecord.action == "update")) == 0

    # a monitor may not lock or unlock; an unlock needs a reason
    with pytest.raises(PermissionDenied):
        locks.unlock(trial, mon, pid, "lab_result", str(row.id), "monitor wants to")
    with pytest.raises(ValidationError) as caught:
        locks.unlock(trial, dm, pid, "lab_result", str(row.id), " ")
    assert caught.value.field == "reason"
    locks.unlock(trial, dm, pid, "lab_result", str(row.id), "query 12: value re-checked")
    _correct(trial, settings, pid, row.id, 2.2, 1)
    # the change voided the signature, with when and why, in the same transaction
    book = signoff.casebook(trial, inv, pid)
    form = next(f for f in book.forms if f.table_name == "lab_result")
    assert form.signature is not None and not form.signature.valid
    assert form.signature.voided_at is not None
    assert "data changed after signing" in (form.signature.void_reason or "")
    assert not form.locked
    with trial.sessions() as s:
        fields = set(s.scalars(select(AuditRecord.field).where(
            AuditRecord.table_name.in_(("form_signature", "form_lock")),
            AuditRecord.action == "update")))
    assert {"voided_at", "void_reason", "unlocked_by", "unlock_reason"} <= fields
    # signed again over the new data: valid again
    again = signoff.sign(trial, settings, inv, pid, "lab_result", str(row.id), _sign())
    assert again.valid and again.id != sig.id


def test_a_locked_casebook_refuses_every_service(trial: Database, settings: Settings) -> None:
    pid = randomized_to(trial, settings, "A", "letrozole")
    row = _lab(trial, settings, pid)
    coord, dm, inv = (principal(trial, u) for u in ("coord_a", "dm_a", "inv_a"))
    ae = safety.AeIn.model_validate({"term": "Nausea", "grade": 2, "start_date": "2024-04-02",
                                     "relatedness": {"dalpiciclib": "related",
                                                     "letrozole": "not_related"}})
    with simulated(NOW):
        treatment.record_cycle(trial, settings, coord, pid, treatment.CycleIn(
            cycle=1, start_date=date(2024, 3, 14)))
        number = safety.record_ae(trial, settings, coord, pid, ae)
    with pytest.raises(PermissionDenied):  # an investigator signs but does not lock
        locks.lock(trial, inv, pid, None, None, "lock it")
    locks.lock(trial, dm, pid, None, None, "casebook review done")
    with pytest.raises(ConflictError):
        locks.lock(trial, dm, pid, None, None, "twice")
    before = (_count(trial, AuditRecord), _count(trial, AdverseEvent))
    with simulated(NOW):
        attempts = [
            lambda: _correct(trial, settings, pid, row.id, 2.2, 1),
            lambda: safety.update_ae(trial, settings, coord, pid, number, ae.model_copy(
                update={"grade": 3}), version=1, reason="worse"),
            lambda: safety.record_ae(trial, settings, coord, pid, ae.model_copy(
                update={"term": "Fatigue", "grade": 1})),
            lambda: screening.save(trial, settings, coord, pid, screening.record_from_dict(
                eligible_record() | {"ecog": 0}), "ECOG re-read", 1),
        ]
        for attempt in attempts:
            with pytest.raises(ConflictError) as caught:
                attempt()
            assert caught.value.field == "lock"
            assert pid in caught.value.message and "locked" in caught.value.message
    assert (_count(trial, AuditRecord), _count(trial, AdverseEvent)) == before
    # an adverse event's signature attests its causality assessment
    locks.unlock(trial, dm, pid, None, None, "reopened for the AE review")
    with trial.sessions() as s:
        ae_id = s.scalar(select(AdverseEvent.id))
    sig = signoff.sign(trial, settings, inv, pid, "adverse_event", str(ae_id), _sign())
    assert "causality" in sig.meaning and "dalpiciclib: related" in sig.meaning


def test_casebook_signature_voids_on_any_new_form_and_bulk_states(
        trial: Database, settings: Settings) -> None:
    pid = randomized_to(trial, settings, "A", "letrozole")
    row = _lab(trial, settings, pid)
    inv, coord = principal(trial, "inv_a"), principal(trial, "coord_a")
    book = signoff.casebook(trial, inv, pid)
    # an imaging reader, kept blind to the arm, is not listed the treatment forms
    blind = signoff.casebook(trial, principal(trial, "reader_a"), pid)
    assert {f.table_name for f in blind.forms} & {"lab_result", "allocation"} == set()
    assert {"lab_result", "allocation"} <= {f.table_name for f in book.forms}
    with pytest.raises(ConflictError):  # the page shown is not the data signed
        signoff.sign(trial, settings, inv, pid, None, None, _sign(content_sha256="0" * 64))
    signed = signoff.sign(trial, settings, inv, pid, None, None,
                          _sign(content_sha256=book.content_sha256))
    assert signed.valid and signed.scope == "casebook"
    with trial.sessions() as s:
        p_id = s.scalar(select(Participant.id).where(Participant.pseudonym == pid))
    (state,) = signoff.signoff_states(trial, [p_id], verify=True).values()
    assert state.casebook_signed and state.casebook_locked
    assert state.form_locked("lab_result", str(row.id))
    # unlocked by the data manager, then a new form voids the casebook signature
    locks.unlock(trial, principal(trial, "dm_a"), pid, None, None, "late lab result")
    with simulated(NOW):
        safety.record_lab(trial, settings, coord, pid, safety.LabIn(
            analyte="anc", value=2.0, unit="10^9/L", lln=1.8, sample_date=date(2024, 3, 20)))
    view = signoff.casebook(trial, inv, pid)
    assert view.signature is not None and not view.signature.valid
    (state,) = signoff.signoff_states(trial, [p_id]).values()
    assert not state.casebook_signed and not state.casebook_locked


def test_one_signature_in_force_per_form_at_the_storage_level(
        trial: Database, settings: Settings) -> None:
    """Two requests that both passed the service's check: the unique key in force lets the
    database keep one; the other is a 409 (ConflictError), nothing half stored."""
    pid = randomized_to(trial, settings, "A", "letrozole")
    row = _lab(trial, settings, pid)
    inv = principal(trial, "inv_a")
    signoff.sign(trial, settings, inv, pid, "lab_result", str(row.id), _sign())
    with trial.sessions() as s:
        first = s.scalars(select(FormSignature)).one()
        copy = {c.key: getattr(first, c.key) for c in FormSignature.__table__.columns
                if c.key not in ("id", "version")}
    with pytest.raises(ConflictError), UnitOfWork(trial, SYSTEM, "second request") as uow:
        uow.session.add(FormSignature(**copy))
        uow.commit()
    assert _count(trial, FormSignature) == 1


def test_freeze_reads_its_cut_and_refuses_when_frozen_data_changed(
        trial: Database, settings: Settings) -> None:
    """The freeze of 2024-04-30: a result dated after the cut-off (2024-05-02) leaves the
    frozen analysis as it was; a correction of one dated before (2024-03-13) does not."""
    from dawna.services import freezes
    from dawna.services.schemas_signoff import FreezeIn

    pid = randomized_to(trial, settings, "A", "letrozole")
    row = _lab(trial, settings, pid)
    dm, coord = principal(trial, "dm_a"), principal(trial, "coord_a")
    command = FreezeIn(name="interim-1", cut_off=date(2024, 4, 30), description="interim cut")
    with simulated(NOW):
        with pytest.raises(PermissionDenied):
            freezes.freeze(trial, settings, coord, command)
        with pytest.raises(ValidationError) as caught:
            freezes.freeze(trial, settings, dm, command.model_copy(
                update={"cut_off": date(2024, 9, 30)}))
        assert caught.value.field == "cut_off"
        made = freezes.freeze(trial, settings, dm, command)
        with pytest.raises(ConflictError):
            freezes.freeze(trial, settings, dm, command)
    with trial.sessions() as s:
        assert made.chain_last_id == s.scalar(select(func.max(AuditRecord.id))) - len(
            list(s.scalars(select(AuditRecord.id).where(AuditRecord.table_name == "data_freeze"))))
    assert freezes.analysis_cut(trial, dm, "interim-1") == date(2024, 4, 30)
    with simulated(NOW):
        safety.record_lab(trial, settings, coord, pid, safety.LabIn(
            analyte="anc", value=2.0, unit="10^9/L", lln=1.8, sample_date=date(2024, 5, 2)))
    assert freezes.check(trial, dm, "interim-1").unchanged
    _correct(trial, settings, pid, row.id, 2.2, 1)
    result = freezes.check(trial, dm, "interim-1")
    assert not result.unchanged
    assert {(c.table_name, c.row_id, c.data_date) for c in result.changes} == {
        ("lab_result", str(row.id), date(2024, 3, 13))}
    with pytest.raises(ConflictError) as caught:
        freezes.analysis_cut(trial, dm, "interim-1")
    assert caught.value.field == "freeze" and "Laboratory result" in caught.value.message
    with pytest.raises(ValidationError):
        freezes.unfreeze(trial, dm, "interim-1", "")
    lifted = freezes.unfreeze(trial, dm, "interim-1", "lab corrected; new freeze follows")
    assert not lifted.active and lifted.unfreeze_reason
    with pytest.raises(ConflictError):
        freezes.analysis_cut(trial, dm, "interim-1")


def test_two_simultaneous_signatures_of_one_form_give_one_signature_and_one_409(
        trial: Database, settings: Settings) -> None:
    """Whatever the interleaving (one after the other: "already signed"; at once: the second
    waits for the form's row lock on PostgreSQL, or meets the unique key in force), one
    signature is stored and the other request is a ConflictError, never a server error."""
    import threading

    pid = randomized_to(trial, settings, "A", "letrozole")
    row = _lab(trial, settings, pid)
    inv = principal(trial, "inv_a")
    results: list[Any] = [None, None]

    def run(i: int) -> None:
        try:
            results[i] = signoff.sign(trial, settings, inv, pid, "lab_result", str(row.id),
                                      _sign(version=1))
        except Exception as exc:  # the test inspects what each request got
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    assert len(conflicts) == 1 and conflicts[0].status_code == 409, results
    assert sum(1 for r in results if not isinstance(r, Exception)) == 1, results
    assert _count(trial, FormSignature) == 1
    assert _count(trial, FormLock) == 1
