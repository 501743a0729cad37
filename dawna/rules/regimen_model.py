"""A participant's regimen as the dose formulas, the dose-modification rules and the calendar
see it: the resolved drugs of the protocol file's ``arms[].regimen`` (registry record
NCT05861830 arm texts and ``docs/domain.md`` §5), and the error every dosing or calendar rule
raises. Resolving a regimen from the protocol is :mod:`dawna.rules.regimens`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError

__all__ = ["PHYSICIAN_ENTERED", "DosingError", "Modification", "PlannedDrug", "Regimen"]

PHYSICIAN_ENTERED = "physician_entered"  # as dawna.services.regimen_choice stores it


class DosingError(RuleError, ValueError):
    """Input a dosing or calendar rule cannot use: ``field`` names it, ``reason`` the rule
    (a :class:`dawna.errors.ValidationError`)."""


@dataclass(frozen=True)
class Modification:
    """How a drug is modified for toxicity, from the protocol file's ``modification`` block of
    its regimen entry: ``rule`` (capecitabine_label, paclitaxel_label, gemcitabine_day8,
    generic_day1), the day-8 ``table``, the cycle days with a blood count before the dose, and
    the label section cited."""

    rule: str
    table: str | None
    count_days: tuple[int, ...]
    source: str
    provenance: str = ""


@dataclass(frozen=True)
class PlannedDrug:
    """One drug of a participant's regimen, resolved from the protocol.

    ``dose`` per administration in ``unit`` (None for a range dose until chosen); ``days`` the
    cycle days (None = continuous, every day); ``cycle_overrides`` cycle -> days (loading doses);
    ``dose_levels`` starting dose first."""

    drug: str
    dose: float | None
    dose_min: float | None
    dose_max: float | None
    unit: str
    route: str
    frequency: str
    days: tuple[int, ...] | None
    cycle_overrides: Mapping[int, tuple[int, ...]] = field(hash=False)
    dose_levels: tuple[float, ...] | None
    source: str
    provenance: str = ""
    note: str | None = None
    modification: Modification | None = None

    def days_in_cycle(self, cycle: int) -> tuple[int, ...] | None:
        """Cycle days of administration in ``cycle`` (1-based); None when continuous."""
        return self.cycle_overrides.get(cycle, self.days)


@dataclass(frozen=True)
class Regimen:
    """A participant's resolved regimen (ids: see :mod:`dawna.rules.regimens`)."""

    id: str
    arm: str
    cycle_length_days: int
    drugs: tuple[PlannedDrug, ...]
    procedures: tuple[str, ...]
    label: str
    physician_entered: bool = False

    def drug(self, name: str) -> PlannedDrug:
        for drug in self.drugs:
            if drug.drug == name:
                return drug
        raise DosingError("drug", Message(N_("{drug} is not a drug of {regimen}"),
                                          {"drug": name, "regimen": self.label}))
