"""The one place dawna reads the wall clock; tests replace ``utcnow``.

:func:`simulated` sets the clock for the current context only: the demo generator uses it to
enter a simulated trial's events at the times they would have happened (registration at
consent, randomization after the signed decision, each scan read after the scan), so that
audit times, "not in the future" checks and randomization dates follow the simulated
calendar. Nothing else sets it; ``dawna demo`` refuses to run in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_simulated: ContextVar[datetime | None] = ContextVar("dawna_simulated_now", default=None)


def utcnow() -> datetime:
    return _simulated.get() or datetime.now(UTC)


def local_today(zone: ZoneInfo) -> date:
    """Today's date at the site (a date entered by the site is in its own zone)."""
    return utcnow().astimezone(zone).date()


@contextmanager
def simulated(at: datetime) -> Iterator[None]:
    """Within the block, :func:`utcnow` returns ``at`` (an aware datetime, not in the future)."""
    if at.tzinfo is None:
        raise ValueError("a simulated time must be timezone-aware")
    if at > datetime.now(UTC):
        raise ValueError("a simulated time cannot be in the future")
    token = _simulated.set(at.astimezone(UTC))
    try:
        yield
    finally:
        _simulated.reset(token)
