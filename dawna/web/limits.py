"""What a request may carry, checked before any route runs (issue 19 items 9 and 10).

Size (OWASP ASVS 4.0 V12.1.1, "the application will not accept large files that could fill up
storage or cause a denial of service"): a body over the configured limit is refused with 413
from its ``Content-Length`` before a byte is read, and, for a body sent without one (chunked),
as soon as the bytes counted pass the limit. DICOM uploads have their own, larger limit.

Bytes (OWASP ASVS V5.1.4, V5.2.2; PostgreSQL refuses NUL in text, which gave 500): a NUL or
other control character (C0 and DEL; tab, line feed and carriage return are text) in the query
string, a form field or any JSON string is refused with 422 naming the field. Multipart bodies
(file uploads) are left to their routes: their files are binary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dawna.config import Settings
from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _
from dawna.web.errors import render_error

__all__ = ["CONTROL", "RequestLimitsMiddleware", "TooLarge", "control_field", "limit_for"]

#: C0 controls and DEL, except tab, line feed and carriage return.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: Routes receiving DICOM series (their own, larger limit).
UPLOAD_PATHS = re.compile(r"^(/api/pet/suv|/participants/[^/]+/pet/[^/]+/suv)$")


class TooLarge(DawnaError):
    """A request body over the configured size."""

    status_code = 413


def limit_for(settings: Settings, path: str) -> int:
    """The largest body accepted on ``path``, in bytes."""
    mb = settings.max_upload_mb if UPLOAD_PATHS.match(path) else settings.max_body_mb
    return mb * 1024 * 1024


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            yield name, str(key)
            yield from _walk(item, name)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def control_field(pairs: Iterator[tuple[str, str]]) -> str | None:
    """The name of the first field whose name or text holds a control character."""
    for name, text in pairs:
        if CONTROL.search(name) or CONTROL.search(text):
            return CONTROL.sub("?", name) or "request"
    return None


def _bad_bytes(field: str) -> ValidationError:
    return ValidationError(_("contains a control character (such as NUL); only printable text, "
                             "tabs and line breaks are accepted"), field=field)


def _body_pairs(content_type: str, body: bytes) -> Iterator[tuple[str, str]]:
    if "application/x-www-form-urlencoded" in content_type:
        yield from parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    elif "json" in content_type:
        try:
            data = json.loads(body)
        except ValueError:
            return  # not JSON: the route's own validation answers
        yield from _walk(data, "")


class RequestLimitsMiddleware:
    """Pure ASGI: refuses oversize bodies (413) and control characters (422) before the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings: Settings = scope["app"].state.settings
        request = Request(scope)
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                          keep_blank_values=True)
        field = control_field(iter([("path", scope["path"]), *query]))
        if field is not None:
            await self._refuse(request, _bad_bytes(field), scope, send)
            return
        limit = limit_for(settings, scope["path"])
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(request, self._too_large(limit), scope, send)
            return
        if scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            await self.app(scope, receive, send)
            return
        content_type = request.headers.get("content-type", "")
        if "json" not in content_type and "x-www-form-urlencoded" not in content_type:
            await self._stream(request, limit, scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(request, self._too_large(limit), scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        field = control_field(_body_pairs(content_type, body))
        if field is not None:
            await self._refuse(request, _bad_bytes(field), scope, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _stream(self, request: Request, limit: int, scope: Scope, receive: Receive,
                      send: Send) -> None:
        """Files (multipart) pass through unbuffered, their bytes counted: past the limit the
        app is told the client left, and whatever it answers is replaced by the 413."""
        size = 0
        exceeded = False
        answered = False

        async def counting() -> Message:
            nonlocal size, exceeded
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal answered
            if exceeded:
                if not answered:
                    answered = True
                    await self._refuse(request, self._too_large(limit), scope, send)
                return
            await send(message)

        await self.app(scope, counting, guarded)

    @staticmethod
    def _too_large(limit: int) -> TooLarge:
        return TooLarge(_("the request is larger than %(mb)s MB; nothing was read or saved")
                        % {"mb": limit // (1024 * 1024)}, field="request")

    @staticmethod
    async def _refuse(request: Request, error: DawnaError, scope: Scope, send: Send) -> None:
        response = render_error(request, error)
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
