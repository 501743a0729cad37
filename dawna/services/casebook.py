"""A participant's casebook: every form (one row of a trial-data table, addressed as in the audit
trail by table and row id) with its fingerprint, read for many participants at once (one query
per kind of form, never one per participant).

The fingerprint of a form is ``dawna.store.signoff_guard.row_sha256`` (the SHA-256 of its field
values); the casebook's is the SHA-256 of its forms' addresses and fingerprints in order, so a
signature keeps what was signed and any later change is seen (21 CFR 11.70).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from dawna.errors import NotFound
from dawna.i18n import _
from dawna.services.form_catalogue import FORMS, form_label
from dawna.store.base import Base
from dawna.store.models import AdverseEvent
from dawna.store.signoff_guard import (
    FORM_OWNERS,
    owner_of,
    row_id_of,
    row_sha256,
    set_form_label,
)

MAX_ROW_ID = 2_147_483_647  # the largest PostgreSQL integer: a larger id names no row
set_form_label(form_label)  # refusals of locked forms name them as the site team does


@dataclass(frozen=True)
class FormRef:
    """One form of a casebook: its address, label, fingerprint and version."""

    table_name: str
    row_id: str
    label: str
    sha256: str
    version: int | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.table_name, self.row_id)


def model_of(table_name: str) -> type[Any]:
    """The model class of a form table (NotFound naming ``form`` for any other table)."""
    if table_name not in FORMS:
        raise NotFound(_("no form {form}").format(form=table_name), field="form")
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table_name:
            return mapper.class_
    raise NotFound(_("no form {form}").format(form=table_name), field="form")


def ref_of(row: Any) -> FormRef:
    """The casebook entry of one loaded form."""
    table = row.__tablename__
    return FormRef(table_name=table, row_id=row_id_of(row), label=form_label(table),
                   sha256=row_sha256(row), version=getattr(row, "version", None))


def _rows(session: Session, table: str, ids: list[int], for_update: bool
          ) -> list[tuple[int, Any]]:
    model = model_of(table)
    owner = FORM_OWNERS[table]
    if owner == "adverse_event_id":
        query = (select(AdverseEvent.participant_id, model)
                 .join(AdverseEvent, AdverseEvent.id == model.adverse_event_id)
                 .where(AdverseEvent.participant_id.in_(ids)))
    else:
        column = getattr(model, owner)
        query = select(column, model).where(column.in_(ids))
    if for_update:
        query = query.with_for_update(of=model)
    return [(int(pid), row) for pid, row in session.execute(
        query.order_by(*inspect(model).primary_key))]


def forms_of(session: Session, participant_ids: Iterable[int], for_update: bool = False
             ) -> dict[int, list[FormRef]]:
    """Every form of each participant, by participant id (forms in catalogue order, then by
    row). ``for_update`` holds the rows (PostgreSQL) so a concurrent change waits for the
    signature or lock being written."""
    ids = sorted(set(participant_ids))
    out: dict[int, list[FormRef]] = {pid: [] for pid in ids}
    if not ids:
        return out
    for table in FORMS:
        for pid, row in _rows(session, table, ids, for_update):
            out[pid].append(ref_of(row))
    return out


def form_row(session: Session, participant_id: int, table_name: str, row_id: str,
             for_update: bool = False) -> Any:
    """The form ``table_name`` ``row_id`` of the participant (NotFound on ``form`` otherwise);
    ``row_id`` ``-`` names the participant's one form of that kind (screening, plan, …)."""
    model = model_of(table_name)
    if row_id == "-":
        only = [row for _pid, row in _rows(session, table_name, [participant_id], False)]
        row_id = row_id_of(only[0]) if len(only) == 1 else ""
    number = int(row_id) if row_id.isdigit() and len(row_id) <= 10 else 0
    row = session.get(model, number, with_for_update=for_update) \
        if 0 < number <= MAX_ROW_ID else None
    if row is None or owner_of(session, row) != participant_id:
        raise NotFound(_("no form {form} {row} of this participant").format(
            form=table_name, row=row_id), field="form")
    return row


def casebook_sha256(forms: Iterable[FormRef]) -> str:
    """SHA-256 of the casebook: one line ``table,row_id,sha256`` per form, in order."""
    lines = "\n".join(f"{f.table_name},{f.row_id},{f.sha256}" for f in
                      sorted(forms, key=lambda f: (f.table_name, f.row_id.zfill(12))))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()
