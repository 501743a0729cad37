"""The audit-trail page for monitors, investigators, data managers and administrators: the trail
in words (filtered, paged, exported as CSV), the verification of its hash chain and rows with
the chain head, and the login events."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import Response, StreamingResponse

from dawna.services import audit_integrity, audit_trail, login_events
from dawna.services.access import Permission, Principal
from dawna.services.form_catalogue import FORMS, form_label
from dawna.services.form_fields import ADMIN_FORM_LABELS
from dawna.web.deps import DbDep, SettingsDep, require_anywhere
from dawna.web.routing import Router
from dawna.web.templating import render

router = Router(include_in_schema=False)
Auditor = Annotated[Principal, Depends(require_anywhere(Permission.AUDIT_VIEW))]
Administrator = Annotated[Principal, Depends(require_anywhere(Permission.USER_MANAGE))]


@router.get("/audit")
def audit_page(request: Request, db: DbDep, settings: SettingsDep, user: Auditor,
               table: str = "", row: str = "", participant: str = "", actor: str = "",
               action: str = "", date_from: str = "", date_to: str = "",
               after: int | None = None) -> Response:
    filters = audit_trail.filters_from(table, row, participant, actor, action, date_from,
                                       date_to)
    page = audit_trail.trail_page(db, user, after=after, filters=filters, zone=settings.zone)
    query = audit_trail.query_string(filters)
    forms = sorted(((key, form_label(key)) for key in (*FORMS, *ADMIN_FORM_LABELS)),
                   key=lambda kv: kv[1])
    return render(request, "audit.html", {
        "entries": page.entries, "filters": filters, "forms": forms,
        "actions": [(a, audit_trail.action_label(a)) for a in audit_trail.ACTIONS],
        "action_label": audit_trail.action_label,
        "next_url": (f"/audit?{urlencode({**query, 'after': page.next_after})}"
                     if page.next_after else None),
        "first_url": f"/audit?{urlencode(query)}" if after else None,
        "csv_url": f"/audit.csv?{urlencode(query)}",
        # the whole trail is verified as the page opens, not again for each filter or page
        # of it (each verification reads every audit record and trial row); there a button
        "verify_on_load": not query and after is None,
        "head": audit_integrity.chain_head(db)})


@router.get("/audit.csv")
def audit_csv(db: DbDep, settings: SettingsDep, user: Auditor, table: str = "", row: str = "",
              participant: str = "", actor: str = "", action: str = "", date_from: str = "",
              date_to: str = "") -> Response:
    """The filtered trail as CSV, identity values masked as on the page; never cached."""
    filters = audit_trail.filters_from(table, row, participant, actor, action, date_from,
                                       date_to)
    lines = audit_trail.csv_lines(db, user, filters, settings.zone)
    name = f"audit-trail{'-' + filters.participant if filters.participant else ''}.csv"
    return StreamingResponse(lines, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


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
