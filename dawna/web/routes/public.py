"""Public pages: the study page (the registry record from the protocol file), login, language."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from dawna.clock import local_today
from dawna.errors import DawnaError, NotFound
from dawna.i18n import LOCALES
from dawna.services import auth, protocol_versions, registry
from dawna.web.deps import DbDep, OptionalUser, SettingsDep, client_address
from dawna.web.errors import with_retry_after
from dawna.web.routing import Router
from dawna.web.security import LANG_COOKIE, SESSION_COOKIE, csrf_protect, open_session
from dawna.web.templating import render

router = Router()


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/participants"
    parsed = urlparse(target)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse("/study", status_code=303)


@router.get("/study", include_in_schema=False)
def study_page(request: Request, db: DbDep, settings: SettingsDep,
               user: OptionalUser) -> Response:
    """The registry record of the protocol version in force today, and the version history."""
    versions, in_force, protocol = protocol_versions.overview(db, local_today(settings.zone))
    try:
        similar = registry.related(db, protocol.registry.nct_id)
    except NotFound:
        similar = []  # the study's own record is not imported: nothing to compare
    return render(request, "study.html", {"protocol": protocol, "similar": similar,
                                          "versions": versions, "in_force": in_force})


@router.get("/login", include_in_schema=False)
def login_page(request: Request, user: OptionalUser, next: str = "/participants") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "username": ""})


@router.post("/login", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def login_submit(request: Request, db: DbDep, settings: SettingsDep,
                 username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                 next: Annotated[str, Form()] = "/participants") -> Response:
    try:
        token, principal = auth.login(db, settings, username, password,
                                      address=client_address(request))
    except DawnaError as error:
        return with_retry_after(render(request, "login.html", {
            "error": error, "username": username, "next": _safe_next(next)},
            status_code=error.status_code), error)
    open_session(request, token)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=settings.secure_cookies, max_age=settings.session_hours * 3600,
                        path="/")
    if principal.locale and LANG_COOKIE not in request.cookies:
        response.set_cookie(LANG_COOKIE, principal.locale, samesite="lax",
                            secure=settings.secure_cookies, max_age=365 * 86400, path="/")
    return response


@router.post("/logout", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def logout(request: Request, db: DbDep) -> Response:
    auth.logout(db, request.cookies.get(SESSION_COOKIE), address=client_address(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def choose_language(settings: SettingsDep, locale: Annotated[str, Form()] = "zh_CN",
                    next: Annotated[str, Form()] = "/study") -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    if locale in LOCALES:
        response.set_cookie(LANG_COOKIE, locale, samesite="lax", secure=settings.secure_cookies,
                            max_age=365 * 86400, path="/")
    return response
