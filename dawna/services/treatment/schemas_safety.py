"""The JSON answers about CTCAE terms (found in English or Chinese) and SUSARs (their clocks and
reports), as named models for the OpenAPI document; dates as ISO 8601 text."""

from __future__ import annotations

from pydantic import BaseModel

from dawna.rules.ctcae_analytes import CTCAE_VERSION
from dawna.rules.ctcae_terms import ClinicalTerm
from dawna.rules.ctcae_zh import SOC_ZH
from dawna.services.treatment.susar import DeadlineState, SusarRow

__all__ = ["CtcaeTermOut", "CtcaeTermsOut", "SusarDeadlineOut", "SusarOut",
           "SusarReportOut", "SusarReportRecordedOut", "SusarsOut"]


class CtcaeTermOut(BaseModel):
    term: str
    zh: str
    soc: str
    soc_zh: str
    grades: dict[str, str]
    lab_analyte: str | None

    @classmethod
    def of(cls, t: ClinicalTerm) -> CtcaeTermOut:
        return cls(term=t.term, zh=t.zh, soc=t.soc, soc_zh=SOC_ZH.get(t.soc, ""),
                   grades={str(g): text for g, text in sorted(t.grades.items())},
                   lab_analyte=t.lab_analyte)


class CtcaeTermsOut(BaseModel):
    query: str
    ctcae_version: str = CTCAE_VERSION
    terms: list[CtcaeTermOut]


class SusarDeadlineOut(BaseModel):
    kind: str
    days: int
    due_on: str
    status: str
    days_left: int
    missing: list[str]
    rule: str

    @classmethod
    def of(cls, d: DeadlineState) -> SusarDeadlineOut:
        return cls(kind=d.kind, days=d.days, due_on=d.due_on.isoformat(), status=d.status,
                   days_left=d.days_left, missing=list(d.missing), rule=d.rule)


class SusarReportOut(BaseModel):
    kind: str
    recipient: str
    sent_on: str
    sent_by: str
    reference: str | None


class SusarOut(BaseModel):
    participant: str
    site: str
    number: int
    term: str
    grade: int
    aware_at: str
    aware_day: str
    fatal_or_life_threatening: bool
    related_drugs: list[str]
    rsi_document: str | None
    rsi_version: str | None
    overdue: bool
    deadlines: list[SusarDeadlineOut]
    reports: list[SusarReportOut]

    @classmethod
    def of(cls, r: SusarRow) -> SusarOut:
        return cls(
            participant=r.pseudonym, site=r.site_code, number=r.number, term=r.term,
            grade=r.grade, aware_at=r.aware_at.isoformat(), aware_day=r.aware_day.isoformat(),
            fatal_or_life_threatening=r.fatal_or_life_threatening,
            related_drugs=list(r.related_drugs), rsi_document=r.rsi_document,
            rsi_version=r.rsi_version, overdue=r.overdue,
            deadlines=[SusarDeadlineOut.of(d) for d in r.deadlines],
            reports=[SusarReportOut(kind=x.kind, recipient=x.recipient,
                                    sent_on=x.sent_on.isoformat(), sent_by=x.sent_by,
                                    reference=x.reference) for x in r.reports])


class SusarsOut(BaseModel):
    susars: list[SusarOut]


class SusarReportRecordedOut(BaseModel):
    id: int
