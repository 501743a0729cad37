"""Times of the simulated demo trial: a day and an hour at the site, never after the demo's
present (now, or the end of the day it is loaded "as of")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

_horizon: ContextVar[datetime | None] = ContextVar("dawna_demo_horizon", default=None)


def moment(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """``day`` at ``hour`` o'clock in the site's zone, as UTC; the demo's present if that is
    earlier."""
    at = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
    return min(at, _horizon.get() or datetime.now(UTC))


@contextmanager
def horizon(at: datetime) -> Iterator[None]:
    """Within the block, :func:`moment` never returns a time after ``at``."""
    token = _horizon.set(min(at, datetime.now(UTC)))
    try:
        yield
    finally:
        _horizon.reset(token)
