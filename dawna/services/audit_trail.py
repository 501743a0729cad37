"""Read the audit trail, scoped to the sites where the user holds ``audit.view``.

Values of identity fields are masked for readers without ``identity.view`` at that site, so the
trail never becomes a back door to names and record numbers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from dawna.errors import NotFound, PermissionDenied
from dawna.i18n import _
from dawna.services.access import Permission, Principal
from dawna.services.schemas import AuditEntry
from dawna.store.db import Database
from dawna.store.models import (
    Allocation,
    AuditRecord,
    EligibilitySignature,
    Participant,
    Screening,
    Site,
)
from dawna.store.uow import UnitOfWork

IDENTITY_TABLE = "participant_identity"
MASK = "•••"


def _participant_rows(session: Session, pid: int) -> dict[str, list[str]]:
    """Every audited row that belongs to one participant, by table."""
    def ids(model: Any) -> list[str]:
        return [str(i) for i in session.scalars(select(model.id).where(
            model.participant_id == pid))]

    def ever(table: str) -> list[str]:
        """Rows ever created for the participant, deleted ones included (from their insert)."""
        return list(session.scalars(select(AuditRecord.row_id).distinct().where(
            AuditRecord.table_name == table, AuditRecord.field == "participant_id",
            AuditRecord.new_value == str(pid))))

    return {"participant": [str(pid)], IDENTITY_TABLE: [str(pid)],
            "screening": ids(Screening), "eligibility_signature": ids(EligibilitySignature),
            "allocation": ids(Allocation), "tumour_assessment": ever("tumour_assessment"),
            "pet_study": ever("pet_study"), "consent": ever("consent"),
            "status_event": ever("status_event"), "follow_up_contact": ever("follow_up_contact")}


def trail(db: Database, principal: Principal, table: str | None = None,
          row_id: str | None = None, participant: str | None = None,
          limit: int = 500) -> list[AuditEntry]:
    sites = principal.sites_with(Permission.AUDIT_VIEW)
    if not sites:
        raise PermissionDenied(_("your roles do not include viewing the audit trail"),
                               field="role")
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
            query = query.where(or_(*[
                (AuditRecord.table_name == table) & AuditRecord.row_id.in_(ids)
                for table, ids in _participant_rows(session, pid).items() if ids]))
        rows = session.scalars(query.order_by(AuditRecord.id.desc()).limit(limit)).all()
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
        return out
