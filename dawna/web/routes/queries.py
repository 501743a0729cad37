"""Query and source data verification pages (issue 20 items 1 and 2): the site list of queries
with their age and filters, one query with its thread and the steps the user may take, raising a
query on a form or field, a participant's queries and forms (with their verification), and the
monitor's verification progress."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from dawna.errors import DawnaError, NotFound
from dawna.i18n import _
from dawna.services import queries, query_checks, query_lists, sdv
from dawna.services.access import Permission, Principal
from dawna.services.form_catalogue import FORMS, field_label, form_label
from dawna.services.form_rows import fields_of
from dawna.services.schemas_queries import QueryAnswerIn, QueryRaiseIn, QueryStepIn, SdvMarkIn
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.query_return import local_path, with_param, with_query
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = Router(include_in_schema=False)
Csrf = [Depends(csrf_protect)]
Text = Annotated[str, Form(max_length=4000)]
Next = Annotated[str, Form(max_length=500)]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _forms() -> list[tuple[str, str]]:
    return [(key, form_label(key)) for key in FORMS]


@router.get("/queries")
def list_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
              site: str = "", status: str = "", form: str = "", min_age: str = "") -> Response:
    filters = query_lists.QueryFilter(site=site or None, status=status or None,
                                      form=form or None, min_age=_int(min_age))
    return render(request, "queries/list.html", {
        "rows": query_lists.site_list(db, settings, user, filters), "f": filters,
        "counts": query_lists.counts_by_site(db, user), "forms": _forms(),
        "ran": request.query_params.get("ran"),
        "can_raise": user.can_anywhere(Permission.QUERY_RAISE)})


@router.post("/queries/run-checks", dependencies=Csrf)
def run_checks(db: DbDep, settings: SettingsDep, user: CurrentUser) -> Response:
    run = query_checks.run_for(db, settings, user)
    return RedirectResponse(f"/queries?status=open&ran={run.raised}", status_code=303)


def _new_page(request: Request, user: Principal, values: dict[str, str],
              error: DawnaError | None = None) -> Response:
    table = values.get("table_name", "")
    fields = fields_of(table) if table in FORMS else []
    # the stored form's own fields; a form not at the user's sites: its columns only (a query
    # on it is refused when raised)
    if fields and values.get("row_id", "").isdigit():
        with suppress(DawnaError):
            fields = query_lists.form_fields(request.app.state.db, user, table, values["row_id"])
    return render(request, "queries/new.html", {
        "v": values, "error": error, "forms": _forms(),
        "fields": [(f, field_label(table, f)) for f in fields]},
        status_code=error.status_code if error else 200)


@router.get("/queries/new")
def new_page(request: Request, user: CurrentUser, table_name: str = "", row_id: str = "",
             field: str = "", next: str = "") -> Response:
    """The form to raise a query (``next``: the page to return to once raised)."""
    return _new_page(request, user, {"table_name": table_name, "row_id": row_id,
                                     "field": field, "text": "", "next": local_path(next, "")})


@router.post("/queries", dependencies=Csrf)
def raise_query(request: Request, db: DbDep, user: CurrentUser,
                table_name: Annotated[str, Form(max_length=64)] = "",
                row_id: Annotated[str, Form(max_length=64)] = "",
                field: Annotated[str, Form(max_length=200)] = "", text: Text = "",
                next: Next = "") -> Response:
    values = {"table_name": table_name, "row_id": row_id, "field": field, "text": text,
              "next": local_path(next, "")}
    try:
        command = validate(QueryRaiseIn, {"table_name": table_name, "row_id": row_id,
                                          "field": field or None, "text": text}, form=True)
        query_id = queries.raise_query(db, user, command)
    except DawnaError as error:
        return _new_page(request, user, values, error)
    back = with_param(values["next"], "raised", query_id) if values["next"] else ""
    return RedirectResponse(back or f"/queries/{query_id}?raised=1", status_code=303)


def _detail(request: Request, db: DbDep, settings: SettingsDep, user: Principal,
            query_id: int, error: DawnaError | None = None,
            form: dict[str, Any] | None = None) -> Response:
    view = query_lists.get(db, settings, user, query_id)
    return render(request, "queries/detail.html", {
        "q": view, "error": error, "form": form or {},
        "form_link": with_query(view.url, view.id),
        "can_answer": user.can_anywhere(Permission.QUERY_ANSWER) and view.status == "open",
        "can_raise": user.can_anywhere(Permission.QUERY_RAISE)},
        status_code=error.status_code if error else 200)


@router.get("/queries/{query_id}")
def detail_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                query_id: RecordId) -> Response:
    return _detail(request, db, settings, user, query_id)


@router.post("/queries/{query_id}/{step}", dependencies=Csrf)
def step(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
         query_id: RecordId, step: str, text: Text = "",
         answer_kind: Annotated[str, Form(max_length=16)] = "",
         version: Annotated[str, Form(max_length=12)] = "") -> Response:
    form = {"text": text, "answer_kind": answer_kind, "version": version}
    try:
        if step == "answer":
            queries.answer(db, user, query_id, validate(QueryAnswerIn, form, form=True))
        elif step in ("close", "reopen"):
            command = validate(QueryStepIn, {"text": text, "version": version}, form=True)
            (queries.close if step == "close" else queries.reopen)(db, user, query_id, command)
        else:
            raise NotFound(_("no such step of a query: {step}").format(step=step), field="step")
    except DawnaError as error:
        return _detail(request, db, settings, user, query_id, error, form)
    return RedirectResponse(f"/queries/{query_id}?done={step}", status_code=303)


def _participant(request: Request, db: DbDep, settings: SettingsDep, user: Principal,
                 pseudonym: str, panel: bool, error: DawnaError | None = None) -> Response:
    context = {
        "pseudonym": pseudonym, "error": error,
        "rows": query_lists.participant_queries(db, settings, user, pseudonym),
        "forms": [] if panel else sdv.participant_forms(db, user, pseudonym),
        "can_raise": user.can_anywhere(Permission.QUERY_RAISE),
        "can_verify": user.can_anywhere(Permission.SDV_MARK), "fields_of": fields_of}
    name = "queries/_participant.html" if panel else "queries/participant.html"
    return render(request, name, context, status_code=error.status_code if error else 200)


@router.get("/participants/{pseudonym}/queries")
def participant_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                     pseudonym: str, panel: bool = False) -> Response:
    """The participant's queries and forms (``panel``: the part the participant page loads)."""
    return _participant(request, db, settings, user, pseudonym, panel)


@router.post("/participants/{pseudonym}/sdv", dependencies=Csrf)
def verify(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
           pseudonym: str, target: Annotated[str, Form(max_length=140)] = "",
           table_name: Annotated[str, Form(max_length=64)] = "",
           row_id: Annotated[str, Form(max_length=64)] = "",
           field: Annotated[str, Form(max_length=200)] = "", next: Next = "") -> Response:
    """Mark a form verified (``target`` ``table:row_id`` from the forms list, or
    ``table_name`` and ``row_id``), or one of its fields; then back to ``next`` when given
    (the form status page)."""
    if target:
        table_name, _sep, row_id = target.partition(":")
    try:
        sdv.mark(db, user, validate(SdvMarkIn, {"table_name": table_name, "row_id": row_id,
                                                "field": field or None}, form=True))
    except DawnaError as error:
        return _participant(request, db, settings, user, pseudonym, False, error)
    back = local_path(next, "")
    return RedirectResponse(with_param(back, "verified", 1) if back else
                            f"/participants/{pseudonym}/queries?verified=1#forms",
                            status_code=303)


@router.get("/sdv")
def progress_page(request: Request, db: DbDep, user: CurrentUser, site: str = "") -> Response:
    """The monitor's page: percent of forms verified per site, per kind of form and per
    participant."""
    return render(request, "queries/sdv.html", {
        "site": site, "by_site": sdv.progress(db, user, "site"),
        "by_form": sdv.progress(db, user, "form", site or None),
        "by_participant": sdv.progress(db, user, "participant", site or None)})
