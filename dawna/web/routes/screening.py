"""Screening pages: the case report form with a live eligibility checklist (HTMX), the
investigator's signature, and the screening log (page and CSV)."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from dawna.errors import DawnaError
from dawna.rules.recist_case import Baseline
from dawna.services import participants, pet, screening, tumour
from dawna.services.access import Permission
from dawna.services.screening_log import screening_log
from dawna.web.deps import CurrentUser, DbDep, SettingsDep
from dawna.web.forms import nest
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = Router(include_in_schema=False)
LISTS = {"treatment_lines", "measurable_lesions", "other_malignancies", "major_surgery_or_injury"}


def _pairs(form: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def _page(request: Request, view: screening.ScreeningView, values: dict[str, Any],
          error: DawnaError | None = None, status_code: int = 200,
          result: Any = None, baseline: Baseline | None = None,
          filled: list[str] | None = None, fes: dict[str, Any] | None = None) -> Response:
    user = request.state.principal
    site_ok = user.sites_with(Permission.ELIGIBILITY_SIGN)
    return render(request, "screening/page.html", {
        "view": view, "r": values, "error": error, "result": result or view.result,
        "can_edit": user.can_anywhere(Permission.PARTICIPANT_EDIT),
        "can_sign": bool(site_ok), "p": view.participant, "tumour_baseline": baseline,
        "filled_from_baseline": "baseline" in (filled or []),
        "filled_from_pet": "pet" in (filled or []), "fes_read": fes,
        "menopause_summary": screening.menopause_summary(view.record),
    }, status_code=status_code)


@router.get("/participants/{pseudonym}/screening")
def screening_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                   pseudonym: str, from_baseline: bool = False, from_pet: bool = False
                   ) -> Response:
    """The screening form; ``from_baseline`` fills the measurable lesions from the RECIST
    baseline, ``from_pet`` the FES summary from the latest FES read (neither is saved until the
    coordinator saves the form)."""
    view = screening.get(db, settings, user, pseudonym)
    values = view.record.model_dump(mode="json")
    baseline = tumour.get(db, settings, user, pseudonym).baseline
    fes = pet.screening_fes(pet.get(db, user, pseudonym))
    filled = []
    if from_baseline and baseline is not None:
        values["measurable_lesions"] = tumour.screening_lesions(baseline)
        values["imaging_date"] = baseline.date.isoformat()
        filled.append("baseline")
    if from_pet and fes is not None:
        values["fes_pet"] = fes
        filled.append("pet")
    result = None
    if filled:
        result = screening.evaluate_draft(screening.record_from_dict(
            {k: v for k, v in values.items() if v is not None}), view.participant.consent_date,
            settings, db=db)
    return _page(request, view, values, result=result, baseline=baseline, filled=filled,
                 fes=fes)


@router.post("/participants/{pseudonym}/screening/check", dependencies=[Depends(csrf_protect)])
async def live_check(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                     pseudonym: str) -> Response:
    """HTMX: re-evaluate the checklist from the form as it is being filled; nothing is saved."""
    form = await request.form()
    detail = participants.get_participant(db, user, pseudonym)
    try:
        record = screening.record_from_dict(nest(
            [(k, v) for k, v in _pairs(form) if k != "confirm_implausible"], LISTS))
        result = screening.evaluate_draft(record, detail.consent_date, settings, db=db)
        error = None
    except DawnaError as exc:
        result, error = None, exc
    return render(request, "screening/_checklist.html", {"result": result, "error": error})


@router.post("/participants/{pseudonym}/screening", dependencies=[Depends(csrf_protect)])
async def save_screening(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                         pseudonym: str) -> Response:
    form = await request.form()
    confirm = form.get("confirm_implausible") == "yes"
    values = nest([(k, v) for k, v in _pairs(form) if k != "confirm_implausible"], LISTS)
    reason = str(form.get("reason") or "")
    version_raw = str(form.get("version") or "")
    try:
        record = screening.record_from_dict(values)
        screening.save(db, settings, user, pseudonym, record, reason,
                       int(version_raw) if version_raw.isdigit() else None, confirm)
    except DawnaError as error:
        view = screening.get(db, settings, user, pseudonym)
        return _page(request, view, values, error=error, status_code=error.status_code)
    return RedirectResponse(f"/participants/{pseudonym}/screening?saved=1", status_code=303)


@router.post("/participants/{pseudonym}/screening/sign", dependencies=[Depends(csrf_protect)])
def sign_eligibility(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                     pseudonym: str, password: Annotated[str, Form()] = "",
                     confirm: Annotated[str, Form()] = "") -> Response:
    try:
        screening.sign(db, settings, user, pseudonym, password, confirm == "yes")
    except DawnaError as error:
        view = screening.get(db, settings, user, pseudonym)
        return _page(request, view, view.record.model_dump(mode="json"), error=error,
                     status_code=error.status_code)
    return RedirectResponse(f"/participants/{pseudonym}/screening?signed=1", status_code=303)


@router.get("/screening-log")
def log_page(request: Request, db: DbDep, user: CurrentUser, site: str = "") -> Response:
    log = screening_log(db, user, site or None)
    return render(request, "screening/log.html", {"log": log, "site": site})


@router.get("/screening-log.csv")
def log_csv(db: DbDep, user: CurrentUser, site: str = "") -> Response:
    log = screening_log(db, user, site or None)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["pseudonym", "screening_number", "site", "consent_date", "status",
                     "computed_outcome", "failed_criteria", "signed_outcome", "signed_by",
                     "signed_at_utc"])
    for r in log.rows:
        writer.writerow([r.pseudonym, r.screening_number, r.site_code,
                         r.consent_date.isoformat() if r.consent_date else "", r.status,
                         r.outcome, " ".join(r.failed_criteria), r.signed_outcome or "",
                         r.signed_by or "", r.signed_at.isoformat() if r.signed_at else ""])
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="screening-log.csv"'})
