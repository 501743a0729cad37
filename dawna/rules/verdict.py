"""The machinery of the eligibility rules: three-valued verdicts and how they combine, the
view a rule has of the record and the protocol's site settings, and calendar arithmetic.

Sources: see :mod:`dawna.rules.eligibility`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from dawna.errors import ValidationError
from dawna.protocol.schema import Protocol
from dawna.rules import units
from dawna.rules.messages import N_, Message, number
from dawna.rules.screening_record import ScreeningRecord

Kind = Literal["inclusion", "exclusion"]


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    INCOMPLETE = "incomplete"



# --- verdicts and their combination ------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    status: Status
    reasons: tuple[Message, ...] = ()
    missing: tuple[str, ...] = ()


def met(*reasons: Message) -> Verdict:
    return Verdict(Status.MET, reasons)


def not_met(*reasons: Message) -> Verdict:
    return Verdict(Status.NOT_MET, reasons)


def unknown(missing: Iterable[str], *reasons: Message) -> Verdict:
    return Verdict(Status.UNKNOWN, reasons, tuple(dict.fromkeys(missing)))


def all_of(parts: Iterable[Verdict]) -> Verdict:
    """Met when every part is met, not met when one is not, else unknown."""
    parts = list(parts)
    for status in (Status.NOT_MET, Status.UNKNOWN):
        chosen = [p for p in parts if p.status is status]
        if chosen:
            return Verdict(status, tuple(r for p in chosen for r in p.reasons),
                            tuple(dict.fromkeys(m for p in chosen for m in p.missing)))
    return met(*(r for p in parts for r in p.reasons))


def any_of(parts: Iterable[Verdict]) -> Verdict:
    """Met when one part is met, not met when none can be, else unknown (no parts: not met)."""
    parts = list(parts)
    hits = [p for p in parts if p.status is Status.MET]
    if hits:
        return met(*(r for p in hits for r in p.reasons))
    reasons = tuple(r for p in parts for r in p.reasons)
    if any(p.status is Status.UNKNOWN for p in parts):
        return Verdict(Status.UNKNOWN, reasons,
                        tuple(dict.fromkeys(m for p in parts for m in p.missing)))
    return Verdict(Status.NOT_MET, reasons)


def with_notes(verdict: Verdict, notes: Iterable[Message]) -> Verdict:
    return Verdict(verdict.status, (*verdict.reasons, *notes), verdict.missing)


def flag(value: bool | None, path: str, what: Message) -> Verdict:
    """A yes/no field: yes = met (reason "recorded: ..."), no = not met, empty = unknown."""
    if value is None:
        return unknown([path])
    return met(Message(N_("recorded: {what}"), {"what": what})) if value else not_met()


# --- protocol settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """What a rule sees: the record, the protocol and the decision date."""

    record: ScreeningRecord
    protocol: Protocol
    decision_date: date | None

    def limit(self, name: str) -> float:
        return self.protocol.setting_number(name)

    def whole(self, name: str) -> int:
        value = self.limit(name)
        if not value.is_integer():
            raise ValidationError(f"must be a whole number (got {value:g})",
                                  field=f"site_settings.{name}.value")
        return int(value)

    def switch(self, name: str) -> bool:
        value = self.protocol.setting(name).value
        if not isinstance(value, bool):
            raise ValidationError("must be true or false", field=f"site_settings.{name}.value")
        return value

    def passes(self, name: str, value: float) -> bool:
        """``value`` (in the setting's unit) against the setting, with its comparator."""
        comparator = self.protocol.setting(name).comparator
        if comparator is None:
            raise ValidationError("a comparator is needed to apply this setting",
                                  field=f"site_settings.{name}.comparator")
        v, lim = units.clean(value), units.clean(self.limit(name))
        return {">=": v >= lim, ">": v > lim, "<=": v <= lim, "<": v < lim, "==": v == lim}[
            comparator]

    def shown(self, name: str, value: float | None = None) -> str:
        """``value`` (default: the setting's own) with the setting's unit, for a message."""
        unit = units.display_unit(self.protocol.setting(name).unit)
        return f"{number(self.limit(name) if value is None else value)} {unit}".strip()

    def in_unit_of(self, name: str, value: float, unit: str, quantity: str) -> float:
        try:
            return units.convert(value, unit, self.protocol.setting(name).unit or "", quantity)
        except ValueError as exc:
            raise ValidationError(str(exc), field=f"site_settings.{name}.unit") from None


SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}
_FAILS = {
    ">=": N_("{what} {value} is below {limit}"),
    ">": N_("{what} {value} is not above {limit}"),
    "<=": N_("{what} {value} is above {limit}"),
    "<": N_("{what} {value} is not below {limit}"),
    "==": N_("{what} {value} is not {limit}"),
}


def check(case: Case, name: str, value: float, what: Message, shown: str | None = None
           ) -> Verdict:
    """Met when ``value`` passes setting ``name``; else not met, e.g. "ANC 1.2 ×10⁹/L is below
    1.5 ×10⁹/L" (``shown`` replaces the default rendering of the value)."""
    if case.passes(name, value):
        return met()
    comparator = case.protocol.setting(name).comparator or "=="
    return not_met(Message(_FAILS[comparator], {
        "what": what, "value": shown or case.shown(name, value), "limit": case.shown(name)}))


# --- calendar -----------------------------------------------------------------------------------


def anniversary(day: date, year: int) -> date:
    """The same month and day in ``year``; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def completed_years(born: date, on: date) -> int:
    """Age in completed years on ``on`` (a 29 February birthday counts on 28 February in a
    common year: born 2004-02-29 is 18 on 2022-02-28)."""
    return on.year - born.year - (on < anniversary(born, on.year))


