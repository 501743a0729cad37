"""Per-drug chemotherapy dose modification from the labels (arm B), replacing one generic rule.

Sources (summarised in ``docs/chemotherapy-labels.md``):

- **Capecitabine** (Xeloda, Genentech, prescribing information, section 2, "Dose Modifications",
  table of recommended dose modifications by NCIC/CTCAE grade): grade 1: maintain the dose level;
  grade 2: interrupt until resolved to grade 0-1, then resume at 100 % (1st appearance), 75 %
  (2nd), 50 % (3rd), discontinue (4th); grade 3: interrupt until grade 0-1, then 75 % (1st), 50 %
  (2nd), discontinue (3rd); grade 4: discontinue permanently, or, if the physician judges it in
  the patient's best interest, interrupt until grade 0-1 and resume at 50 % (1st), discontinue
  (2nd). Percentages are of the starting dose; once reduced the dose is not increased later;
  doses omitted for toxicity are not replaced or restored (the cycle keeps its days).
- **Gemcitabine** (Gemzar, Lilly, prescribing information, section 2 "Dosage and
  Administration"): blood counts before each dose; day-8 dose by the absolute granulocyte count
  (AGC) and platelets:

  * with paclitaxel (breast cancer table): AGC >= 1200/mm3 and platelets > 75,000/mm3 -> 100 %;
    AGC 1000-1199 or platelets 50,000-75,000 -> 75 %; AGC 700-999 and platelets >= 50,000 ->
    50 %; AGC < 700 or platelets < 50,000 -> hold;
  * with carboplatin (ovarian cancer table): AGC >= 1500 and platelets >= 100,000 -> 100 %;
    AGC 1000-1499 or platelets 75,000-99,999 -> 50 %; AGC < 1000 or platelets < 75,000 -> hold.

  Each table is the minimum of its two axes (the worse count decides), which is how the
  label's "and/or" rows read.
- **Paclitaxel** (Taxol, prescribing information, section 2): severe peripheral neuropathy
  (grade >= 3) or severe neutropenia (< 500/mm3 for a week or longer) -> reduce by 20 % for
  subsequent courses.

Which table a regimen uses is named in the protocol file next to the regimen, with its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError

__all__ = [
    "CAPECITABINE_PERCENT_STEPS",
    "CAPECITABINE_SOURCE",
    "CAPECITABINE_TABLE",
    "GEMCITABINE_DAY8_TABLES",
    "AxisBand",
    "ChemoModification",
    "Day8Table",
    "capecitabine_modification",
    "day8_percent",
    "oral_days_not_taken",
    "paclitaxel_modification",
]


@dataclass(frozen=True)
class ChemoModification:
    """``action``: continue | interrupt | discontinue | reduce; ``resume_percent`` of the starting
    dose once recovered to ``resume_at_grade`` or better (None when discontinued).
    ``alternative``: the label's physician-judgement option (capecitabine grade 4)."""

    action: str
    resume_percent: int | None
    resume_at_grade: int | None
    reason: Message
    alternative: ChemoModification | None = None


#: The doses the Xeloda table resumes at, in percent of the starting dose: a capecitabine
#: "dose level" is the index in this ladder (no re-escalation).
CAPECITABINE_PERCENT_STEPS = (100, 75, 50)
CAPECITABINE_SOURCE = "Xeloda (capecitabine) prescribing information §2, dose modifications"

#: Xeloda PI §2: grade -> percent of the starting dose per appearance (None = discontinue).
CAPECITABINE_TABLE: dict[int, tuple[int | None, ...]] = {
    2: (100, 75, 50, None),
    3: (75, 50, None),
    4: (None, None),
}


def capecitabine_modification(grade: int, appearance: int,
                              current_percent: int = 100) -> ChemoModification:
    """The Xeloda label's table for the ``appearance``-th time (1-based) this toxicity reaches
    ``grade``; never above ``current_percent`` (no re-escalation)."""
    if not 0 <= grade <= 5:
        raise RuleError("grade", Message(N_("a CTCAE grade is 0 to 5")))
    if appearance < 1:
        raise RuleError("appearance", Message(N_("the first appearance is 1")))
    if not 1 <= current_percent <= 100:
        raise RuleError("current_percent", Message(N_("a percent of the starting dose, 1 to 100")))
    if grade <= 1:
        return ChemoModification("continue", current_percent, None, Message(N_(
            "grade {grade}: maintain the dose level (capecitabine label §2)"),
            {"grade": str(grade)}))
    if grade == 5:
        return ChemoModification("discontinue", None, None, Message(N_("grade 5: fatal event")))
    row = CAPECITABINE_TABLE[grade]
    percent = row[min(appearance, len(row)) - 1]
    if grade == 4 and appearance == 1:
        option = ChemoModification("interrupt", min(50, current_percent), 1, Message(N_(
            "if the physician judges it in the patient's best interest: interrupt until grade "
            "0-1, then resume at 50 % (capecitabine label §2)")))
        return ChemoModification("discontinue", None, None, Message(N_(
            "grade 4, first appearance: discontinue permanently (capecitabine label §2)")),
            alternative=option)
    if percent is None:
        return ChemoModification("discontinue", None, None, Message(N_(
            "grade {grade}, appearance {n}: discontinue permanently (capecitabine label §2)"),
            {"grade": str(grade), "n": str(appearance)}))
    return ChemoModification("interrupt", min(percent, current_percent), 1, Message(N_(
        "grade {grade}, appearance {n}: interrupt until grade 0-1, then resume at {percent} % "
        "of the starting dose (capecitabine label §2)"),
        {"grade": str(grade), "n": str(appearance), "percent": str(min(percent, current_percent))}))


def oral_days_not_taken(dosing_days: range | tuple[int, ...], interrupted_from_day: int,
                        resumed_on_day: int | None) -> list[int]:
    """Cycle days of an oral drug missed by a mid-cycle interruption (first missed day
    ``interrupted_from_day``; resumed on ``resumed_on_day``, None = not in this cycle). They
    are not made up and the cycle is not extended (capecitabine label §2)."""
    if resumed_on_day is not None and resumed_on_day <= interrupted_from_day:
        raise RuleError("resumed_on_day", Message(N_(
            "resumption must come after the interruption (cycle day {day})"),
            {"day": str(interrupted_from_day)}))
    end = resumed_on_day if resumed_on_day is not None else max(dosing_days) + 1
    return [d for d in dosing_days if interrupted_from_day <= d < end]


@dataclass(frozen=True)
class AxisBand:
    """From ``minimum`` (×10⁹/L; strictly above it when ``exclusive``) upwards: ``percent``."""

    minimum: Decimal
    percent: int
    exclusive: bool = False

    def holds(self, value: Decimal) -> bool:
        return value > self.minimum if self.exclusive else value >= self.minimum


@dataclass(frozen=True)
class Day8Table:
    """Bands for each axis, highest first; a value below every band means hold (0 %)."""

    name: str
    source: str
    granulocytes: tuple[AxisBand, ...]
    platelets: tuple[AxisBand, ...]


D = Decimal
GEMCITABINE_DAY8_TABLES: dict[str, Day8Table] = {
    "gemcitabine_with_paclitaxel": Day8Table(
        "gemcitabine_with_paclitaxel", "Gemzar prescribing information §2, breast cancer",
        (AxisBand(D("1.2"), 100), AxisBand(D("1.0"), 75), AxisBand(D("0.7"), 50)),
        (AxisBand(D("75"), 100, exclusive=True), AxisBand(D("50"), 75))),
    "gemcitabine_with_carboplatin": Day8Table(
        "gemcitabine_with_carboplatin", "Gemzar prescribing information §2, ovarian cancer",
        (AxisBand(D("1.5"), 100), AxisBand(D("1.0"), 50)),
        (AxisBand(D("100"), 100), AxisBand(D("75"), 50))),
    # the label's table for the cisplatin combination (non-small cell lung cancer, and the
    # single-agent table): AGC >= 1000 and platelets >= 100,000 -> 100 %; AGC 500-999 or
    # platelets 50,000-99,999 -> 75 %; below -> hold. Not confirmed for breast cancer.
    "gemcitabine_with_cisplatin": Day8Table(
        "gemcitabine_with_cisplatin",
        "Gemzar prescribing information §2, cisplatin combination (to confirm)",
        (AxisBand(D("1.0"), 100), AxisBand(D("0.5"), 75)),
        (AxisBand(D("100"), 100), AxisBand(D("50"), 75))),
}


def _axis(value: Decimal, bands: tuple[AxisBand, ...]) -> int:
    for band in bands:
        if band.holds(value):
            return band.percent
    return 0


def day8_percent(table: Day8Table, granulocytes_10e9_l: Decimal,
                 platelets_10e9_l: Decimal) -> tuple[int, Message]:
    """The day-8 dose in percent of the full dose (0 = hold) by the label's table: the worse of
    the two counts decides."""
    for name, value in (("granulocytes", granulocytes_10e9_l), ("platelets", platelets_10e9_l)):
        if value < 0:
            raise RuleError(name, Message(N_("a count cannot be negative")))
    percent = min(_axis(granulocytes_10e9_l, table.granulocytes),
                  _axis(platelets_10e9_l, table.platelets))
    if percent == 0:
        return 0, Message(N_("hold the day-8 dose ({source})"), {"source": table.source})
    return percent, Message(N_("give {percent} % of the full dose on day 8 ({source})"),
                            {"percent": str(percent), "source": table.source})


def paclitaxel_modification(neuropathy_grade: int, *, neutrophils_below_0_5_days: int = 0,
                            current_percent: int = 100) -> ChemoModification:
    """Taxol PI §2: severe peripheral neuropathy (grade >= 3) or neutrophils < 500/mm3 for a
    week or longer -> 20 % lower for subsequent courses (of the current dose)."""
    if not 0 <= neuropathy_grade <= 5:
        raise RuleError("neuropathy_grade", Message(N_("a CTCAE grade is 0 to 5")))
    if neuropathy_grade >= 3 or neutrophils_below_0_5_days >= 7:
        reduced = current_percent * 80 // 100
        return ChemoModification("reduce", reduced, None, Message(N_(
            "severe neuropathy or neutropenia for a week or longer: reduce by 20 % for "
            "subsequent courses (paclitaxel label §2)")))
    return ChemoModification("continue", current_percent, None,
                             Message(N_("no paclitaxel reduction required (paclitaxel label §2)")))
