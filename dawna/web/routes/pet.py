"""PET/CT pages: the readers' worklist, a participant's FES and FDG reads side by side, scan
registration, the read form with its live lesion calls, and SUV from an uploaded DICOM series."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _
from dawna.rules.pet import call
from dawna.services import export_events, pet, pet_upload
from dawna.services.access import Permission
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, Exporter, RecordId, SettingsDep
from dawna.web.forms import nest
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = Router(include_in_schema=False)


def _pairs(form: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def lesions_from_form(form: Any) -> list[dict[str, Any]]:
    rows = nest(_pairs(form), {"lesions"}).get("lesions", [])
    return [row for row in rows if isinstance(row, dict)]


@router.get("/pet")
def worklist_page(request: Request, db: DbDep, user: CurrentUser) -> Response:
    return render(request, "pet/worklist.html", {"items": pet.worklist(db, user)})


@router.get("/pet/covariates.csv")
def covariates_csv(db: DbDep, user: Exporter) -> Response:
    """Baseline PET covariates per participant of the reader's export sites (for the analysis
    data sets: ``data.export``, ``docs/exports.md``), as CSV, recorded in the audit trail."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=pet.COVARIATE_COLUMNS)
    writer.writeheader()
    rows = pet.covariates(db, user)
    writer.writerows(rows)
    export_events.record_export(db, user, "pet-covariates",
                                user.sites_with(Permission.DATA_EXPORT),
                                {"rows": len(rows), "pseudonymized": True})
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="pet-covariates.csv"'})


@router.get("/participants/{pseudonym}/pet")
def pet_page(request: Request, db: DbDep, user: CurrentUser, pseudonym: str) -> Response:
    view = pet.get(db, user, pseudonym)
    return render(request, "pet/participant.html", {"view": view, "p": view.participant,
                                                    "values": {}})


@router.post("/participants/{pseudonym}/pet", dependencies=[Depends(csrf_protect)])
async def register(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                   pseudonym: str) -> Response:
    form = await request.form()
    values = {k: v for k, v in _pairs(form) if k != "csrf_token" and v != ""}
    try:
        pet.register_scan(db, settings, user, pseudonym, values)
    except DawnaError as error:
        view = pet.get(db, user, pseudonym)
        return render(request, "pet/participant.html", {
            "view": view, "p": view.participant, "values": values, "error": error},
            status_code=error.status_code)
    return RedirectResponse(f"/participants/{pseudonym}/pet?saved=1", status_code=303)


def _read_context(view: pet.PetView, study_id: int, rows: list[dict[str, Any]] | None) -> dict[
        str, Any]:
    stored = next((s for s in view.studies if s.id == study_id), None)
    if stored is None:
        raise ValidationError(_("no PET study {id} for this participant").format(id=study_id),
                              field="study")
    lesions = rows if rows is not None else [x.model_dump(mode="json")
                                             for x in stored.study.lesions]
    return {"view": view, "p": view.participant, "s": stored, "lesions": lesions}


@router.get("/participants/{pseudonym}/pet/{study_id}/read")
def read_page(request: Request, db: DbDep, user: CurrentUser, pseudonym: str,
              study_id: int) -> Response:
    view = pet.get(db, user, pseudonym)
    return render(request, "pet/read.html", _read_context(view, study_id, None))


@router.post("/participants/{pseudonym}/pet/{study_id}/read/check",
             dependencies=[Depends(csrf_protect)])
async def read_check(request: Request, db: DbDep, user: CurrentUser, pseudonym: str,
                     study_id: int) -> Response:
    """HTMX: each lesion's derived status as the reader types; nothing is saved."""
    form = await request.form()
    view = pet.get(db, user, pseudonym)
    stored = next((s for s in view.studies if s.id == study_id), None)
    calls: list[Any] = []
    error: DawnaError | None = None
    try:
        from dawna.rules.pet import Lesion

        for i, row in enumerate(lesions_from_form(form)):
            try:
                lesion = validate(Lesion, row, root="record", count_more=True)
            except ValidationError as bad:
                bad.field = f"lesions[{i}].{bad.field}"
                raise bad from None
            if stored is not None:
                calls.append(call(stored.study.tracer, lesion, pet.thresholds()))
    except DawnaError as exc:
        error = exc
    return render(request, "pet/_calls.html", {"calls": calls, "error": error})


@router.post("/participants/{pseudonym}/pet/{study_id}/read", dependencies=[Depends(csrf_protect)])
async def read_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                    pseudonym: str, study_id: RecordId) -> Response:
    form = await request.form()
    rows = lesions_from_form(form)
    raw_version = str(form.get("version") or "")
    raw_date = str(form.get("read_date") or "")
    try:
        from datetime import date

        try:
            on = date.fromisoformat(raw_date) if raw_date else None
        except ValueError:
            raise ValidationError(_("not a date (YYYY-MM-DD): {value}").format(value=raw_date),
                                  field="read_date") from None
        pet.read(db, settings, user, pseudonym, study_id, rows, on,
                 str(form.get("reason") or ""), int(raw_version) if raw_version.isdigit()
                 else None, no_evaluable_lesion=form.get("no_evaluable_lesion") == "yes")
    except DawnaError as error:
        view = pet.get(db, user, pseudonym)
        return render(request, "pet/read.html", {**_read_context(view, study_id, rows),
                                                 "error": error},
                      status_code=error.status_code)
    return RedirectResponse(f"/participants/{pseudonym}/pet?saved=1", status_code=303)


@router.post("/participants/{pseudonym}/pet/{study_id}/suv", dependencies=[Depends(csrf_protect)])
async def suv_upload(request: Request, db: DbDep, user: CurrentUser, pseudonym: str,
                     study_id: int) -> Response:
    form = await request.form()
    view = pet.get(db, user, pseudonym)
    context = _read_context(view, study_id, None)
    try:
        center = tuple(float(str(form.get(k) or "x")) for k in ("x", "y", "z"))
        radius = float(str(form.get("radius") or "x"))
    except ValueError:
        error = ValidationError(_("give the sphere's centre X, Y, Z and radius in mm"),
                                field="center_mm")
        return render(request, "pet/read.html", {**context, "error": error}, status_code=422)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    try:
        result = pet_upload.suv_of_files([f.file.read() for f in files],
                                         center, radius)  # type: ignore[arg-type]
    except DawnaError as error:
        return render(request, "pet/read.html", {**context, "error": error},
                      status_code=error.status_code)
    return render(request, "pet/read.html", {**context, "suv": result})

