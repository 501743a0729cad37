"""Times of the simulated demo trial: a day and an hour at the site, never after now."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def moment(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """``day`` at ``hour`` o'clock in the site's zone, as UTC; the present if that is later."""
    at = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
    return min(at, datetime.now(UTC))
