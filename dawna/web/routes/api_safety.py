"""JSON API for safety reporting: CTCAE v5.0 terms found in English or Chinese, the SUSARs of
the user's sites with their clocks (ICH E2A III.A.2), and reports of a SUSAR sent to the ethics
committee or the authority."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from dawna.rules.ctcae_search import search_terms
from dawna.services import safety
from dawna.services.treatment.schemas_safety import (
    CtcaeTermOut,
    CtcaeTermsOut,
    SusarOut,
    SusarReportRecordedOut,
    SusarsOut,
)
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect

router = Router(prefix="/api", tags=["safety reporting"])


@router.get("/ctcae/terms", response_model=CtcaeTermsOut)
def get_terms(user: CurrentUser,
              q: Annotated[str, Query(max_length=120)] = "",
              limit: Annotated[int, Query(ge=1, le=100)] = 20) -> CtcaeTermsOut:
    """CTCAE v5.0 terms matching ``q`` in English or Simplified Chinese (恶心 finds Nausea),
    best match first, with their grades."""
    return CtcaeTermsOut(query=q, terms=[CtcaeTermOut.of(t) for t in search_terms(q, limit)])


@router.get("/safety/susars", response_model=SusarsOut)
def get_susars(db: DbDep, settings: SettingsDep, user: CurrentUser) -> SusarsOut:
    """Every SUSAR at the user's sites: open ones first, with each clock's due day (site
    calendar) and status."""
    return SusarsOut(susars=[SusarOut.of(r) for r in safety.site_susars(db, settings, user)])


@router.post("/participants/{pseudonym}/adverse-events/{number}/susar-reports",
             dependencies=[Depends(csrf_protect)], response_model=SusarReportRecordedOut,
             status_code=201)
def post_susar_report(pseudonym: str, number: RecordId, body: safety.SusarReportIn, db: DbDep,
                      settings: SettingsDep, user: CurrentUser) -> SusarReportRecordedOut:
    """Record a report of the SUSAR sent (initial or follow-up, to whom, when, by whom)."""
    return SusarReportRecordedOut(id=safety.record_susar_report(db, settings, user, pseudonym,
                                                                number, body))
