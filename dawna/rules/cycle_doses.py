"""The dose given on a cycle's day 1, checked against the plan: a drug with dose levels is given
on one of its levels and never above the current level (doses are not re-escalated after a
reduction); any other drug never above the prescribed dose (only the prescriber raises it, by
changing the plan).

Source: the dose levels of the protocol file (dalpiciclib 150 → 125 → 100 mg, ``docs/domain.md``
§5); not re-escalating a reduced dose and giving other drugs at most at the prescribed dose are
site decisions. Doses compare as exact decimals of their written form (125 mg is 125.0 mg;
1234.6 mg is above 1234.5 mg): no tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from dawna.rules.dose_formulas import check_dose_on_levels
from dawna.rules.messages import Message
from dawna.rules.regimen_model import DosingError, PlannedDrug

__all__ = ["DoseCheck", "DoseVerdict", "check_cycle_dose", "exact"]


class DoseVerdict(StrEnum):
    GIVEN = "given"
    NOT_POSITIVE = "not_positive"
    NOT_A_LEVEL = "not_a_level"
    ABOVE_LEVEL = "above_level"
    ABOVE_PRESCRIBED = "above_prescribed"


@dataclass(frozen=True)
class DoseCheck:
    """The verdict on one dose; ``level`` the dose level it is on (drugs with dose levels);
    ``reason`` why it is not a dose level."""

    verdict: DoseVerdict
    level: int | None = None
    reason: Message | None = None


def exact(value: float | int | str | Decimal) -> Decimal:
    """A dose as the exact decimal of its written form (``0.1`` is 0.1, not the binary float)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def check_cycle_dose(planned: PlannedDrug, dose: Decimal, *, current_level: int | None,
                     prescribed: Decimal | None) -> DoseCheck:
    """The check of ``dose`` (mg) of ``planned`` given on a cycle's day 1 (module docstring):

    - not above zero → NOT_POSITIVE;
    - a drug with dose levels: not one of the levels → NOT_A_LEVEL (with the reason); a level
      above ``current_level`` (a lower index) → ABOVE_LEVEL; else GIVEN at that level;
    - any other drug: above ``prescribed`` (the confirmed dose, or the reduced dose decided
      since) → ABOVE_PRESCRIBED; else GIVEN (no ``prescribed``: nothing to compare with).
    """
    if dose <= 0:
        return DoseCheck(DoseVerdict.NOT_POSITIVE)
    if planned.dose_levels:
        try:
            given = check_dose_on_levels(planned, float(dose))
        except DosingError as exc:
            return DoseCheck(DoseVerdict.NOT_A_LEVEL, reason=exc.reason)
        if current_level is not None and given < current_level:
            return DoseCheck(DoseVerdict.ABOVE_LEVEL, level=given)
        return DoseCheck(DoseVerdict.GIVEN, level=given)
    if prescribed is not None and dose > prescribed:
        return DoseCheck(DoseVerdict.ABOVE_PRESCRIBED)
    return DoseCheck(DoseVerdict.GIVEN)
