"""Read the audit trail, scoped to the sites where the user holds ``audit.view``.

Values of identity fields are masked for readers without ``identity.view`` at that site, so the
trail never becomes a back door to names and record numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select

from dawna.errors import NotFound, PermissionDenied, ValidationError
from dawna.i18n import _
from dawna.services.access import Permission, Principal
from dawna.services.schemas import AuditEntry
from dawna.store.db import Database
from dawna.store.models import AuditRecord, Participant, Site
from dawna.store.uow import UnitOfWork

IDENTITY_TABLE = "participant_identity"
MASK = "•••"


#: Tables whose rows carry ``participant_id``: the participant's trail includes every row ever
#: created for them (deleted ones too, found from their insert's audit record).
PARTICIPANT_TABLES = ("screening", "eligibility_signature", "allocation", "tumour_assessment",
                      "pet_study", "consent", "status_event", "follow_up_contact",
                      "treatment_plan", "treatment_cycle", "lab_result", "adverse_event",
                      "dose_decision", "depot_dose", "protocol_deviation")
PAGE_SIZE = 500


@dataclass(frozen=True)
class TrailPage:
    entries: list[AuditEntry]
    next_after: int | None  # the ``after`` of the next (older) page; None on the last page


def _created_rows(table: str, field: str, values: Any) -> Any:
    """Row ids of ``table`` whose insert wrote ``field`` among ``values`` (a subquery)."""
    cond = AuditRecord.new_value.in_(values) if not isinstance(values, str) else (
        AuditRecord.new_value == values)
    return select(AuditRecord.row_id).where(
        AuditRecord.table_name == table, AuditRecord.field == field, cond).distinct()


def _participant_scope(pid: int) -> ColumnElement[bool]:
    """Every audit record of one participant: their own rows, their identity, every row that
    belongs to them, and the SUSAR reports of their adverse events."""
    key = str(pid)
    parts: list[ColumnElement[bool]] = [
        (AuditRecord.table_name == "participant") & (AuditRecord.row_id == key),
        (AuditRecord.table_name == IDENTITY_TABLE) & (AuditRecord.row_id == key)]
    parts.extend((AuditRecord.table_name == table)
                 & AuditRecord.row_id.in_(_created_rows(table, "participant_id", key))
                 for table in PARTICIPANT_TABLES)
    events = _created_rows("adverse_event", "participant_id", key)
    parts.append((AuditRecord.table_name == "susar_report") & AuditRecord.row_id.in_(
        _created_rows("susar_report", "adverse_event_id", events)))
    return or_(*parts)


def trail(db: Database, principal: Principal, table: str | None = None,
          row_id: str | None = None, participant: str | None = None,
          limit: int = PAGE_SIZE, after: int | None = None, page: int | None = None
          ) -> list[AuditEntry]:
    return trail_page(db, principal, table, row_id, participant, limit, after, page).entries


def trail_page(db: Database, principal: Principal, table: str | None = None,
               row_id: str | None = None, participant: str | None = None,
               limit: int = PAGE_SIZE, after: int | None = None, page: int | None = None
               ) -> TrailPage:
    """Newest first, ``limit`` records a page: ``after`` (the last id seen) or ``page``
    (1-based)."""
    sites = principal.sites_with(Permission.AUDIT_VIEW)
    if not sites:
        raise PermissionDenied(_("your roles do not include viewing the audit trail"),
                               field="role")
    if page is not None and page < 1:
        raise ValidationError(_("the first page is 1"), field="page")
    limit = max(1, min(limit, PAGE_SIZE))
    global_rows = principal.can_anywhere(Permission.USER_MANAGE)
    with UnitOfWork(db) as uow:
        session = uow.session
        codes = dict(session.execute(select(Site.id, Site.code)).all())
        scope: ColumnElement[bool] = AuditRecord.site_id.in_(sites)
        if global_rows:
            scope = or_(scope, AuditRecord.site_id.is_(None))
        query = select(AuditRecord).where(scope)
        if table:
            query = query.where(AuditRecord.table_name == table)
        if row_id:
            query = query.where(AuditRecord.row_id == row_id)
        if participant:
            pid = session.scalar(select(Participant.id).where(
                Participant.pseudonym == participant, Participant.site_id.in_(sites)))
            if pid is None:
                raise NotFound(_("no participant {id} at your sites").format(id=participant),
                               field="participant")
            query = query.where(_participant_scope(pid))
        if after is not None:
            query = query.where(AuditRecord.id < after)
        query = query.order_by(AuditRecord.id.desc())
        if page is not None and after is None:
            query = query.offset((page - 1) * limit)
        rows = session.scalars(query.limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        out = []
        for r in rows:
            masked = r.table_name == IDENTITY_TABLE and not (
                r.site_id is not None and principal.can(Permission.IDENTITY_VIEW, r.site_id))
            out.append(AuditEntry(
                id=r.id, at=r.at, actor=r.actor, action=r.action, table_name=r.table_name,
                row_id=r.row_id, site_code=codes.get(r.site_id) if r.site_id else None,
                field=r.field,
                old_value=MASK if masked and r.old_value is not None else r.old_value,
                new_value=MASK if masked and r.new_value is not None else r.new_value,
                reason=r.reason,
            ))
        return TrailPage(entries=out, next_after=out[-1].id if more and out else None)
