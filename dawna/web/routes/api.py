"""The JSON API under ``/api`` (documented at ``/api/openapi.json``).

Log in with ``POST /api/session``; send the returned ``csrf_token`` as ``X-CSRF-Token`` on
every POST/PATCH/DELETE. Answers use the public schemas only (no ORM object leaves the service).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from dawna.clock import local_today
from dawna.services import audit_trail, auth, participants, protocol_versions
from dawna.services.access import Permission, Principal
from dawna.services.schemas import (
    AuditEntry,
    ParticipantCreate,
    ParticipantDetail,
    ParticipantPublic,
    ParticipantUpdate,
)
from dawna.services.schemas_registry import ProtocolDocument
from dawna.web.deps import CurrentUser, DbDep, SettingsDep, client_address, require_anywhere
from dawna.web.errors import THROTTLED_RESPONSE
from dawna.web.routing import Router
from dawna.web.security import SESSION_COOKIE, csrf_protect, csrf_token, open_session

router = Router(prefix="/api", tags=["api"])
Creator = Annotated[Principal, Depends(require_anywhere(Permission.PARTICIPANT_CREATE))]
Auditor = Annotated[Principal, Depends(require_anywhere(Permission.AUDIT_VIEW))]


class Credentials(BaseModel):
    username: str
    password: str


class SessionInfo(BaseModel):
    username: str
    display_name: str
    roles: dict[str, list[str]]
    csrf_token: str


class LogoutInfo(BaseModel):
    """``DELETE /api/session``: whether a session was open and is now ended."""

    logged_out: bool


def _info(request: Request, user: Principal) -> SessionInfo:
    return SessionInfo(username=user.username, display_name=user.display_name,
                       roles={str(s): sorted(r.value for r in roles)
                              for s, roles in user.roles.items()},
                       csrf_token=csrf_token(request))


@router.get("/study", response_model=ProtocolDocument)
def study(db: DbDep, settings: SettingsDep) -> dict[str, Any]:
    """The protocol file in force today: registry record, arms and regimens, criteria, site
    settings (its version and the others: ``/api/protocol/versions``)."""
    protocol = protocol_versions.overview(db, local_today(settings.zone))[2]
    return protocol.model_dump(mode="json", by_alias=True)


@router.post("/session", response_model=SessionInfo, dependencies=[Depends(csrf_protect)],
             responses=THROTTLED_RESPONSE)
def api_login(request: Request, body: Credentials, db: DbDep,
              settings: SettingsDep) -> JSONResponse:
    token, user = auth.login(db, settings, body.username, body.password,
                             address=client_address(request))
    open_session(request, token)
    response = JSONResponse(_info(request, user).model_dump())
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=settings.secure_cookies, max_age=settings.session_hours * 3600)
    return response


@router.delete("/session", response_model=LogoutInfo, dependencies=[Depends(csrf_protect)])
def api_logout(request: Request, db: DbDep) -> JSONResponse:
    """Log out: the session ends on the server and its cookie is removed."""
    ended = auth.logout(db, request.cookies.get(SESSION_COOKIE), address=client_address(request))
    response = JSONResponse(LogoutInfo(logged_out=ended).model_dump())
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/me", response_model=SessionInfo)
def me(request: Request, user: CurrentUser) -> SessionInfo:
    return _info(request, user)


@router.get("/participants", response_model=list[ParticipantPublic])
def list_participants(db: DbDep, user: CurrentUser, q: str = "",
                      site: str | None = None) -> list[ParticipantPublic]:
    return participants.list_participants(db, user, search=q, site_code=site)


@router.post("/participants", response_model=ParticipantDetail, status_code=201,
             dependencies=[Depends(csrf_protect)])
def register(body: ParticipantCreate, db: DbDep, settings: SettingsDep,
             user: Creator) -> ParticipantDetail:
    return participants.register(db, settings, user, body)


@router.get("/participants/{pseudonym}", response_model=ParticipantDetail)
def get_participant(pseudonym: str, db: DbDep, user: CurrentUser) -> ParticipantDetail:
    return participants.get_participant(db, user, pseudonym)


@router.patch("/participants/{pseudonym}", response_model=ParticipantDetail,
              dependencies=[Depends(csrf_protect)])
def update_participant(pseudonym: str, body: ParticipantUpdate, db: DbDep,
                       settings: SettingsDep, user: CurrentUser) -> ParticipantDetail:
    return participants.update(db, settings, user, pseudonym, body)


@router.get("/audit", response_model=list[AuditEntry])
def audit(request: Request, response: Response, db: DbDep, settings: SettingsDep, user: Auditor,
          table: str | None = None, row: str | None = None, participant: str | None = None,
          actor: str | None = None, action: str | None = None, date_from: str | None = None,
          date_to: str | None = None, after: int | None = None,
          page: int | None = None) -> list[AuditEntry]:
    """Newest first, 500 a page; the next page's address is in the ``Link`` header
    (``rel="next"``, by ``after=``, the last id seen). Filters: participant, form (``table``),
    ``row``, user (``actor``), ``action`` (create, update, delete), ``date_from`` /
    ``date_to`` (site calendar days); labels and readable values in the reader's language."""
    filters = audit_trail.filters_from(table, row, participant, actor, action, date_from,
                                       date_to)
    result = audit_trail.trail_page(db, user, after=after, page=page, filters=filters,
                                    zone=settings.zone)
    if result.next_after is not None:
        nxt = request.url.remove_query_params(["page", "after"]).include_query_params(
            after=result.next_after)
        response.headers["Link"] = f'<{nxt}>; rel="next"'
    return result.entries
