"""Oral drug dispensing and accountability (issue 21 item 7): bottles and units of dalpiciclib,
the oral endocrine drugs and capecitabine dispensed per cycle with lot and expiry, what came
back, the compliance by pill count, the participant's dose diary, and the relative dose
intensity per drug. Rules: :mod:`dawna.rules.dispensing` (ICH E6(R3) product accountability;
Hryniuk 1984, Longo 1991 for dose intensity); docs/drug-accountability.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, ValidationError
from dawna.i18n import _
from dawna.rules import dispensing as rules
from dawna.rules.rule_errors import RuleError
from dawna.services.access import Permission, Principal
from dawna.services.participants import actor_of
from dawna.services.treatment.common import (
    allocation_of,
    cycles_of,
    load_for,
    not_in_future,
    plan_of,
    rule_error,
)
from dawna.services.treatment.dispensing_schemas import (
    AccountabilityOut,
    DiaryIn,
    DiaryRow,
    DispenseIn,
    DispensingRow,
    DrugIntensity,
    ReturnIn,
)
from dawna.services.treatment.plans import plan_regimen
from dawna.store.db import Database
from dawna.store.models import DoseDiary, DrugDispensing, Participant, TreatmentCycle
from dawna.store.uow import UnitOfWork

__all__ = ["AccountabilityOut", "DiaryIn", "DiaryRow", "DispenseIn", "DispensingRow",
           "DrugIntensity", "ReturnIn", "accountability", "dispense", "fill_diary",
           "fill_dispensing", "intensities", "intensities_of", "participant_intensities",
           "record_diary", "record_return"]


def _oral_drugs(s: Session, p: Participant) -> set[str]:
    regimen = plan_regimen(plan_of(s, p), allocation_of(s, p))
    return {d.drug for d in regimen.drugs if d.route.upper() == "PO"
            and d.drug in rules.ORAL_DRUGS}


def _require_oral(s: Session, p: Participant, drug: str) -> None:
    oral = _oral_drugs(s, p)
    if drug not in oral:
        raise ValidationError(_("{drug} is not an oral drug of this regimen ({drugs})")
                              .format(drug=drug, drugs=", ".join(sorted(oral)) or "-"),
                              field="drug")


def _cycle(s: Session, p: Participant, number: int, field: str) -> TreatmentCycle:
    row = next((c for c in cycles_of(s, p) if c.cycle == number), None)
    if row is None:
        raise ValidationError(_("cycle {n} is not recorded").format(n=number), field=field)
    return row


def fill_dispensing(s: Session, p: Participant, entry: DispenseIn, today: date,
                    row: DrugDispensing) -> None:
    """Check ``entry`` and put it on ``row`` (new or corrected). Refused, naming the field: a
    drug that is not an oral drug of the plan (``drug``), a cycle not recorded (``cycle``), a
    future date or one before the cycle (``dispensed_on``), an expired lot (``expiry_date``), a
    second dispensing of the same drug and cycle (``drug``); on a correction, fewer units than
    came back (``units_dispensed``) or a return before the day dispensed (``dispensed_on``)."""
    not_in_future(entry.dispensed_on, today, "dispensed_on")
    drug = entry.drug.strip().lower()
    if entry.expiry_date <= entry.dispensed_on:
        raise ValidationError(_("the lot expires on {date}, not after the day it is dispensed")
                              .format(date=entry.expiry_date.isoformat()), field="expiry_date")
    _require_oral(s, p, drug)
    cycle = _cycle(s, p, entry.cycle, "cycle")
    if entry.dispensed_on < cycle.start_date - timedelta(days=7):
        raise ValidationError(_("{date} is more than 7 days before cycle {n} ({start})")
                              .format(date=entry.dispensed_on.isoformat(), n=entry.cycle,
                                      start=cycle.start_date.isoformat()),
                              field="dispensed_on")
    if s.scalar(select(DrugDispensing.id).where(
            DrugDispensing.participant_id == p.id, DrugDispensing.cycle == entry.cycle,
            DrugDispensing.drug == drug, DrugDispensing.id != (row.id or 0))) is not None:
        raise ValidationError(_("{drug} is already dispensed for cycle {n}; record its "
                                "return instead").format(drug=drug, n=entry.cycle),
                              field="drug")
    if row.returned_on is not None:
        if row.returned_on < entry.dispensed_on:
            raise ValidationError(_("{date} is before the bottles were dispensed ({on})").format(
                date=row.returned_on.isoformat(), on=entry.dispensed_on.isoformat()),
                field="dispensed_on")
        try:
            rules.compliance(entry.units_dispensed, row.units_returned or 0, row.units_lost,
                             entry.prescribed_days, entry.units_per_day)
        except RuleError as exc:
            raise ValidationError(rule_error(exc).message, field="units_dispensed") from None
    row.cycle, row.drug, row.dispensed_on = entry.cycle, drug, entry.dispensed_on
    row.lot_number, row.expiry_date = entry.lot_number.strip(), entry.expiry_date
    row.bottles, row.units_dispensed = entry.bottles, entry.units_dispensed
    row.unit_strength_mg, row.units_per_day = entry.unit_strength_mg, entry.units_per_day
    row.prescribed_days, row.note = entry.prescribed_days, (entry.note or "").strip() or None


def dispense(db: Database, settings: Settings, principal: Principal, pseudonym: str,
             entry: DispenseIn) -> None:
    """Record bottles dispensed (refusals: :func:`fill_dispensing`)."""
    today = local_today(settings.zone)
    with UnitOfWork(db, actor_of(principal), _("Oral drug dispensed")) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        row = DrugDispensing(participant_id=p.id, units_lost=0, recorded_by=principal.username)
        fill_dispensing(s, p, entry, today, row)
        s.add(row)
        uow.commit()


def record_return(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                  dispensing_id: int, entry: ReturnIn) -> None:
    """Record what came back of a dispensing. Refused, naming the field: more returned and lost
    than dispensed (``units_returned``), a date before dispensing or in the future
    (``returned_on``); a stale ``version`` is a conflict naming the current one; a return
    already recorded is corrected only with the version and a ``reason``."""
    not_in_future(entry.returned_on, local_today(settings.zone), "returned_on")
    with UnitOfWork(db, actor_of(principal), _("Oral drug returned")) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        row = s.get(DrugDispensing, dispensing_id)
        if row is None or row.participant_id != p.id:
            raise NotFound(_("no dispensing {id} for this participant").format(
                id=dispensing_id), field="dispensing")
        if entry.version is not None and entry.version != row.version:
            raise ConflictError(_("this dispensing was changed by someone else (version {v}); "
                                  "reload it").format(v=row.version), field="version")
        if row.units_returned is not None:
            if entry.version is None:
                raise ConflictError(_("this dispensing was changed by someone else (version "
                                      "{v}); reload it").format(v=row.version), field="version")
            if not entry.reason or len(entry.reason.strip()) < 3:
                raise ValidationError(_("give the reason for the change"), field="reason")
            uow.set_reason(entry.reason.strip())
        if entry.returned_on < row.dispensed_on:
            raise ValidationError(_("{date} is before the bottles were dispensed ({on})").format(
                date=entry.returned_on.isoformat(), on=row.dispensed_on.isoformat()),
                field="returned_on")
        try:
            rules.compliance(row.units_dispensed, entry.units_returned, entry.units_lost,
                             row.prescribed_days, row.units_per_day)
        except RuleError as exc:
            raise rule_error(exc) from None
        row.returned_on = entry.returned_on
        row.units_returned = entry.units_returned
        row.units_lost = entry.units_lost
        uow.commit()


def fill_diary(s: Session, p: Participant, entry: DiaryIn, today: date, row: DoseDiary) -> None:
    """Check ``entry`` and put it on ``row`` (new or corrected). Refused, naming the field: a
    drug that is not an oral drug of the plan (``drug``), a cycle not recorded (``cycle``), a
    day outside the cycle or in the future (``days``), a second diary of the drug and cycle."""
    drug = entry.drug.strip().lower()
    if max(entry.days) > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field="days")
    _require_oral(s, p, drug)
    cycle = _cycle(s, p, entry.cycle, "cycle")
    length = plan_regimen(plan_of(s, p), allocation_of(s, p)).cycle_length_days
    try:
        rules.diary_counts(dict(entry.days), cycle.start_date,
                           cycle.start_date + timedelta(days=length - 1))
    except RuleError as exc:
        raise rule_error(exc) from None
    if row.id is not None and s.scalar(select(DoseDiary.id).where(
            DoseDiary.participant_id == p.id, DoseDiary.cycle == entry.cycle,
            DoseDiary.drug == drug, DoseDiary.id != row.id)) is not None:
        raise ValidationError(_("the diary of {drug} for cycle {n} is already entered").format(
            drug=drug, n=entry.cycle), field="cycle")
    row.cycle, row.drug = entry.cycle, drug
    row.days = {d.isoformat(): bool(v) for d, v in sorted(entry.days.items())}


def record_diary(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                 entry: DiaryIn) -> None:
    """Enter (or replace) one cycle of the dose diary (refusals: :func:`fill_diary`)."""
    today = local_today(settings.zone)
    with UnitOfWork(db, actor_of(principal), _("Dose diary entered")) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        drug = entry.drug.strip().lower()
        row = s.scalar(select(DoseDiary).where(DoseDiary.participant_id == p.id,
                                               DoseDiary.cycle == entry.cycle,
                                               DoseDiary.drug == drug))
        if row is None:
            row = DoseDiary(participant_id=p.id, recorded_by=principal.username)
            fill_diary(s, p, entry, today, row)
            s.add(row)
        else:
            fill_diary(s, p, entry, today, row)
        uow.commit()


@dataclass(frozen=True)
class _Cycle:
    drug: str
    planned_mg: float
    actual_mg: float | None


def _rows(s: Session, p: Participant,
          until: date | None = None) -> tuple[list[DispensingRow], list[_Cycle]]:
    diary_rows = {(d.cycle, d.drug): d for d in s.scalars(
        select(DoseDiary).where(DoseDiary.participant_id == p.id))}
    diaries = {key: d.days for key, d in diary_rows.items()}
    diary_ids = {key: d.id for key, d in diary_rows.items()}
    query = select(DrugDispensing).where(DrugDispensing.participant_id == p.id)
    if until is not None:
        query = query.where(DrugDispensing.dispensed_on <= until)
    return _dispensed(s.scalars(query.order_by(DrugDispensing.cycle, DrugDispensing.drug)),
                      diaries, diary_ids)


def _dispensed(dispensings: Iterable[DrugDispensing], diaries: dict[tuple[int, str], Any],
               diary_ids: dict[tuple[int, str], int] | None = None
               ) -> tuple[list[DispensingRow], list[_Cycle]]:
    """One participant's dispensings (by cycle and drug) as rows, and each cycle's planned and
    actual mg (``diaries``: the dose diary's days per (cycle, drug))."""
    out, cycles = [], []
    first: dict[str, DrugDispensing] = {}
    for r in dispensings:
        first.setdefault(r.drug, r)
        c = (rules.compliance(r.units_dispensed, r.units_returned, r.units_lost,
                              r.prescribed_days, r.units_per_day)
             if r.units_returned is not None else None)
        diary = diaries.get((r.cycle, r.drug))
        taken_days = sum(1 for v in diary.values() if v) if diary else None
        out.append(DispensingRow(
            id=r.id, cycle=r.cycle, drug=r.drug, dispensed_on=r.dispensed_on.isoformat(),
            lot_number=r.lot_number, expiry_date=r.expiry_date.isoformat(), bottles=r.bottles,
            units_dispensed=r.units_dispensed, unit_strength_mg=r.unit_strength_mg,
            units_per_day=r.units_per_day, prescribed_days=r.prescribed_days,
            returned_on=r.returned_on.isoformat() if r.returned_on else None,
            units_returned=r.units_returned, units_lost=r.units_lost,
            taken=c.taken if c else None,
            expected=int(r.prescribed_days * r.units_per_day),
            compliance=round(c.ratio, 4) if c and c.ratio is not None else None,
            diary_taken=taken_days,
            diary_missed=len(diary) - taken_days if diary and taken_days is not None else None,
            version=r.version,
            diary_id=(diary_ids or {}).get((r.cycle, r.drug))))
        start = first[r.drug]
        planned = start.prescribed_days * start.units_per_day * start.unit_strength_mg
        if diary is not None:  # the diary's missed days, at this cycle's units and strength
            actual: float | None = (taken_days or 0) * r.units_per_day * r.unit_strength_mg
        elif c is not None:
            actual = c.taken * r.unit_strength_mg
        else:
            actual = None
        cycles.append(_Cycle(r.drug, planned, actual))
    return out, cycles


def intensities(cycles: list[_Cycle]) -> list[DrugIntensity]:
    """Per drug, over the cycles whose intake is known (diary or pill count): actual and
    planned cumulative mg (planned: the cycle 1 prescription each cycle) and their ratio."""
    out = []
    for drug in sorted({c.drug for c in cycles}):
        known = [c for c in cycles if c.drug == drug and c.actual_mg is not None]
        actual = sum(c.actual_mg or 0.0 for c in known)
        planned = sum(c.planned_mg for c in known)
        rdi = rules.relative_dose_intensity(actual, planned)
        out.append(DrugIntensity(drug=drug, cycles=len(known), actual_mg=actual,
                                 planned_mg=planned,
                                 relative_dose_intensity=round(rdi, 4)
                                 if rdi is not None else None))
    return out


def participant_intensities(s: Session, p: Participant,
                            until: date | None = None) -> list[DrugIntensity]:
    """The relative dose intensity per oral drug of ``p`` over the cycles dispensed on or
    before ``until`` (for the analysis data)."""
    return intensities(_rows(s, p, until)[1])


def intensities_of(s: Session, participant_ids: Sequence[int],
                   until: date | None = None) -> dict[int, list[DrugIntensity]]:
    """``participant_intensities`` of many participants in two queries (the analysis data)."""
    diaries: dict[int, dict[tuple[int, str], Any]] = defaultdict(dict)
    for d in s.scalars(select(DoseDiary).where(DoseDiary.participant_id.in_(participant_ids))):
        diaries[d.participant_id][(d.cycle, d.drug)] = d.days
    query = select(DrugDispensing).where(DrugDispensing.participant_id.in_(participant_ids))
    if until is not None:
        query = query.where(DrugDispensing.dispensed_on <= until)
    rows: dict[int, list[DrugDispensing]] = defaultdict(list)
    for r in s.scalars(query.order_by(DrugDispensing.participant_id, DrugDispensing.cycle,
                                      DrugDispensing.drug)):
        rows[r.participant_id].append(r)
    return {pid: intensities(_dispensed(rows[pid], diaries[pid])[1])
            for pid in participant_ids}


def accountability(db: Database, principal: Principal, pseudonym: str) -> AccountabilityOut:
    """The dispensings of ``pseudonym`` with compliance and diary counts, and the relative dose
    intensity per drug."""
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_VIEW)
        rows, cycles = _rows(s, p)
        diaries = s.scalars(select(DoseDiary).where(DoseDiary.participant_id == p.id)
                            .order_by(DoseDiary.cycle, DoseDiary.drug))
        return AccountabilityOut(participant=p.pseudonym, dispensings=rows,
                                 intensities=intensities(cycles),
                                 diaries=[DiaryRow.of(d) for d in diaries])
