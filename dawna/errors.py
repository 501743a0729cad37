"""The one exception family of dawna.

Web maps these to HTTP status codes (422, 409, 409, 403, 404); the CLI prints the
message on one line and exits non-zero. Every message names the field and the rule.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationFailed",
    "ConflictError",
    "DawnaError",
    "ImplausibleValue",
    "NotFound",
    "PermissionDenied",
    "ProtocolViolation",
    "ValidationError",
]


class DawnaError(Exception):
    """Base of all dawna errors. ``field`` names the offending input where there is one."""

    status_code = 400
    #: A machine-readable kind of error for the clients that act on it (None: just the message).
    code: str | None = None
    #: Seconds the client should wait before trying again (the ``Retry-After`` header of a 429).
    retry_after: int | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        if self.field and not self.message.startswith(self.field):
            return f"{self.field}: {self.message}"
        return self.message


class ValidationError(DawnaError):
    """Bad input: the message names the field and the rule broken; ``problems`` lists every
    problem found (field, message) when there is more than one, the first being this one."""

    status_code = 422

    def __init__(self, message: str, *, field: str | None = None,
                 problems: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message, field=field)
        self.problems = problems


class ImplausibleValue(ValidationError):
    """A value inside its hard limits but outside its soft ones: saved only when the user
    confirms it (``confirm_implausible``); the answer carries ``code`` for the client."""

    code = "implausible_value"


class ProtocolViolation(DawnaError):
    """Well-formed input that the protocol forbids (e.g. randomizing an ineligible patient)."""

    status_code = 409


class ConflictError(DawnaError):
    """A concurrent or duplicate write (e.g. a screening number already in use)."""

    status_code = 409


class PermissionDenied(DawnaError):
    """The user's role or site does not allow this."""

    status_code = 403


class NotFound(DawnaError):
    """The thing asked for does not exist (or is not visible to this user)."""

    status_code = 404


class AuthenticationFailed(DawnaError):
    """Wrong credentials, a locked account or an expired session."""

    status_code = 401
