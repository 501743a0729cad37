"""Queries as the pages, the API and the CLI show them (issue 20 item 1): one query with its
thread, the site list with each query's age (site calendar days since it was raised) and its
filters, a participant's queries, the counts by site and status for the dashboard and the
markers next to fields (the bulk look-up per form of many participants, :func:`query_counts`,
is in :mod:`dawna.services.queries`).

A query raised by an edit check is shown in the reader's language from its check and facts
(:data:`dawna.rules.edit_checks.MESSAGES`); any other in the words of its author.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.i18n import gettext
from dawna.rules.edit_checks import MESSAGES, message
from dawna.services.access import Permission, Principal
from dawna.services.form_catalogue import field_label, form_label
from dawna.services.form_rows import field_paths, form_url
from dawna.services.queries import ANSWERED, OPEN, STATUSES, load_query
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, AuditRecord, DataQuery, Participant, QueryMessage, Site
from dawna.store.uow import UnitOfWork

__all__ = ["MessageView", "QueryFilter", "QueryView", "counts_by_site",
           "field_markers", "form_fields", "get", "participant_queries", "site_list"]


@dataclass(frozen=True)
class MessageView:
    kind: str
    answer_kind: str | None
    text: str
    actor: str
    at: datetime
    corrections: tuple[dict[str, str | None], ...] = ()


@dataclass(frozen=True)
class QueryView:
    id: int
    pseudonym: str
    site_code: str
    table_name: str
    row_id: str
    field: str
    status: str
    text: str
    check_id: str | None
    raised_by: str
    raised_at: datetime
    age_days: int
    version: int
    url: str
    messages: tuple[MessageView, ...] = dataclasses.field(default=())

    @property
    def form(self) -> str:
        return form_label(self.table_name)

    @property
    def field_label(self) -> str:
        return field_label(self.table_name, self.field)


@dataclass(frozen=True)
class QueryFilter:
    """The site list's filters: site code, status, form (table), at least ``min_age`` days."""

    site: str | None = None
    status: str | None = None
    form: str | None = None
    min_age: int | None = None


def _text(row: DataQuery) -> str:
    if row.check_id in MESSAGES:
        return message(row.check_id, dict(row.check_params or {})).render(gettext)
    return row.text


def _age(raised_at: datetime, today: date, settings: Settings) -> int:
    return (today - raised_at.astimezone(settings.zone).date()).days


def _numbers(s: Session, rows: list[DataQuery]) -> dict[str, int]:
    ids = [int(r.row_id) for r in rows if r.table_name == "adverse_event"]
    if not ids:
        return {}
    return {str(i): n for i, n in s.execute(
        select(AdverseEvent.id, AdverseEvent.number).where(AdverseEvent.id.in_(ids)))}


def _views(s: Session, settings: Settings, rows: list[tuple[DataQuery, str, str]],
           messages: dict[int, tuple[MessageView, ...]] | None = None) -> list[QueryView]:
    today = local_today(settings.zone)
    numbers = _numbers(s, [r for r, _p, _c in rows])
    return [QueryView(
        id=r.id, pseudonym=pid, site_code=code, table_name=r.table_name, row_id=r.row_id,
        field=r.field, status=r.status, text=_text(r), check_id=r.check_id,
        raised_by=r.raised_by, raised_at=r.raised_at, age_days=_age(r.raised_at, today, settings),
        version=r.version, url=form_url(r.table_name, pid, r.row_id, numbers.get(r.row_id)),
        messages=(messages or {}).get(r.id, ())) for r, pid, code in rows]


def _listing(principal: Principal):  # type: ignore[no-untyped-def]
    return (select(DataQuery, Participant.pseudonym, Site.code)
            .join(Participant, Participant.id == DataQuery.participant_id)
            .join(Site, Site.id == Participant.site_id)
            .where(Participant.site_id.in_(principal.sites_with(Permission.PARTICIPANT_VIEW))))


def _thread(s: Session, row: DataQuery) -> tuple[MessageView, ...]:
    msgs = list(s.scalars(select(QueryMessage).where(QueryMessage.query_id == row.id)
                          .order_by(QueryMessage.id)))
    ids = [i for m in msgs for i in (m.audit_ids or [])]
    audits = {a.id: a for a in s.scalars(select(AuditRecord).where(AuditRecord.id.in_(ids)))}
    return tuple(MessageView(
        kind=m.kind, answer_kind=m.answer_kind, text=m.text, actor=m.actor, at=m.at,
        corrections=tuple({"field": a.field, "label": field_label(a.table_name, a.field),
                           "old": a.old_value, "new": a.new_value, "reason": a.reason,
                           "by": a.actor, "at": a.at.isoformat()}
                          for i in (m.audit_ids or []) if (a := audits.get(i)) is not None))
        for m in msgs)


def get(db: Database, settings: Settings, principal: Principal, query_id: int) -> QueryView:
    """One query with its thread (and the corrections its answers link)."""
    with UnitOfWork(db) as uow:
        s = uow.session
        row, p = load_query(s, principal, query_id)
        code = s.scalar(select(Site.code).where(Site.id == p.site_id)) or ""
        return _views(s, settings, [(row, p.pseudonym, code)], {row.id: _thread(s, row)})[0]


def site_list(db: Database, settings: Settings, principal: Principal,
              filters: QueryFilter | None = None) -> list[QueryView]:
    """The queries at the user's sites, oldest first, filtered."""
    f = filters or QueryFilter()
    query = _listing(principal)
    if f.site:
        query = query.where(Site.code == f.site)
    if f.status in STATUSES:
        query = query.where(DataQuery.status == f.status)
    if f.form:
        query = query.where(DataQuery.table_name == f.form)
    with UnitOfWork(db) as uow:
        rows = [(r, pid, code) for r, pid, code in uow.session.execute(
            query.order_by(DataQuery.raised_at, DataQuery.id))]
        views = _views(uow.session, settings, rows)
    if f.min_age is not None:
        views = [v for v in views if v.age_days >= f.min_age]
    return views


def participant_queries(db: Database, settings: Settings, principal: Principal,
                        pseudonym: str) -> list[QueryView]:
    """The participant's queries (every status), newest first."""
    with UnitOfWork(db) as uow:
        rows = [(r, pid, code) for r, pid, code in uow.session.execute(
            _listing(principal).where(Participant.pseudonym == pseudonym)
            .order_by(DataQuery.id.desc()))]
        return _views(uow.session, settings, rows)


def counts_by_site(db: Database, principal: Principal) -> dict[str, dict[str, int]]:
    """Site code -> status -> number of queries, at the user's sites (the dashboard)."""
    sites = principal.sites_with(Permission.PARTICIPANT_VIEW)
    with UnitOfWork(db) as uow:
        out: dict[str, dict[str, int]] = {
            code: dict.fromkeys(STATUSES, 0) for code in uow.session.scalars(
                select(Site.code).where(Site.id.in_(sites)).order_by(Site.code))}
        for code, status, n in uow.session.execute(
                select(Site.code, DataQuery.status, func.count())
                .join(Participant, Participant.id == DataQuery.participant_id)
                .join(Site, Site.id == Participant.site_id)
                .where(Participant.site_id.in_(sites))
                .group_by(Site.code, DataQuery.status)):
            out[code][status] = int(n)
    return out


def field_markers(db: Database, principal: Principal, pseudonym: str
                  ) -> dict[tuple[str, str, str], int]:
    """(table_name, row_id, field) -> unresolved queries, of one participant (``field`` "" for
    queries on the whole form): what the form pages mark next to a field."""
    sites = principal.sites_with(Permission.PARTICIPANT_VIEW)
    with UnitOfWork(db) as uow:
        rows = uow.session.execute(
            select(DataQuery.table_name, DataQuery.row_id, DataQuery.field, func.count())
            .join(Participant, Participant.id == DataQuery.participant_id)
            .where(Participant.pseudonym == pseudonym, Participant.site_id.in_(sites),
                   DataQuery.status.in_((OPEN, ANSWERED)))
            .group_by(DataQuery.table_name, DataQuery.row_id, DataQuery.field)).all()
    return {(t, r, f): int(n) for t, r, f, n in rows}


def form_fields(db: Database, principal: Principal, table: str, row_id: str) -> list[str]:
    """The fields a query on the stored form ``(table, row_id)`` may name (its columns and the
    leaves of its JSON documents), for the raise form's suggestions."""
    with UnitOfWork(db) as uow:
        return field_paths(uow.session, principal, table, row_id)
