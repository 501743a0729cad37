"""The audit-trail page for monitors, investigators and administrators: the trail (paged), the
verification of its hash chain and rows with the chain head, and the login events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from dawna.services import audit_integrity, audit_trail, login_events
from dawna.services.access import Permission, Principal
from dawna.web.deps import DbDep, require_anywhere
from dawna.web.templating import render

router = APIRouter(include_in_schema=False)
Auditor = Annotated[Principal, Depends(require_anywhere(Permission.AUDIT_VIEW))]
Administrator = Annotated[Principal, Depends(require_anywhere(Permission.USER_MANAGE))]


@router.get("/audit")
def audit_page(request: Request, db: DbDep, user: Auditor, table: str = "",
               row: str = "", participant: str = "", after: int | None = None) -> Response:
    page = audit_trail.trail_page(db, user, table=table or None, row_id=row or None,
                                  participant=participant or None, after=after)
    return render(request, "audit.html", {"entries": page.entries, "next_after": page.next_after,
                                          "table": table, "row": row,
                                          "participant": participant,
                                          "head": audit_integrity.chain_head(db)})


@router.get("/audit/integrity")
def audit_integrity_fragment(request: Request, db: DbDep, user: Auditor) -> Response:
    """Verify's result, loaded into the audit page (it reads the whole trail)."""
    return render(request, "_audit_integrity.html",
                  {"check": audit_integrity.check_for(db, user)})


@router.get("/admin/logins")
def login_events_page(request: Request, db: DbDep, user: Administrator,
                      username: str = "") -> Response:
    events = login_events.recent_for(db, user, username=username or None)
    return render(request, "login_events.html", {"events": events, "username": username})
