"""The ``plausibility:`` block of a protocol file: limits of the values a user enters (issue 18
item 5). The rule that applies them is :mod:`dawna.rules.plausibility`.

Each range has hard limits (outside them a value is impossible: refused) and soft limits inside
them (outside them a value is implausible: kept only when the user confirms it), in ``unit``,
with its provenance and source (every range of the DAWNA-FES file is a site decision: neither
the registry record nor CTCAE v5.0 sets input limits).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pydantic import Field, model_validator

from dawna.errors import NotFound
from dawna.protocol.common import Provenance, Slug, StrictModel, Text, fail

__all__ = ["RANGE_NAMES", "PlausibilitySettings", "PlausibleRange"]

#: The values a range may be given for: the graded laboratory analytes (keys of
#: ``dawna.rules.ctcae_analytes.LAB_ANALYTES``), the screening form's other measures and the
#: vital signs of the treatment plan. A misspelt name is refused, not silently unused.
RANGE_NAMES = frozenset({
    "anc", "wbc", "platelets", "lymphocytes", "haemoglobin", "alt", "ast", "bilirubin",
    "creatinine",
    "creatinine_clearance", "qtcf", "expected_survival", "weight", "height",
})


class PlausibleRange(StrictModel):
    """Hard and soft limits of one value, in ``unit``; ``hard_min <= soft_min <= soft_max <=
    hard_max``."""

    label: Text
    unit: Text
    hard_min: float
    soft_min: float
    soft_max: float
    hard_max: float
    status: Provenance
    source: Text

    @model_validator(mode="after")
    def _ordered(self) -> PlausibleRange:
        if not self.hard_min <= self.soft_min:
            fail("soft_min", f"{self.soft_min:g} must not be below hard_min {self.hard_min:g}")
        if not self.soft_min < self.soft_max:
            fail("soft_max", f"{self.soft_max:g} must be above soft_min {self.soft_min:g}")
        if not self.soft_max <= self.hard_max:
            fail("hard_max", f"{self.hard_max:g} must not be below soft_max {self.soft_max:g}")
        return self


class PlausibilitySettings(StrictModel):
    """Limits per laboratory analyte (keys of :data:`dawna.rules.ctcae_analytes.LAB_ANALYTES`
    and the screening form's other measures) and vital sign, the earliest birth date and the
    age range at the decision date."""

    earliest_birth_date: date
    age_years: PlausibleRange
    ranges: Mapping[Slug, PlausibleRange] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known(self) -> PlausibilitySettings:
        for name in self.ranges:
            if name not in RANGE_NAMES:
                fail(f"ranges.{name}", f"unknown value {name!r} (known: "
                     f"{', '.join(sorted(RANGE_NAMES))})")
        return self

    def range(self, name: str) -> PlausibleRange:
        try:
            return self.ranges[name]
        except KeyError:
            raise NotFound(f"no plausibility range {name!r}", field="plausibility") from None
