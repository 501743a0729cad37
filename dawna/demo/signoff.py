"""Sign-off and locks in the simulated trial (issue 20 item 4), deterministic (database order,
no random draws): at the first site the investigator signs the casebooks of the first two
screen failures and of the first participant who ended the study, and signs the first
laboratory result and the first adverse event of the second participant who ended the study (the
adverse event's signature attests its causality); each signature locks what it signs (the
protocol setting ``lock_form_after_signature``). The data manager locks the casebook of the
third screen failure, and freezes the data for an interim cut two weeks before the load day.
Participants still on treatment or in follow-up are left open, so their data can be entered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.services import freezes, locks, signoff
from dawna.services.access import Principal
from dawna.services.schemas_signoff import FreezeIn, SignIn
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, LabResult, Participant, ParticipantStatus

__all__ = ["FREEZE_NAME", "sign_and_lock"]

FREEZE_NAME = "interim-1"


def _first(db: Database, site_id: int, status: ParticipantStatus, n: int) -> list[str]:
    with db.sessions() as s:
        return list(s.scalars(select(Participant.pseudonym).where(
            Participant.site_id == site_id, Participant.status == status)
            .order_by(Participant.id).limit(n)))


def _first_row(db: Database, model: type[LabResult] | type[AdverseEvent],
               pseudonym: str) -> str | None:
    with db.sessions() as s:
        row_id = s.scalar(select(model.id).join(
            Participant, Participant.id == model.participant_id).where(
            Participant.pseudonym == pseudonym).order_by(model.id).limit(1))
    return None if row_id is None else str(row_id)


def sign_and_lock(db: Database, settings: Settings, investigator: Principal | None,
                  data_manager: Principal | None, site_id: int, password: str) -> int:
    """Returns the number of signatures made."""
    today = local_today(settings.zone)
    signed = 0
    if investigator is not None:
        failed = _first(db, site_id, ParticipantStatus.SCREEN_FAILED, 3)
        ended = _first(db, site_id, ParticipantStatus.END_OF_STUDY, 2)
        book = SignIn(password=password, meaning="approval", confirm=True)
        form = SignIn(password=password, meaning="review", confirm=True)
        with simulated(moment(today - timedelta(days=1), 15, settings.zone)):
            for pseudonym in failed[:2] + ended[:1]:
                signoff.sign(db, settings, investigator, pseudonym, None, None, book)
                signed += 1
            for pseudonym in ended[1:]:
                for model, table in ((LabResult, "lab_result"), (AdverseEvent, "adverse_event")):
                    row_id = _first_row(db, model, pseudonym)
                    if row_id is not None:
                        signoff.sign(db, settings, investigator, pseudonym, table, row_id, form)
                        signed += 1
        if data_manager is not None and len(failed) > 2:
            with simulated(moment(today - timedelta(days=1), 17, settings.zone)):
                locks.lock(db, data_manager, failed[2], None, None,
                           "Simulated: screening data reviewed, casebook closed")
    if data_manager is not None:
        with simulated(moment(today, 9, settings.zone)):
            freezes.freeze(db, settings, data_manager, FreezeIn(
                name=FREEZE_NAME, cut_off=today - timedelta(days=14),
                description="Simulated interim analysis cut"))
    return signed
