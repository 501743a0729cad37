"""The protocol deviation log (issue 20 item 6): the listing with its filters and CSV, a
deviation recorded by the site, detection run on demand, the investigator's acknowledgement."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from dawna.errors import DawnaError
from dawna.rules.deviation_rules import Category, Importance
from dawna.services import deviation_detect, deviation_log, deviation_review
from dawna.services.access import Permission, Principal
from dawna.validation import validate
from dawna.web.deps import DbDep, RecordId, SettingsDep, require_anywhere
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = Router(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require_anywhere(Permission.TREATMENT_VIEW))]


def _filters(site: str, category: str, importance: str, status: str, source: str,
             participant: str) -> deviation_log.LogFilter:
    return deviation_log.LogFilter(site=site or None, category=category or None,
                                   importance=importance or None, status=status or None,
                                   source=source or None, pseudonym=participant.strip() or None)


def _page(request: Request, db: DbDep, user: Principal, filters: deviation_log.LogFilter,
          error: DawnaError | None = None, entered: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    rows = deviation_log.listing(db, user, filters)
    return render(request, "deviations/log.html", {
        "rows": rows, "f": filters, "error": error, "entered": entered or {},
        "categories": [(c.value, deviation_log.category_label(c.value)) for c in Category],
        "importances": [(i.value, deviation_log.importance_label(i.value)) for i in Importance],
        "label_category": deviation_log.category_label,
        "label_importance": deviation_log.importance_label,
        "label_kind": deviation_log.kind_label,
        "can_record": user.can_anywhere(Permission.PARTICIPANT_EDIT),
        "can_detect": any(user.can_anywhere(p) for p in deviation_detect.DETECTING),
        "can_acknowledge": user.can_anywhere(Permission.DEVIATION_ACKNOWLEDGE)},
        status_code=status_code)


@router.get("/deviations")
def log_page(request: Request, db: DbDep, user: Viewer, site: str = "", category: str = "",
             importance: str = "", status: str = "", source: str = "",
             participant: str = "") -> Response:
    return _page(request, db, user, _filters(site, category, importance, status, source,
                                             participant))


@router.get("/deviations.csv")
def log_csv(db: DbDep, user: Viewer, site: str = "", category: str = "", importance: str = "",
            status: str = "", source: str = "", participant: str = "") -> Response:
    rows = deviation_log.listing(db, user, _filters(site, category, importance, status, source,
                                                    participant))
    return Response(deviation_log.to_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             'attachment; filename="protocol_deviations.csv"'})


@router.post("/deviations", dependencies=[Depends(csrf_protect)])
def record(request: Request, db: DbDep, settings: SettingsDep, user: Viewer,
           participant: Annotated[str, Form()] = "", category: Annotated[str, Form()] = "",
           occurred_on: Annotated[str, Form()] = "", description: Annotated[str, Form()] = "",
           importance: Annotated[str, Form()] = "",
           action_taken: Annotated[str, Form()] = "") -> Response:
    entered = {"participant": participant, "category": category, "occurred_on": occurred_on,
               "description": description, "importance": importance,
               "action_taken": action_taken}
    try:
        entry = validate(deviation_log.DeviationIn, {
            k: v for k, v in entered.items() if k != "participant" and v != ""},
            root="request", form=True)
        row = deviation_log.record(db, settings, user, participant.strip(), entry)
    except DawnaError as error:
        return _page(request, db, user, deviation_log.LogFilter(), error, entered,
                     error.status_code)
    return RedirectResponse(f"/deviations?recorded={row.id}#new", status_code=303)


@router.post("/deviations/detect", dependencies=[Depends(csrf_protect)])
def detect(request: Request, db: DbDep, settings: SettingsDep, user: Viewer) -> Response:
    try:
        summary = deviation_detect.detect(db, settings, user)
    except DawnaError as error:
        return _page(request, db, user, deviation_log.LogFilter(), error,
                     status_code=error.status_code)
    return RedirectResponse(f"/deviations?detected={summary.total}", status_code=303)


@router.post("/deviations/{deviation_id}/acknowledge", dependencies=[Depends(csrf_protect)])
def acknowledge(request: Request, db: DbDep, settings: SettingsDep, user: Viewer,
                deviation_id: int, participant: Annotated[str, Form()] = "",
                comment: Annotated[str, Form()] = "", importance: Annotated[str, Form()] = "",
                action_taken: Annotated[str, Form()] = "",
                version: Annotated[str, Form()] = "") -> Response:
    try:
        chosen = validate(deviation_log.AcknowledgeIn, {
            k: v for k, v in {"comment": comment, "importance": importance,
                              "action_taken": action_taken}.items() if v != ""},
            root="request", form=True)
        deviation_log.acknowledge(db, settings, user, participant, deviation_id,
                                  chosen.comment, int(version) if version.isdigit() else None,
                                  importance=chosen.importance,
                                  action_taken=chosen.action_taken)
    except DawnaError as error:
        return _page(request, db, user, deviation_log.LogFilter(pseudonym=participant or None),
                     error, status_code=error.status_code)
    return RedirectResponse(f"/deviations?participant={participant}&acknowledged=1",
                            status_code=303)


@router.post("/deviations/{deviation_id}/review", dependencies=[Depends(csrf_protect)])
def review(request: Request, db: DbDep, settings: SettingsDep, user: Viewer, deviation_id: RecordId,
           participant: Annotated[str, Form()] = "", comment: Annotated[str, Form()] = "",
           decision: Annotated[str, Form()] = "", version: Annotated[str, Form()] = ""
           ) -> Response:
    """The investigator withdraws or keeps a deviation whose record changed after it was
    acknowledged (``docs/deviations.md``)."""
    try:
        chosen = validate(deviation_review.ReviewIn, {
            "withdraw": decision == "withdraw", "comment": comment,
            "version": int(version) if version.isdigit() else None}, root="request", form=True)
        deviation_review.review(db, settings, user, participant, deviation_id, chosen)
    except DawnaError as error:
        return _page(request, db, user, deviation_log.LogFilter(pseudonym=participant or None),
                     error, status_code=error.status_code)
    return RedirectResponse(f"/deviations?participant={participant}&reviewed=1",
                            status_code=303)
