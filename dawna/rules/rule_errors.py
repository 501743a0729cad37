"""The one error convention of the clinical rules: a :class:`dawna.errors.ValidationError`
(bad input) or :class:`dawna.errors.ProtocolViolation` (well-formed input the protocol forbids)
naming its ``field``, with the rule's reason as a translatable :class:`Message`.

The rules are pure and cannot translate: ``message`` holds the English text (what ``str`` and
the CLI show untranslated) and ``reason`` the :class:`Message` a service renders in the reader's
language with :meth:`RuleError.translated`.
"""

from __future__ import annotations

from collections.abc import Callable

from dawna.errors import DawnaError, ProtocolViolation, ValidationError
from dawna.rules.messages import Message

__all__ = ["RuleError", "RuleViolation"]


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
