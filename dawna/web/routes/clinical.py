"""The participant's clinical forms page (issue 21 items 1-4): concomitant medications, medical
history, vital signs and weight, ECGs, each with its entry form; a refused entry shows the page
again with the error naming its field and the values typed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from dawna.errors import DawnaError
from dawna.services import clinical
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, SettingsDep
from dawna.web.forms import nest
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = APIRouter(include_in_schema=False)

#: form -> (input model, recording function, check boxes, anchor)
FORMS: dict[str, tuple[Any, Any, tuple[str, ...], str]] = {
    "conmeds": (clinical.ConmedIn, clinical.record_conmed, ("ongoing",), "conmeds"),
    "history": (clinical.HistoryIn, clinical.record_history, ("ongoing",), "history"),
    "vitals": (clinical.VitalsIn, clinical.record_vitals, ("fever_sustained",), "vitals"),
    "ecg": (clinical.EcgIn, clinical.record_ecg, ("torsade",), "ecg"),
}


def clinical_page(request: Request, db: Any, settings: Any, user: Any, pseudonym: str,
                  error: DawnaError | None = None, form: str | None = None,
                  values: dict[str, str] | None = None) -> Response:
    view = clinical.clinical_view(db, settings, user, pseudonym)
    return render(request, "clinical/page.html", {
        "v": view, "error": error, "failed": form, "values": values or {},
        "coded": clinical.coded_list(), "routes": clinical.ROUTES},
        status_code=error.status_code if error else 200)


@router.get("/participants/{pseudonym}/clinical")
def page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
         pseudonym: str) -> Response:
    return clinical_page(request, db, settings, user, pseudonym)


@router.post("/participants/{pseudonym}/clinical/{form}", dependencies=[Depends(csrf_protect)])
async def save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
               pseudonym: str, form: str) -> Response:
    if form not in FORMS:
        return clinical_page(request, db, settings, user, pseudonym)
    model, record, boxes, anchor = FORMS[form]
    raw = await request.form()
    pairs = [(k, v) for k, v in raw.multi_items() if isinstance(v, str) and k not in boxes]
    data = nest(pairs)
    for box in boxes:
        data[box] = raw.get(box) == "true"
    try:
        record(db, settings, user, pseudonym, validate(model, data, root="request", form=True))
    except DawnaError as error:
        values = {k: v for k, v in pairs if k != "csrf_token"}
        return clinical_page(request, db, settings, user, pseudonym, error, form, values)
    return RedirectResponse(f"/participants/{pseudonym}/clinical?saved=1#{anchor}",
                            status_code=303)


@router.post("/participants/{pseudonym}/clinical/conmeds/{conmed_id}/stop",
             dependencies=[Depends(csrf_protect)])
async def stop(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
               pseudonym: str, conmed_id: int) -> Response:
    raw = await request.form()
    data = {k: v for k, v in raw.items() if k in ("stop_date", "version") and v}
    try:
        entry = validate(clinical.ConmedStopIn, data, root="request", form=True)
        clinical.stop_conmed(db, settings, user, pseudonym, conmed_id, entry.stop_date,
                             entry.version)
    except DawnaError as error:
        return clinical_page(request, db, settings, user, pseudonym, error)
    return RedirectResponse(f"/participants/{pseudonym}/clinical?saved=1#conmeds",
                            status_code=303)
