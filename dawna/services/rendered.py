"""Rule messages and calendar events as the reader sees them: a rule's :class:`Message` in the
reader's language, a calendar event as plain JSON data. No database: the command line's quick
commands (``dawna ctcae``, ``dawna calendar --regimen``) import it without SQLAlchemy, and the
treatment services re-export both functions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dawna.i18n import gettext
from dawna.rules.messages import Message

if TYPE_CHECKING:
    from dawna.rules.regimens import CalendarEvent

__all__ = ["event_json", "render"]


def render(message: Message | str | None) -> str:
    """A rule's message in the reader's language (text already rendered is returned as it is)."""
    if message is None:
        return ""
    if isinstance(message, str):
        return message
    return message.render(gettext)


def event_json(e: CalendarEvent) -> dict[str, Any]:
    """A calendar event as JSON data, its label in the reader's language."""
    return {"date": e.date.isoformat(), "kind": e.kind, "cycle": e.cycle, "day": e.day,
            "drug": e.drug, "dose": e.dose, "unit": e.unit, "route": e.route,
            "frequency": e.frequency, "label": render(e.label),
            "window_start": e.window_start.isoformat() if e.window_start else None,
            "window_end": e.window_end.isoformat() if e.window_end else None}
