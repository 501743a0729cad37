"""Medical history (issue 21 item 2): baseline conditions are history, not adverse events; a
worsening on or after the first dose is an adverse event (:mod:`dawna.rules.medical_history`):
the row is marked and the page offers to record it on the adverse event form."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.i18n import _
from dawna.rules import medical_history as rules
from dawna.rules.rule_errors import RuleError
from dawna.services.access import Principal
from dawna.services.clinical.common import ae_numbers, load_write
from dawna.services.clinical.schemas import HistoryIn, HistoryOut
from dawna.services.scope import actor_of
from dawna.services.treatment.common import first_dose, require_collecting, rule_error
from dawna.store.db import Database
from dawna.store.models import MedicalHistory, Participant
from dawna.store.uow import UnitOfWork

__all__ = ["fill_history", "history_rows", "record_history"]


def history_rows(s: Session, p: Participant) -> list[HistoryOut]:
    rows = list(s.scalars(select(MedicalHistory).where(MedicalHistory.participant_id == p.id)
                          .order_by(MedicalHistory.id)))
    first = first_dose(s, p)
    numbers = ae_numbers(s, [r.adverse_event_id for r in rows])
    return [HistoryOut(
        id=r.id, condition=r.condition, code=r.code, start_date=r.start_date,
        stop_date=r.stop_date, ongoing=r.ongoing, worsened_on=r.worsened_on,
        adverse_event=rules.is_adverse_event(r.worsened_on, first),
        adverse_event_number=numbers.get(r.adverse_event_id or 0), version=r.version)
        for r in rows]


def fill_history(s: Session, p: Participant, entry: HistoryIn, today: date,
                 row: MedicalHistory) -> None:
    """Check ``entry`` and put it on ``row`` (new or corrected). Refused naming the field: a
    stop before the start or with ongoing (``stop_date``), a date in the future (its field), a
    worsening before the start or before consent (``worsened_on``)."""
    try:
        rules.check_history(entry.start_date, entry.stop_date, entry.ongoing,
                            entry.worsened_on, today)
    except RuleError as exc:
        raise rule_error(exc) from None
    if entry.worsened_on is not None:
        require_collecting(s, p, entry.worsened_on, "worsened_on")
    row.condition, row.code = entry.condition, entry.code or None
    row.start_date, row.stop_date, row.ongoing = entry.start_date, entry.stop_date, entry.ongoing
    row.worsened_on, row.note = entry.worsened_on, entry.note or None


def record_history(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                   entry: HistoryIn) -> HistoryOut:
    """Record a condition (refusals: :func:`fill_history`)."""
    today = local_today(settings.zone)
    with UnitOfWork(db, actor_of(principal), _("Medical history recorded")) as uow:
        s = uow.session
        p = load_write(s, principal, pseudonym)
        row = MedicalHistory(participant_id=p.id, recorded_by=principal.username)
        fill_history(s, p, entry, today, row)
        s.add(row)
        s.flush()
        out = next(r for r in history_rows(s, p) if r.id == row.id)
        uow.commit()
    return out
