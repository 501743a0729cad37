"""ECGs (issue 21 item 4): QTcF by Fridericia from QT and RR or heart rate, its CTCAE v5.0
grade against the screening (baseline) QTcF, and the QTcF IN8 reads (:mod:`dawna.rules.ecg`;
the limit is the protocol setting ``qtcf_max``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.rules import ecg as rules
from dawna.rules.rule_errors import RuleError
from dawna.services.access import Principal
from dawna.services.clinical.common import check_date, load_read, load_write
from dawna.services.clinical.schemas import EcgIn, EcgOut
from dawna.services.scope import actor_of
from dawna.services.treatment.common import rule_error
from dawna.store.db import Database
from dawna.store.models import Ecg, Participant, Screening
from dawna.store.uow import UnitOfWork

__all__ = ["ecg_rows", "fill_ecg", "qtcf_max", "qtcf_pair", "record_ecg", "screening_qtcf"]


def qtcf_max() -> float:
    return bundled_protocol().setting_number("qtcf_max")


def _rows(s: Session, p: Participant) -> list[Ecg]:
    return list(s.scalars(select(Ecg).where(Ecg.participant_id == p.id)
                          .order_by(Ecg.recorded_on, Ecg.id)))


def _readings(rows: list[Ecg]) -> list[rules.EcgReading]:
    return [rules.EcgReading(r.recorded_on, r.timepoint, r.qtcf_ms) for r in rows]


def ecg_rows(s: Session, p: Participant) -> list[EcgOut]:
    limit = qtcf_max()
    return [EcgOut(id=r.id, recorded_on=r.recorded_on, timepoint=r.timepoint, qt_ms=r.qt_ms,
                   rr_ms=r.rr_ms, heart_rate_bpm=r.heart_rate_bpm, qtcf_ms=r.qtcf_ms,
                   grade=r.grade, above_screening_limit=round(r.qtcf_ms) > limit,
                   torsade=r.torsade, version=r.version) for r in _rows(s, p)]


def qtcf_pair(s: Session, p: Participant) -> tuple[float | None, float | None]:
    """(the screening ECG's QTcF, the screening record's ``labs.qtcf_ms`` that IN8 judges):
    the page warns when both are given and differ, so the record is corrected to the ECG."""
    from_ecg = rules.screening_qtcf(_readings(_rows(s, p)))
    record = s.scalar(select(Screening.record).where(Screening.participant_id == p.id))
    value = ((record or {}).get("labs") or {}).get("qtcf_ms")
    return from_ecg, float(value) if isinstance(value, int | float) else None


def screening_qtcf(db: Database, principal: Principal, pseudonym: str,
                   decision_date: date | None = None) -> float | None:
    """The QTcF of the latest screening ECG (whole ms): the value of the screening record's
    ``labs.qtcf_ms`` that IN8 compares with ``qtcf_max``."""
    with UnitOfWork(db) as uow:
        p = load_read(uow.session, principal, pseudonym)
        return rules.screening_qtcf(_readings(_rows(uow.session, p)), decision_date)


def fill_ecg(s: Session, p: Participant, entry: EcgIn, today: date, row: Ecg) -> None:
    """Check ``entry`` and put it on ``row`` (new or corrected): QTcF and its grade computed
    (the baseline is the screening QTcF of the other ECGs). Refused naming the field: QT
    without RR or rate (``rr_ms``), values outside the plausible ranges, a date in the future
    or before consent (``recorded_on``)."""
    try:
        qtcf = rules.fridericia_ms(entry.qt_ms, entry.rr_ms, entry.heart_rate_bpm)
    except RuleError as exc:
        raise rule_error(exc) from None
    check_date(s, p, entry.recorded_on, today, "recorded_on")
    others = [r for r in _rows(s, p) if r.id != row.id]
    baseline = (None if entry.timepoint == "screening" else
                rules.screening_qtcf(_readings(others)))
    row.recorded_on, row.timepoint, row.qt_ms = entry.recorded_on, entry.timepoint, entry.qt_ms
    row.rr_ms, row.heart_rate_bpm, row.torsade = entry.rr_ms, entry.heart_rate_bpm, entry.torsade
    row.qtcf_ms = round(qtcf, 1)
    row.grade = rules.qtc_grade(qtcf, baseline, torsade=entry.torsade)


def record_ecg(db: Database, settings: Settings, principal: Principal, pseudonym: str,
               entry: EcgIn) -> EcgOut:
    """Record an ECG (refusals: :func:`fill_ecg`)."""
    today = local_today(settings.zone)
    with UnitOfWork(db, actor_of(principal), _("ECG recorded")) as uow:
        s = uow.session
        p = load_write(s, principal, pseudonym)
        row = Ecg(participant_id=p.id, recorded_by=principal.username)
        fill_ecg(s, p, entry, today, row)
        s.add(row)
        s.flush()
        out = next(r for r in ecg_rows(s, p) if r.id == row.id)
        uow.commit()
    return out
