"""Participant pages: list, register, view, correct with a reason (Jinja2 + HTMX)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _
from dawna.rules.lifecycle import EOS_REASONS, EOT_REASONS
from dawna.services import follow_up, lifecycle, page_cache, participants
from dawna.services.access import Permission, Principal
from dawna.services.participant_page import page_read
from dawna.services.schemas import ParticipantCreate, ParticipantUpdate, SitePublic
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, SettingsDep, require_anywhere
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import Built, render, shared_page

router = Router(prefix="/participants", include_in_schema=False)
Creator = Annotated[Principal, Depends(require_anywhere(Permission.PARTICIPANT_CREATE))]


def _sites(db: DbDep, user: Principal, permission: Permission) -> list[SitePublic]:
    return participants.sites_visible(db, user, permission)


def _blank_to_none(form: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if v != "" else None) for k, v in form.items()}


@router.get("")
def participant_list(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                     q: str = "", site: str = "") -> Response:
    def build() -> Built:
        rows = participants.list_participants(db, user, search=q, site_code=site or None)
        context = {"rows": rows, "q": q, "site": site,
                   "sites": _sites(db, user, Permission.PARTICIPANT_VIEW),
                   "can_create": user.can_anywhere(Permission.PARTICIPANT_CREATE)}
        hx = request.headers.get("hx-request")
        return None, "participants/_rows.html" if hx else "participants/list.html", context

    # the list of the user's sites, kept as rendered per roles until the data change
    return shared_page(request, user, Permission.PARTICIPANT_VIEW,
                       page_cache.version(db, settings), build)


def _versions(db: DbDep) -> list[lifecycle.ConsentVersion]:
    return lifecycle.approved_versions(db)


@router.get("/new")
def new_form(request: Request, db: DbDep, user: Creator) -> Response:
    return render(request, "participants/form.html",
                  {"mode": "new", "values": {}, "versions": _versions(db),
                   "sites": _sites(db, user, Permission.PARTICIPANT_CREATE)})


@router.post("/new", dependencies=[Depends(csrf_protect)])
def create(request: Request, db: DbDep, settings: SettingsDep, user: Creator,
           site_code: Annotated[str, Form()] = "", consent_date: Annotated[str, Form()] = "",
           consent_time: Annotated[str, Form()] = "", consent_version: Annotated[str, Form()] = "",
           consent_obtained_by: Annotated[str, Form()] = "",
           full_name: Annotated[str, Form()] = "",
           medical_record_number: Annotated[str, Form()] = "",
           phone: Annotated[str, Form()] = "") -> Response:
    values = {"site_code": site_code, "consent_date": consent_date,
              "consent_time": consent_time, "consent_version": consent_version,
              "consent_obtained_by": consent_obtained_by, "full_name": full_name,
              "medical_record_number": medical_record_number, "phone": phone}
    try:
        data = validate(ParticipantCreate, _blank_to_none(values)
                        | {"site_code": site_code, "full_name": full_name,
                           "medical_record_number": medical_record_number}, root="request",
                        form=True)
        detail = participants.register(db, settings, user, data)
    except DawnaError as error:
        return render(request, "participants/form.html",
                      {"mode": "new", "values": values, "error": error,
                       "versions": _versions(db),
                       "sites": _sites(db, user, Permission.PARTICIPANT_CREATE)},
                      status_code=error.status_code)
    return RedirectResponse(f"/participants/{detail.pseudonym}", status_code=303)


@router.get("/{pseudonym}")
def participant_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                     pseudonym: str) -> Response:
    at = page_cache.version(db, settings, pseudonym)  # before the data

    def build() -> Built:
        read = page_read(db, user, pseudonym)  # the participant read once
        course = follow_up.course(db, user, pseudonym, at)
        return read.site_id, "participants/detail.html", {
            "p": read.detail, "allocation": read.allocation, "course": course,
            "versions": _versions(db), "eot_reasons": EOT_REASONS,
            "eos_reasons": list(EOS_REASONS), "arm_blinded": read.arm_blinded}

    # kept as rendered per roles until this participant's data change; the right to the
    # participant checked on every request (web/templating.py shared_page)
    return shared_page(request, user, Permission.PARTICIPANT_VIEW, at, build)


@router.get("/{pseudonym}/edit")
def edit_form(request: Request, db: DbDep, user: CurrentUser, pseudonym: str) -> Response:
    detail = participants.get_participant(db, user, pseudonym)
    values: dict[str, Any] = {"consent_date": detail.consent_date.isoformat()
                              if detail.consent_date else ""}
    if detail.identity:
        values |= detail.identity.model_dump()
    return render(request, "participants/form.html", {"mode": "edit", "p": detail,
                                                      "values": values})


def _refuse_cleared(values: dict[str, Any], identity: bool) -> None:
    """A required field sent empty is an error, never "unchanged" (issue 20): the consent date,
    and the name and record number where the user sees the identity."""
    required = ["consent_date"] + (["full_name", "medical_record_number"] if identity else [])
    cleared = [name for name in required if values[name] is not None and not values[name].strip()]
    if cleared:
        message = _("this field is required; it cannot be cleared (the old value is kept "
                    "until you enter a new one)")
        raise ValidationError(message, field=cleared[0],
                              problems=tuple((name, message) for name in cleared)
                              if len(cleared) > 1 else ())


@router.post("/{pseudonym}/edit", dependencies=[Depends(csrf_protect)])
async def edit(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
               pseudonym: str) -> Response:
    # the raw form: an input sent empty is "" here (FastAPI's Form() would make it None, the
    # same as an input not sent, and a cleared field would silently keep its old value)
    form = await request.form()
    values: dict[str, Any] = {name: (str(form[name]) if name in form else None) for name in (
        "consent_date", "full_name", "medical_record_number", "phone", "reason", "version")}
    consent_date, phone = values["consent_date"], values["phone"]
    reason, version = values["reason"] or "", values["version"] or ""
    detail = participants.get_participant(db, user, pseudonym)
    try:
        _refuse_cleared(values, detail.identity is not None)
        payload: dict[str, Any] = {"reason": reason, "version": version or None}
        if consent_date:
            payload["consent_date"] = consent_date
        if detail.identity is not None:
            payload |= {k: values[k] for k in ("full_name", "medical_record_number")
                        if values[k] not in (None, "")}
            if phone is not None:
                payload["phone"] = phone or None
        data = validate(ParticipantUpdate, payload, root="request", form=True)
        participants.update(db, settings, user, pseudonym, data)
    except DawnaError as error:
        return render(request, "participants/form.html",
                      {"mode": "edit", "p": detail, "values": values, "error": error},
                      status_code=error.status_code)
    return RedirectResponse(f"/participants/{pseudonym}", status_code=303)
