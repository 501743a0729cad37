"""The user's own account: change the password (issue 19 item 4; the change is a login event)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from dawna.errors import DawnaError
from dawna.services import passwords
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, client_address
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = Router(include_in_schema=False)


@router.get("/account/password")
def password_page(request: Request, user: CurrentUser) -> Response:
    return render(request, "account_password.html", {})


@router.post("/account/password", dependencies=[Depends(csrf_protect)])
def password_submit(request: Request, db: DbDep, user: CurrentUser,
                    current_password: Annotated[str, Form()] = "",
                    new_password: Annotated[str, Form()] = "") -> Response:
    try:
        data = validate(passwords.PasswordChange, {"current_password": current_password,
                                                   "new_password": new_password}, form=True)
        passwords.change_own(db, user, data, address=client_address(request))
    except DawnaError as error:
        return render(request, "account_password.html", {"error": error},
                      status_code=error.status_code)
    return render(request, "account_password.html", {"changed": True})
