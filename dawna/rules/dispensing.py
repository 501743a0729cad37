"""Oral drug accountability: compliance from dispensed and returned units, the dose diary, and
relative dose intensity.

Sources (summaries in docs/drug-accountability.md):

- ICH E6(R3) Good Clinical Practice, investigational product management: the investigator keeps
  records of the product's delivery to the site, the inventory, the use by each participant
  (dispensed, returned, lost) with batch/lot numbers and expiry dates.
- Compliance by pill count (the usual accountability measure): units taken = dispensed -
  returned - lost; units expected = prescribed days x units per day; compliance = taken /
  expected.
- Relative dose intensity: Hryniuk W, Bush H. J Clin Oncol 1984;2:1281-8 (dose intensity = dose
  per unit time); Longo DL et al. J Clin Oncol 1991;9:2042-51 (the received dose intensity of a
  participant's whole course): RDI = actual cumulative dose / planned cumulative dose over the
  same time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError

__all__ = ["ORAL_DRUGS", "Compliance", "compliance", "diary_counts",
           "relative_dose_intensity"]

#: The oral drugs whose bottles are dispensed and counted back (the protocol's oral arms).
ORAL_DRUGS = ("dalpiciclib", "letrozole", "anastrozole", "exemestane", "tamoxifen",
              "toremifene", "capecitabine")


@dataclass(frozen=True)
class Compliance:
    """Units taken, expected and their ratio (None when nothing was expected)."""

    taken: int
    expected: int
    ratio: float | None


def compliance(dispensed: int, returned: int, lost: int, prescribed_days: int,
               units_per_day: float) -> Compliance:
    """``taken = dispensed - returned - lost``, ``expected = prescribed_days x units_per_day``,
    ``compliance = taken / expected``. Refused, naming the field: negative counts, more returned
    (with lost) than dispensed (``units_returned``)."""
    for name, value in (("units_dispensed", dispensed), ("units_returned", returned),
                        ("units_lost", lost), ("prescribed_days", prescribed_days)):
        if value < 0:
            raise RuleError(name, Message(N_("cannot be negative ({value})"),
                                          {"value": str(value)}))
    if units_per_day <= 0:
        raise RuleError("units_per_day", Message(N_("must be more than 0")))
    if returned + lost > dispensed:
        raise RuleError("units_returned", Message(N_(
            "{returned} returned and {lost} lost is more than the {dispensed} dispensed"),
            {"returned": str(returned), "lost": str(lost), "dispensed": str(dispensed)}))
    taken = dispensed - returned - lost
    expected_exact = Fraction(prescribed_days) * Fraction(str(units_per_day))
    expected = int(expected_exact)
    ratio = float(Fraction(taken) / expected_exact) if expected_exact else None
    return Compliance(taken, expected, ratio)


def diary_counts(days: dict[date, bool], first: date, last: date) -> tuple[int, int]:
    """Days taken and missed of a dose diary between ``first`` and ``last`` (inclusive); a day
    outside that range is refused on ``days``."""
    for day in days:
        if not first <= day <= last:
            raise RuleError("days", Message(N_("{day} is outside the dosing days {first} to "
                                               "{last}"), {"day": day.isoformat(),
                                                            "first": first.isoformat(),
                                                            "last": last.isoformat()}))
    taken = sum(1 for v in days.values() if v)
    return taken, len(days) - taken


def relative_dose_intensity(actual_cumulative: float, planned_cumulative: float) -> float | None:
    """Actual cumulative dose / planned cumulative dose over the same time (Longo 1991);
    None when nothing was planned."""
    if actual_cumulative < 0:
        raise RuleError("actual_cumulative", Message(N_("cannot be negative ({value})"),
                                                     {"value": str(actual_cumulative)}))
    if planned_cumulative <= 0:
        return None
    return actual_cumulative / planned_cumulative
