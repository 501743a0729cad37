"""The one place dawna reads the wall clock; tests replace ``utcnow``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today(zone: ZoneInfo) -> date:
    """Today's date at the site (a date entered by the site is in its own zone)."""
    return utcnow().astimezone(zone).date()
