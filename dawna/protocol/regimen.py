"""Arms and their regimens as structured data (docs/domain.md §5; registry record arm texts)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    model_validator,
)

from dawna.errors import NotFound
from dawna.protocol.common import (
    Amount,
    ArmType,
    Days,
    DoseUnit,
    Frequency,
    InterventionType,
    MenopausalStatus,
    PositiveInt,
    Provenance,
    Route,
    Slug,
    StrictBool,
    StrictModel,
    Text,
    fail,
)

# --- arms and regimens (domain.md §5) -----------------------------------------------------------


class DoseLevels(StrictModel):
    """Dose-reduction levels, starting dose first; below the last level: discontinue."""

    levels: tuple[Amount, ...] = Field(min_length=1)
    provenance: Provenance
    source: Text


class DrugComponent(StrictModel):
    """One drug of a regimen: a fixed ``dose`` or a ``dose_min``..``dose_max`` range per
    administration, on cycle ``days`` (with per-cycle ``cycle_overrides``) or ``continuous``."""

    drug: Text
    dose: Amount | None = None
    dose_min: Amount | None = None
    dose_max: Amount | None = None
    unit: DoseUnit
    route: Route
    frequency: Frequency
    days: Days | None = None
    continuous: StrictBool = False
    cycle_overrides: Mapping[Annotated[int, Field(gt=0)], Days] = Field(default_factory=dict)
    dose_levels: DoseLevels | None = None
    provenance: Provenance
    source: Text
    note: str | None = None

    def days_in_cycle(self, cycle: int) -> tuple[int, ...] | None:
        """Cycle days of administration in ``cycle`` (1-based); None when continuous."""
        return self.cycle_overrides.get(cycle, self.days)

    @model_validator(mode="after")
    def _check(self) -> DrugComponent:
        ranged = self.dose_min is not None or self.dose_max is not None
        if self.dose is not None and ranged:
            fail("dose", "give either dose or dose_min and dose_max, not both")
        if self.dose is None and not ranged:
            fail("dose", "a dose (or dose_min and dose_max) is required")
        if ranged:
            if self.dose_min is None:
                fail("dose_min", "is required with dose_max")
            if self.dose_max is None:
                fail("dose_max", "is required with dose_min")
            if self.dose_min > self.dose_max:
                fail("dose_min", f"{self.dose_min:g} must not exceed dose_max {self.dose_max:g}")
        if self.continuous and (self.days is not None or self.cycle_overrides):
            fail("days", "continuous dosing takes no days or cycle_overrides")
        if not self.continuous and self.days is None:
            fail("days", "give the cycle days, or continuous: true")
        if self.dose_levels is not None:
            levels = self.dose_levels.levels
            if self.dose is None or levels[0] != self.dose:
                fail("dose_levels.levels[0]", "must equal the starting dose")
            if any(b >= a for a, b in pairwise(levels)):
                fail("dose_levels.levels", "must decrease from one level to the next")
        return self


class Modification(StrictModel):
    """How one drug of a regimen entry is modified for toxicity, citing its label section.

    ``rule``: ``capecitabine_label`` (Xeloda §2 interruption table), ``paclitaxel_label``
    (Taxol §2: 20 % lower after severe neuropathy or neutropenia, with the day-1 counts),
    ``gemcitabine_day8`` (Gemzar §2 day-8 table named by ``table``), ``generic_day1`` (the
    site's day-1 counts rule). ``count_days``: cycle days with a blood count before the dose
    (day 1 is always counted)."""

    drug: Text
    rule: Literal["capecitabine_label", "paclitaxel_label", "gemcitabine_day8",
                  "generic_day1"]
    table: Literal["gemcitabine_with_paclitaxel", "gemcitabine_with_carboplatin",
                   "gemcitabine_with_cisplatin"] | None = None
    count_days: Days = (1,)
    provenance: Provenance
    source: Text

    @model_validator(mode="after")
    def _check(self) -> Modification:
        if (self.rule == "gemcitabine_day8") != (self.table is not None):
            fail("table", "a day-8 table is named with rule gemcitabine_day8, and only then")
        return self


class Procedure(StrictModel):
    name: Text
    frequency: Literal[Frequency.ONCE] = Frequency.ONCE
    provenance: Provenance
    source: Text


class Schedule(StrictModel):
    """Drugs given together, or a one-time procedure."""

    id: Slug
    label: Text
    label_zh: str | None = None  # the Chinese label (issue 20 review: Chinese pages)
    components: tuple[DrugComponent, ...] = ()
    procedure: Procedure | None = None
    note: str | None = None
    modification: tuple[Modification, ...] = ()

    def label_for(self, locale: str) -> str:
        """The label in ``locale``: ``label_zh`` for Chinese where the protocol gives it."""
        return self.label_zh if locale.startswith("zh") and self.label_zh else self.label

    @model_validator(mode="after")
    def _check_content(self) -> Schedule:
        if bool(self.components) == (self.procedure is not None):
            fail("components", "give either drug components or a procedure")
        drugs = {c.drug for c in self.components}
        for i, rule in enumerate(self.modification):
            if rule.drug not in drugs:
                fail(f"modification[{i}].drug", f"{rule.drug!r} is not a drug of {self.id}")
        return self


class Option(Schedule):
    """One option of a choice group; ``alternatives`` are variants of it (e.g. weekly dosing)."""

    registry_text: str | None = None
    alternatives: tuple[Schedule, ...] = ()


class Condition(StrictModel):
    menopausal_status: tuple[MenopausalStatus, ...] = Field(min_length=1)


class ChoiceGroup(StrictModel):
    """Exactly one option is given to each patient the group applies to (``required_when``
    None = every patient of the arm)."""

    id: Slug
    label: Text
    label_zh: str | None = None
    required_when: Condition | None = None
    options: tuple[Option, ...] = Field(min_length=1)
    physician_entered_allowed: StrictBool = False
    note: str | None = None

    def label_for(self, locale: str) -> str:
        """The label in ``locale``: ``label_zh`` for Chinese where the protocol gives it."""
        return self.label_zh if locale.startswith("zh") and self.label_zh else self.label

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise NotFound(f"no option {option_id!r} in {self.id}", field="option")


class Regimen(StrictModel):
    cycle_length_days: PositiveInt
    components: tuple[DrugComponent, ...] = ()
    choices: tuple[ChoiceGroup, ...] = ()
    note: str | None = None

    @property
    def physician_entered_allowed(self) -> bool:
        return any(group.physician_entered_allowed for group in self.choices)

    def choice(self, group_id: str) -> ChoiceGroup:
        for group in self.choices:
            if group.id == group_id:
                return group
        raise NotFound(f"no choice group {group_id!r}", field="choice")

    def iter_components(self) -> Iterator[tuple[str, DrugComponent]]:
        """Every drug component with its path relative to the regimen."""
        for i, component in enumerate(self.components):
            yield f"components[{i}]", component
        for g, group in enumerate(self.choices):
            for o, option in enumerate(group.options):
                base = f"choices[{g}].options[{o}]"
                schedules = [(base, option)] + [
                    (f"{base}.alternatives[{a}]", alt) for a, alt in enumerate(option.alternatives)
                ]
                for path, schedule in schedules:
                    for c, component in enumerate(schedule.components):
                        yield f"{path}.components[{c}]", component

    @model_validator(mode="after")
    def _check(self) -> Regimen:
        if not self.components and not self.choices:
            fail("components", "a regimen needs components or choices")
        n = self.cycle_length_days
        for path, component in self.iter_components():
            lists = [("days", component.days or ())] + [
                (f"cycle_overrides.{cycle}", days)
                for cycle, days in component.cycle_overrides.items()
            ]
            for where, days in lists:
                for day in days:
                    if day > n:
                        fail(f"{path}.{where}", f"day {day} is outside the {n}-day cycle (1-{n})")
        unique_ids(self.choices, "choices")
        for g, group in enumerate(self.choices):
            ids = [*group.options, *(alt for o in group.options for alt in o.alternatives)]
            unique_ids(ids, f"choices[{g}].options")
        return self


def unique_ids(items: Any, path: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            fail(f"{path}[{i}].id", f"duplicate id {item.id!r}")
        seen.add(item.id)


class Intervention(StrictModel):
    type: InterventionType
    name: Text
    registry_text: Text


class Arm(StrictModel):
    id: Annotated[str, Field(pattern=r"^[A-Z]$")]
    label: Text
    type: ArmType
    description: Text
    intervention: Intervention
    regimen: Regimen


