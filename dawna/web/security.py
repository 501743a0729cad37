"""Cookies, CSRF protection and security headers.

CSRF: double-submit token (OWASP CSRF Prevention Cheat Sheet, "Signed double-submit cookie"):
a random token in the ``dawna_csrf`` cookie, HMAC-signed with the secret key, must come back in
the ``csrf_token`` form field or the ``X-CSRF-Token`` header of every unsafe request.
The signature covers the session (the SHA-256 of the session cookie, empty before login), so a
token issued to another session, or before this login, is refused ("bound to the session",
OWASP CSRF cheat sheet, "Signed double-submit cookie (recommended)"); a login issues a new one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dawna.config import Settings
from dawna.errors import PermissionDenied
from dawna.i18n import _, negotiate, set_locale

SESSION_COOKIE = "dawna_session"
CSRF_COOKIE = "dawna_csrf"
LANG_COOKIE = "dawna_lang"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

#: Paths holding no trial data, which browsers may cache (Cache-Control: no-store elsewhere).
PUBLIC_ASSETS = ("/static/",)
#: RFC 6797; one year, as the OWASP HTTP Headers Cheat Sheet recommends.
HSTS = "max-age=31536000; includeSubDomains"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def sign(settings: Settings, nonce: str, session: str = "") -> str:
    bound = hashlib.sha256(session.encode()).hexdigest()
    message = f"{nonce}|{bound}".encode()
    mac = hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]
    return f"{nonce}.{mac}"


def valid_token(settings: Settings, token: str | None, session: str = "") -> bool:
    if not token or "." not in token:
        return False
    nonce = token.split(".", 1)[0]
    return hmac.compare_digest(sign(settings, nonce, session), token)


def session_of(request: Request) -> str:
    """The session the request acts in: one just opened by this request, else its cookie's."""
    opened = getattr(request.state, "opened_session", None)
    if opened is not None:
        return str(opened)
    return request.cookies.get(SESSION_COOKIE) or ""


def csrf_token(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE)
    settings: Settings = request.app.state.settings
    session = session_of(request)
    if not valid_token(settings, token, session):
        token = getattr(request.state, "new_csrf", None)
        if token is None or not valid_token(settings, token, session):
            token = sign(settings, secrets.token_urlsafe(16), session)
            request.state.new_csrf = token
    return str(token)


def open_session(request: Request, token: str) -> str:
    """After a login: the request now acts in session ``token``; the CSRF token of the answer
    (cookie and body) is issued for it."""
    request.state.opened_session = token
    return csrf_token(request)


async def csrf_protect(request: Request) -> None:
    """Dependency for every unsafe route: the submitted token must equal the cookie's."""
    if request.method not in UNSAFE:
        return
    settings: Settings = request.app.state.settings
    cookie = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get("x-csrf-token")
    if sent is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not (valid_token(settings, cookie, request.cookies.get(SESSION_COOKIE) or "") and sent
            and hmac.compare_digest(cookie or "", sent)):
        raise PermissionDenied(_("the form's security token is missing or expired; reload the "
                                 "page and submit again"), field="csrf_token")


class RequestContextMiddleware:
    """Per request: choose the language, set the CSRF cookie, add security headers. Pure ASGI
    (it edits the answer's first message) rather than Starlette's ``BaseHTTPMiddleware``, which
    runs the application in a task of its own and streams the answer through it: every request
    passes here, randomizations in a burst included (issue 23 item 3)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        settings: Settings = scope["app"].state.settings
        lang = request.cookies.get(LANG_COOKIE)
        set_locale(lang if lang in ("en", "zh_CN") else negotiate(
            request.headers.get("accept-language"), settings.default_locale))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _secure(request, settings, MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure(request: Request, settings: Settings, headers: MutableHeaders) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new is not None:
        cookie = Response()
        cookie.set_cookie(CSRF_COOKIE, new, httponly=False, samesite="strict",
                          secure=settings.secure_cookies, path="/")
        headers.append("set-cookie", cookie.headers["set-cookie"])
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if not request.scope["path"].startswith(PUBLIC_ASSETS):
        # every page, JSON answer and download may hold trial data: never kept in a cache
        headers["Cache-Control"] = "no-store"
    if "server" in headers:
        del headers["server"]
    if settings.hsts:
        headers.setdefault("Strict-Transport-Security", HSTS)
