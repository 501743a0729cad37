"""Vital signs and weight at every cycle (issue 21 item 3).

- Impossible values are refused naming the field (:data:`LIMITS`, site decision; the weight and
  height limits are those of the plan's measures, ``dawna.rules.dose_formulas.LIMITS``, and the
  ``plausibility:`` block of the protocol file): a weight of 5000 kg is refused.
- Dose recompute prompt: a weight that differs from the weight the doses were computed with by
  the protocol setting ``weight_change_recompute_percent`` (10 %) or more prompts recomputing
  the BSA-based doses (ASCO guideline "Appropriate Chemotherapy Dosing for Obese Adult Patients
  With Cancer", Griggs, J Clin Oncol 2012 and 2021 update: full weight-based dosing, recomputed
  when the weight changes; 10 % is the common threshold of chemotherapy protocols, a site
  decision). :func:`weight_change` gives the change; BSA itself is
  :func:`dawna.rules.dose_formulas.body_surface_area_m2`.
- Fever as a coded value for the febrile-neutropenia rule: CTCAE v5.0 "Febrile neutropenia":
  "ANC <1000/mm3 and a single temperature of >38.3 degrees C (101 degrees F) or a sustained
  temperature of >=38 degrees C (100.4 degrees F) for more than one hour" (:func:`is_febrile`);
  the measured fever is coded as the CTCAE v5.0 term "Fever" with its grade (grade 1
  38.0-39.0 °C, grade 2 >39.0-40.0 °C, grade 3 >40.0 °C for <=24 hrs, grade 4 >40.0 °C for
  >24 hrs), which :mod:`dawna.rules.current_toxicity` reads as fever.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from dawna.rules.current_toxicity import EventObservation
from dawna.rules.dose_formulas import body_surface_area_m2
from dawna.rules.messages import N_, Message, number
from dawna.rules.rule_errors import RuleError

__all__ = ["FEVER_TERM", "LIMITS", "WeightChange", "check_vitals", "fever_grade",
           "fever_observation", "is_febrile", "recomputed_bsa_dose", "weight_change"]

FEVER_TERM = "Fever"

#: field -> (lowest, highest, unit): outside is impossible (a typing or unit error).
LIMITS: dict[str, tuple[float, float, str]] = {
    "height_cm": (100.0, 250.0, "cm"),
    "weight_kg": (25.0, 250.0, "kg"),
    "systolic_mmhg": (50.0, 280.0, "mmHg"),
    "diastolic_mmhg": (20.0, 180.0, "mmHg"),
    "pulse_bpm": (20.0, 250.0, "/min"),
    "temperature_c": (30.0, 45.0, "°C"),
}


def check_vitals(values: dict[str, float | None]) -> None:
    """Each value given inside its :data:`LIMITS`; a diastolic not below the systolic is
    refused naming ``diastolic_mmhg``."""
    for field, value in values.items():
        if value is None or field not in LIMITS:
            continue
        low, high, unit = LIMITS[field]
        if not math.isfinite(value) or not low <= value <= high:
            raise RuleError(field, Message(
                N_("{value} {unit} is impossible (allowed {low}-{high} {unit})"),
                {"value": number(value), "unit": unit, "low": number(low),
                 "high": number(high)}))
    sys_, dia = values.get("systolic_mmhg"), values.get("diastolic_mmhg")
    if sys_ is not None and dia is not None and dia >= sys_:
        raise RuleError("diastolic_mmhg", Message(
            N_("the diastolic pressure {dia} must be below the systolic {sys}"),
            {"dia": number(dia), "sys": number(sys_)}))


@dataclass(frozen=True)
class WeightChange:
    """The weight now against the dosing weight: change in percent (signed) and whether it
    reaches the threshold."""

    dosing_weight_kg: float
    weight_kg: float
    percent: float
    threshold_percent: float

    @property
    def recompute(self) -> bool:
        return abs(self.percent) >= self.threshold_percent


def weight_change(dosing_weight_kg: float, weight_kg: float,
                  threshold_percent: float) -> WeightChange:
    """(weight − dosing weight) / dosing weight × 100; recompute when |change| ≥ threshold."""
    if dosing_weight_kg <= 0:
        raise RuleError("dosing_weight_kg", Message(N_("the dosing weight must be positive")))
    pct = (weight_kg - dosing_weight_kg) / dosing_weight_kg * 100.0
    return WeightChange(dosing_weight_kg, weight_kg, round(pct, 1), threshold_percent)


def is_febrile(temperature_c: float | None, sustained_one_hour: bool = False) -> bool:
    """CTCAE v5.0 febrile neutropenia's temperature: a single > 38.3 °C, or ≥ 38.0 °C sustained
    for more than one hour."""
    if temperature_c is None:
        return False
    return temperature_c > 38.3 or (sustained_one_hour and temperature_c >= 38.0)


def fever_grade(temperature_c: float, hours_above_40: float = 0.0) -> int:
    """CTCAE v5.0 "Fever" grade (0 below 38.0 °C)."""
    if temperature_c > 40.0:
        return 4 if hours_above_40 > 24 else 3
    if temperature_c > 39.0:
        return 2
    if temperature_c >= 38.0:
        return 1
    return 0


def fever_observation(temperature_c: float | None, sustained_one_hour: bool,
                      measured_on: date) -> EventObservation | None:
    """A febrile measurement (:func:`is_febrile`) as the coded CTCAE term "Fever", ending on
    the day measured (so it counts for the cycle it falls in); None when not febrile."""
    if temperature_c is None or not is_febrile(temperature_c, sustained_one_hour):
        return None
    return EventObservation(term=FEVER_TERM, grade=max(1, fever_grade(temperature_c)),
                            stop_date=measured_on, number=f"T {number(temperature_c)} °C")


def recomputed_bsa_dose(dose_per_m2: float, height_cm: float, weight_kg: float,
                        factor: float = 1.0) -> tuple[float, float]:
    """(BSA m², dose mg) for a mg/m² dose at a new weight, computed as the plan computes it
    (:mod:`dawna.rules.dose_formulas`): Mosteller BSA rounded to 0.01 m², × dose per m² × any
    reduction factor, rounded to the nearest mg, halves up."""
    bsa = Decimal(str(body_surface_area_m2(height_cm, weight_kg))).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)
    dose = (Decimal(str(dose_per_m2)) * bsa * Decimal(str(factor))).quantize(
        Decimal(1), rounding=ROUND_HALF_UP)
    return float(bsa), float(dose)
