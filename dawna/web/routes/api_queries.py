"""JSON API for data queries and source data verification (issue 20 items 1 and 2): raise,
answer, close and re-open a query (each step names the version it read: a concurrent step is a
409), the site list with its filters, counts by site and status, the edit checks, and
verification marks with the percent verified per participant, form or site."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query

from dawna.services import queries, query_checks, query_lists, sdv
from dawna.services.schemas_queries import (
    CheckRunOut,
    QueriesOut,
    QueryAnswerIn,
    QueryCountOut,
    QueryCountsOut,
    QueryMessageOut,
    QueryOut,
    QueryRaiseIn,
    QueryStepIn,
    SdvMarkIn,
    SdvMarkOut,
    SdvMarksOut,
    SdvProgressOut,
    SdvProgressRowOut,
)
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect

router = Router(prefix="/api", tags=["queries and source verification"])
Csrf = [Depends(csrf_protect)]


def query_out(v: query_lists.QueryView) -> QueryOut:
    return QueryOut(
        id=v.id, pseudonym=v.pseudonym, site_code=v.site_code, table_name=v.table_name,
        form=v.form, row_id=v.row_id, field=v.field or None, field_label=v.field_label,
        status=v.status, text=v.text, check_id=v.check_id, raised_by=v.raised_by,
        raised_at=v.raised_at.isoformat(), age_days=v.age_days, version=v.version, url=v.url,
        messages=[QueryMessageOut(kind=m.kind, answer_kind=m.answer_kind, text=m.text,
                                  actor=m.actor, at=m.at.isoformat(),
                                  corrections=list(m.corrections)) for m in v.messages])


def mark_out(m: sdv.MarkView) -> SdvMarkOut:
    return SdvMarkOut(
        id=m.id, pseudonym=m.pseudonym, table_name=m.table_name, row_id=m.row_id,
        field=m.field or None, verified_by=m.verified_by, verified_at=m.verified_at.isoformat(),
        cleared_at=m.cleared_at.isoformat() if m.cleared_at else None, cleared_by=m.cleared_by,
        cleared_reason=m.cleared_reason, version=m.version)


@router.get("/queries", response_model=QueriesOut)
def get_queries(db: DbDep, settings: SettingsDep, user: CurrentUser,
                site: Annotated[str | None, Query(max_length=32)] = None,
                status: Literal["open", "answered", "closed"] | None = None,
                form: Annotated[str | None, Query(max_length=64)] = None,
                min_age: Annotated[int | None, Query(ge=0, le=100_000)] = None) -> QueriesOut:
    """The queries at your sites, oldest first, with their age in days (site calendar)."""
    found = query_lists.site_list(db, settings, user, query_lists.QueryFilter(
        site=site, status=status, form=form, min_age=min_age))
    return QueriesOut(queries=[query_out(v) for v in found])


@router.post("/queries", response_model=QueryOut, status_code=201, dependencies=Csrf)
def post_query(body: QueryRaiseIn, db: DbDep, settings: SettingsDep,
               user: CurrentUser) -> QueryOut:
    """Raise a query on a form (``field`` empty) or one of its fields."""
    return query_out(query_lists.get(db, settings, user, queries.raise_query(db, user, body)))


@router.get("/queries/counts", response_model=QueryCountsOut)
def get_counts(db: DbDep, user: CurrentUser) -> QueryCountsOut:
    """Queries by site and status."""
    return QueryCountsOut(sites=[QueryCountOut(site_code=code, **n) for code, n in
                                 query_lists.counts_by_site(db, user).items()])


@router.post("/queries/run-checks", response_model=CheckRunOut, dependencies=Csrf)
def post_run_checks(db: DbDep, settings: SettingsDep, user: CurrentUser) -> CheckRunOut:
    """Run the edit checks over the participants of the sites where you raise queries."""
    run = query_checks.run_for(db, settings, user)
    return CheckRunOut(participants=run.participants, findings=run.findings, raised=run.raised,
                       already=run.already)


@router.get("/queries/{query_id:int}", response_model=QueryOut)
def get_query(query_id: RecordId, db: DbDep, settings: SettingsDep,
              user: CurrentUser) -> QueryOut:
    """One query with its thread and the corrections its answers link."""
    return query_out(query_lists.get(db, settings, user, query_id))


@router.post("/queries/{query_id:int}/answer", response_model=QueryOut, dependencies=Csrf)
def post_answer(query_id: RecordId, body: QueryAnswerIn, db: DbDep, settings: SettingsDep,
                user: CurrentUser) -> QueryOut:
    queries.answer(db, user, query_id, body)
    return query_out(query_lists.get(db, settings, user, query_id))


@router.post("/queries/{query_id:int}/close", response_model=QueryOut, dependencies=Csrf)
def post_close(query_id: RecordId, body: QueryStepIn, db: DbDep, settings: SettingsDep,
               user: CurrentUser) -> QueryOut:
    queries.close(db, user, query_id, body)
    return query_out(query_lists.get(db, settings, user, query_id))


@router.post("/queries/{query_id:int}/reopen", response_model=QueryOut, dependencies=Csrf)
def post_reopen(query_id: RecordId, body: QueryStepIn, db: DbDep, settings: SettingsDep,
                user: CurrentUser) -> QueryOut:
    queries.reopen(db, user, query_id, body)
    return query_out(query_lists.get(db, settings, user, query_id))


@router.get("/participants/{pseudonym}/queries", response_model=QueriesOut)
def get_participant_queries(pseudonym: str, db: DbDep, settings: SettingsDep,
                            user: CurrentUser) -> QueriesOut:
    return QueriesOut(queries=[query_out(v) for v in query_lists.participant_queries(
        db, settings, user, pseudonym)])


@router.post("/sdv", response_model=SdvMarkOut, status_code=201, dependencies=Csrf)
def post_mark(body: SdvMarkIn, db: DbDep, user: CurrentUser) -> SdvMarkOut:
    """Mark a form (``field`` empty) or a field verified against the source."""
    return mark_out(sdv.mark(db, user, body))


@router.get("/participants/{pseudonym}/sdv", response_model=SdvMarksOut)
def get_marks(pseudonym: str, db: DbDep, user: CurrentUser,
              include_cleared: bool = False) -> SdvMarksOut:
    return SdvMarksOut(marks=[mark_out(m) for m in sdv.marks_of(db, user, pseudonym,
                                                                include_cleared)])


@router.get("/sdv/progress", response_model=SdvProgressOut)
def get_progress(db: DbDep, user: CurrentUser,
                 by: Literal["participant", "form", "site"] = "participant",
                 site: Annotated[str | None, Query(max_length=32)] = None) -> SdvProgressOut:
    """Forms verified over forms entered, per participant, form or site."""
    return SdvProgressOut(by=by, rows=[SdvProgressRowOut(
        key=r.key, label=r.label, forms=r.forms, verified=r.verified, partly=r.partly,
        percent=r.percent) for r in sdv.progress(db, user, by, site)])
