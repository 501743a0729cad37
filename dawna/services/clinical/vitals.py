"""Vital signs and weight at every cycle (issue 21 item 3): impossible values refused
(:mod:`dawna.rules.vital_signs`); the latest weight against the weight the plan's doses were
computed with, and at the protocol setting ``weight_change_recompute_percent`` the BSA-based
doses recomputed for the prescriber; a febrile temperature coded for the febrile-neutropenia
rule (:func:`fevers`, read by the dose proposals)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import NotFound
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.rules import vital_signs as rules
from dawna.rules.current_toxicity import EventObservation
from dawna.rules.dose_formulas import DosingError
from dawna.rules.rule_errors import RuleError
from dawna.services.access import Principal
from dawna.services.clinical.common import check_date, load_write
from dawna.services.clinical.schemas import (
    RecomputedDoseOut,
    VitalsIn,
    VitalsOut,
    WeightPromptOut,
)
from dawna.services.scope import actor_of
from dawna.services.treatment.common import find_plan, rule_error
from dawna.store.db import Database
from dawna.store.models import Participant, VitalSigns
from dawna.store.uow import UnitOfWork

__all__ = ["fevers", "fill_vitals", "record_vitals", "threshold_percent", "vitals_rows",
           "weight_prompt"]

FIELDS = ("height_cm", "weight_kg", "systolic_mmhg", "diastolic_mmhg", "pulse_bpm",
          "temperature_c")


def threshold_percent() -> float:
    try:
        return bundled_protocol().setting_number("weight_change_recompute_percent")
    except (NotFound, TypeError):  # a protocol file without the setting: the common 10 %
        return 10.0


def _rows(s: Session, p: Participant) -> list[VitalSigns]:
    return list(s.scalars(select(VitalSigns).where(VitalSigns.participant_id == p.id)
                          .order_by(VitalSigns.measured_on, VitalSigns.id)))


def _height(rows: list[VitalSigns], upto: VitalSigns) -> float | None:
    heights = [r.height_cm for r in rows if r.height_cm is not None
               and r.measured_on <= upto.measured_on]
    return heights[-1] if heights else None


def vitals_rows(s: Session, p: Participant) -> list[VitalsOut]:
    rows = _rows(s, p)
    out = []
    for r in rows:
        height = r.height_cm or _height(rows, r)
        bsa = None
        if height is not None:
            bsa = rules.recomputed_bsa_dose(1.0, height, r.weight_kg)[0]
        out.append(VitalsOut(
            id=r.id, measured_on=r.measured_on, timepoint=r.timepoint, height_cm=r.height_cm,
            weight_kg=r.weight_kg, systolic_mmhg=r.systolic_mmhg, diastolic_mmhg=r.diastolic_mmhg,
            pulse_bpm=r.pulse_bpm, temperature_c=r.temperature_c,
            fever_sustained=r.fever_sustained,
            febrile=rules.is_febrile(r.temperature_c, r.fever_sustained), bsa_m2=bsa,
            version=r.version))
    return out


def fevers(s: Session, p: Participant, since: date) -> list[EventObservation]:
    """Febrile measurements on or after ``since``, coded as the CTCAE term "Fever"."""
    out = []
    for r in s.scalars(select(VitalSigns).where(VitalSigns.participant_id == p.id,
                                                VitalSigns.measured_on >= since,
                                                VitalSigns.temperature_c.is_not(None))):
        obs = rules.fever_observation(r.temperature_c, r.fever_sustained, r.measured_on)
        if obs is not None:
            out.append(obs)
    return out


def weight_prompt(s: Session, p: Participant) -> WeightPromptOut | None:
    """The latest weight against the plan's dosing weight, with the mg/m² doses recomputed
    (None without a plan with a weight, or without vital signs after it)."""
    plan = find_plan(s, p)
    rows = _rows(s, p)
    if plan is None or not rows or not plan.measures.get("weight_kg"):
        return None
    dosing = float(plan.measures["weight_kg"])
    latest = rows[-1]
    change = rules.weight_change(dosing, latest.weight_kg, threshold_percent())
    doses = []
    height = _height(rows, latest) or plan.measures.get("height_cm")
    if change.recompute and height:
        for d in plan.doses:
            inputs = d.get("inputs") or {}
            if "dose_per_m2" not in inputs:
                continue
            try:
                _bsa, new = rules.recomputed_bsa_dose(
                    float(inputs["dose_per_m2"]), float(height), latest.weight_kg,
                    float(inputs.get("factor", 1.0)))
            except DosingError:  # pragma: no cover - stored values are in range
                continue
            doses.append(RecomputedDoseOut(
                drug=str(d["drug"]), current_dose=d.get("dose"), new_dose=new, unit="mg",
                formula=_("{per_m2} mg/m² × BSA {bsa} m² ({height} cm, {weight} kg)").format(
                    per_m2=inputs["dose_per_m2"], bsa=_bsa, height=height,
                    weight=latest.weight_kg)))
    return WeightPromptOut(dosing_weight_kg=dosing, weight_kg=latest.weight_kg,
                           percent=change.percent, threshold_percent=change.threshold_percent,
                           recompute=change.recompute, doses=doses)


def fill_vitals(s: Session, p: Participant, entry: VitalsIn, today: date,
                row: VitalSigns) -> None:
    """Check ``entry`` and put it on ``row`` (new or corrected). Refused naming the field: an
    impossible value (a weight of 5000 kg: ``weight_kg``), a diastolic not below the systolic,
    a date in the future or before consent (``measured_on``)."""
    try:
        rules.check_vitals({f: getattr(entry, f) for f in FIELDS})
    except RuleError as exc:
        raise rule_error(exc) from None
    check_date(s, p, entry.measured_on, today, "measured_on")
    for key, value in entry.model_dump().items():
        setattr(row, key, value)


def record_vitals(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                  entry: VitalsIn) -> VitalsOut:
    """Record vital signs (refusals: :func:`fill_vitals`)."""
    today = local_today(settings.zone)
    with UnitOfWork(db, actor_of(principal), _("Vital signs recorded")) as uow:
        s = uow.session
        p = load_write(s, principal, pseudonym)
        row = VitalSigns(participant_id=p.id, recorded_by=principal.username)
        fill_vitals(s, p, entry, today, row)
        s.add(row)
        s.flush()
        out = next(r for r in vitals_rows(s, p) if r.id == row.id)
        uow.commit()
    return out
