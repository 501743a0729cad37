"""Eligibility after randomization (issue 18 item 3): the signed decision beside the corrected
one, the protocol deviations it opened, and the investigator's acknowledgement."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from dawna.errors import DawnaError
from dawna.services import deviations, screening
from dawna.services.access import Permission
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = Router(include_in_schema=False)


def _context(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
             pseudonym: str) -> dict[str, object]:
    view = screening.get(db, settings, user, pseudonym)
    decided = deviations.decisions(db, user, pseudonym, view.result if view.version else None)
    return {"p": view.participant, "d": decided,
            "can_acknowledge": bool(user.sites_with(Permission.ELIGIBILITY_SIGN))}


@router.get("/participants/{pseudonym}/eligibility-decisions")
def decisions_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                   pseudonym: str, panel: bool = False) -> Response:
    """The page (or, with ``panel``, the part the screening page loads beside its checklist)."""
    context = _context(request, db, settings, user, pseudonym)
    if panel:
        return render(request, "deviations/_panel.html", context)
    return render(request, "deviations/page.html", context)


@router.post("/participants/{pseudonym}/deviations/{deviation_id}/acknowledge",
             dependencies=[Depends(csrf_protect)])
def acknowledge(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                pseudonym: str, deviation_id: RecordId, comment: Annotated[str, Form()] = "",
                version: Annotated[str, Form()] = "") -> Response:
    try:
        deviations.acknowledge(db, settings, user, pseudonym, deviation_id, comment,
                               int(version) if version.isdigit() else None)
    except DawnaError as error:
        context = _context(request, db, settings, user, pseudonym)
        return render(request, "deviations/page.html", {**context, "error": error},
                      status_code=error.status_code)
    return RedirectResponse(f"/participants/{pseudonym}/eligibility-decisions?acknowledged=1",
                            status_code=303)
