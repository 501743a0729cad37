"""Injected settings, database and user (full-stack-fastapi-template ``api/deps.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from dawna.config import Settings
from dawna.errors import AuthenticationFailed, PermissionDenied
from dawna.i18n import _
from dawna.services import auth, export_access
from dawna.services.access import Permission, Principal
from dawna.store.db import Database
from dawna.web.security import SESSION_COOKIE

# The dependencies that only read the request are coroutines: FastAPI runs a plain function
# dependency on a worker thread, one hand-over per dependency and request; only what reads the
# database (``optional_user``) runs there.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[Database, Depends(get_db)]
#: A record's number or id in a path: 1 to the largest PostgreSQL ``integer`` (a larger one gave
#: 500, "Python int too large to convert to SQLite INTEGER"; found by schemathesis, issue 19).
RecordId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: run uvicorn with
    ``--proxy-headers --forwarded-allow-ips`` so that this is the user's, not the proxy's)."""
    return request.client.host if request.client else ""


class LoginRequired(AuthenticationFailed):
    """Raised for pages: the HTML handler turns it into a redirect to the login page."""


def optional_user(request: Request, db: DbDep) -> Principal | None:
    principal = auth.resolve(db, request.cookies.get(SESSION_COOKIE))
    request.state.principal = principal
    return principal


async def current_user(principal: Annotated[Principal | None, Depends(optional_user)]
                       ) -> Principal:
    if principal is None:
        raise LoginRequired(_("please log in"), field="session")
    return principal


def user_or_login(request: Request, db: Database) -> Principal:
    """:func:`optional_user` then :func:`current_user` in one plain call, for a route that does
    all its database work in one hand-over to a worker thread (the randomize route)."""
    principal = optional_user(request, db)
    if principal is None:
        raise LoginRequired(_("please log in"), field="session")
    return principal


OptionalUser = Annotated[Principal | None, Depends(optional_user)]
CurrentUser = Annotated[Principal, Depends(current_user)]


def require_anywhere(permission: Permission):  # type: ignore[no-untyped-def]
    async def check(user: CurrentUser) -> Principal:
        if not user.can_anywhere(permission):
            raise PermissionDenied(
                _("your roles do not allow this ({permission})").format(
                    permission=permission.value), field="role")
        return user

    return check


async def data_exporter(user: CurrentUser) -> Principal:
    """The user limited to the sites where they hold ``data.export`` (403 where none): every
    data export route takes its reader from here (``docs/exports.md`` "Who may export")."""
    return export_access.exporter(user)


Exporter = Annotated[Principal, Depends(data_exporter)]
