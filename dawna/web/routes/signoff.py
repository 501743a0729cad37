"""Sign-off pages (issue 20 item 4): a participant's casebook with each form's signature and lock
(sign with the password re-entered; lock and unlock with a reason), and the data freezes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from dawna.errors import DawnaError
from dawna.services import freezes, locks, signoff
from dawna.services.access import Permission, Principal
from dawna.services.schemas_signoff import FreezeIn, SignIn
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, SettingsDep, client_address
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = Router(include_in_schema=False)
Text = Annotated[str, Form()]


def _casebook_page(request: Request, db: DbDep, user: Principal, pseudonym: str,
                   error: DawnaError | None = None, status_code: int = 200) -> Response:
    book = signoff.casebook(db, user, pseudonym)
    return render(request, "signoff/casebook.html", {
        "book": book, "error": error, "meanings": signoff.MEANINGS,
        "can_sign": user.can_anywhere(Permission.FORM_SIGN),
        "can_lock": user.can_anywhere(Permission.FORM_LOCK)}, status_code=status_code)


@router.get("/participants/{pseudonym}/casebook")
def casebook_page(request: Request, db: DbDep, user: CurrentUser, pseudonym: str) -> Response:
    return _casebook_page(request, db, user, pseudonym)


@router.get("/participants/{pseudonym}/forms/{table_name}/{row_id}/signoff")
def form_panel(request: Request, db: DbDep, user: CurrentUser, pseudonym: str, table_name: str,
               row_id: str) -> Response:
    """The signature and lock of one form, with its sign and lock buttons (HTMX, loaded by the
    form's own page)."""
    form = signoff.form_signoff(db, user, pseudonym, table_name, row_id)
    return render(request, "signoff/_form_panel.html", {
        "f": form, "pseudonym": pseudonym, "meanings": signoff.MEANINGS,
        "back": str(request.headers.get("hx-current-url") or ""),
        "can_sign": user.can_anywhere(Permission.FORM_SIGN),
        "can_lock": user.can_anywhere(Permission.FORM_LOCK)})


def _address(table_name: str, row_id: str) -> tuple[str | None, str | None]:
    return (table_name or None, row_id or None)


def _back(pseudonym: str, done: str, back: str) -> RedirectResponse:
    """Back to the form's page it came from (a path of this participant only), or the
    casebook."""
    path = back.split("://", 1)[-1]
    path = "/" + path.split("/", 1)[1] if "://" in back and "/" in path else back
    if not path.startswith(f"/participants/{pseudonym}/") or "//" in path:
        path = f"/participants/{pseudonym}/casebook"
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}{done}=1", status_code=303)


@router.post("/participants/{pseudonym}/casebook/sign", dependencies=[Depends(csrf_protect)])
def sign(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser, pseudonym: str,
         password: Text = "", meaning: Text = "review", confirm: Text = "",
         content_sha256: Text = "", table_name: Text = "", row_id: Text = "",
         back: Text = "") -> Response:
    table, row = _address(table_name, row_id)
    try:
        command = validate(SignIn, {"password": password, "meaning": meaning,
                                    "confirm": confirm == "yes",
                                    "content_sha256": content_sha256 or None}, form=True)
        signoff.sign(db, settings, user, pseudonym, table, row, command,
                     address=client_address(request))
    except DawnaError as error:
        return _casebook_page(request, db, user, pseudonym, error, error.status_code)
    return _back(pseudonym, "signed", back)


@router.post("/participants/{pseudonym}/casebook/lock", dependencies=[Depends(csrf_protect)])
def lock(request: Request, db: DbDep, user: CurrentUser, pseudonym: str, reason: Text = "",
         table_name: Text = "", row_id: Text = "", action: Text = "lock",
         back: Text = "") -> Response:
    table, row = _address(table_name, row_id)
    try:
        if action == "unlock":
            locks.unlock(db, user, pseudonym, table, row, reason)
        else:
            locks.lock(db, user, pseudonym, table, row, reason)
    except DawnaError as error:
        return _casebook_page(request, db, user, pseudonym, error, error.status_code)
    return _back(pseudonym, "unlocked" if action == "unlock" else "locked", back)


def _freezes_page(request: Request, db: DbDep, user: Principal, values: dict[str, Any],
                  error: DawnaError | None = None, status_code: int = 200,
                  checked: Any = None) -> Response:
    return render(request, "signoff/freezes.html", {
        "freezes": freezes.list_freezes(db, user), "values": values, "error": error,
        "checked": checked, "can_freeze": user.can_anywhere(Permission.DATA_FREEZE)},
        status_code=status_code)


@router.get("/freezes")
def freezes_page(request: Request, db: DbDep, user: CurrentUser, check: str = "") -> Response:
    checked = freezes.check(db, user, check) if check else None
    return _freezes_page(request, db, user, {}, checked=checked)


@router.post("/freezes", dependencies=[Depends(csrf_protect)])
def freeze(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
           name: Text = "", cut_off: Text = "", description: Text = "") -> Response:
    values = {"name": name, "cut_off": cut_off, "description": description}
    try:
        command = validate(FreezeIn, values, form=True)
        freezes.freeze(db, settings, user, command)
    except DawnaError as error:
        return _freezes_page(request, db, user, values, error, error.status_code)
    return RedirectResponse(f"/freezes?check={name}", status_code=303)


@router.post("/freezes/{name}/unfreeze", dependencies=[Depends(csrf_protect)])
def unfreeze(request: Request, db: DbDep, user: CurrentUser, name: str,
             reason: Text = "") -> Response:
    try:
        freezes.unfreeze(db, user, name, reason)
    except DawnaError as error:
        return _freezes_page(request, db, user, {}, error, error.status_code)
    return RedirectResponse(f"/freezes?check={name}", status_code=303)
