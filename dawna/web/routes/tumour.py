"""Tumour assessment pages (RECIST 1.1): the response history with its spider plot, the
baseline form and the follow-up form, each with a live result (HTMX) computed by the same
service that saves."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from dawna.analysis.plots import SpiderLine, spider_svg
from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _
from dawna.rules.recist import RecistResult
from dawna.services import deviation_detect, tumour
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.forms import nest
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = Router(include_in_schema=False)
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _pairs(form: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def _version(form: Any) -> int | None:
    raw = str(form.get("version") or "")
    return int(raw) if raw.isdigit() else None


def baseline_from_form(form: Any) -> dict[str, Any]:
    """Form rows ``lesions.N.field`` to a baseline document; checkboxes are true when sent."""
    data = nest(_pairs(form), {"lesions"})
    for lesion in data.get("lesions", []):
        for flag in ("nodal", "intracranial"):
            lesion[flag] = lesion.get(flag) == "true"
    return data


def assessment_from_form(form: Any, draft: bool = False) -> dict[str, Any]:
    """``state.ID`` (measured / too_small / not_evaluated) with ``target.ID`` (mm) become one
    measurement per target; a "measured" target left empty is refused naming it, except in a
    ``draft`` (the live result while typing), where it is not evaluated yet."""
    pairs = _pairs(form)
    states = {k.removeprefix("state."): v for k, v in pairs if k.startswith("state.")}
    data = nest([(k, v) for k, v in pairs
                 if not k.startswith(("state.", "target.")) and k != "assessment_id"])
    values = {k.removeprefix("target."): v.strip() for k, v in pairs if k.startswith("target.")}
    target: dict[str, Any] = {}
    for lesion_id, state in states.items():
        if state == "too_small":
            target[lesion_id] = "too_small"
        elif state == "not_evaluated":
            target[lesion_id] = None
        elif values.get(lesion_id):
            target[lesion_id] = values[lesion_id]
        elif draft:
            target[lesion_id] = None
        else:
            raise ValidationError(_("enter the measurement in mm, or choose too small to measure "
                                    "or not evaluated"), field=f"target.{lesion_id}")
    data["target"] = target
    return data


def _page(request: Request, name: str, context: dict[str, Any],
          error: DawnaError | None = None) -> Response:
    return render(request, name, {**context, "error": error},
                  status_code=error.status_code if error else 200)


@router.get("/participants/{pseudonym}/tumour")
def history_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                 pseudonym: str) -> Response:
    view = tumour.get(db, settings, user, pseudonym)
    return render(request, "tumour/history.html", {"view": view, "p": view.participant,
                                                   "result": view.result})


def _spider(result: RecistResult, label: str) -> bytes:
    points = [t for t in result.timepoints if t.change_from_baseline_pct is not None]
    line = SpiderLine(label=label,
                      weeks=[round((t.date - result.baseline_date).days / 7, 1) for t in points],
                      change_pct=[t.change_from_baseline_pct or 0.0 for t in points],
                      responses=[t.overall for t in points])
    return spider_svg([line], x_label=_("Weeks from baseline"),
                      y_label=_("Change in sum of target diameters from baseline (%)"),
                      pr_label=_("PR −30%"), pd_label=_("+20%"), title=label)


@router.get("/participants/{pseudonym}/tumour/spider.svg")
def spider_plot(db: DbDep, settings: SettingsDep, user: CurrentUser, pseudonym: str) -> Response:
    view = tumour.get(db, settings, user, pseudonym)
    if view.result is None:
        raise ValidationError(_("no baseline recorded"), field="baseline")
    return Response(_spider(view.result, pseudonym), media_type="image/svg+xml",
                    headers={"Content-Security-Policy": SVG_CSP,
                             "Cache-Control": "no-store"})


# --- baseline ----------------------------------------------------------------------------


def _baseline_context(view: tumour.TumourView, values: dict[str, Any]) -> dict[str, Any]:
    return {"view": view, "p": view.participant, "b": values}


@router.get("/participants/{pseudonym}/tumour/baseline")
def baseline_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                  pseudonym: str) -> Response:
    view = tumour.get(db, settings, user, pseudonym)
    values = view.baseline.model_dump(mode="json") if view.baseline else {"lesions": []}
    return render(request, "tumour/baseline.html", {**_baseline_context(view, values),
                                                    "result": view.result})


@router.post("/participants/{pseudonym}/tumour/baseline/check",
             dependencies=[Depends(csrf_protect)])
async def baseline_check(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                         pseudonym: str) -> Response:
    """HTMX: the baseline as it is being entered (target sum, measurability); nothing saved."""
    form = await request.form()
    try:
        result = tumour.preview(db, settings, user, pseudonym,
                                baseline=tumour.parse_baseline(baseline_from_form(form)))
        error = None
    except DawnaError as exc:
        result, error = None, exc
    return render(request, "tumour/_baseline_result.html", {"result": result, "error": error})


@router.post("/participants/{pseudonym}/tumour/baseline", dependencies=[Depends(csrf_protect)])
async def baseline_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                        pseudonym: str) -> Response:
    form = await request.form()
    values = baseline_from_form(form)
    try:
        tumour.save_baseline(db, settings, user, pseudonym, tumour.parse_baseline(values),
                             str(form.get("reason") or ""), _version(form))
    except DawnaError as error:
        view = tumour.get(db, settings, user, pseudonym)
        return _page(request, "tumour/baseline.html",
                     {**_baseline_context(view, values), "result": None}, error)
    return RedirectResponse(f"/participants/{pseudonym}/tumour?saved=1", status_code=303)


# --- follow-up ---------------------------------------------------------------------------


def _stored(view: tumour.TumourView, assessment_id: int | None) -> tumour.StoredAssessment | None:
    if assessment_id is None:
        return None
    return next((a for a in view.assessments if a.id == assessment_id), None)


def _follow_up_context(view: tumour.TumourView, values: dict[str, Any],
                       assessment_id: int | None) -> dict[str, Any]:
    stored = _stored(view, assessment_id)
    return {"view": view, "p": view.participant, "a": values, "stored": stored,
            "assessment_id": stored.id if stored else None}


@router.get("/participants/{pseudonym}/tumour/follow-up")
def follow_up_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                   pseudonym: str, id: int | None = None) -> Response:
    view = tumour.get(db, settings, user, pseudonym)
    if view.baseline is None:
        return RedirectResponse(f"/participants/{pseudonym}/tumour/baseline", status_code=303)
    stored = _stored(view, id)
    values = stored.assessment.model_dump(mode="json") if stored else {}
    return render(request, "tumour/follow_up.html", _follow_up_context(view, values, id))


@router.post("/participants/{pseudonym}/tumour/follow-up/check",
             dependencies=[Depends(csrf_protect)])
async def follow_up_check(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                          pseudonym: str) -> Response:
    """HTMX: the timepoint response of the assessment being entered; nothing saved."""
    form = await request.form()
    raw_id = str(form.get("assessment_id") or "")
    try:
        draft = tumour.parse_assessment(assessment_from_form(form, draft=True))
        result = tumour.preview(db, settings, user, pseudonym, assessment=draft,
                                assessment_id=int(raw_id) if raw_id.isdigit() else None)
        timepoint = next(t for t in result.timepoints if t.date == draft.date)
        error = None
    except DawnaError as exc:
        result, timepoint, error = None, None, exc
    return render(request, "tumour/_timepoint.html",
                  {"result": result, "t": timepoint, "error": error})


@router.post("/participants/{pseudonym}/tumour/follow-up", dependencies=[Depends(csrf_protect)])
async def follow_up_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                         pseudonym: str) -> Response:
    form = await request.form()
    raw_id = str(form.get("assessment_id") or "")
    assessment_id = int(raw_id) if raw_id.isdigit() else None
    values: dict[str, Any] = {}
    try:
        values = assessment_from_form(form)
        tumour.save_assessment(db, settings, user, pseudonym, tumour.parse_assessment(values),
                               str(form.get("reason") or ""), assessment_id, _version(form))
    except DawnaError as error:
        view = tumour.get(db, settings, user, pseudonym)
        values = values or nest([(k, v) for k, v in _pairs(form)
                                 if not k.startswith(("state.", "target.", "assessment_id"))])
        return _page(request, "tumour/follow_up.html",
                     _follow_up_context(view, values, assessment_id), error)
    deviation_detect.after_save(db, settings, user, pseudonym)
    return RedirectResponse(f"/participants/{pseudonym}/tumour?saved=1", status_code=303)


@router.post("/participants/{pseudonym}/tumour/follow-up/{assessment_id}/delete",
             dependencies=[Depends(csrf_protect)])
async def follow_up_delete(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                           pseudonym: str, assessment_id: RecordId) -> Response:
    form = await request.form()
    try:
        tumour.delete_assessment(db, settings, user, pseudonym, assessment_id,
                                 str(form.get("reason") or ""), _version(form))
    except DawnaError as error:
        view = tumour.get(db, settings, user, pseudonym)
        return _page(request, "tumour/history.html",
                     {"view": view, "p": view.participant, "result": view.result}, error)
    return RedirectResponse(f"/participants/{pseudonym}/tumour?deleted=1", status_code=303)
