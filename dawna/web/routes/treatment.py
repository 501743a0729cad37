"""Treatment pages: the participant's treatment page (plan, cycles, dose levels, calendar, labs
due, open adverse events), the prescriber's plan form with its live dose calculation, cycle
starts, the dose-modification proposal and decision, and the iCalendar downloads."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from dawna.clock import local_today
from dawna.errors import DawnaError, ValidationError
from dawna.exports.ical import calendar_ics
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.rules import regimens as rx
from dawna.rules.ctcae import LAB_ANALYTES
from dawna.rules.messages import N_, Message
from dawna.services import (
    clinical,
    deviation_detect,
    dose_modification,
    page_cache,
    safety,
    treatment,
)
from dawna.services.access import Permission
from dawna.services.treatment import render as render_message
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, SettingsDep
from dawna.web.forms import nest
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import Built, render, shared_page

router = Router(include_in_schema=False)
Text = Annotated[str, Form()]
RECENT_CYCLES = 4  # cycles shown open on the treatment page; older ones load on request
LABS_PER_PAGE = 30  # laboratory results per page, newest first


def _pairs(form: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("not a date (YYYY-MM-DD): {value}").format(value=value or "-"),
                              field=field) from None


def plan_from_form(form: Any) -> treatment.PlanIn:
    """Form fields ``measures.*``, ``variants.*``, ``chosen.*`` and ``custom_drugs.N.*`` (days
    as "1, 8") to a plan."""
    data = nest([(k, v) for k, v in _pairs(form) if k != "female"], {"custom_drugs"})
    measures = data.setdefault("measures", {})
    measures["female"] = form.get("female", "true") != "false"
    # rows without a drug name are the form's empty rows (their selects always send a value)
    data["custom_drugs"] = [d for d in data.get("custom_drugs", []) if d.get("drug")]
    for drug in data["custom_drugs"]:
        raw = str(drug.get("days", ""))
        try:
            drug["days"] = [int(x) for x in raw.replace(";", ",").split(",") if x.strip()]
        except ValueError:
            raise ValidationError(_("cycle days are whole numbers separated by commas"),
                                  field="custom_drugs.days") from None
    return validate(treatment.PlanIn, data, root="request", form=True)


def _context(request: Request, db: DbDep, settings: SettingsDep, user: Any, pseudonym: str,
             error: DawnaError | None = None, data: treatment.TreatmentPage | None = None,
             **extra: Any) -> dict[str, Any]:
    data = data or treatment.treatment_page(db, settings, user, pseudonym)
    view, events = data.view, data.events
    labs = list(reversed(data.labs))  # newest first
    pages = max(1, -(-len(labs) // LABS_PER_PAGE))
    raw = request.query_params.get("labs_page", "1")
    labs_page = min(max(int(raw) if raw.isdigit() else 1, 1), pages)
    shown = labs[(labs_page - 1) * LABS_PER_PAGE:labs_page * LABS_PER_PAGE]
    context = {"v": view, "labs": shown, "labs_total": len(labs), "labs_page": labs_page,
               "labs_first": (labs_page - 1) * LABS_PER_PAGE + 1,
               "labs_pages": pages, "recent_cycles": view.cycles[-RECENT_CYCLES:],
               "older_cycles": len(view.cycles) - len(view.cycles[-RECENT_CYCLES:]),
               "aes": events, "error": error,
               "analytes": LAB_ANALYTES, "msg": render_message,
               "deadline": safety.deadline, "outcomes": safety.OUTCOMES,
               "actions": safety.ACTIONS, **extra}
    return context


def treatment_page(request: Request, db: DbDep, settings: SettingsDep, user: Any,
                   pseudonym: str, error: DawnaError | None = None, status: int = 200,
                   **extra: Any) -> Response:
    """The participant's treatment page (with ``error`` shown, and the form ``extra``), for the
    treatment and safety routes."""
    return render(request, "treatment/page.html",
                  _context(request, db, settings, user, pseudonym, error, **extra),
                  status_code=error.status_code if error else status)


@router.get("/participants/{pseudonym}/treatment")
def page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
         pseudonym: str) -> Response:
    at = page_cache.version(db, settings, pseudonym)  # before the data

    def build() -> Built:  # the data version read once, the site from the same read
        data = treatment.treatment_page(db, settings, user, pseudonym, at)
        return data.site_id, "treatment/page.html", _context(request, db, settings, user,
                                                             pseudonym, data=data)

    # kept as rendered per roles and site day until the data change; the right to the
    # participant's treatment checked on every request (web/templating.py shared_page)
    return shared_page(request, user, Permission.TREATMENT_VIEW, at, build,
                       local_today(settings.zone))


@router.get("/participants/{pseudonym}/treatment/older-cycles")
def older_cycles(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                 pseudonym: str) -> Response:
    """The rows of the cycles before the latest ones (HTMX, when their section is opened)."""
    view = treatment.treatment_view(db, settings, user, pseudonym)
    return render(request, "treatment/_cycle_rows.html",
                  {"cycles": list(reversed(view.cycles[:-RECENT_CYCLES])),
                   "pseudonym": view.pseudonym})


@router.get("/participants/{pseudonym}/treatment/plan")
def plan_form(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
              pseudonym: str) -> Response:
    view = treatment.treatment_view(db, settings, user, pseudonym)
    cyp3a = clinical.prescription_warnings(db, settings, user, pseudonym)
    return render(request, "treatment/plan.html", {"v": view, "preview": None, "error": None,
                                                    "cyp3a": cyp3a,
                                                    **_plan_context(db, user, view)})


def _plan_context(db: Any, user: Any, view: treatment.TreatmentView) -> dict[str, Any]:
    arm = next((a for a in bundled_protocol().arms if a.id == view.arm), None)
    return {"arm": arm, "stored": view.plan, "custom": view.physician_entered,
            "drugs": treatment.plan_form(db, user, view.pseudonym)}


@router.post("/participants/{pseudonym}/treatment/plan/preview",
             dependencies=[Depends(csrf_protect)])
async def plan_preview(request: Request, db: DbDep, user: CurrentUser,
                       pseudonym: str) -> Response:
    form = await request.form()
    try:
        preview = treatment.preview_plan(db, user, pseudonym, plan_from_form(form))
    except DawnaError as error:
        return render(request, "treatment/_doses.html", {"preview": None, "error": error})
    return render(request, "treatment/_doses.html", {"preview": preview, "error": None})


@router.post("/participants/{pseudonym}/treatment/plan", dependencies=[Depends(csrf_protect)])
async def plan_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                    pseudonym: str) -> Response:
    form = await request.form()
    raw_version = str(form.get("version") or "")
    try:
        treatment.confirm_plan(db, settings, user, pseudonym, plan_from_form(form),
                               version=int(raw_version) if raw_version.isdigit() else None,
                               reason=str(form.get("reason") or "") or None)
    except DawnaError as error:
        view = treatment.treatment_view(db, settings, user, pseudonym)
        return render(request, "treatment/plan.html",
                      {"v": view, "preview": None, "error": error, "form": dict(form),
                       **_plan_context(db, user, view)}, status_code=error.status_code)
    return RedirectResponse(f"/participants/{pseudonym}/treatment?saved=1",
                            status_code=303)


@router.post("/participants/{pseudonym}/treatment/cycles", dependencies=[Depends(csrf_protect)])
async def cycle_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                     pseudonym: str) -> Response:
    form = await request.form()
    data = nest(_pairs(form))
    try:
        entry = validate(treatment.CycleIn, data, root="request", form=True)
        treatment.record_cycle(db, settings, user, pseudonym, entry)
    except DawnaError as error:
        return treatment_page(request, db, settings, user, pseudonym, error)
    deviation_detect.after_save(db, settings, user, pseudonym)
    return RedirectResponse(f"/participants/{pseudonym}/treatment?saved=1#cycles",
                            status_code=303)


@router.post("/participants/{pseudonym}/treatment/depots", dependencies=[Depends(csrf_protect)])
async def depot_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                     pseudonym: str) -> Response:
    form = await request.form()
    try:
        entry = validate(treatment.DepotDoseIn, nest(_pairs(form)), root="request", form=True)
        treatment.record_depot(db, settings, user, pseudonym, entry)
    except DawnaError as error:
        return treatment_page(request, db, settings, user, pseudonym, error)
    return RedirectResponse(f"/participants/{pseudonym}/treatment?saved=1#depots",
                            status_code=303)


@router.get("/participants/{pseudonym}/treatment/calendar.ics")
def calendar_download(db: DbDep, settings: SettingsDep, user: CurrentUser,
                      pseudonym: str, cycles: int = 6) -> Response:
    events = treatment.participant_calendar(db, settings, user, pseudonym,
                                            extra_cycles=max(0, min(cycles, 24)))
    body = calendar_ics(events, calendar_name=f"DAWNA-FES {pseudonym}",
                        uid_prefix=f"{pseudonym}-", render=render_message,
                        tz=settings.site_timezone)
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="dawna-{pseudonym}.ics"'})


@router.get("/treatment/site-calendar.ics")
def site_calendar_download(db: DbDep, settings: SettingsDep, user: CurrentUser) -> Response:
    rows = treatment.site_calendar(db, settings, user)
    events = [rx.CalendarEvent(**{**e.__dict__, "label": Message(
        N_("{participant}: {event}"), {"participant": pseudonym,
                                       "event": e.label or Message(e.kind)})})
        for pseudonym, e in rows]
    body = calendar_ics(events, calendar_name=_("DAWNA-FES site calendar"),
                        uid_prefix="site-", render=render_message, tz=settings.site_timezone)
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="dawna-site.ics"'})


@router.get("/participants/{pseudonym}/dose")
def dose_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
              pseudonym: str) -> Response:
    view = treatment.treatment_view(db, settings, user, pseudonym)
    proposals = dose_modification.propose(db, settings, user, pseudonym)
    return render(request, "treatment/dose.html", {"v": view, "proposals": proposals,
                                                    "error": None, "Action": rx.Action})


@router.post("/participants/{pseudonym}/dose", dependencies=[Depends(csrf_protect)])
def dose_decide(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                pseudonym: str, drug: Text = "", action: Text = "", reason: Text = "",
                dose_to: Text = "", decision_date: Text = "",
                override: Text = "") -> Response:
    try:
        dose = None
        if dose_to.strip():
            try:
                dose = float(dose_to)
            except ValueError:
                raise ValidationError(_("not a number: {value}").format(value=dose_to),
                                      field="dose_to") from None
        dose_modification.decide(
            db, settings, user, pseudonym, drug, action, reason, dose_to=dose,
            decision_date=_date(decision_date, "decision_date") if decision_date else None,
            override=override in ("1", "on", "true"))
    except DawnaError as error:
        view = treatment.treatment_view(db, settings, user, pseudonym)
        proposals = dose_modification.propose(db, settings, user, pseudonym)
        return render(request, "treatment/dose.html",
                      {"v": view, "proposals": proposals, "error": error, "Action": rx.Action},
                      status_code=error.status_code)
    return RedirectResponse(f"/participants/{pseudonym}/treatment?saved=1#doses",
                            status_code=303)
