"""A participant's course on the participant page: consent and re-consent, start and end of
treatment, withdrawal, end of study, survival follow-up contacts; and the dashboard."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from dawna.clock import local_today
from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _
from dawna.rules.lifecycle import EOS_REASONS, EOT_REASONS
from dawna.services import (
    deviations,
    follow_up,
    lifecycle,
    page_cache,
    participants,
    query_checks,
    query_lists,
    randomization,
    safety,
)
from dawna.services.access import Permission
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, SettingsDep
from dawna.web.present import arm_blinded
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import Built, fragment, render, shared_page

router = Router(include_in_schema=False)
Text = Annotated[str, Form()]


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("not a date (YYYY-MM-DD): {value}").format(value=value or "-"),
                              field=field) from None


def _time(value: str) -> time | None:
    if not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("not a time (HH:MM): {value}").format(value=value),
                              field="time") from None


def _page(request: Request, db: DbDep, user: Any, pseudonym: str,
          error: DawnaError) -> Response:
    detail = participants.get_participant(db, user, pseudonym)
    versions = lifecycle.approved_versions(db)
    return render(request, "participants/detail.html", {
        "p": detail, "allocation": randomization.allocation_of(db, user, pseudonym),
        "course": follow_up.course(db, user, pseudonym), "versions": versions,
        "eot_reasons": EOT_REASONS, "eos_reasons": list(EOS_REASONS),
        "arm_blinded": arm_blinded(db, user, detail.site_code), "error": error},
        status_code=error.status_code)


def _done(pseudonym: str) -> Response:
    return RedirectResponse(f"/participants/{pseudonym}?saved=1#course", status_code=303)


@router.post("/participants/{pseudonym}/consent", dependencies=[Depends(csrf_protect)])
def consent(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
            pseudonym: str, version: Text = "", signed_on: Text = "", at: Text = "",
            obtained_by: Text = "") -> Response:
    try:
        lifecycle.record_consent(db, settings, user, pseudonym, version,
                                 _date(signed_on, "signed_on"), _time(at), obtained_by)
    except DawnaError as error:
        return _page(request, db, user, pseudonym, error)
    return _done(pseudonym)


@router.post("/participants/{pseudonym}/course/{action}", dependencies=[Depends(csrf_protect)])
def move(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser, pseudonym: str,
         action: str, on: Text = "", reason: Text = "", detail: Text = "") -> Response:
    try:
        when = _date(on, "date")
        if action == "treatment-start":
            lifecycle.start_treatment(db, settings, user, pseudonym, when)
        elif action == "treatment-end":
            lifecycle.end_treatment(db, settings, user, pseudonym, when, reason, detail or None)
        elif action == "withdraw":
            lifecycle.withdraw(db, settings, user, pseudonym, when, detail or None)
        elif action == "study-end":
            lifecycle.end_study(db, settings, user, pseudonym, when, reason, detail or None)
        else:
            raise ValidationError(_("unknown action {action}").format(action=action),
                                  field="action")
    except DawnaError as error:
        return _page(request, db, user, pseudonym, error)
    if action in ("withdraw", "study-end"):  # events still open become queries (issue 20)
        query_checks.after_save(db, settings, user, pseudonym)
    return _done(pseudonym)


@router.post("/participants/{pseudonym}/follow-up", dependencies=[Depends(csrf_protect)])
def contact(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
            pseudonym: str, contact_date: Text = "", vital_status: Text = "",
            death_date: Text = "", death_cause: Text = "", therapy_name: Text = "",
            therapy_start: Text = "", note: Text = "") -> Response:
    data: dict[str, Any] = {"contact_date": contact_date, "vital_status": vital_status,
                            "death_date": death_date or None, "death_cause": death_cause or None,
                            "note": note or None, "subsequent_therapy": []}
    if therapy_name or therapy_start:
        data["subsequent_therapy"] = [{"name": therapy_name, "start_date": therapy_start}]
    try:
        entry = validate(follow_up.ContactIn, data, root="request", form=True)
        follow_up.record_contact(db, settings, user, pseudonym, entry)
    except DawnaError as error:
        return _page(request, db, user, pseudonym, error)
    return _done(pseudonym)


@router.get("/dashboard")
def dashboard_page(request: Request, db: DbDep, settings: SettingsDep,
                   user: CurrentUser) -> Response:
    at = page_cache.version(db, settings)  # before the data

    def build() -> Built:
        return None, "dashboard.html", {"d": follow_up.dashboard(db, settings, user),
                                        "deviations": deviations.open_list(db, user),
                                        "query_counts": query_lists.counts_by_site(db, user)}

    def live() -> Markup:  # the hours left on each 24-hour clock: this request's
        return fragment(request, "_dashboard_saes.html",
                        {"saes": safety.unreported_saes(db, user, at)})

    # the lists of the user's sites, kept as rendered per roles and site day until the data
    # change (web/templating.py shared_page)
    return shared_page(request, user, Permission.PARTICIPANT_VIEW, at, build,
                       local_today(settings.zone), live=live)


@router.get("/consent-forms")
def consent_forms(request: Request, db: DbDep, user: CurrentUser) -> Response:
    return render(request, "consent_forms.html", {"versions": lifecycle.approved_versions(db)})


@router.post("/consent-forms", dependencies=[Depends(csrf_protect)])
def add_consent_form(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                     version: Text = "", approved_on: Text = "", approved_by: Text = "",
                     reason: Text = "") -> Response:
    try:
        lifecycle.add_consent_version(db, settings, user, version,
                                      _date(approved_on, "approved_on"), approved_by, reason)
    except DawnaError as error:
        return render(request, "consent_forms.html",
                      {"versions": lifecycle.approved_versions(db), "error": error},
                      status_code=error.status_code)
    return RedirectResponse("/consent-forms?saved=1", status_code=303)
