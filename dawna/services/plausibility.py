"""Plausible values checked on the server before anything is stored (issue 18 item 5): the rule
:mod:`dawna.rules.plausibility` with the limits of the protocol file's ``plausibility:`` block,
its refusals in the reader's language (an impossible value: a ``ValidationError``; an
implausible one not confirmed: an ``ImplausibleValue``, code ``implausible_value``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from dawna.i18n import gettext
from dawna.protocol import bundled_protocol
from dawna.protocol.plausibility import PlausibilitySettings
from dawna.rules import plausibility as rule
from dawna.rules.rule_errors import RuleError
from dawna.rules.screening_record import ScreeningRecord

__all__ = ["check_lab", "check_measures", "check_screening", "limits"]


def limits() -> PlausibilitySettings | None:
    """The protocol file's limits (None: the file sets none, nothing is checked)."""
    return bundled_protocol().plausibility


def _check(checks: Iterable[rule.Check], confirmed: bool, prefix: str = "") -> None:
    try:
        rule.check_values(checks, confirmed=confirmed)
    except RuleError as exc:
        raise exc.translated(gettext, prefix) from None


def check_screening(record: ScreeningRecord, on: date, confirmed: bool) -> None:
    """Date of birth (age on the decision date ``on``), expected survival and laboratory values
    of a screening record."""
    settings = limits()
    if settings is None:
        return
    try:
        checks = list(rule.screening_checks(record, on, settings))
    except RuleError as exc:
        raise exc.translated(gettext) from None
    _check(checks, confirmed)


def check_lab(analyte: str, value: float, unit: str, confirmed: bool, prefix: str = "") -> None:
    """One laboratory result (analyte key and a unit it accepts); ``field`` is ``value``."""
    settings = limits()
    check = rule.lab_check("value", analyte, value, unit, settings) if settings else None
    if check is not None:
        _check([check], confirmed, prefix)


def check_measures(values: dict[str, tuple[str, float | None]], confirmed: bool) -> None:
    """Vital signs and other measures: range name -> (field, value); a missing value or a
    range the file does not give is skipped."""
    settings = limits()
    if settings is None:
        return
    _check([rule.Check(field, value, settings.ranges[name])
            for name, (field, value) in values.items()
            if value is not None and name in settings.ranges], confirmed)
