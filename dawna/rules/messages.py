"""User-facing reasons of the clinical rules, as translatable messages without gettext.

The rules are pure (no I/O, no locale), so they cannot translate. A reason is returned as a
:class:`Message`: an English :meth:`str.format` template, marked for extraction with the no-op
:func:`N_` (Babel runs with ``-k N_``), and its parameters. The caller renders it in the reader's
language with :meth:`Message.render` and its own ``gettext``::

    Message(N_("{what} {value} is below {limit}"),
            {"what": Message(N_("ANC")), "value": "1.2 ×10⁹/L", "limit": "1.5 ×10⁹/L"})
    .render(gettext)  ->  "ANC 1.2 ×10⁹/L is below 1.5 ×10⁹/L"

Parameters are pre-formatted strings (numbers through :func:`number`) or nested messages (names
of things that need translating too, such as a lab test), rendered first with the same
``gettext``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Union

__all__ = ["N_", "Message", "number"]


def N_(s: str) -> str:
    """Mark ``s`` for translation without translating it (rendered later by the caller)."""
    return s


Param = Union[str, "Message"]


@dataclass(frozen=True)
class Message:
    """An English template with its parameters; translated only when rendered."""

    template: str
    params: Mapping[str, Param] = field(default_factory=dict, hash=False)

    def render(self, gettext: Callable[[str], str]) -> str:
        """``gettext(template).format(**params)``, nested messages rendered first."""
        values = {key: value.render(gettext) if isinstance(value, Message) else value
                  for key, value in self.params.items()}
        return gettext(self.template).format(**values)

    def __str__(self) -> str:
        """The English text (no translation)."""
        return self.render(N_)


def number(value: float, digits: int = 4) -> str:
    """A number for a message: at most ``digits`` significant digits, no trailing zeros, no
    exponent for the magnitudes of clinical values (``1.5``, ``1500``, ``88.62``, ``2.5``)."""
    text = f"{value:.{digits}g}"
    if "e" in text:
        text = f"{value:.{max(digits - 1, 0)}f}".rstrip("0").rstrip(".")
    return text
