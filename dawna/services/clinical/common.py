"""What the clinical forms share: loading the participant for reading (treatment data may be
seen) or recording (the participant's data may be edited), the first and last dose, dates
checked, an adverse event found by its number, and the export row of a form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.errors import ValidationError
from dawna.i18n import _
from dawna.rules.lifecycle import Event
from dawna.services import lifecycle
from dawna.services.access import Permission, Principal
from dawna.services.treatment.common import first_dose, load_for, not_in_future, require_collecting
from dawna.store.models import AdverseEvent, Participant, Site

__all__ = ["ae_by_number", "ae_numbers", "check_date", "export_rows", "last_dose", "load_read",
           "load_write", "treatment_days"]


def load_read(s: Session, principal: Principal, pseudonym: str) -> Participant:
    return load_for(s, principal, pseudonym, Permission.TREATMENT_VIEW)


def load_write(s: Session, principal: Principal, pseudonym: str) -> Participant:
    return load_for(s, principal, pseudonym, Permission.PARTICIPANT_EDIT)


def last_dose(s: Session, p: Participant) -> date | None:
    """The end of treatment (None while on treatment)."""
    return lifecycle.event_date(s, p, Event.TREATMENT_ENDED)


def treatment_days(s: Session, p: Participant) -> tuple[date | None, date | None]:
    return first_dose(s, p), last_dose(s, p)


def check_date(s: Session, p: Participant, value: date | None, today: date,
               field: str) -> None:
    """Not in the future, after consent, while data is collected."""
    if value is None:
        return
    not_in_future(value, today, field)
    require_collecting(s, p, value, field)


def ae_by_number(s: Session, p: Participant, number: int | None) -> AdverseEvent | None:
    if number is None:
        return None
    row = s.scalar(select(AdverseEvent).where(AdverseEvent.participant_id == p.id,
                                              AdverseEvent.number == number))
    if row is None:
        raise ValidationError(_("no adverse event number {n} for this participant").format(
            n=number), field="adverse_event_number")
    return row


def ae_numbers(s: Session, ids: Sequence[int | None]) -> dict[int, int]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = s.execute(select(AdverseEvent.id, AdverseEvent.number)
                     .where(AdverseEvent.id.in_(wanted)))
    return {int(r[0]): int(r[1]) for r in rows}


def export_rows(s: Session, model: Any, site_ids: Sequence[int], columns: Sequence[str],
                order: Any) -> list[dict[str, Any]]:
    """Every row of ``model`` at ``site_ids`` as plain data for the analysis exports: the
    participant's pseudonym and site code, then ``columns``."""
    q = (select(Participant.pseudonym, Site.code, *[getattr(model, c) for c in columns])
         .join(Participant, Participant.id == model.participant_id)
         .join(Site, Site.id == Participant.site_id)
         .where(Participant.site_id.in_(site_ids))
         .order_by(Participant.pseudonym, order, model.id))
    return [dict(zip(("participant", "site", *columns), row, strict=True))
            for row in s.execute(q)]
