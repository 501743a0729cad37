"""The participant's clinical forms page (issue 21 items 1-4): concomitant medications, medical
history, vital signs and weight, ECGs, each with its entry form; a refused entry shows the page
again with the error naming its field and the values typed."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from dawna.errors import DawnaError
from dawna.services import clinical, form_edits
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.forms import nest
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = Router(include_in_schema=False)

#: form -> (input model, recording function, check boxes, anchor)
FORMS: dict[str, tuple[Any, Any, tuple[str, ...], str]] = {
    "conmeds": (clinical.ConmedIn, clinical.record_conmed, ("ongoing",), "conmeds"),
    "history": (clinical.HistoryIn, clinical.record_history, ("ongoing",), "history"),
    "vitals": (clinical.VitalsIn, clinical.record_vitals, ("fever_sustained",), "vitals"),
    "ecg": (clinical.EcgIn, clinical.record_ecg, ("torsade",), "ecg"),
}


#: form -> the view's list of its rows (for the correction form's values)
ROWS = {"conmeds": "conmeds", "history": "history", "vitals": "vitals", "ecg": "ecgs"}


def row_values(row: Any) -> dict[str, str]:
    """A stored row as the form's fields show it (check boxes "true", empty for None)."""
    out = {}
    for key, value in row.model_dump().items():
        if isinstance(value, bool):
            out[key] = "true" if value else ""
        elif isinstance(value, float):
            out[key] = f"{value:g}"
        else:
            out[key] = "" if value is None else str(value)
    return out


def editing_of(rows: dict[str, list[Any]], edit: str | None) -> dict[str, Any] | None:
    """``?edit=<form>:<id>``: the row to correct or delete (None when it is not shown)."""
    form, _sep, ident = (edit or "").partition(":")
    row = next((r for r in rows.get(form, []) if str(r.id) == ident), None)
    if row is None:
        return None
    return {"form": form, "id": row.id, "version": row.version, "values": row_values(row)}


def clinical_page(request: Request, db: Any, settings: Any, user: Any, pseudonym: str,
                  error: DawnaError | None = None, form: str | None = None,
                  values: dict[str, str] | None = None,
                  edit: str | None = None) -> Response:
    view = clinical.clinical_view(db, settings, user, pseudonym)
    editing = editing_of({k: getattr(view, a) for k, a in ROWS.items()}, edit)
    if editing is not None and values is None:
        form, values = editing["form"], editing["values"]
    return render(request, "clinical/page.html", {
        "v": view, "error": error, "failed": form, "values": values or {},
        "editing": editing if view.can_record else None,
        "coded": clinical.coded_list(), "routes": clinical.ROUTES},
        status_code=error.status_code if error else 200)


@router.get("/participants/{pseudonym}/clinical")
def page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
         pseudonym: str, edit: str | None = None) -> Response:
    return clinical_page(request, db, settings, user, pseudonym, edit=edit)


def form_data(raw: Any, boxes: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's fields for the model (check boxes true or false, no token, version or
    reason) and the values typed (to show them again)."""
    pairs = [(k, v) for k, v in raw.multi_items() if isinstance(v, str)
             and k not in (*boxes, "csrf_token", "version", "reason")]
    data = nest(pairs)
    for box in boxes:
        data[box] = raw.get(box) == "true"
    values = {k: v for k, v in raw.multi_items() if isinstance(v, str) and k != "csrf_token"}
    return data, values


@router.post("/participants/{pseudonym}/clinical/{form}", dependencies=[Depends(csrf_protect)])
async def save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
               pseudonym: str, form: str) -> Response:
    if form not in FORMS:
        return clinical_page(request, db, settings, user, pseudonym)
    model, record, boxes, anchor = FORMS[form]
    data, values = form_data(await request.form(), boxes)
    try:
        record(db, settings, user, pseudonym, validate(model, data, root="request", form=True))
    except DawnaError as error:
        return clinical_page(request, db, settings, user, pseudonym, error, form, values)
    return RedirectResponse(f"/participants/{pseudonym}/clinical?saved=1#{anchor}",
                            status_code=303)


@router.post("/participants/{pseudonym}/clinical/conmeds/{conmed_id}/stop",
             dependencies=[Depends(csrf_protect)])
async def stop(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
               pseudonym: str, conmed_id: RecordId) -> Response:
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


@router.post("/participants/{pseudonym}/clinical/{form}/{row_id}/{action}",
             dependencies=[Depends(csrf_protect)])
async def correct_or_delete(request: Request, db: DbDep, settings: SettingsDep,
                            user: CurrentUser, pseudonym: str, form: str, row_id: RecordId,
                            action: str) -> Response:
    """``correct``: the entry form's fields with ``version`` and ``reason``; ``delete``:
    ``version`` and ``reason``. A refusal shows the correction form again with the values."""
    if form not in FORMS or action not in ("correct", "delete"):
        return clinical_page(request, db, settings, user, pseudonym)
    _model, _record, boxes, anchor = FORMS[form]
    raw = await request.form()
    data, values = form_data(raw, boxes)
    meta = {"version": raw.get("version") or "", "reason": raw.get("reason") or ""}
    try:
        if action == "delete":
            entry = validate(form_edits.DeleteIn, meta, root="request", form=True)
            form_edits.delete(db, settings, user, pseudonym, form, row_id,
                              version=entry.version, reason=entry.reason)
        else:
            checked = validate(form_edits.CORRECTIONS[form], {**data, **meta}, root="request",
                               form=True)
            form_edits.correct(db, settings, user, pseudonym, form, row_id, checked,
                               version=checked.version, reason=checked.reason)
    except DawnaError as error:
        if action == "correct":
            return clinical_page(request, db, settings, user, pseudonym, error, form, values,
                                 edit=f"{form}:{row_id}")
        return clinical_page(request, db, settings, user, pseudonym, error,
                             edit=f"{form}:{row_id}")
    done = "deleted" if action == "delete" else "saved"
    return RedirectResponse(f"/participants/{pseudonym}/clinical?{done}=1#{anchor}",
                            status_code=303)
