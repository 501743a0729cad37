"""The audit-trail page for monitors, investigators and administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from dawna.services import audit_trail
from dawna.services.access import Permission, Principal
from dawna.web.deps import DbDep, require_anywhere
from dawna.web.templating import render

router = APIRouter(include_in_schema=False)
Auditor = Annotated[Principal, Depends(require_anywhere(Permission.AUDIT_VIEW))]


@router.get("/audit")
def audit_page(request: Request, db: DbDep, user: Auditor, table: str = "",
               row: str = "", participant: str = "") -> Response:
    entries = audit_trail.trail(db, user, table=table or None, row_id=row or None,
                                participant=participant or None)
    return render(request, "audit.html", {"entries": entries, "table": table, "row": row,
                                          "participant": participant})
