"""The edit checks run over the store (issue 20 item 1): ``dawna queries run-checks``, and after a
laboratory result or an adverse event is saved.

The rules are :mod:`dawna.rules.edit_checks`; this module reads what they need for many
participants at once (one statement per kind of form), raises a query for each new finding as
``system:edit-check`` and is idempotent: no second query while one for the same check, form and
field is unresolved (a unique index holds this under concurrent runs too), and none again for a
finding a monitor already closed with the same facts (the value was confirmed).
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.config import Settings
from dawna.errors import ConflictError
from dawna.protocol import bundled_protocol
from dawna.rules import edit_checks as rule
from dawna.rules.lifecycle import Event
from dawna.services.access import Permission, Principal
from dawna.services.form_rows import FormRef
from dawna.services.queries import CLOSED, SYSTEM_ACTOR, add_query
from dawna.store.db import Database
from dawna.store.models import (
    AdverseEvent,
    Allocation,
    DataQuery,
    FollowUpContact,
    LabResult,
    Participant,
    StatusEvent,
    TreatmentCycle,
    TumourAssessment,
)
from dawna.store.uow import UnitOfWork

__all__ = ["CheckRun", "after_save", "findings_of", "run_checks", "run_for"]


@dataclass(frozen=True)
class CheckRun:
    """What a run found and did: findings, queries raised, findings already queried."""

    participants: int
    findings: int
    raised: int
    already: int


def _anchors(s: Session, settings: Settings, ids: list[int]) -> dict[int, rule.Anchors]:
    consent = dict(s.execute(select(Participant.id, Participant.consent_date)
                             .where(Participant.id.in_(ids))).all())
    randomized = {pid: at.astimezone(settings.zone).date() for pid, at in s.execute(
        select(Allocation.participant_id, Allocation.randomized_at)
        .where(Allocation.participant_id.in_(ids)))}
    deaths: dict[int, date] = {}
    for pid, day in list(s.execute(
            select(FollowUpContact.participant_id, FollowUpContact.death_date)
            .where(FollowUpContact.participant_id.in_(ids),
                   FollowUpContact.death_date.is_not(None)))) + list(s.execute(
            select(StatusEvent.participant_id, StatusEvent.event_date)
            .where(StatusEvent.participant_id.in_(ids), StatusEvent.reason == "death"))):
        if day is not None:
            deaths[pid] = min(day, deaths.get(pid, day))
    ended: dict[int, date] = {}
    for pid, day in s.execute(select(StatusEvent.participant_id, StatusEvent.event_date).where(
            StatusEvent.participant_id.in_(ids), StatusEvent.event == Event.STUDY_ENDED.value)):
        ended[pid] = max(day, ended.get(pid, day))
    return {pid: rule.Anchors(consent.get(pid), randomized.get(pid), deaths.get(pid),
                              ended.get(pid)) for pid in ids}


def findings_of(s: Session, settings: Settings, ids: list[int]
                ) -> Iterator[tuple[int, rule.Finding]]:
    """(participant id, finding) of every edit check over the participants' stored forms."""
    limits = bundled_protocol().plausibility
    anchors = _anchors(s, settings, ids)
    dated: dict[int, list[rule.DatedEntry]] = {pid: [] for pid in ids}
    for r in s.scalars(select(LabResult).where(LabResult.participant_id.in_(ids))):
        found = rule.lab_implausible(str(r.id), r.analyte, r.value, r.unit, limits)
        if found is not None:
            yield r.participant_id, found
        dated[r.participant_id].append(rule.DatedEntry("lab", "lab_result", str(r.id),
                                                       "sample_date", r.sample_date))
    for a in s.scalars(select(AdverseEvent).where(AdverseEvent.participant_id.in_(ids))):
        stop = rule.ae_stop_before_start(str(a.id), a.start_date, a.stop_date)
        if stop is not None:
            yield a.participant_id, stop
        ongoing = rule.ae_ongoing_after_study_end(str(a.id), a.stop_date,
                                                  anchors[a.participant_id].study_ended)
        if ongoing is not None:
            yield a.participant_id, ongoing
        dated[a.participant_id].append(rule.DatedEntry("adverse_event", "adverse_event",
                                                       str(a.id), "start_date", a.start_date))
    for c in s.scalars(select(TreatmentCycle).where(TreatmentCycle.participant_id.in_(ids))):
        dated[c.participant_id].append(rule.DatedEntry("cycle", "treatment_cycle", str(c.id),
                                                       "start_date", c.start_date))
    for pid, tid, kind, day in s.execute(
            select(TumourAssessment.participant_id, TumourAssessment.id, TumourAssessment.kind,
                   TumourAssessment.assessment_date)
            .where(TumourAssessment.participant_id.in_(ids))):
        dated[pid].append(rule.DatedEntry(kind, "tumour_assessment", str(tid),
                                          "assessment_date", day))
    for pid in ids:
        for found in rule.check_dates(dated[pid], anchors[pid]):
            yield pid, found


def run_checks(db: Database, settings: Settings,
               participant_ids: Collection[int] | None = None) -> CheckRun:
    """Run every edit check over the participants (default: all) and raise the new queries."""
    with UnitOfWork(db, SYSTEM_ACTOR, "Edit checks") as uow:
        s = uow.session
        people = {pid: (pseudonym, site) for pid, pseudonym, site in s.execute(
            select(Participant.id, Participant.pseudonym, Participant.site_id).where(
                Participant.id.in_(list(participant_ids)) if participant_ids is not None
                else Participant.id.is_not(None)))}
        ids = sorted(people)
        known: dict[tuple[str, str, str, str], list[tuple[str, object]]] = {}
        for q in s.scalars(select(DataQuery).where(DataQuery.check_id.is_not(None),
                                                   DataQuery.participant_id.in_(ids))):
            known.setdefault((str(q.check_id), q.table_name, q.row_id, q.field), []).append(
                (q.status, q.check_params))
        found = raised = already = 0
        for pid, f in findings_of(s, settings, ids):
            found += 1
            earlier = known.get((f.check, f.table, f.row_id, f.field), [])
            if any(status != CLOSED or params == f.params for status, params in earlier):
                already += 1
                continue
            pseudonym, site = people[pid]
            add_query(s, FormRef(f.table, f.row_id, f.field, pid, pseudonym, site),
                      str(f.message), SYSTEM_ACTOR.username, check_id=f.check,
                      check_params=dict(f.params))
            known.setdefault((f.check, f.table, f.row_id, f.field), []).append(("open", f.params))
            raised += 1
        if raised:
            uow.commit()
    return CheckRun(len(ids), found, raised, already)


def run_for(db: Database, settings: Settings, principal: Principal) -> CheckRun:
    """The edit checks over the participants of the sites where the user raises queries."""
    with UnitOfWork(db) as uow:
        ids = list(uow.session.scalars(select(Participant.id).where(
            Participant.site_id.in_(principal.sites_with(Permission.QUERY_RAISE)))))
    return run_checks(db, settings, ids)


def after_save(db: Database, settings: Settings, principal: Principal, pseudonym: str) -> None:
    """The edit checks over one participant after one of their forms was saved (laboratory
    results, adverse events); a concurrent run that raised the same query first is no error."""
    with UnitOfWork(db) as uow:
        ids = list(uow.session.scalars(select(Participant.id).where(
            Participant.pseudonym == pseudonym,
            Participant.site_id.in_(principal.sites_with(Permission.PARTICIPANT_VIEW)))))
    if ids:
        with contextlib.suppress(ConflictError):
            run_checks(db, settings, ids)
