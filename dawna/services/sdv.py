"""Source data verification (issue 20 item 2): a monitor (``sdv.mark``) marks a field, or a whole
form, as matching the source documents (ICH E6(R3) 3.11.4.5.3); a later change of the data
clears the mark (``dawna/store/sdv_clearing.py``, audited with the change's reason).

Progress: a form counts as *verified* when the whole form carries a mark in force, *partly*
when only some of its fields do; the percent is verified forms over forms entered (the forms of
:mod:`dawna.services.form_catalogue`), per participant, per kind of form and per site, computed
for many participants at once (:func:`verification_state`, one statement; form counts one
statement per kind of form).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.errors import ConflictError, PermissionDenied
from dawna.i18n import _
from dawna.services.access import Permission, Principal
from dawna.services.form_catalogue import FORMS, form_label
from dawna.services.form_rows import form_counts, form_url, resolve, rows_of
from dawna.services.queries import query_counts
from dawna.services.schemas_queries import SdvMarkIn
from dawna.services.scope import actor_of, load_visible
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, Participant, Site, SourceVerification
from dawna.store.uow import UnitOfWork

__all__ = ["FormRow", "FormVerification", "MarkView", "ProgressRow", "mark", "marks_of",
           "participant_forms", "progress", "verification_state"]


@dataclass(frozen=True)
class MarkView:
    id: int
    pseudonym: str
    table_name: str
    row_id: str
    field: str
    verified_by: str
    verified_at: datetime
    cleared_at: datetime | None
    cleared_by: str | None
    cleared_reason: str | None
    version: int


def _view(row: SourceVerification, pseudonym: str) -> MarkView:
    return MarkView(row.id, pseudonym, row.table_name, row.row_id, row.field, row.verified_by,
                    row.verified_at, row.cleared_at, row.cleared_by, row.cleared_reason,
                    row.version)


def mark(db: Database, principal: Principal, command: SdvMarkIn) -> MarkView:
    """Mark a form (no field) or one of its fields verified against the source; a mark already
    in force is a 409 naming who verified it."""
    with UnitOfWork(db, actor_of(principal), _("Source data verified")) as uow:
        s = uow.session
        ref = resolve(s, principal, command.table_name, command.row_id, command.field)
        if not principal.can(Permission.SDV_MARK, ref.site_id):
            raise PermissionDenied(_("only a monitor of this site can verify source data"),
                                   field="role")
        current = s.scalar(select(SourceVerification).where(
            SourceVerification.table_name == ref.table, SourceVerification.row_id == ref.row_id,
            SourceVerification.field == ref.field, SourceVerification.cleared_at.is_(None)))
        if current is not None:
            raise ConflictError(_("already verified by {user}").format(
                user=current.verified_by), field="field")
        row = SourceVerification(participant_id=ref.participant_id, table_name=ref.table,
                                 row_id=ref.row_id, field=ref.field,
                                 verified_by=principal.username)
        s.add(row)
        s.flush()
        view = _view(row, ref.pseudonym)
        uow.commit()
    return view


def marks_of(db: Database, principal: Principal, pseudonym: str,
             include_cleared: bool = False) -> list[MarkView]:
    """A participant's marks (in force; with ``include_cleared`` the cleared ones too)."""
    with UnitOfWork(db) as uow:
        p = load_visible(uow.session, principal, pseudonym)
        query = select(SourceVerification).where(SourceVerification.participant_id == p.id)
        if not include_cleared:
            query = query.where(SourceVerification.cleared_at.is_(None))
        return [_view(r, p.pseudonym) for r in uow.session.scalars(
            query.order_by(SourceVerification.id))]


@dataclass(frozen=True)
class FormVerification:
    """The marks in force on one form: the whole form, and the fields marked one by one."""

    whole: bool = False
    fields: frozenset[str] = frozenset()


def verification_state(session: Session, participant_ids: Collection[int]
                       ) -> dict[int, dict[tuple[str, str], FormVerification]]:
    """Participant id -> (table_name, row_id) -> its marks in force, for many participants in
    one statement (the form status grid, the monitor's page)."""
    ids = list(participant_ids)
    whole: set[tuple[int, str, str]] = set()
    fields: dict[tuple[int, str, str], set[str]] = {}
    if ids:
        for pid, table, row_id, fld in session.execute(
                select(SourceVerification.participant_id, SourceVerification.table_name,
                       SourceVerification.row_id, SourceVerification.field)
                .where(SourceVerification.participant_id.in_(ids),
                       SourceVerification.cleared_at.is_(None))):
            key = (int(pid), table, row_id)
            if fld:
                fields.setdefault(key, set()).add(fld)
            else:
                whole.add(key)
    out: dict[int, dict[tuple[str, str], FormVerification]] = {pid: {} for pid in ids}
    for key in whole | set(fields):
        pid, table, row_id = key
        out[pid][(table, row_id)] = FormVerification(key in whole,
                                                     frozenset(fields.get(key, ())))
    return out


@dataclass(frozen=True)
class ProgressRow:
    key: str
    label: str
    forms: int
    verified: int
    partly: int

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.verified / self.forms, 1) if self.forms else None


def progress(db: Database, principal: Principal, by: str = "participant",
             site_code: str | None = None) -> list[ProgressRow]:
    """Verified forms over forms entered, ``by`` participant, form or site, at the user's
    sites (one site by code if given)."""
    sites = principal.sites_with(Permission.PARTICIPANT_VIEW)
    with UnitOfWork(db) as uow:
        s = uow.session
        query = (select(Participant.id, Participant.pseudonym, Site.code)
                 .join(Site, Site.id == Participant.site_id).where(Site.id.in_(sites)))
        if site_code:
            query = query.where(Site.code == site_code)
        people = list(s.execute(query.order_by(Site.code, Participant.id)))
        ids = [pid for pid, _p, _c in people]
        counts = form_counts(s, ids)
        state = verification_state(s, ids)
    totals: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for pid, pseudonym, code in people:
        for table, n in counts[pid].items():
            marks = [v for (t, _r), v in state[pid].items() if t == table]
            verified = sum(1 for v in marks if v.whole)
            partly = sum(1 for v in marks if not v.whole and v.fields)
            key = {"participant": pseudonym, "site": code}.get(by, table)
            labels[key] = form_label(key) if by == "form" else key
            row = totals.setdefault(key, [0, 0, 0])
            row[0] += n
            row[1] += verified
            row[2] += partly
    order = list(FORMS) if by == "form" else list(totals)
    return [ProgressRow(k, labels[k], *totals[k]) for k in order if k in totals]


@dataclass(frozen=True)
class FormRow:
    """One form of a participant on the monitor's page: its marks and unresolved queries."""

    table: str
    row_id: str
    label: str
    url: str
    verified: FormVerification
    queries: int


def participant_forms(db: Database, principal: Principal, pseudonym: str) -> list[FormRow]:
    """Every form of the participant with its verification and unresolved queries."""
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        rows = rows_of(s, p.id)
        state = verification_state(s, [p.id])[p.id]
        counts = query_counts(s, [p.id])[p.id]
        numbers = dict(s.execute(select(AdverseEvent.id, AdverseEvent.number).where(
            AdverseEvent.participant_id == p.id)).all())
    out = []
    for table, row_id in rows:
        q = counts.get((table, row_id))
        number = numbers.get(int(row_id)) if table == "adverse_event" else None
        out.append(FormRow(table, row_id, form_label(table),
                           form_url(table, p.pseudonym, row_id, number),
                           state.get((table, row_id), FormVerification()),
                           (q.open + q.answered) if q else 0))
    return out
