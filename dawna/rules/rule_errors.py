"""The one error convention of the clinical rules: a :class:`dawna.errors.ValidationError`
(bad input) or :class:`dawna.errors.ProtocolViolation` (well-formed input the protocol forbids)
naming its ``field``, with the rule's reason as a translatable :class:`Message`.

The rules are pure and cannot translate: ``message`` holds the English text (what ``str`` and
the CLI show untranslated) and ``reason`` the :class:`Message` a service renders in the reader's
language with :meth:`RuleError.translated`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from dawna.errors import DawnaError, ProtocolViolation, ValidationError
from dawna.rules.messages import N_, Message

__all__ = ["RuleError", "RuleViolation", "refuse_stop_before_start"]


class RuleError(ValidationError):
    """Input a rule cannot use: ``field`` names it, ``reason`` says the rule."""

    def __init__(self, field: str, reason: Message) -> None:
        super().__init__(str(reason), field=field)
        self.reason = reason

    def translated(self, gettext: Callable[[str], str], prefix: str = "") -> DawnaError:
        """The same error with the reason in the reader's language (field ``prefix + field``)."""
        return ValidationError(self.reason.render(gettext), field=f"{prefix}{self.field}")


class RuleViolation(ProtocolViolation):
    """Well-formed input that the protocol forbids: ``field`` names it, ``reason`` the rule."""

    def __init__(self, field: str, reason: Message) -> None:
        super().__init__(str(reason), field=field)
        self.reason = reason

    def translated(self, gettext: Callable[[str], str], prefix: str = "") -> DawnaError:
        return ProtocolViolation(self.reason.render(gettext), field=f"{prefix}{self.field}")


def refuse_stop_before_start(start: date | None, stop: date | None,
                             field: str = "stop_date") -> None:
    """A course (a medication, a condition) cannot stop before it starts: refused naming the
    stop's field, the one refusal the forms with a start and a stop share."""
    if start is not None and stop is not None and stop < start:
        raise RuleError(field, Message(N_("the stop date {stop} is before the start date "
                                          "{start}"),
                                       {"stop": stop.isoformat(), "start": start.isoformat()}))
