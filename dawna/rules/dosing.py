"""Dose formulas, computed doses and dose modification for the DAWNA-FES regimens.

Sources (``docs/domain.md`` §4, §5; the protocol file's ``site_settings`` group ``dosing``):

- Body surface area, Mosteller (N Engl J Med 1987;317:1098): BSA m² = √(height cm × weight kg
  / 3600).
- Creatinine clearance, Cockcroft–Gault (Nephron 1976;16:31-41): CrCl mL/min = (140 − age) ×
  weight kg / (72 × serum creatinine mg/dL), × 0.85 for women; creatinine mg/dL = µmol/L / 88.4.
  Actual body weight, as domain.md §5 states (some sites use ideal or adjusted weight).
- Carboplatin, Calvert (J Clin Oncol 1989;7:1748-1756): dose mg = target AUC × (GFR + 25), the
  GFR capped at 125 mL/min (``carboplatin_gfr_cap``, site decision).
- Dalpiciclib dose modification: the palbociclib (IBRANCE) label, §2.2 Tables 1–3, as the CDK4/6
  inhibitor class standard (domain.md §5) on the dalpiciclib dose levels 150 → 125 → 100 mg
  (protocol ``dose_levels``, to confirm). Quoted in :data:`PALBOCICLIB_LABEL`.
- Chemotherapy (arm B, 21-day cycles) day-1 rule: a site decision, see
  :func:`propose_chemotherapy`.

Rounding of computed doses: the numbers shown in the formula are the numbers used. BSA is
rounded to 0.01 m² and the GFR to 0.1 mL/min before the dose is calculated; the dose is then
rounded to the nearest 1 mg (halves up). ``ComputedDose.dose_unrounded`` keeps the dose before
that last rounding. Oral doses are not rounded to tablet strengths here: the pharmacy does that.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from dawna.rules.messages import N_, Message, number

if TYPE_CHECKING:
    from dawna.rules.regimens import PlannedDrug, Regimen

__all__ = [
    "CHEMOTHERAPY_RULE_SOURCE",
    "CHEMO_REDUCTION_PERCENT",
    "PALBOCICLIB_LABEL",
    "Action",
    "ComputedDose",
    "DosingError",
    "PatientMeasures",
    "Proposal",
    "Toxicity",
    "body_surface_area_m2",
    "carboplatin_dose_mg",
    "check_dose_on_levels",
    "compute_doses",
    "creatinine_clearance_ml_min",
    "propose_chemotherapy",
    "propose_dalpiciclib",
]

#: Plausible ranges; a value outside is refused as a data-entry error (field, low, high, unit).
LIMITS: Mapping[str, tuple[float, float, str]] = {
    "height_cm": (100.0, 250.0, "cm"),
    "weight_kg": (25.0, 250.0, "kg"),
    "age_years": (18.0, 110.0, "years"),
    "creatinine_umol_l": (10.0, 2000.0, "µmol/L"),
    "measured_gfr_ml_min": (1.0, 300.0, "mL/min"),
}
CREATININE_UMOL_PER_MG_DL = 88.4
FEMALE_FACTOR = 0.85


class DosingError(ValueError):
    """Input a dosing or calendar rule cannot use: ``field`` names it, ``message`` the rule."""

    def __init__(self, field: str, message: Message) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _check(field: str, value: float) -> float:
    low, high, unit = LIMITS[field]
    if not math.isfinite(value) or not low <= value <= high:
        raise DosingError(field, Message(
            N_("{value} {unit} is outside the plausible range {low}–{high} {unit}"),
            {"value": number(value), "unit": unit, "low": number(low), "high": number(high)}))
    return value


def _positive(field: str, value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise DosingError(field, Message(N_("{value} must be a positive number"),
                                         {"value": number(value)}))
    return value


def _half_up(value: float | Decimal, places: int = 0) -> Decimal:
    """``value`` rounded to ``places`` decimals, halves away from zero (not banker's rounding)."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# --- formulas (domain.md §5) -----------------------------------------------------------------


def body_surface_area_m2(height_cm: float, weight_kg: float) -> float:
    """Mosteller: BSA m² = √(height cm × weight kg / 3600) (unrounded)."""
    _check("height_cm", height_cm)
    _check("weight_kg", weight_kg)
    return math.sqrt(height_cm * weight_kg / 3600.0)


def creatinine_clearance_ml_min(age_years: float, weight_kg: float, creatinine_umol_l: float,
                                *, female: bool = True) -> float:
    """Cockcroft–Gault: (140 − age) × weight kg / (72 × Scr mg/dL), × 0.85 for women, with
    Scr mg/dL = µmol/L / 88.4 (unrounded)."""
    _check("age_years", age_years)
    _check("weight_kg", weight_kg)
    _check("creatinine_umol_l", creatinine_umol_l)
    scr_mg_dl = creatinine_umol_l / CREATININE_UMOL_PER_MG_DL
    crcl = (140.0 - age_years) * weight_kg / (72.0 * scr_mg_dl)
    return crcl * FEMALE_FACTOR if female else crcl


def carboplatin_dose_mg(auc: float, gfr_ml_min: float, gfr_cap: float = 125.0) -> float:
    """Calvert: dose mg = AUC × (min(GFR, cap) + 25) (unrounded)."""
    _positive("auc", auc)
    _positive("gfr_ml_min", gfr_ml_min)
    _positive("gfr_cap", gfr_cap)
    return auc * (min(gfr_ml_min, gfr_cap) + 25.0)


# --- computed doses ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PatientMeasures:
    """Inputs for computed doses. ``measured_gfr_ml_min`` (e.g. isotope or 24-hour urine), when
    given, is used for carboplatin instead of the Cockcroft–Gault estimate."""

    height_cm: float | None = None
    weight_kg: float | None = None
    age_years: float | None = None
    creatinine_umol_l: float | None = None
    female: bool = True
    measured_gfr_ml_min: float | None = None


@dataclass(frozen=True)
class ComputedDose:
    """One drug's dose per administration, with the formula that gave it."""

    drug: str
    dose: float
    unit: str
    per: str
    formula: Message
    inputs: Mapping[str, float] = field(hash=False)
    level: int | None
    dose_unrounded: float | None = None


def _levels_text(levels: Sequence[float]) -> str:
    return "/".join(number(level) for level in levels)


def _drug_level(drug: PlannedDrug, levels: Mapping[str, int]) -> int | None:
    if drug.dose_levels is None:
        if levels.get(drug.drug, 0) != 0:
            raise DosingError("level", Message(N_("{drug} has no dose levels"),
                                               {"drug": drug.drug}))
        return None
    level = levels.get(drug.drug, 0)
    if isinstance(level, bool) or not isinstance(level, int) or level < 0:
        raise DosingError("level", Message(N_("the dose level of {drug} must be 0 (starting "
                                              "dose) or a higher whole number"),
                                           {"drug": drug.drug}))
    if level >= len(drug.dose_levels):
        raise DosingError("level", Message(
            N_("{drug} dose level {level} is below the lowest dose level ({lowest} mg): "
               "discontinue"),
            {"drug": drug.drug, "level": str(level),
             "lowest": number(drug.dose_levels[-1])}))
    return level


def _base_dose(drug: PlannedDrug, level: int | None, chosen: Mapping[str, float]
               ) -> tuple[float, Message]:
    """The protocol dose in the drug's own unit (per m², AUC or mg) and where it comes from
    (fixed, chosen within the range, or a dose level)."""
    if drug.dose_min is not None and drug.dose_max is not None:
        if drug.drug not in chosen:
            raise DosingError("chosen", Message(
                N_("choose the {drug} dose between {low} and {high} {unit}"),
                {"drug": drug.drug, "low": number(drug.dose_min), "high": number(drug.dose_max),
                 "unit": _unit_text(drug.unit)}))
        value = chosen[drug.drug]
        if not math.isfinite(value) or not drug.dose_min <= value <= drug.dose_max:
            raise DosingError("chosen", Message(
                N_("{drug} {dose} {unit} is outside the protocol range {low}–{high} {unit}"),
                {"drug": drug.drug, "dose": number(value), "low": number(drug.dose_min),
                 "high": number(drug.dose_max), "unit": _unit_text(drug.unit)}))
        return value, Message(N_("{dose} {unit} (chosen within {low}–{high} {unit})"), {
            "dose": number(value), "unit": _unit_text(drug.unit), "low": number(drug.dose_min),
            "high": number(drug.dose_max)})
    if drug.drug in chosen:
        raise DosingError("chosen", Message(N_("{drug} has a fixed dose, not a range"),
                                            {"drug": drug.drug}))
    assert drug.dose is not None  # the protocol schema requires a dose or a range
    if level is not None and drug.dose_levels is not None:
        value = drug.dose_levels[level]
        template = (N_("{dose} {unit} (starting dose; dose levels {levels} mg)") if level == 0
                    else N_("{dose} {unit} (dose reduction {level}; dose levels {levels} mg)"))
        return value, Message(template, {"dose": number(value), "unit": _unit_text(drug.unit),
                                         "level": str(level),
                                         "levels": _levels_text(drug.dose_levels)})
    return drug.dose, Message(N_("{dose} {unit} (fixed dose)"),
                              {"dose": number(drug.dose), "unit": _unit_text(drug.unit)})


def _unit_text(unit: str) -> str:
    return {"mg/m2": "mg/m²", "AUC mg/mL·min": "mg/mL·min"}.get(unit, unit)


def _gfr(measures: PatientMeasures) -> tuple[Decimal, Message, dict[str, float]]:
    """GFR for Calvert, rounded to 0.1 mL/min, with its explanation and inputs."""
    if measures.measured_gfr_ml_min is not None:
        gfr = _half_up(measures.measured_gfr_ml_min, 1)
        return gfr, Message(N_("measured GFR {gfr} mL/min"), {"gfr": number(float(gfr))}), {
            "gfr_ml_min": float(gfr)}
    for name in ("age_years", "weight_kg", "creatinine_umol_l"):
        if getattr(measures, name) is None:
            raise DosingError(name, Message(
                N_("carboplatin (Calvert) needs age, weight and serum creatinine for the "
                   "Cockcroft–Gault GFR")))
    assert measures.age_years is not None and measures.weight_kg is not None
    assert measures.creatinine_umol_l is not None
    crcl = creatinine_clearance_ml_min(measures.age_years, measures.weight_kg,
                                       measures.creatinine_umol_l, female=measures.female)
    gfr = _half_up(crcl, 1)
    scr = measures.creatinine_umol_l / CREATININE_UMOL_PER_MG_DL
    template = (N_("Cockcroft–Gault (140 − {age}) × {weight} kg / (72 × {scr} mg/dL) × 0.85 = "
                   "{gfr} mL/min") if measures.female else
                N_("Cockcroft–Gault (140 − {age}) × {weight} kg / (72 × {scr} mg/dL) = "
                   "{gfr} mL/min"))
    explanation = Message(template, {"age": number(measures.age_years),
                                     "weight": number(measures.weight_kg),
                                     "scr": number(scr, 3), "gfr": number(float(gfr))})
    return gfr, explanation, {
        "age_years": measures.age_years, "weight_kg": measures.weight_kg,
        "creatinine_umol_l": measures.creatinine_umol_l, "creatinine_mg_dl": scr,
        "sex_factor": FEMALE_FACTOR if measures.female else 1.0, "gfr_ml_min": float(gfr)}


def _compute_one(drug: PlannedDrug, measures: PatientMeasures, level: int | None,
                 chosen: Mapping[str, float], factor: float, gfr_cap: float) -> ComputedDose:
    base, explanation = _base_dose(drug, level, chosen)
    inputs: dict[str, float] = {}
    if drug.unit == "mg/m2":
        for name in ("height_cm", "weight_kg"):
            if getattr(measures, name) is None:
                raise DosingError(name, Message(
                    N_("{drug} is dosed in mg/m²: height and weight are needed for the body "
                       "surface area"), {"drug": drug.drug}))
        assert measures.height_cm is not None and measures.weight_kg is not None
        bsa_exact = body_surface_area_m2(measures.height_cm, measures.weight_kg)
        bsa = _half_up(bsa_exact, 2)
        full = Decimal(str(base)) * bsa
        formula = Message(
            N_("{per_m2} mg/m² × BSA {bsa} m² (Mosteller √({height} cm × {weight} kg / 3600)) "
               "= {dose} mg"),
            {"per_m2": number(base), "bsa": str(bsa), "height": number(measures.height_cm),
             "weight": number(measures.weight_kg), "dose": str(_half_up(full))})
        inputs |= {"dose_per_m2": base, "height_cm": measures.height_cm,
                   "weight_kg": measures.weight_kg, "bsa_m2": float(bsa),
                   "bsa_m2_exact": bsa_exact}
    elif drug.unit == "AUC mg/mL·min":
        gfr, gfr_text, gfr_inputs = _gfr(measures)
        used = min(gfr, Decimal(str(gfr_cap)))
        full = Decimal(str(base)) * (used + 25)
        params: dict[str, str | Message] = {"auc": number(base), "gfr": number(float(used)),
                                            "source": gfr_text, "dose": str(_half_up(full)),
                                            "cap": number(gfr_cap)}
        template = (N_("AUC {auc} × (GFR {gfr} mL/min + 25) = {dose} mg (Calvert; GFR: "
                       "{source}, capped at {cap} mL/min)") if gfr > used else
                    N_("AUC {auc} × (GFR {gfr} mL/min + 25) = {dose} mg (Calvert; GFR: "
                       "{source})"))
        formula = Message(template, params)
        inputs |= {"auc": base, **gfr_inputs, "gfr_cap": gfr_cap, "gfr_capped": float(used)}
    else:  # a fixed or chosen mg dose: taken as it is, not rounded
        return ComputedDose(drug=drug.drug, dose=base, unit="mg", per="administration",
                            formula=explanation, inputs={"dose_mg": base}, level=level,
                            dose_unrounded=base)
    if factor != 1.0:
        full *= Decimal(str(factor))
        formula = Message(N_("{formula}; × {percent} % (dose reduction) = {dose} mg"), {
            "formula": formula, "percent": number(factor * 100), "dose": str(_half_up(full))})
        inputs["factor"] = factor
    dose = float(_half_up(full))
    return ComputedDose(drug=drug.drug, dose=dose, unit="mg", per="administration",
                        formula=formula, inputs=inputs, level=level,
                        dose_unrounded=float(full))


def compute_doses(regimen: Regimen, measures: PatientMeasures, *,
                  levels: Mapping[str, int] | None = None,
                  chosen: Mapping[str, float] | None = None,
                  gfr_cap: float = 125.0,
                  factors: Mapping[str, float] | None = None) -> list[ComputedDose]:
    """The dose per administration of every drug of ``regimen``, in mg, in regimen order.

    - Fixed mg doses are taken as they are ("150 mg (fixed dose)"); a drug with dose levels
      (dalpiciclib 150/125/100 mg) at ``levels[drug]`` (0 = starting dose; a level past the last
      is refused: discontinue).
    - Range doses (tamoxifen 10–20 mg, capecitabine 1000–1250 mg/m²) need ``chosen[drug]``, in
      the drug's own unit, within the range.
    - mg/m² doses × BSA (Mosteller, height and weight needed); AUC doses by Calvert with the
      Cockcroft–Gault GFR (age, weight and creatinine needed) or ``measured_gfr_ml_min``,
      capped at ``gfr_cap``.
    - ``factors[drug]`` (e.g. 0.8 after one 20 % chemotherapy reduction, see
      :func:`propose_chemotherapy`) scales a drug without dose levels.

    Every measure given is checked against :data:`LIMITS` even when no drug needs it, so that a
    data-entry error is seen. Unknown drug names in ``levels``, ``chosen`` or ``factors`` are
    refused. Rounding: see the module docstring.
    """
    levels = dict(levels or {})
    chosen = dict(chosen or {})
    factors = dict(factors or {})
    for name in LIMITS:
        value = getattr(measures, name)
        if value is not None:
            _check(name, value)
    _positive("gfr_cap", gfr_cap)
    names = {drug.drug for drug in regimen.drugs}
    for where, given in (("level", levels), ("chosen", chosen), ("factors", factors)):
        for key in given:
            if key not in names:
                raise DosingError(where, Message(N_("{drug} is not a drug of {regimen}"),
                                                 {"drug": key, "regimen": regimen.label}))
    out = []
    for drug in regimen.drugs:
        level = _drug_level(drug, levels)
        factor = factors.get(drug.drug, 1.0)
        if not math.isfinite(factor) or not 0 < factor <= 1:
            raise DosingError("factors", Message(
                N_("the dose factor of {drug} must be above 0 and at most 1"),
                {"drug": drug.drug}))
        if factor != 1.0 and drug.unit == "mg":
            raise DosingError("factors", Message(
                N_("{drug} has a fixed mg dose: reduce it by its dose levels or chosen dose, "
                   "not by a factor"), {"drug": drug.drug}))
        out.append(_compute_one(drug, measures, level, chosen, factor, gfr_cap))
    return out


def check_dose_on_levels(drug: PlannedDrug, dose: float) -> int:
    """The dose-level index of ``dose`` (0 = starting dose); refused if not one of the levels."""
    if drug.dose_levels is None:
        raise DosingError("dose", Message(N_("{drug} has no dose levels"), {"drug": drug.drug}))
    for index, level in enumerate(drug.dose_levels):
        if math.isclose(dose, level, rel_tol=0, abs_tol=1e-9):
            return index
    raise DosingError("dose", Message(
        N_("{dose} mg is not a dose level of {drug}: {levels} mg are the dose levels"),
        {"dose": number(dose), "drug": drug.drug, "levels": _levels_text(drug.dose_levels)}))


# --- dose modification -------------------------------------------------------------------------

#: The palbociclib (IBRANCE) label text the dalpiciclib rules follow (§2.2; read in the UK SmPC
#: version on pfizerpro.co.uk and summaries of the US label; Table 3 not read here: to confirm).
PALBOCICLIB_LABEL = (
    "IBRANCE (palbociclib) prescribing information §2.2 Dose Modification, Table 2 "
    "(haematological toxicities) and Table 3 (non-haematological toxicities), applied to "
    "dalpiciclib as the CDK4/6 inhibitor class standard (docs/domain.md §5)"
)
CHEMOTHERAPY_RULE_SOURCE = (
    "site decision for 21-day chemotherapy (docs/domain.md §5: NCCN / CBCSG006 practice): "
    "day-1 ANC and platelet thresholds as the screening organ-function settings"
)


#: Chemotherapy reduction per step, as a percentage of the starting dose [site decision,
#: domain.md §5 practice: 20-25 % is usual].
CHEMO_REDUCTION_PERCENT = 20.0


class Action(StrEnum):
    CONTINUE = "continue"
    HOLD_RECHECK = "hold_recheck"
    RESUME_SAME = "resume_same"
    RESUME_LOWER = "resume_lower"
    DISCONTINUE = "discontinue"
    DELAY = "delay"
    REDUCE = "reduce"


@dataclass(frozen=True)
class Toxicity:
    """The worst current toxicity of one CTCAE term that a proposal is based on.

    ``recovered_to_grade``: latest grade after a hold (None = not rechecked yet).
    ``prolonged_g3_weeks``: how long a grade 3 took to recover; > 1 week, like ``recurrent``
    (grade 3 again on day 1 of a later cycle), asks for the next lower dose (palbociclib label,
    Table 2 footnote: "consider dose reduction")."""

    term: str
    grade: int
    haematological: bool
    with_fever_or_infection: bool = False
    recovered_to_grade: int | None = None
    prolonged_g3_weeks: float | None = None
    recurrent: bool = False


@dataclass(frozen=True)
class Proposal:
    """A proposed dose decision; the physician confirms or overrides it.

    ``resume_level`` / ``resume_dose``: the level (dose) to restart at after a hold or delay.
    ``dose_factor``: for chemotherapy, the share of the starting dose (0.8 after one 20 %
    reduction)."""

    action: Action
    level_from: int
    level_to: int | None
    dose_to: float | None
    rule: Message
    source: str
    resume_level: int | None = None
    resume_dose: float | None = None
    dose_factor: float | None = None


_HOLD, _RESUME, _CONTINUE, _STOP = "hold", "resume", "continue", "stop"


@dataclass(frozen=True)
class _Decision:
    kind: str
    reduce: bool
    rule: Message


def _about(tox: Toxicity, rule: Message) -> Message:
    if tox.recovered_to_grade is not None:
        return Message(N_("{term} grade {grade}, now grade {now}: {rule}"), {
            "term": tox.term, "grade": str(tox.grade), "now": str(tox.recovered_to_grade),
            "rule": rule})
    return Message(N_("{term} grade {grade}: {rule}"),
                   {"term": tox.term, "grade": str(tox.grade), "rule": rule})


def _check_grade(tox: Toxicity) -> None:
    for name, grade in (("grade", tox.grade), ("recovered_to_grade", tox.recovered_to_grade)):
        if grade is not None and (isinstance(grade, bool) or grade not in range(6)):
            raise DosingError(name, Message(N_("a CTCAE grade is a whole number from 0 to 5")))


def _dalpiciclib_decision(tox: Toxicity, drug: str, cycle_day: int | None,
                          on_hold: bool) -> _Decision:
    """One toxicity against the palbociclib label (§2.2 Tables 2 and 3)."""
    p = {"drug": drug}
    if tox.grade >= 5:
        return _Decision(_STOP, False, _about(tox, Message(
            N_("grade 5: discontinue {drug}"), p)))
    if tox.grade <= 2:
        # Tables 2 and 3: "Grade 1 or 2: No dose adjustment is required."
        return _Decision(_RESUME if on_hold else _CONTINUE, False, _about(tox, Message(
            N_("grade 1 or 2: no dose adjustment is required"))))
    now = tox.recovered_to_grade if on_hold else None
    if not tox.haematological:
        # Table 3: grade ≥ 3 (if persisting despite medical treatment): withhold until ≤ grade 1
        # (≤ grade 2 if not considered a safety risk), resume at the next lower dose.
        rule = Message(N_("grade ≥ 3 non-haematological toxicity: withhold {drug} until "
                          "recovery to grade ≤ 1 (grade ≤ 2 if the physician judges it no "
                          "safety risk), then resume at the next lower dose"), p)
        recovered = now is not None and now <= 1
        return _Decision(_RESUME if recovered else _HOLD, True, _about(tox, rule))
    recovered = now is not None and now <= 2
    if tox.grade >= 4 or tox.with_fever_or_infection:
        # Table 2: grade 3 neutropenia with fever ≥ 38.5 °C and/or infection, or grade 4 (at any
        # time): withhold until recovery to grade ≤ 2, resume at the next lower dose.
        rule = Message(N_("grade 3 with fever ≥ 38.5 °C and/or infection, or grade 4: withhold "
                          "{drug} until recovery to grade ≤ 2 (ANC ≥ 1.0 ×10⁹/L), then resume "
                          "at the next lower dose"), p)
        return _Decision(_RESUME if recovered else _HOLD, True, _about(tox, rule))
    slow = (tox.prolonged_g3_weeks is not None and tox.prolonged_g3_weeks > 1) or tox.recurrent
    if slow:
        # Table 2 footnote: consider dose reduction for prolonged (> 1 week) recovery from grade 3
        # neutropenia or recurrent grade 3 neutropenia on day 1 of subsequent cycles.
        rule = Message(N_("grade 3 with prolonged (> 1 week) recovery or recurring on day 1 of a "
                          "later cycle: withhold {drug} until recovery to grade ≤ 2, then "
                          "consider the next lower dose"), p)
        return _Decision(_RESUME if recovered else _HOLD, True, _about(tox, rule))
    if cycle_day == 15 and not on_hold:
        # Table 2: grade 3 on day 15 of the first 2 cycles: continue at the current dose to
        # complete the cycle and repeat the count on day 22 (grade 4 on day 22: as grade 4).
        return _Decision(_CONTINUE, False, _about(tox, Message(
            N_("grade 3 on day 15: continue {drug} at the current dose to complete the cycle "
               "and repeat the complete blood count on day 22; grade 4 on day 22: withhold "
               "and resume at the next lower dose"), p)))
    # Table 2: grade 3 on day 1 of a cycle (and, conservatively, on any other day): withhold,
    # repeat the count within 1 week; when recovered to grade ≤ 2, start at the same dose.
    rule = Message(N_("grade 3 on day 1 of a cycle: withhold {drug}, repeat the complete blood "
                      "count within 1 week; when recovered to grade ≤ 2, start the next cycle "
                      "at the same dose"), p)
    return _Decision(_RESUME if recovered else _HOLD, False, _about(tox, rule))


def propose_dalpiciclib(toxicities: Sequence[Toxicity], level: int, levels: Sequence[float], *,
                        cycle_day: int | None = None, on_hold: bool = False,
                        drug: str = "dalpiciclib") -> Proposal:
    """The dalpiciclib dose decision for the current toxicities (source: :data:`PALBOCICLIB_LABEL`;
    dose levels from the protocol, 150 → 125 → 100 mg, then discontinue).

    Each toxicity is judged alone; the worst decides (discontinue > hold > resume > continue),
    and a reduction asked for by any of them is applied:

    - grade 1–2: no dose adjustment (Tables 2 and 3) → CONTINUE (RESUME_SAME when on hold);
    - haematological grade 3 without fever/infection on day 1 (or ``cycle_day`` None or any day
      but 15) → HOLD_RECHECK, recheck within 1 week, resume at the same level when ≤ grade 2;
      on day 15 (cycles 1–2 counts) → CONTINUE, recheck on day 22 (Table 2);
    - haematological grade 3 with prolonged (> 1 week) recovery or recurrent → as above but resume
      one level lower ("consider dose reduction", Table 2);
    - haematological grade 3 with fever ≥ 38.5 °C or infection, or grade 4 → HOLD_RECHECK until
      ≤ grade 2 (ANC ≥ 1.0 ×10⁹/L), resume one level lower (Table 2);
    - non-haematological grade ≥ 3 → HOLD_RECHECK until ≤ grade 1, resume one level lower
      (Table 3; ≤ grade 2 allowed by the physician when no safety risk);
    - grade 5, or a reduction below the lowest level → DISCONTINUE (Table 1: "If further dose
      reduction below [the lowest level] is required, discontinue.").

    ``on_hold``: the drug is withheld and ``recovered_to_grade`` holds the recheck; recovered
    (≤ 2 haematological, ≤ 1 otherwise) → RESUME_SAME or RESUME_LOWER by the cause, not yet
    (or not rechecked) → HOLD_RECHECK.
    """
    if not levels or any(not math.isfinite(v) or v <= 0 for v in levels):
        raise DosingError("levels", Message(N_("the dose levels must be positive numbers")))
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level < len(levels):
        raise DosingError("level", Message(N_("level {level} is not one of the {count} dose "
                                              "levels ({levels} mg)"), {
            "level": str(level), "count": str(len(levels)), "levels": _levels_text(levels)}))
    for tox in toxicities:
        _check_grade(tox)

    def proposal(action: Action, rule: Message, *, to: int | None = None,
                 resume: int | None = None) -> Proposal:
        return Proposal(action, level, to, None if to is None else levels[to], rule,
                        PALBOCICLIB_LABEL, resume,
                        None if resume is None else levels[resume])

    decisions = [_dalpiciclib_decision(t, drug, cycle_day, on_hold) for t in toxicities]
    if not decisions:
        if on_hold:
            return proposal(Action.HOLD_RECHECK, Message(
                N_("{drug} is withheld and no rechecked toxicity is recorded: recheck before "
                   "resuming"), {"drug": drug}), resume=level)
        return proposal(Action.CONTINUE, Message(
            N_("no toxicity recorded: continue {drug} at the current dose"), {"drug": drug}),
            to=level)
    stop = [d for d in decisions if d.kind == _STOP]
    if stop:
        return proposal(Action.DISCONTINUE, stop[0].rule)
    reduce = any(d.reduce for d in decisions if d.kind in (_HOLD, _RESUME))
    order = {_HOLD: 3, _RESUME: 2, _CONTINUE: 1}
    worst = max(decisions, key=lambda d: (order[d.kind], d.reduce))
    target = level + 1 if reduce else level
    if target >= len(levels):
        return proposal(Action.DISCONTINUE, Message(N_("{rule}; below the lowest dose level "
                                                       "({lowest} mg): discontinue {drug}"), {
            "rule": worst.rule, "lowest": number(levels[-1]), "drug": drug}))
    if worst.kind == _HOLD:
        return proposal(Action.HOLD_RECHECK, worst.rule, resume=target)
    if worst.kind == _RESUME:
        return proposal(Action.RESUME_LOWER if reduce else Action.RESUME_SAME, worst.rule,
                        to=target)
    return proposal(Action.CONTINUE, worst.rule, to=level)


def _is_febrile_neutropenia(tox: Toxicity) -> bool:
    return tox.term.strip().lower() == "febrile neutropenia" or (
        tox.haematological and tox.grade >= 3 and tox.with_fever_or_infection)


def propose_chemotherapy(toxicities: Sequence[Toxicity], *, reductions_so_far: int = 0,
                         reduction_percent: float = CHEMO_REDUCTION_PERCENT,
                         max_reductions: int = 2,
                         anc: float | None = None, platelets: float | None = None,
                         anc_min: float = 1.5, platelets_min: float = 100.0) -> Proposal:
    """The day-1 decision for 21-day chemotherapy (arm B) [site decision, docs/domain.md §5
    practice; the registry record leaves chemotherapy dosing to the physician]:

    - ANC < ``anc_min`` (1.5 ×10⁹/L) or platelets < ``platelets_min`` (100 ×10⁹/L) on day 1
      → DELAY one week and recheck; the counts are given as ``anc`` / ``platelets`` (×10⁹/L),
      or read from the toxicities (neutrophil count decreased grade ≥ 2 is ANC < 1.5; platelet
      count decreased grade ≥ 2 is < 75, so give ``platelets`` for the 75–100 range);
    - febrile neutropenia, grade 4 haematological or grade 3–4 non-haematological toxicity in
      the last cycle → REDUCE by ``reduction_percent`` (20 %; 20–25 % is usual) of the starting
      dose from the next cycle: ``dose_factor`` = 1 − percent × reductions / 100 (80 %, 60 %);
      with a delay, the delayed cycle starts reduced (``resume_level``);
    - a reduction beyond ``max_reductions`` (a third) → DISCONTINUE; grade 5 → DISCONTINUE.

    ``level_from`` / ``level_to`` count reductions (0 = starting dose).
    """
    if isinstance(reductions_so_far, bool) or reductions_so_far < 0:
        raise DosingError("reductions_so_far", Message(N_("must be 0 or more")))
    if not 0 < reduction_percent < 100:
        raise DosingError("reduction_percent", Message(N_("must be above 0 and below 100")))
    if reductions_so_far > max_reductions:
        raise DosingError("reductions_so_far", Message(
            N_("{count} reductions exceed the {limit} allowed"),
            {"count": str(reductions_so_far), "limit": str(max_reductions)}))
    for name, value in (("anc", anc), ("platelets", platelets)):
        if value is not None and (not math.isfinite(value) or value < 0):
            raise DosingError(name, Message(N_("a count cannot be negative")))
    for tox in toxicities:
        _check_grade(tox)

    def factor(reductions: int) -> float:
        return 1 - reduction_percent * reductions / 100

    def proposal(action: Action, rule: Message, *, to: int | None = None,
                 resume: int | None = None) -> Proposal:
        which = to if to is not None else resume
        return Proposal(action, reductions_so_far, to, None, rule, CHEMOTHERAPY_RULE_SOURCE,
                        resume, None, None if which is None else factor(which))

    dead = [t for t in toxicities if t.grade >= 5]
    if dead:
        return proposal(Action.DISCONTINUE, _about(dead[0], Message(
            N_("grade 5: discontinue the chemotherapy"))))
    reasons = [t for t in toxicities if _is_febrile_neutropenia(t)
               or (t.haematological and t.grade >= 4) or (not t.haematological and t.grade >= 3)]
    low = [message for message in (
        _low_count(N_("ANC {value} is below {limit} ×10⁹/L"), anc, anc_min,
                   toxicities, "neutrophil count decreased"),
        _low_count(N_("platelets {value} are below {limit} ×10⁹/L"), platelets, platelets_min,
                   toxicities, "platelet count decreased"),
    ) if message is not None]
    reduce_rule = None
    if reasons:
        reduce_rule = _about(reasons[0], Message(N_(
            "febrile neutropenia, grade 4 haematological or grade 3–4 non-haematological "
            "toxicity: reduce the doses by {percent} % of the starting dose from the next "
            "cycle"), {"percent": number(reduction_percent)}))
        if reductions_so_far >= max_reductions:
            return proposal(Action.DISCONTINUE, Message(N_(
                "{rule}; this would be reduction {count}, more than the {limit} allowed: "
                "discontinue the chemotherapy"), {"rule": reduce_rule,
                                                  "count": str(reductions_so_far + 1),
                                                  "limit": str(max_reductions)}))
    target = reductions_so_far + (1 if reasons else 0)
    if low:
        delay = Message(N_("day-1 counts too low ({counts}): delay the cycle by one week and "
                           "recheck"), {"counts": _join(low)})
        rule = delay if reduce_rule is None else Message(N_("{first}; {second}"), {
            "first": delay, "second": reduce_rule})
        return proposal(Action.DELAY, rule, resume=target)
    if reduce_rule is not None:
        return proposal(Action.REDUCE, reduce_rule, to=target)
    return proposal(Action.CONTINUE, Message(N_(
        "day-1 counts adequate and no dose-limiting toxicity: continue at the current dose")),
        to=target)


def _low_count(template: str, value: float | None, limit: float, toxicities: Sequence[Toxicity],
               term: str) -> Message | None:
    """The day-1 count below ``limit``: the measured value, else a CTCAE grade ≥ 2 of ``term``
    (neutrophils < 1.5, platelets < 75 ×10⁹/L)."""
    if value is not None:
        return (Message(template, {"value": number(value), "limit": number(limit)})
                if value < limit else None)
    for tox in toxicities:
        if tox.term.strip().lower() == term and tox.grade >= 2:
            return Message(template, {"value": Message(N_("(grade {grade})"),
                                                       {"grade": str(tox.grade)}),
                                      "limit": number(limit)})
    return None


def _join(parts: Sequence[Message]) -> Message:
    out = parts[0]
    for part in parts[1:]:
        out = Message(N_("{first}; {second}"), {"first": out, "second": part})
    return out
