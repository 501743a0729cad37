"""Corrections and deletions of the forms of issue 21 (concomitant medications, medical history,
vital signs, ECG, pregnancy test, hepatitis B screening, oral drug dispensing, dose diary).

A correction changes a stored entry; a deletion removes one entered in error. Both need the
version the user saw (a later change is a :class:`~dawna.errors.ConflictError`, HTTP 409,
naming the current version; two requests of one version: the first wins, the second is a 409
from the optimistic lock) and a reason, kept in the audit trail with the old and new values
(ICH E6(R3) 3.16.1: a change of a record is dated, explained and does not obscure the
original entry; 21 CFR 11.10(e); ``docs/audit-trail.md``). A correction passes the checks
of the entry form (each form's ``fill_*`` function); a refused one changes nothing. A form
locked or under a locked casebook is refused by ``store/signoff_guard.py`` at flush time,
and a signature in force is voided by the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, ValidationError
from dawna.i18n import _
from dawna.services import clinical
from dawna.services.access import Permission, Principal
from dawna.services.clinical import conmeds, ecg, history, vitals
from dawna.services.form_catalogue import form_label
from dawna.services.scope import actor_of
from dawna.services.treatment import dispensing, pretreatment
from dawna.services.treatment.common import load_for
from dawna.store.db import Database
from dawna.store.models import (
    ConcomitantMedication,
    DoseDiary,
    DrugDispensing,
    Ecg,
    HbvScreening,
    MedicalHistory,
    Participant,
    PregnancyTest,
    VitalSigns,
)
from dawna.store.uow import UnitOfWork

__all__ = ["CORRECTIONS", "EDITABLE", "DeleteIn", "Editable", "correct", "delete"]


@dataclass(frozen=True)
class Editable:
    """One form that may be corrected and deleted: its table (the catalogue's key), model,
    entry model, the function that checks an entry and puts it on a row, the permission
    needed, and what follows a correction and comes before a deletion (the conmed's
    prohibited-medication deviation: opened, reinstated, withdrawn or flagged for review,
    ``docs/deviations.md``)."""

    table: str
    model: Any
    entry: type[BaseModel]
    fill: Callable[[Session, Participant, Any, date, Any], None]
    permission: Permission
    after: Callable[[Session, Participant, Any, str, date, str], None] | None = None
    before_delete: Callable[[Session, Participant, Any, str, str], None] | None = None


#: The form's key in addresses (web, API, CLI) -> what a correction and a deletion use.
EDITABLE: dict[str, Editable] = {
    "conmeds": Editable("concomitant_medication", ConcomitantMedication, clinical.ConmedIn,
                        conmeds.fill_conmed, Permission.PARTICIPANT_EDIT,
                        conmeds.after_correction, conmeds.after_deletion),
    "history": Editable("medical_history", MedicalHistory, clinical.HistoryIn,
                        history.fill_history, Permission.PARTICIPANT_EDIT),
    "vitals": Editable("vital_signs", VitalSigns, clinical.VitalsIn, vitals.fill_vitals,
                       Permission.PARTICIPANT_EDIT),
    "ecg": Editable("ecg", Ecg, clinical.EcgIn, ecg.fill_ecg, Permission.PARTICIPANT_EDIT),
    "pregnancy": Editable("pregnancy_test", PregnancyTest, pretreatment.PregnancyTestIn,
                          pretreatment.fill_pregnancy_test, Permission.PARTICIPANT_EDIT),
    "hbv": Editable("hbv_screening", HbvScreening, pretreatment.HbvIn, pretreatment.fill_hbv,
                    Permission.PARTICIPANT_EDIT),
    "dispensing": Editable("drug_dispensing", DrugDispensing, dispensing.DispenseIn,
                           dispensing.fill_dispensing, Permission.TREATMENT_RECORD),
    "diary": Editable("dose_diary", DoseDiary, dispensing.DiaryIn, dispensing.fill_diary,
                      Permission.TREATMENT_RECORD),
}


class DeleteIn(BaseModel):
    """A deletion: the version the user saw and why the entry was made in error."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    version: int = Field(ge=1)
    reason: str = Field(min_length=3, max_length=2000)


if TYPE_CHECKING:
    class CorrectionIn(BaseModel):
        """For the type checker only: the two fields :func:`_correction` adds to each form's
        entry model. ``create_model`` makes the real classes, which the checker cannot see into;
        a base class declaring these at run time would put them before the entry's fields (in
        error order and in the API schema), so none is used."""

        version: int
        reason: str


def _correction(key: str, spec: Editable) -> type[CorrectionIn]:
    name = "".join(part.capitalize() for part in key.split("_")) + "CorrectionIn"
    return cast("type[CorrectionIn]", create_model(
        name, __base__=spec.entry, version=(int, Field(ge=1)),
        reason=(str, Field(min_length=3, max_length=2000))))


#: The JSON body of a correction of each form: its entry fields, ``version`` and ``reason``.
CORRECTIONS: dict[str, type[CorrectionIn]] = {k: _correction(k, v) for k, v in EDITABLE.items()}


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) < 3:
        raise ValidationError(_("give the reason for the change"), field="reason")
    return text


def _spec(form: str) -> Editable:
    spec = EDITABLE.get(form)
    if spec is None:
        raise NotFound(_("no form {form} can be corrected here").format(form=form),
                       field="form")
    return spec


def _row(s: Session, spec: Editable, p: Participant, row_id: int, version: int) -> Any:
    row = s.scalar(select(spec.model).where(spec.model.id == row_id,
                                            spec.model.participant_id == p.id))
    if row is None:
        raise NotFound(_("no {form} {id} for this participant").format(
            form=form_label(spec.table), id=row_id), field="id")
    if row.version != version:
        raise ConflictError(_("{form} {id} was changed by someone else (version {v}); reload "
                              "it and enter your change again").format(
            form=form_label(spec.table), id=row_id, v=row.version), field="version")
    return row


def correct(db: Database, settings: Settings, principal: Principal, pseudonym: str, form: str,
            row_id: int, entry: BaseModel, *, version: int, reason: str) -> None:
    """Correct entry ``row_id`` of ``form`` with ``entry`` (checked as on entry)."""
    spec = _spec(form)
    text = _reason(reason)
    entry = spec.entry.model_validate(entry.model_dump(include=set(spec.entry.model_fields)))
    today = local_today(settings.zone)
    with UnitOfWork(db, actor_of(principal), text) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, spec.permission)
        row = _row(s, spec, p, row_id, version)
        spec.fill(s, p, entry, today, row)
        s.flush()
        if spec.after is not None:
            spec.after(s, p, row, principal.username, today, text)
        uow.commit()


def delete(db: Database, settings: Settings, principal: Principal, pseudonym: str, form: str,
           row_id: int, *, version: int, reason: str) -> None:
    """Delete entry ``row_id`` of ``form``, entered in error; the audit trail keeps every value
    it held and the reason."""
    spec = _spec(form)
    text = _reason(reason)
    with UnitOfWork(db, actor_of(principal), text) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, spec.permission)
        row = _row(s, spec, p, row_id, version)
        if spec.before_delete is not None:
            spec.before_delete(s, p, row, principal.username, text)
        s.delete(row)
        uow.commit()
