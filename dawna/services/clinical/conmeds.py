"""Concomitant medications (issue 21 item 1): recorded with the coded list's ATC code, a strong
CYP3A inhibitor or inducer flagged on entry and at prescription (:mod:`dawna.rules.cyp3a`, FDA
table in ``docs/cyp3a.md``), a strong one taken during treatment recorded as a prohibited
medication (a protocol deviation the investigator acknowledges, ICH E3 §10.2), and the adverse
event it was started for linked."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, ValidationError
from dawna.i18n import _
from dawna.protocol.conmeds import coded_drugs
from dawna.rules import cyp3a
from dawna.rules.deviation_rules import IMPORTANCE_OF, Category, Kind
from dawna.rules.rule_errors import RuleError
from dawna.services import deviation_sources
from dawna.services.access import Principal
from dawna.services.clinical.common import (
    ae_by_number,
    ae_numbers,
    check_date,
    load_write,
    treatment_days,
)
from dawna.services.clinical.schemas import ConmedIn, ConmedOut
from dawna.services.scope import actor_of
from dawna.services.treatment.common import render, rule_error
from dawna.store.db import Database
from dawna.store.models import ConcomitantMedication, Participant, ProtocolDeviation
from dawna.store.uow import UnitOfWork

__all__ = ["PROHIBITED_MEDICATION", "active_flags", "after_correction", "after_deletion",
           "coded_atc", "conmed_rows", "fill_conmed", "open_deviation", "record_conmed"]

#: The deviation kind of a strong CYP3A inhibitor or inducer taken during treatment.
PROHIBITED_MEDICATION = Kind.PROHIBITED_MEDICATION.value


def coded_atc(drug: str) -> str | None:
    """The ATC code of a drug of the coded list named exactly (English or Chinese)."""
    key = cyp3a.normalise(drug)
    for coded in coded_drugs():
        if key in {cyp3a.normalise(coded.name), cyp3a.normalise(coded.name_zh)}:
            return coded.atc
    return None


def _warning(row: ConcomitantMedication) -> str | None:
    flag = cyp3a.cyp3a_flag(row.drug, row.atc_code, coded_drugs())
    return render(flag.message) if flag else None


def conmed_rows(s: Session, p: Participant) -> list[ConmedOut]:
    rows = list(s.scalars(select(ConcomitantMedication).where(
        ConcomitantMedication.participant_id == p.id).order_by(
        ConcomitantMedication.start_date, ConcomitantMedication.id)))
    numbers = ae_numbers(s, [r.adverse_event_id for r in rows])
    return [ConmedOut(
        id=r.id, drug=r.drug, atc_code=r.atc_code, dose=r.dose, unit=r.unit, route=r.route,
        frequency=r.frequency, indication=r.indication, start_date=r.start_date,
        stop_date=r.stop_date, ongoing=r.ongoing,
        adverse_event_number=numbers.get(r.adverse_event_id or 0), cyp3a=r.cyp3a,
        cyp3a_warning=_warning(r), prohibited=r.prohibited, version=r.version) for r in rows]


def active_flags(s: Session, p: Participant, on: date) -> list[str]:
    """The CYP3A warnings of the medications taken on ``on`` (ongoing or stopped later): what
    the prescriber sees at prescription."""
    rows = s.scalars(select(ConcomitantMedication).where(
        ConcomitantMedication.participant_id == p.id, ConcomitantMedication.cyp3a.is_not(None),
        ConcomitantMedication.start_date <= on,
        or_(ConcomitantMedication.ongoing.is_(True), ConcomitantMedication.stop_date >= on)))
    return [w for w in (_warning(r) for r in rows) if w]


def _key(row: ConcomitantMedication) -> str:
    return f"{PROHIBITED_MEDICATION}:{row.id}"


def _text(row: ConcomitantMedication) -> str:
    return _("prohibited medication during treatment: {drug} ({cls}) from {start}").format(
        drug=row.drug, cls=row.cyp3a, start=row.start_date.isoformat())


def _facts(row: ConcomitantMedication) -> dict[str, object]:
    return {"concomitant_medication_id": row.id, "drug": row.drug, "cyp3a": row.cyp3a}


def _deviation(s: Session, p: Participant, row: ConcomitantMedication, actor: str,
               today: date) -> None:
    """A prohibited medication is a protocol deviation (kind ``prohibited_medication``); the
    eligibility columns of the deviation table stay empty for it."""
    text = _text(row)
    s.add(ProtocolDeviation(
        participant_id=p.id, kind=PROHIBITED_MEDICATION, category=Category.OTHER.value,
        occurred_on=row.start_date, description=text,
        importance=IMPORTANCE_OF[Kind.PROHIBITED_MEDICATION].value,
        detection_key=_key(row), opened_on=today, opened_by=actor, reason=text,
        corrected_result=_facts(row)))


def fill_conmed(s: Session, p: Participant, entry: ConmedIn, today: date,
                row: ConcomitantMedication) -> None:
    """Check ``entry`` and put it on ``row`` (a new row or one corrected). Refused naming the
    field: a stop before the start, a stop with ongoing or neither (``stop_date``), dates in
    the future or before consent, an adverse event that is not the participant's or starts
    after the medication (``adverse_event_number``)."""
    try:
        cyp3a.check_dates(entry.start_date, entry.stop_date, entry.ongoing)
    except RuleError as exc:
        raise rule_error(exc) from None
    if entry.dose is not None and not entry.unit:
        raise ValidationError(_("give the unit of the dose"), field="unit")
    check_date(s, p, entry.start_date, today, "start_date")
    check_date(s, p, entry.stop_date, today, "stop_date")
    ae = ae_by_number(s, p, entry.adverse_event_number)
    if ae is not None and entry.start_date < ae.start_date:
        raise ValidationError(_("started on {date}, before adverse event {n} began "
                                "({start})").format(date=entry.start_date.isoformat(),
                                                    n=ae.number,
                                                    start=ae.start_date.isoformat()),
                              field="adverse_event_number")
    atc = coded_atc(entry.drug)
    flag = cyp3a.cyp3a_flag(entry.drug, atc, coded_drugs())
    first, last = treatment_days(s, p)
    row.drug, row.atc_code, row.dose, row.unit = entry.drug, atc, entry.dose, entry.unit or None
    row.route, row.frequency, row.indication = entry.route, entry.frequency, entry.indication
    row.start_date, row.stop_date, row.ongoing = entry.start_date, entry.stop_date, entry.ongoing
    row.adverse_event_id = ae.id if ae else None
    row.cyp3a = flag.cyp3a if flag else None
    row.prohibited = flag is not None and cyp3a.overlaps_treatment(
        entry.start_date, entry.stop_date, entry.ongoing, first, last)


def open_deviation(s: Session, p: Participant, row: ConcomitantMedication, actor: str,
                   today: date) -> None:
    """The prohibited-medication deviation of a flushed ``row``, once (by its detection
    key): after an entry, and after a correction that makes the medication prohibited."""
    if not row.prohibited or deviation_sources.by_key(s, p.id, _key(row)) is not None:
        return
    _deviation(s, p, row, actor, today)


def after_correction(s: Session, p: Participant, row: ConcomitantMedication, actor: str,
                     today: date, reason: str) -> None:
    """After a correction of ``row`` (flushed): prohibited now, its deviation is opened, or
    reinstated or updated; no longer prohibited (another drug, dates outside treatment), its
    deviation is withdrawn or flagged for review (:mod:`dawna.services.deviation_sources`,
    ``docs/deviations.md``)."""
    existing = deviation_sources.by_key(s, p.id, _key(row))
    if row.prohibited and existing is None:
        _deviation(s, p, row, actor, today)
    elif row.prohibited and existing is not None:
        deviation_sources.found_again(
            existing, _("source record corrected: {reason}").format(reason=reason),
            occurred_on=row.start_date, description=_text(row), facts=_facts(row))
    elif existing is not None:
        deviation_sources.source_gone(existing, _(
            "source record corrected, no longer a prohibited medication: {reason}").format(
            reason=reason), actor)


def after_deletion(s: Session, p: Participant, row: ConcomitantMedication, actor: str,
                   reason: str) -> None:
    """Before ``row`` is deleted (entered in error): its deviation, if any, is withdrawn or
    flagged for review, naming the deletion and its reason."""
    existing = deviation_sources.by_key(s, p.id, _key(row))
    if existing is not None:
        deviation_sources.source_gone(
            existing, _("source record deleted: {reason}").format(reason=reason), actor)


def record_conmed(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                  entry: ConmedIn) -> ConmedOut:
    """Record a concomitant medication (refusals: :func:`fill_conmed`)."""
    today = local_today(settings.zone)
    with UnitOfWork(db, actor_of(principal), _("Concomitant medication recorded")) as uow:
        s = uow.session
        p = load_write(s, principal, pseudonym)
        row = ConcomitantMedication(participant_id=p.id, recorded_by=principal.username)
        fill_conmed(s, p, entry, today, row)
        s.add(row)
        s.flush()
        open_deviation(s, p, row, principal.username, today)
        out = next(r for r in conmed_rows(s, p) if r.id == row.id)
        uow.commit()
    return out


def stop_conmed(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                conmed_id: int, stop_date: date, version: int) -> ConmedOut:
    """An ongoing medication stopped on ``stop_date``: with the version the user saw (another
    change since is a conflict naming the current version); a stop before the start or in the
    future is refused naming ``stop_date``."""
    today = local_today(settings.zone)
    with UnitOfWork(db, actor_of(principal), _("Concomitant medication stopped")) as uow:
        s = uow.session
        p = load_write(s, principal, pseudonym)
        row = s.scalar(select(ConcomitantMedication).where(
            ConcomitantMedication.id == conmed_id, ConcomitantMedication.participant_id == p.id))
        if row is None:
            raise NotFound(_("no concomitant medication {id} for this participant").format(
                id=conmed_id), field="conmed")
        if row.version != version:
            raise ConflictError(_("this medication was changed by someone else (version {v}); "
                                  "reload").format(v=row.version), field="version")
        if not row.ongoing:
            raise ConflictError(_("this medication already stopped on {date}").format(
                date=row.stop_date), field="stop_date")
        try:
            cyp3a.check_dates(row.start_date, stop_date, False)
        except RuleError as exc:
            raise rule_error(exc) from None
        check_date(s, p, stop_date, today, "stop_date")
        row.stop_date, row.ongoing = stop_date, False
        if row.prohibited:
            first, last = treatment_days(s, p)
            row.prohibited = cyp3a.overlaps_treatment(row.start_date, stop_date, False,
                                                      first, last)
            if not row.prohibited:
                after_correction(s, p, row, principal.username, today, _(
                    "stopped on {date}, before treatment").format(date=stop_date.isoformat()))
        s.flush()
        out = next(r for r in conmed_rows(s, p) if r.id == row.id)
        uow.commit()
    return out
