"""Data queries (issue 20 item 1): REDCap's data resolution workflow, OpenClinica's discrepancy
notes.

A monitor or data manager (``query.raise``) asks about one field of one form, or a whole form;
the site (``query.answer``: investigator, coordinator) answers, by correcting the value on its
form (the form's own update path, with its reason: the answer links the correction's audit
records) or by explaining why it stands; a ``query.raise`` user of the site closes the query or
re-opens it. Status: open -> answered -> closed; answered or closed -> open (re-opened).
ICH E6(R3) 3.11.4 (the monitor communicates discrepancies to the site) and 3.16.1 (corrections
attributable, dated, explained and traceable; the audit trail keeps the old value).

Every step is a row of the query's thread (:class:`~dawna.store.models.QueryMessage`) and a
change of the query (its status and version), both audited by the unit of work. A step names the
version it read: a concurrent step is a 409 naming the current version. Listings, counts and the
bulk look-ups are in :mod:`dawna.services.query_lists`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import utcnow
from dawna.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from dawna.i18n import _
from dawna.rules.messages import N_
from dawna.services.access import Permission, Principal
from dawna.services.form_rows import FormRef, resolve
from dawna.services.schemas_queries import QueryAnswerIn, QueryRaiseIn, QueryStepIn
from dawna.services.scope import actor_of
from dawna.store.audit import Actor
from dawna.store.db import Database
from dawna.store.models import AuditRecord, DataQuery, Participant, QueryMessage
from dawna.store.uow import UnitOfWork

__all__ = ["OPEN", "STATUSES", "STATUS_LABELS", "SYSTEM_ACTOR", "FormQueries", "add_query",
           "answer", "close", "load_query", "query_counts", "raise_query", "reopen"]

OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
STATUSES = (OPEN, ANSWERED, CLOSED)
#: Status names as shown (``N_``: translated when shown).
STATUS_LABELS = {OPEN: N_("open"), ANSWERED: N_("answered"), CLOSED: N_("closed")}
#: The actor of the queries the edit checks raise.
SYSTEM_ACTOR = Actor(user_id=None, username="system:edit-check")


def add_query(s: Session, ref: FormRef, text: str, actor: str, *, check_id: str | None = None,
              check_params: dict[str, str] | None = None) -> DataQuery:
    """A new open query on ``ref`` with its first message (inside the caller's unit of work)."""
    now = utcnow()
    row = DataQuery(participant_id=ref.participant_id, table_name=ref.table, row_id=ref.row_id,
                    field=ref.field, status=OPEN, text=text, check_id=check_id,
                    check_params=check_params, raised_by=actor, raised_at=now, updated_at=now)
    s.add(row)
    s.flush()
    s.add(QueryMessage(query_id=row.id, participant_id=ref.participant_id, kind="raise",
                       text=text, actor=actor, at=now))
    return row


def raise_query(db: Database, principal: Principal, command: QueryRaiseIn) -> int:
    """Raise a query on a form or field of a participant at one of the user's sites; the user
    needs ``query.raise`` at that site. Returns the query's id."""
    with UnitOfWork(db, actor_of(principal), _("Query raised")) as uow:
        s = uow.session
        ref = resolve(s, principal, command.table_name, command.row_id, command.field)
        if not principal.can(Permission.QUERY_RAISE, ref.site_id):
            raise PermissionDenied(_("only a monitor or a data manager of this site can raise "
                                     "a query"), field="role")
        row = add_query(s, ref, command.text, principal.username)
        query_id = row.id
        uow.commit()
    return query_id


def load_query(s: Session, principal: Principal, query_id: int) -> tuple[DataQuery, Participant]:
    """The query if its participant is at one of the user's sites (else NotFound)."""
    row = s.get(DataQuery, query_id)
    p = s.get(Participant, row.participant_id) if row is not None else None
    if row is None or p is None or p.site_id not in principal.sites_with(
            Permission.PARTICIPANT_VIEW):
        raise NotFound(_("no query {id} at your sites").format(id=query_id), field="query")
    return row, p


def _check_version(row: DataQuery, version: int) -> None:
    if row.version != version:
        raise ConflictError(_("this query was changed by someone else: it is now at version "
                              "{version} ({status}); reload it").format(
            version=row.version, status=_(STATUS_LABELS[row.status])), field="version")


def _require_status(row: DataQuery, allowed: tuple[str, ...]) -> None:
    if row.status not in allowed:
        raise ConflictError(_("this query is {status}: this step is not possible now").format(
            status=_(STATUS_LABELS[row.status])), field="status")


def _opened_at(s: Session, row: DataQuery) -> datetime:
    """When the query was last (re-)opened: a correction counts from then."""
    at = s.scalar(select(QueryMessage.at).where(
        QueryMessage.query_id == row.id, QueryMessage.kind.in_(("raise", "reopen")))
        .order_by(QueryMessage.id.desc()).limit(1))
    return at or row.raised_at


def _corrections(s: Session, row: DataQuery) -> list[int]:
    """The audit records of changes of the queried form (or field) since it was opened."""
    query = select(AuditRecord.id, AuditRecord.field).where(
        AuditRecord.table_name == row.table_name, AuditRecord.row_id == row.row_id,
        AuditRecord.action == "update", AuditRecord.at >= _opened_at(s, row),
        AuditRecord.field != "version").order_by(AuditRecord.id)
    return [i for i, f in s.execute(query)
            if not row.field or f == row.field or (f or "").startswith(row.field + ".")]


def _step(row: DataQuery, message: QueryMessage, status: str) -> None:
    row.status = status
    row.updated_at = message.at


def answer(db: Database, principal: Principal, query_id: int, command: QueryAnswerIn) -> int:
    """The site answers an open query: ``corrected`` links the corrections saved on the form
    since the query was opened (refused when there are none), ``explained`` keeps the value."""
    with UnitOfWork(db, actor_of(principal), _("Query answered")) as uow:
        s = uow.session
        row, p = load_query(s, principal, query_id)
        if not principal.can(Permission.QUERY_ANSWER, p.site_id):
            raise PermissionDenied(_("only an investigator or a coordinator of this site can "
                                     "answer a query"), field="role")
        _check_version(row, command.version)
        _require_status(row, (OPEN,))
        audit_ids = _corrections(s, row) if command.answer_kind == "corrected" else None
        if command.answer_kind == "corrected" and not audit_ids:
            raise ValidationError(_("no correction of this field was saved since the query was "
                                    "raised: correct the value on its form first (with the "
                                    "reason), or answer with an explanation"),
                                  field="answer_kind")
        message = QueryMessage(query_id=row.id, participant_id=p.id, kind="answer",
                               answer_kind=command.answer_kind, text=command.text,
                               audit_ids=audit_ids, actor=principal.username, at=utcnow())
        s.add(message)
        _step(row, message, ANSWERED)
        s.flush()
        version = row.version
        uow.commit()
    return version


def _raiser_step(db: Database, principal: Principal, query_id: int, command: QueryStepIn,
                 kind: str, allowed: tuple[str, ...], status: str, reason: str) -> int:
    with UnitOfWork(db, actor_of(principal), reason) as uow:
        s = uow.session
        row, p = load_query(s, principal, query_id)
        if not principal.can(Permission.QUERY_RAISE, p.site_id):
            raise PermissionDenied(_("only the monitor or data manager who raised the query, or "
                                     "another of this site, can close or re-open it"),
                                   field="role")
        _check_version(row, command.version)
        _require_status(row, allowed)
        if kind == "reopen" and not command.text:
            raise ValidationError(_("say why the query is re-opened"), field="text")
        message = QueryMessage(query_id=row.id, participant_id=p.id, kind=kind,
                               text=command.text, actor=principal.username, at=utcnow())
        s.add(message)
        _step(row, message, status)
        s.flush()
        version = row.version
        uow.commit()
    return version


def close(db: Database, principal: Principal, query_id: int, command: QueryStepIn) -> int:
    """Close an open or answered query (the raiser, or another ``query.raise`` user of the
    site); returns the new version."""
    return _raiser_step(db, principal, query_id, command, "close", (OPEN, ANSWERED), CLOSED,
                        _("Query closed"))


def reopen(db: Database, principal: Principal, query_id: int, command: QueryStepIn) -> int:
    """Re-open an answered or closed query, saying why; returns the new version."""
    return _raiser_step(db, principal, query_id, command, "reopen", (ANSWERED, CLOSED), OPEN,
                        _("Query re-opened"))


@dataclass(frozen=True)
class FormQueries:
    """Unresolved queries on one form: open and answered, and the fields they are on."""

    open: int = 0
    answered: int = 0
    fields: frozenset[str] = frozenset()


def query_counts(session: Session, participant_ids: Collection[int]
                 ) -> dict[int, dict[tuple[str, str], FormQueries]]:
    """Participant id -> (table_name, row_id) -> open and answered queries of that form, for
    many participants in one statement (the form status grid, the participant page)."""
    ids = list(participant_ids)
    counts: dict[tuple[int, str, str], Counter[str]] = {}
    fields: dict[tuple[int, str, str], set[str]] = {}
    if ids:
        for pid, table, row_id, fld, status in session.execute(
                select(DataQuery.participant_id, DataQuery.table_name, DataQuery.row_id,
                       DataQuery.field, DataQuery.status)
                .where(DataQuery.participant_id.in_(ids),
                       DataQuery.status.in_((OPEN, ANSWERED)))):
            key = (int(pid), table, row_id)
            counts.setdefault(key, Counter())[status] += 1
            if fld:
                fields.setdefault(key, set()).add(fld)
    out: dict[int, dict[tuple[str, str], FormQueries]] = {pid: {} for pid in ids}
    for (pid, table, row_id), c in counts.items():
        out[pid][(table, row_id)] = FormQueries(c[OPEN], c[ANSWERED],
                                                frozenset(fields.get((pid, table, row_id), ())))
    return out
