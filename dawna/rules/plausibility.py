"""Plausible values: a value a user enters is refused when it is impossible and kept only with
the user's confirmation when it is implausible (issue 18 item 5).

Source: ICH E6(R3) 3.16.1 (data accurate, complete and verifiable; edit checks at entry) and the
``plausibility:`` block of the protocol file (``dawna/protocols/dawna_fes.yaml``, model
:mod:`dawna.protocol.plausibility`): per laboratory analyte, screening measure and vital sign a
hard range (outside it: impossible, refused naming the field) and a soft range inside it
(outside it: implausible, a :class:`ImplausibleRefused` unless ``confirmed``). The limits are
site decisions (the registry record NCT05861830 and CTCAE v5.0 set none); a value entered in
another unit is converted first (:func:`dawna.rules.units.convert`, ``docs/domain.md`` §4).

Dates of birth: not before the file's ``earliest_birth_date`` (1900-01-01), and the age at the
decision date inside ``age_years`` (hard 0-120 years; soft 18, the registry record's minimum
age, to 100).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from dawna.errors import DawnaError, ImplausibleValue
from dawna.protocol.plausibility import PlausibilitySettings, PlausibleRange
from dawna.rules.ctcae_analytes import LAB_ANALYTES
from dawna.rules.messages import N_, Message, number
from dawna.rules.rule_errors import RuleError
from dawna.rules.screening_record import ScreeningRecord
from dawna.rules.units import convert, display_unit
from dawna.rules.verdict import completed_years

__all__ = ["Check", "ImplausibleRefused", "check_birth_date", "check_values",
           "lab_check", "screening_checks"]


class ImplausibleRefused(RuleError):
    """One or more values outside their soft limits, not confirmed; ``field`` names the first.
    Translated as a :class:`dawna.errors.ImplausibleValue` (code ``implausible_value``)."""

    code = ImplausibleValue.code

    def translated(self, gettext: Callable[[str], str], prefix: str = "") -> DawnaError:
        return ImplausibleValue(self.reason.render(gettext), field=f"{prefix}{self.field}")


@dataclass(frozen=True)
class Check:
    """A value to check: the input's ``field``, the value in the range's unit and its range."""

    field: str
    value: float
    limits: PlausibleRange


def _shown(value: float, unit: str) -> str:
    return f"{number(value)} {display_unit(unit)}"


def check_values(checks: Iterable[Check], *, confirmed: bool) -> None:
    """Refuse the first impossible value (outside its hard limits, whatever ``confirmed``);
    then, unless ``confirmed``, refuse the implausible ones (outside their soft limits) together,
    naming the first field and listing them all."""
    checks = list(checks)
    for c in checks:
        r = c.limits
        if not r.hard_min <= c.value <= r.hard_max:
            raise RuleError(c.field, Message(N_(
                "{what} {value} is impossible: it must lie between {low} and {high}"),
                {"value": _shown(c.value, r.unit), "what": r.label,
                 "low": _shown(r.hard_min, r.unit), "high": _shown(r.hard_max, r.unit)}))
    odd = [c for c in checks if not c.limits.soft_min <= c.value <= c.limits.soft_max]
    if odd and not confirmed:
        listed = "; ".join(f"{c.field} = {_shown(c.value, c.limits.unit)} ({c.limits.label}: "
                           f"{number(c.limits.soft_min)}-{number(c.limits.soft_max)})"
                           for c in odd)
        raise ImplausibleRefused(odd[0].field, Message(N_(
            "implausible value, outside the usual range: {values}. Check it; if it is right, "
            "confirm the implausible value and save again"), {"values": listed}))


def check_birth_date(field: str, birth: date, on: date, settings: PlausibilitySettings) -> Check:
    """A date of birth before the earliest one is refused; otherwise the age on ``on`` as a
    :class:`Check` against ``age_years`` (an age above 120 is impossible)."""
    if birth < settings.earliest_birth_date:
        raise RuleError(field, Message(N_(
            "{date} is not a possible date of birth: it must not be before {earliest}"),
            {"date": birth.isoformat(), "earliest": settings.earliest_birth_date.isoformat()}))
    return Check(field, float(completed_years(birth, on)), settings.age_years)


def lab_check(field: str, analyte: str, value: float, unit: str,
              settings: PlausibilitySettings) -> Check | None:
    """A laboratory result (analyte key of ``LAB_ANALYTES``, in one of its units) as a check in
    the unit of its range; None when the file gives the analyte no range."""
    limits = settings.ranges.get(analyte)
    if limits is None:
        return None
    spec = LAB_ANALYTES[analyte]
    return Check(field, convert(value, unit, limits.unit, spec.quantity), limits)


#: Screening form laboratory fields -> analyte keys.
_SCREENING_LABS = {"anc": "anc", "platelets": "platelets", "hemoglobin": "haemoglobin",
                   "total_bilirubin": "bilirubin", "alt": "alt", "ast": "ast",
                   "creatinine": "creatinine"}


def screening_checks(record: ScreeningRecord, on: date,
                     settings: PlausibilitySettings) -> Iterator[Check]:
    """The checks of a screening record: date of birth (age on ``on``, the decision date),
    expected survival, laboratory values, creatinine clearance and QTcF."""
    if record.date_of_birth is not None:
        yield check_birth_date("date_of_birth", record.date_of_birth, on, settings)
    if record.expected_survival_months is not None and "expected_survival" in settings.ranges:
        yield Check("expected_survival_months", record.expected_survival_months,
                    settings.ranges["expected_survival"])
    labs = record.labs
    if labs is None:
        return
    for name, key in _SCREENING_LABS.items():
        measurement = getattr(labs, name)
        if measurement is not None:
            check = lab_check(f"labs.{name}.value", key, measurement.value, measurement.unit,
                              settings)
            if check is not None:
                yield check
    for name, key in (("creatinine_clearance_ml_min", "creatinine_clearance"),
                      ("qtcf_ms", "qtcf")):
        value = getattr(labs, name)
        if value is not None and key in settings.ranges:
            yield Check(f"labs.{name}", value, settings.ranges[key])
