"""Dose formulas and computed doses for the DAWNA-FES regimens.

Sources (``docs/domain.md`` §4, §5; the protocol file's ``site_settings`` group ``dosing``):

- Body surface area, Mosteller (N Engl J Med 1987;317:1098): BSA m² = √(height cm × weight kg
  / 3600).
- Creatinine clearance, Cockcroft–Gault (Nephron 1976;16:31-41): CrCl mL/min = (140 − age) ×
  weight kg / (72 × serum creatinine mg/dL), × 0.85 for women; creatinine mg/dL = µmol/L / 88.4.
  Actual body weight, as domain.md §5 states (some sites use ideal or adjusted weight).
- Carboplatin, Calvert (J Clin Oncol 1989;7:1748-1756): dose mg = target AUC × (GFR + 25), the
  GFR capped at 125 mL/min (``carboplatin_gfr_cap``, site decision).
- Dose levels (dalpiciclib 150 → 125 → 100 mg, protocol ``dose_levels``, to confirm): the
  starting dose first; dose modification itself is :mod:`dawna.rules.dose_modification`.

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

from dawna.rules.messages import N_, Message, number
from dawna.rules.regimen_model import DosingError, PlannedDrug, Regimen

__all__ = [
    "LIMITS",
    "ComputedDose",
    "DosingError",
    "PatientMeasures",
    "body_surface_area_m2",
    "carboplatin_dose_mg",
    "check_dose_on_levels",
    "compute_doses",
    "creatinine_clearance_ml_min",
    "levels_text",
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


def levels_text(levels: Sequence[float]) -> str:
    """Dose levels as the messages show them: ``150/125/100``."""
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
                                         "levels": levels_text(drug.dose_levels)})
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
        {"dose": number(dose), "drug": drug.drug, "levels": levels_text(drug.dose_levels)}))
