"""JSON API of the audit trail's integrity: verify (hash chain and rows), the chain head, and
the login events for administrators (issue 19 items 1 and 4; docs/audit-trail.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dawna.services import audit_integrity, login_events
from dawna.services.access import Permission, Principal
from dawna.services.audit_integrity import AuditCheck, AuditHead
from dawna.services.login_events import LoginEventView
from dawna.web.deps import DbDep, require_anywhere
from dawna.web.routing import Router

router = Router(prefix="/api", tags=["audit"])
Auditor = Annotated[Principal, Depends(require_anywhere(Permission.AUDIT_VIEW))]
Administrator = Annotated[Principal, Depends(require_anywhere(Permission.USER_MANAGE))]


@router.get("/audit/verify", response_model=AuditCheck)
def audit_verify(db: DbDep, user: Auditor) -> AuditCheck:
    return audit_integrity.check_for(db, user)


@router.get("/audit/head", response_model=AuditHead)
def audit_head(db: DbDep, user: Auditor) -> AuditHead:
    return audit_integrity.chain_head(db)


@router.get("/login-events", response_model=list[LoginEventView])
def login_event_list(db: DbDep, user: Administrator,
                     username: str | None = None) -> list[LoginEventView]:
    return login_events.recent_for(db, user, username=username)
