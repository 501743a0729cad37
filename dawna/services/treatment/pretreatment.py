"""Pre-treatment tests (issue 21 items 5 and 6): the pregnancy test of a woman of childbearing
potential before the FES scan and before dosing, with her contraception; hepatitis B screening
before chemotherapy and the antiviral prophylaxis it calls for.

Rules: :mod:`dawna.rules.pregnancy` (ICH M3(R2) §11.3, CTFG 2020, Cerianna label §8),
:mod:`dawna.rules.hbv` (Chinese HBV guideline 2022, CSCO consensus); docs/pregnancy-and-hbv.md.
A positive pregnancy test blocks the scan registration (``services/pet.py``) and the cycle
recording (``cycles.py``) through :func:`pregnancy_gate`; missing HBV prophylaxis is a warning
at cycle 1 (:func:`hbv_warning`).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _, gettext
from dawna.rules import hbv, pregnancy
from dawna.rules.menopause import MenopausalStatus
from dawna.rules.menopause_record import assess
from dawna.rules.rule_errors import RuleError, RuleViolation
from dawna.rules.screening_record import ScreeningRecord
from dawna.services.access import Permission, Principal
from dawna.services.participants import actor_of
from dawna.services.treatment.common import (
    find_allocation,
    first_dose,
    load_for,
    not_in_future,
    render,
    require_collecting,
    rule_error,
)
from dawna.store.db import Database
from dawna.store.models import HbvScreening, Participant, PetStudy, PregnancyTest, Screening
from dawna.store.uow import UnitOfWork

__all__ = [
    "WINDOW_DAYS",
    "HbvIn",
    "HbvRow",
    "PregnancyTestIn",
    "PregnancyTestRow",
    "PretreatmentView",
    "fill_hbv",
    "fill_pregnancy_test",
    "hbv_warning",
    "pregnancy_gate",
    "pretreatment_problems",
    "pretreatment_view",
    "record_hbv",
    "record_pregnancy_test",
]

#: Days a negative test clears the scan or a dose (CTFG 2020: as close as possible before it).
WINDOW_DAYS = 7


class PregnancyTestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    test_date: date
    purpose: str = Field(pattern="^(fes_scan|treatment)$")
    method: str = Field(pattern="^(serum|urine)$")
    result: str = Field(pattern="^(negative|positive)$")
    contraception: str = Field(min_length=2, max_length=120)


class HbvIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sample_date: date
    hbsag_positive: bool
    anti_hbc_positive: bool
    hbv_dna_iu_ml: float | None = Field(default=None, ge=0, le=1e10)
    prophylaxis_drug: str | None = Field(default=None, max_length=40)
    prophylaxis_start: date | None = None


class PregnancyTestRow(BaseModel):
    id: int
    test_date: str
    purpose: str
    method: str
    result: str
    contraception: str
    version: int


class HbvRow(BaseModel):
    id: int
    sample_date: str
    hbsag_positive: bool
    anti_hbc_positive: bool
    hbv_dna_iu_ml: float | None
    prophylaxis_drug: str | None
    prophylaxis_start: str | None
    version: int


class PretreatmentView(BaseModel):
    """The pregnancy tests and hepatitis B screening of a participant, with what stands."""

    participant: str
    childbearing_potential: bool
    pregnancy_tests: list[PregnancyTestRow]
    pregnancy_warnings: list[str]
    hbv: list[HbvRow]
    hbv_advice: str | None
    hbv_warning: str | None


def _childbearing(s: Session, p: Participant) -> bool:
    row = s.scalar(select(Screening).where(Screening.participant_id == p.id))
    if row is None:
        return True
    record = ScreeningRecord.model_validate(row.record)
    on = record.decision_date or row.decision_date
    if on is None:  # no decision date (a row read back from a file): age, so status, unknown
        return True  # unknown status: tested as a woman of childbearing potential
    try:
        status = assess(record, on).status
    except (RuleError, TypeError, ValueError):
        return True  # unknown status: tested as a woman of childbearing potential
    return pregnancy.childbearing_potential(status is not MenopausalStatus.NOT_APPLICABLE,
                                            status)


def _tests(s: Session, p: Participant) -> list[PregnancyTest]:
    return list(s.scalars(select(PregnancyTest).where(PregnancyTest.participant_id == p.id)
                          .order_by(PregnancyTest.test_date, PregnancyTest.id)))


def pregnancy_gate(s: Session, p: Participant, on: date, what: str) -> str | None:
    """Refuse (409 naming ``pregnancy_test``) the scan or dose on ``on`` after a positive test;
    return the warning when a woman of childbearing potential has no recent negative test."""
    tests = [pregnancy.Test(t.test_date, t.result, t.purpose) for t in _tests(s, p)]
    if not tests and not _childbearing(s, p):
        return None
    try:
        reason = pregnancy.clearance(tests, on, WINDOW_DAYS, what)
    except RuleViolation as exc:
        raise rule_error(exc) from None
    return render(reason) if reason is not None and _childbearing(s, p) else None


def _chemotherapy(s: Session, p: Participant) -> bool:
    """The participant's arm gives chemotherapy (arm B of the registry record)."""
    allocation = find_allocation(s, p)
    return allocation is not None and allocation.arm == "B"


def _fes_scan(s: Session, p: Participant) -> date | None:
    return s.scalar(select(func.min(PetStudy.scan_date)).where(
        PetStudy.participant_id == p.id, PetStudy.tracer == "FES"))


def fill_pregnancy_test(s: Session, p: Participant, entry: PregnancyTestIn, today: date,
                        row: PregnancyTest) -> None:
    """Check ``entry`` and put it on ``row`` (new or corrected). Refused, naming the field: a
    future date or one before consent (``test_date``); a test dated after the FES scan or
    first dose it should precede (``test_date``,
    :func:`dawna.rules.pregnancy.check_purpose_date`)."""
    not_in_future(entry.test_date, today, "test_date")
    require_collecting(s, p, entry.test_date, "test_date")
    event = _fes_scan(s, p) if entry.purpose == "fes_scan" else first_dose(s, p)
    try:
        pregnancy.check_purpose_date(entry.test_date, event, entry.purpose)
    except RuleError as exc:
        raise rule_error(exc) from None
    row.test_date, row.purpose, row.method = entry.test_date, entry.purpose, entry.method
    row.result, row.contraception = entry.result, entry.contraception.strip()


def record_pregnancy_test(db: Database, settings: Settings, principal: Principal,
                          pseudonym: str, entry: PregnancyTestIn) -> None:
    """Record a pregnancy test (refusals: :func:`fill_pregnancy_test`)."""
    today = local_today(settings.zone)
    with UnitOfWork(db, actor_of(principal), _("Pregnancy test recorded")) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.PARTICIPANT_EDIT)
        row = PregnancyTest(participant_id=p.id, recorded_by=principal.username)
        fill_pregnancy_test(s, p, entry, today, row)
        s.add(row)
        uow.commit()


def _advice(row: HbvScreening) -> hbv.HbvAdvice:
    return hbv.advice(row.hbsag_positive, row.anti_hbc_positive, row.hbv_dna_iu_ml)


def fill_hbv(s: Session, p: Participant, entry: HbvIn, today: date,
             row: HbvScreening) -> None:
    """Check ``entry`` and put it on ``row`` (new or corrected). Refused, naming the field:
    future dates (``sample_date``, ``prophylaxis_start``), a prophylaxis drug that is not
    entecavir or tenofovir (``prophylaxis_drug``), a start without its drug."""
    not_in_future(entry.sample_date, today, "sample_date")
    drug = (entry.prophylaxis_drug or "").strip().lower() or None
    if drug is not None and drug not in hbv.PROPHYLAXIS_DRUGS:
        raise ValidationError(_("choose one of: {drugs}").format(
            drugs=", ".join(hbv.PROPHYLAXIS_DRUGS)), field="prophylaxis_drug")
    if entry.prophylaxis_start is not None:
        not_in_future(entry.prophylaxis_start, today, "prophylaxis_start")
        if drug is None:
            raise ValidationError(_("name the prophylaxis drug started"),
                                  field="prophylaxis_drug")
    try:
        hbv.advice(entry.hbsag_positive, entry.anti_hbc_positive, entry.hbv_dna_iu_ml)
    except RuleError as exc:
        raise rule_error(exc) from None
    require_collecting(s, p, entry.sample_date, "sample_date")
    row.sample_date, row.hbsag_positive = entry.sample_date, entry.hbsag_positive
    row.anti_hbc_positive, row.hbv_dna_iu_ml = entry.anti_hbc_positive, entry.hbv_dna_iu_ml
    row.prophylaxis_drug, row.prophylaxis_start = drug, entry.prophylaxis_start


def record_hbv(db: Database, settings: Settings, principal: Principal, pseudonym: str,
               entry: HbvIn) -> None:
    """Record hepatitis B screening and the prophylaxis started (refusals: :func:`fill_hbv`)."""
    today = local_today(settings.zone)
    with UnitOfWork(db, actor_of(principal), _("Hepatitis B screening recorded")) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.PARTICIPANT_EDIT)
        row = HbvScreening(participant_id=p.id, recorded_by=principal.username)
        fill_hbv(s, p, entry, today, row)
        s.add(row)
        uow.commit()


def hbv_warning(s: Session, p: Participant, cycle_start: date) -> str | None:
    """At cycle 1: the warning when hepatitis B screening is missing, or calls for prophylaxis
    that is not recorded as started by ``cycle_start``."""
    rows = list(s.scalars(select(HbvScreening).where(HbvScreening.participant_id == p.id)
                          .order_by(HbvScreening.sample_date, HbvScreening.id)))
    if not rows:
        return _("no hepatitis B screening (HBsAg, anti-HBc, HBV DNA) is recorded before "
                 "chemotherapy")
    advice = _advice(rows[-1])
    started = [r for r in rows if r.prophylaxis_start is not None
               and r.prophylaxis_start <= cycle_start]
    if advice.prophylaxis and not started:
        return _("{reason}: no prophylaxis is recorded as started").format(
            reason=advice.reason.render(gettext))
    return None


def pretreatment_problems(s: Session, p: Participant, on: date) -> list[str]:
    """What the prescriber sees before cycle 1 on ``on``: a positive or missing pregnancy
    test, and missing hepatitis B screening or prophylaxis on the chemotherapy arm."""
    out = []
    try:
        warning = pregnancy_gate(s, p, on, "treatment")
    except DawnaError as exc:
        warning = str(exc)
    if warning:
        out.append(warning)
    if _chemotherapy(s, p):
        hbv_message = hbv_warning(s, p, on)
        if hbv_message:
            out.append(hbv_message)
    return out


def pretreatment_view(db: Database, settings: Settings, principal: Principal,
                      pseudonym: str) -> PretreatmentView:
    """The tests recorded and the warnings that stand today."""
    today = local_today(settings.zone)
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.PARTICIPANT_VIEW)
        wocbp = _childbearing(s, p)
        tests = _tests(s, p)
        warnings: list[str] = []
        if wocbp:
            for what, on in (("fes_scan", _fes_scan(s, p)), ("treatment", first_dose(s, p))):
                try:
                    msg = pregnancy_gate(s, p, on or today, what)
                except DawnaError as exc:  # a positive test: shown on the page, not raised
                    msg = str(exc)
                if msg:
                    warnings.append(msg)
        rows = list(s.scalars(select(HbvScreening).where(HbvScreening.participant_id == p.id)
                              .order_by(HbvScreening.sample_date, HbvScreening.id)))
        advice = render(_advice(rows[-1]).reason) if rows else None
        start = first_dose(s, p)
        warning = hbv_warning(s, p, start or today) if _chemotherapy(s, p) else None
        return PretreatmentView(
            participant=p.pseudonym, childbearing_potential=wocbp,
            pregnancy_tests=[PregnancyTestRow(
                id=t.id, test_date=t.test_date.isoformat(), purpose=t.purpose,
                method=t.method, result=t.result, contraception=t.contraception,
                version=t.version) for t in tests],
            pregnancy_warnings=warnings,
            hbv=[HbvRow(id=r.id, sample_date=r.sample_date.isoformat(),
                        hbsag_positive=r.hbsag_positive, anti_hbc_positive=r.anti_hbc_positive,
                        hbv_dna_iu_ml=r.hbv_dna_iu_ml, prophylaxis_drug=r.prophylaxis_drug,
                        prophylaxis_start=(r.prophylaxis_start.isoformat()
                                           if r.prophylaxis_start else None),
                        version=r.version) for r in rows],
            hbv_advice=advice, hbv_warning=warning)
