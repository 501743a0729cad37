"""Safety pages: laboratory results with their live CTCAE grade, the adverse event form (the
CTCAE term found in English or Chinese, live grade descriptions of the chosen term, the grade of
a linked laboratory result, expectedness against the reference safety information), corrections,
SAE reports, SUSAR reports to the ethics committee and the authority, the site's safety work list
and the adverse event listing (CSV)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from dawna.clock import local_today
from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.rules import ctcae
from dawna.rules.ctcae_search import search_terms
from dawna.services import clinical, page_cache, query_checks, safety, treatment
from dawna.services.access import Permission
from dawna.services.treatment import render as render_message
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.forms import nest
from dawna.web.query_return import answer_url
from dawna.web.routes.treatment import treatment_page
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import Built, fragment, render, shared_page

router = Router(include_in_schema=False)


def _pairs(form: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def lab_from_form(form: Any) -> safety.LabIn:
    return validate(safety.LabIn, nest(_pairs(form)), root="request", form=True)


def ae_from_form(form: Any, settings: Any) -> safety.AeIn:
    """Checkboxes ``seriousness`` (several), ``relatedness.DRUG``, awareness as a local date and
    time at the site."""
    pairs = _pairs(form)
    data = nest([(k, v) for k, v in pairs
                 if k not in ("seriousness", "aware_date", "aware_time", "serious")])
    data["seriousness"] = [v for k, v in pairs if k == "seriousness" and v]
    data["serious"] = bool(data["seriousness"]) or form.get("serious") == "true"
    day, at = str(form.get("aware_date") or ""), str(form.get("aware_time") or "")
    if day:
        try:
            data["aware_at"] = datetime.fromisoformat(f"{day}T{at or '00:00'}").replace(
                tzinfo=settings.zone)
        except ValueError:
            raise ValidationError(_("not a date and time: {value}").format(
                value=f"{day} {at}"), field="aware_at") from None
    return validate(safety.AeIn, data, root="request", form=True)


@router.post("/participants/{pseudonym}/labs/grade", dependencies=[Depends(csrf_protect)])
async def lab_grade(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                    pseudonym: str) -> Response:
    form = await request.form()
    try:
        data = nest(_pairs(form))
        # the grade needs no date
        data.setdefault("sample_date", local_today(settings.zone).isoformat())
        lab = validate(safety.LabIn, data, root="request", form=True)
        graded = safety.grade_preview(lab)
    except DawnaError as error:
        return render(request, "treatment/_lab_grade.html", {"g": None, "error": error})
    return render(request, "treatment/_lab_grade.html", {"g": graded, "error": None,
                                                         "msg": render_message})


@router.post("/participants/{pseudonym}/labs", dependencies=[Depends(csrf_protect)])
async def lab_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                   pseudonym: str) -> Response:
    form = await request.form()
    try:
        safety.record_lab(db, settings, user, pseudonym, lab_from_form(form))
    except DawnaError as error:
        return treatment_page(request, db, settings, user, pseudonym, error, lab_form=dict(form))
    query_checks.after_save(db, settings, user, pseudonym)  # edit checks (issue 20)
    return RedirectResponse(f"/participants/{pseudonym}/treatment?saved=1#labs",
                            status_code=303)


@router.get("/participants/{pseudonym}/labs/{lab_id}")
def lab_edit(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
             pseudonym: str, lab_id: RecordId) -> Response:
    return _lab_page(request, db, settings, user, pseudonym, lab_id, None)


def _lab_page(request: Request, db: DbDep, settings: SettingsDep, user: Any, pseudonym: str,
              lab_id: int, error: DawnaError | None) -> Response:
    view = treatment.treatment_view(db, settings, user, pseudonym)
    row = safety.lab_of(db, user, pseudonym, lab_id)
    return render(request, "treatment/lab.html", {
        "v": view, "lab": row, "analytes": ctcae.LAB_ANALYTES, "error": error},
        status_code=error.status_code if error else 200)


@router.post("/participants/{pseudonym}/labs/{lab_id}", dependencies=[Depends(csrf_protect)])
async def lab_correct(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                      pseudonym: str, lab_id: RecordId) -> Response:
    form = await request.form()
    raw = str(form.get("version") or "")
    try:
        safety.correct_lab(db, settings, user, pseudonym, lab_id,
                           lab_from_form(form),  # nest() skips version and reason
                           version=int(raw) if raw.isdigit() else -1,
                           reason=str(form.get("reason") or ""))
    except DawnaError as error:
        return _lab_page(request, db, settings, user, pseudonym, lab_id, error)
    query_checks.after_save(db, settings, user, pseudonym)  # edit checks (issue 20)
    return RedirectResponse(answer_url(request.query_params.get("query"),
                                       f"/participants/{pseudonym}/treatment?saved=1#labs"),
                            status_code=303)


def _ae_page(request: Request, db: DbDep, settings: SettingsDep, user: Any, pseudonym: str,
             number: int | None, form: Any,
             error: DawnaError | None) -> Response:
    view = treatment.treatment_view(db, settings, user, pseudonym)
    stored = None if number is None else safety.adverse_event(db, user, pseudonym, number)
    labs = [lab for lab in safety.participant_labs(db, user, pseudonym) if lab.grade > 0]
    drugs = [d.drug for d in view.regimen.drugs] if view.regimen else []
    protocol = bundled_protocol()
    rsi = [(d, doc) for d in drugs if (doc := protocol.rsi(d)) is not None]
    susar = None if number is None else safety.participant_susars(
        db, settings, user, pseudonym).get(number)
    return render(request, "treatment/ae.html", {
        "v": view, "stored": stored, "form": form or {}, "error": error, "drugs": drugs,
        "labs": labs, "seriousness": safety.SERIOUSNESS,
        "actions": safety.ACTIONS, "outcomes": safety.OUTCOMES,
        "relatedness": safety.RELATEDNESS, "expectedness": safety.EXPECTEDNESS, "rsi": rsi,
        "susar": susar, "recipients": safety.RECIPIENTS},
        status_code=error.status_code if error else 200)


@router.get("/participants/{pseudonym}/adverse-events/new")
def ae_new(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
           pseudonym: str, lab: int | None = None, history: int | None = None) -> Response:
    form: dict[str, Any] = {}
    if history is not None:  # a baseline condition that worsened after the first dose
        cond = next((h for h in clinical.clinical_view(db, settings, user, pseudonym).history
                     if h.id == history and h.worsened_on is not None), None)
        if cond is not None and cond.worsened_on is not None:
            form = {"start_date": cond.worsened_on.isoformat(),
                    "description": _("Worsening of a baseline condition: {condition}").format(
                        condition=cond.condition)}
    if lab is not None:
        row = next((x for x in safety.participant_labs(db, user, pseudonym) if x.id == lab),
                   None)
        if row is not None:
            form = {"term": row.term, "grade": str(row.grade),
                    "start_date": row.sample_date.isoformat(), "lab_result_id": str(row.id)}
    return _ae_page(request, db, settings, user, pseudonym, None, form, None)


@router.post("/adverse-events/term", dependencies=[Depends(csrf_protect)])
async def ae_term_help(request: Request, user: CurrentUser) -> Response:
    """The CTCAE v5.0 grade descriptions of the term being typed (live, HTMX)."""
    form = await request.form()
    try:
        found = ctcae.term(str(form.get("term") or ""))
    except ctcae.CtcaeError:
        found = None
    return render(request, "treatment/_term.html", {"t": found,
                                                    "grade": str(form.get("grade") or "")})


@router.get("/adverse-events/terms")
def ae_term_search(request: Request, user: CurrentUser, term: str = "") -> Response:
    """The CTCAE v5.0 terms matching what is typed, in English or Chinese (HTMX; the same
    search as ``/api/ctcae/terms``)."""
    return render(request, "treatment/_term_choices.html", {
        "found": search_terms(term, limit=12), "query": term.strip()})


@router.get("/adverse-events/term-field")
def ae_term_field(request: Request, user: CurrentUser, term: str = "") -> Response:
    """The term field holding the chosen term (HTMX; it then shows the term's grades)."""
    return render(request, "treatment/_term_field.html", {"value": term, "oob": True})


@router.post("/participants/{pseudonym}/adverse-events", dependencies=[Depends(csrf_protect)])
async def ae_create(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                    pseudonym: str) -> Response:
    form = await request.form()
    try:
        number = safety.record_ae(db, settings, user, pseudonym, ae_from_form(form, settings))
    except DawnaError as error:
        return _ae_page(request, db, settings, user, pseudonym, None, form, error)
    query_checks.after_save(db, settings, user, pseudonym)  # edit checks (issue 20)
    return RedirectResponse(f"/participants/{pseudonym}/treatment?saved={number}#aes",
                            status_code=303)


@router.get("/participants/{pseudonym}/adverse-events/{number}")
def ae_edit(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
            pseudonym: str, number: RecordId) -> Response:
    return _ae_page(request, db, settings, user, pseudonym, number, None, None)


@router.post("/participants/{pseudonym}/adverse-events/{number}",
             dependencies=[Depends(csrf_protect)])
async def ae_update(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                    pseudonym: str, number: RecordId) -> Response:
    form = await request.form()
    raw = str(form.get("version") or "")
    try:
        safety.update_ae(db, settings, user, pseudonym, number, ae_from_form(form, settings),
                         version=int(raw) if raw.isdigit() else -1,
                         reason=str(form.get("reason") or ""))
    except DawnaError as error:
        return _ae_page(request, db, settings, user, pseudonym, number, form, error)
    query_checks.after_save(db, settings, user, pseudonym)  # edit checks (issue 20)
    return RedirectResponse(answer_url(request.query_params.get("query"),
                                       f"/participants/{pseudonym}/treatment?saved=1#aes"),
                            status_code=303)


@router.post("/participants/{pseudonym}/adverse-events/{number}/report",
             dependencies=[Depends(csrf_protect)])
async def ae_report(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                    pseudonym: str, number: RecordId) -> Response:
    form = await request.form()
    try:
        when = None
        day, at = str(form.get("reported_date") or ""), str(form.get("reported_time") or "")
        if day:
            try:
                when = datetime.fromisoformat(f"{day}T{at or '00:00'}").replace(
                    tzinfo=settings.zone)
            except ValueError:
                raise ValidationError(_("not a date and time: {value}").format(
                    value=f"{day} {at}"), field="reported_at") from None
        safety.report_sae(db, settings, user, pseudonym, number, when)
    except DawnaError as error:
        return treatment_page(request, db, settings, user, pseudonym, error)
    return RedirectResponse(f"/participants/{pseudonym}/treatment?saved=1#aes",
                            status_code=303)


@router.post("/participants/{pseudonym}/adverse-events/{number}/susar-reports",
             dependencies=[Depends(csrf_protect)])
async def susar_report(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                       pseudonym: str, number: RecordId) -> Response:
    form = await request.form()
    try:
        report = validate(safety.SusarReportIn, nest(_pairs(form)), root="request", form=True)
        safety.record_susar_report(db, settings, user, pseudonym, number, report)
    except DawnaError as error:
        return _ae_page(request, db, settings, user, pseudonym, number, None, error)
    return RedirectResponse(f"/participants/{pseudonym}/adverse-events/{number}?saved=1",
                            status_code=303)


@router.get("/safety")
def board(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser) -> Response:
    at = page_cache.version(db, settings)  # before the data

    def build() -> Built:
        return None, "treatment/board.html", {"b": safety.board(db, settings, user, at),
                                              "msg": render_message}

    def live() -> Markup:  # the hours left on each 24-hour clock: this request's
        return fragment(request, "treatment/_board_saes.html",
                        {"b": safety.board(db, settings, user, at)})

    # the list of the user's sites, kept as rendered per roles and site day until the data
    # change (web/templating.py shared_page)
    return shared_page(request, user, Permission.TREATMENT_VIEW, at, build,
                       local_today(settings.zone), live=live)


@router.get("/safety/adverse-events.csv")
def ae_csv(db: DbDep, user: CurrentUser) -> Response:
    rows = safety.ae_listing(db, user)
    out = io.StringIO()
    names = safety.AE_COLUMNS
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="dawna-adverse-events.csv"'})
