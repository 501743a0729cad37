"""Is the audit trail intact? The hash chain and every trial row against its audit records
(issue 19 item 1; ``docs/audit-trail.md``), and the chain head a site anchors elsewhere.

Row problems carry the field's values; a reader without ``user.manage`` (a monitor, who may see
only some sites) gets the table, row and field named without the values.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from dawna.errors import PermissionDenied
from dawna.i18n import _
from dawna.services.access import Permission, Principal
from dawna.store import audit_verify
from dawna.store.db import Database
from dawna.store.uow import UnitOfWork


class AuditHead(BaseModel):
    last_id: int | None
    hash: str
    at: datetime | None
    records: int


class AuditProblem(BaseModel):
    kind: str
    table: str
    row_id: str
    detail: str


class AuditCheck(BaseModel):
    ok: bool
    head: AuditHead
    problems: list[AuditProblem]
    anchor: str | None = None
    anchor_found: bool | None = None


def _head(view: audit_verify.ChainHead) -> AuditHead:
    return AuditHead(last_id=view.last_id, hash=view.hash, at=view.at, records=view.records)


def chain_head(db: Database) -> AuditHead:
    with UnitOfWork(db) as uow:
        return _head(audit_verify.head(uow.session))


def check(db: Database, anchor: str | None = None, with_values: bool = True) -> AuditCheck:
    """Verify the whole trail; ``anchor`` (an earlier head hash) must still be in the chain."""
    with UnitOfWork(db) as uow:
        found = audit_verify.anchored(uow.session, anchor) if anchor else None
        problems = []
        for p in audit_verify.verify(uow.session):
            detail = p.detail
            if p.field is not None and not with_values:
                detail = _("field %(field)s differs from its last audit record") % {
                    "field": p.field}
            problems.append(AuditProblem(kind=p.kind, table=p.table, row_id=p.row_id,
                                         detail=detail))
        head = _head(audit_verify.head(uow.session))
    return AuditCheck(ok=not problems and found is not False, head=head, problems=problems,
                      anchor=anchor, anchor_found=found)


def check_for(db: Database, principal: Principal) -> AuditCheck:
    """The check as a reader of the audit trail sees it (values only for administrators)."""
    if not principal.sites_with(Permission.AUDIT_VIEW):
        raise PermissionDenied(_("your roles do not include viewing the audit trail"),
                               field="role")
    return check(db, with_values=principal.can_anywhere(Permission.USER_MANAGE))
