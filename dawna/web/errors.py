"""Map errors to answers: JSON for ``/api``, a page otherwise; the field is always named."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _
from dawna.validation import from_pydantic as convert

log = logging.getLogger("dawna.web")


class ErrorOut(BaseModel):
    """The body of every refusal under ``/api`` (:func:`render_error`): the message names the
    field and the rule broken; ``code`` is set for the errors a client acts on
    (``implausible_value``: resend with ``confirm_implausible``)."""

    detail: str
    field: str | None = None
    code: str | None = None


#: ``POST /api/session`` also answers 429 (too many failed logins, or every password check busy)
#: with a ``Retry-After`` header.
THROTTLED_RESPONSE: dict[int | str, dict[str, object]] = {429: {
    "model": ErrorOut, "description": "Too many attempts: wait the seconds in Retry-After.",
    "headers": {"Retry-After": {"description": "Seconds to wait before trying again.",
                                "schema": {"type": "integer", "minimum": 1}}}}}

#: The refusals every ``/api`` operation may answer, documented in the OpenAPI document with the
#: one error body (issue 19 item 12). 422 replaces FastAPI's own ``HTTPValidationError``, which
#: this application never sends.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "The request cannot be carried out."),
        (401, "Not logged in, or the session has ended."),
        (403, "The user's role or site does not allow this, or the CSRF token is missing."),
        (404, "Not found, or not visible to this user."),
        (409, "A conflict: the record changed since it was read (send the current version), "
              "a duplicate, or a step the protocol forbids."),
        (413, "The request body is over the configured size."),
        (422, "Bad input: the field and the rule broken are named."),
    )
}


def from_pydantic(exc: PydanticValidationError | RequestValidationError) -> ValidationError:
    """The first problem of a pydantic or request error, named by the form input's name
    (the one converter, :func:`dawna.validation.from_pydantic`)."""
    return convert(exc, root="request", form=True)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or "application/json" in request.headers.get(
        "accept", "")


def render_error(request: Request, error: DawnaError) -> Response:
    response: Response
    if wants_json(request):
        body: dict[str, str | None] = {"detail": str(error), "field": error.field}
        if error.code is not None:
            body["code"] = error.code
        response = JSONResponse(body, status_code=error.status_code)
    else:
        from dawna.web.templating import render

        response = render(request, "error.html", {"error": error}, status_code=error.status_code)
    return with_retry_after(response, error)


def with_retry_after(response: Response, error: DawnaError) -> Response:
    """A refusal that says how long to wait (a 429, RFC 6585 section 4) carries it in the
    ``Retry-After`` header, in seconds (RFC 9110 section 10.2.3)."""
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


async def dawna_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DawnaError)
    return render_error(request, exc)


async def request_validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return render_error(request, from_pydantic(exc))


async def unexpected_handler(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    error = DawnaError(_("an unexpected error occurred; nothing was saved. The error has been "
                         "logged for the administrator."))
    error.status_code = 500
    return render_error(request, error)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves at this path (Starlette names only those of the
    first route that matches the path, e.g. ``GET`` alone for ``/api/participants``)."""
    methods: set[str] = set()
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            methods.add(method)
    return sorted(methods)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (404 of an unknown path, 405): FastAPI's body, and for a 405 an
    ``Allow`` header naming every method the path serves (RFC 9110 section 15.5.6); a browser
    opening a form's address with GET is sent to the page of the form (:func:`form_page`)."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        if request.method in ("GET", "HEAD") and not wants_json(request):
            return RedirectResponse(form_page(request), status_code=303)
        exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return await http_exception_handler(request, exc)


def form_page(request: Request) -> str:
    """The page a browser is sent to when it opens (reloads, bookmarks, goes back to) an address
    that only receives a form: the nearest address above it that shows a page (issue 20:
    never a raw ``{"detail":"Method Not Allowed"}``)."""
    parts = request.url.path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        path = "/".join(parts) or "/"
        scope = {**request.scope, "method": "GET", "path": path}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            return path
    return "/"
