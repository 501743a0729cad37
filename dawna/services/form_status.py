"""The form status grid (issue 20 item 3): participants × the visits and forms of the protocol's
schedule of activities, each cell's state from ``rules/form_status.py``, for the user's sites.

Bulk: a fixed number of queries whatever the number of participants (one per table, then one
or two per mark provider). Readers blind to the arm, and anyone without the treatment view at a
site, get no treatment cells for its participants (``access.arm_hidden_from``,
``Permission.TREATMENT_VIEW``).

Marks (queried, verified, signed, locked) come from *form state providers*: functions
``(session, participant ids) -> {(table_name, row_id): marks}``, listed in :data:`PROVIDERS`.
A key ``(CASEBOOK, participant id)`` marks the whole casebook (sign-off, lock). The provider
here marks the screening form signed while the investigator's eligibility signature still
matches the record (21 CFR 11.70: a change voids it); the data-management services add theirs
to the tuple. Event-driven forms carry their marks too (a queried adverse event).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import TypeAlias

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ValidationError
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.protocol.schedule import ScheduleOfActivities
from dawna.rules import form_status as rule
from dawna.rules.depot import DEPOT_SCHEDULES
from dawna.rules.lifecycle import State
from dawna.rules.messages import N_
from dawna.rules.screening_record import ScreeningRecord
from dawna.services.access import Permission, Principal, arm_hidden_from
from dawna.services.form_catalogue import form_label
from dawna.services.form_status_rows import load_course_rows
from dawna.services.queries import query_counts
from dawna.services.schemas_forms import (
    STATES,
    FormCellOut,
    FormColumnOut,
    FormStatusOut,
    OccurrenceOut,
    ParticipantFormsOut,
    ParticipantRowOut,
    VisitColumnOut,
)
from dawna.services.scope import find_visible
from dawna.services.screening_fingerprint import fingerprint
from dawna.services.sdv import verification_state
from dawna.services.signoff import signoff_states_in
from dawna.store.db import Database
from dawna.store.models import EligibilitySignature, Participant, Screening
from dawna.store.uow import UnitOfWork

__all__ = ["CASEBOOK", "PROVIDERS", "TREATMENT_FORMS", "UNSCHEDULED", "VISIT_LABELS", "FormKey",
           "FormStateProvider", "grid", "participant_forms", "queried", "screening_signed",
           "signed_and_locked", "verified"]

FormKey: TypeAlias = tuple[str, int]
#: A source of later marks: (session, participant ids) -> (table_name, row_id) -> marks.
FormStateProvider: TypeAlias = Callable[[Session, Sequence[int]],
                                        Mapping[FormKey, Collection[rule.Mark]]]

#: Forms that show the allocated arm or the treatment (hidden where the user may not see them).
TREATMENT_FORMS = frozenset({"allocation", "treatment_plan", "treatment_cycle", "lab_result",
                             "depot_dose", "dose_decision", "adverse_event", "susar_report",
                             "hbv_screening", "drug_dispensing"})
#: The schedule's visit labels as message ids (a test keeps them equal to the protocol file's).
VISIT_LABELS = {"screening": N_("Screening"), "randomization": N_("Randomization"),
                "treatment_start": N_("Treatment start"), "cycle_day_1": N_("Cycle day 1"),
                "depot": N_("Depot injection"), "tumour_assessment": N_("Tumour assessment"),
                "end_of_treatment": N_("End of treatment"),
                "survival_follow_up": N_("Survival follow-up"),
                "hbv_screening": N_("Hepatitis B screening before chemotherapy")}
UNSCHEDULED = rule.UNSCHEDULED
#: A provider's key for a whole casebook: (CASEBOOK, participant id); its marks (signed,
#: locked) go on every form of that participant entered.
CASEBOOK = "casebook"
PER_PAGE = 25


def screening_signed(session: Session, ids: Sequence[int]) -> dict[FormKey, set[rule.Mark]]:
    """The screening form is *signed* while the investigator's latest eligibility signature
    matches the record as it is now (a change voids it; ``services/screening.py``)."""
    latest: dict[int, EligibilitySignature] = {}
    for sig in session.scalars(select(EligibilitySignature).where(
            EligibilitySignature.participant_id.in_(ids)).order_by(EligibilitySignature.id)):
        latest[sig.participant_id] = sig
    out: dict[FormKey, set[rule.Mark]] = {}
    for row in session.scalars(select(Screening).where(Screening.participant_id.in_(ids))):
        signed = latest.get(row.participant_id)
        if signed is not None and signed.record_sha256 == fingerprint(
                ScreeningRecord.model_validate(row.record)):
            out[("screening", row.id)] = {rule.Mark.SIGNED}
    return out


def signed_and_locked(session: Session, ids: Sequence[int]) -> dict[FormKey, set[rule.Mark]]:
    """Forms and casebooks under an investigator's signature still in force, and locked ones
    (``services/signoff.py``: a change after signing voids the signature, 21 CFR 11.70)."""
    out: dict[FormKey, set[rule.Mark]] = {}
    for pid, state in signoff_states_in(session, ids).items():
        for mark, keys in ((rule.Mark.SIGNED, state.signed), (rule.Mark.LOCKED, state.locked)):
            for table, row_id in keys:
                out.setdefault((table, int(row_id)), set()).add(mark)
        if state.casebook_signed:
            out.setdefault((CASEBOOK, pid), set()).add(rule.Mark.SIGNED)
        if state.casebook_locked:
            out.setdefault((CASEBOOK, pid), set()).add(rule.Mark.LOCKED)
    return out


def queried(session: Session, ids: Sequence[int]) -> dict[FormKey, set[rule.Mark]]:
    """Forms with a query still open or answered but not closed (``services/queries.py``): the
    site or the monitor has work to do on them."""
    return {(table, int(row_id)): {rule.Mark.QUERIED}
            for forms in query_counts(session, ids).values()
            for (table, row_id), q in forms.items() if q.open or q.answered}


def verified(session: Session, ids: Sequence[int]) -> dict[FormKey, set[rule.Mark]]:
    """Forms a monitor verified whole against source, the mark still in force (a later change
    clears it: ``store/sdv_clearing.py``); a form with only some fields verified is not."""
    return {(table, int(row_id)): {rule.Mark.VERIFIED}
            for forms in verification_state(session, ids).values()
            for (table, row_id), v in forms.items() if v.whole}


#: The mark providers, asked once per grid for all its participants.
PROVIDERS: tuple[FormStateProvider, ...] = (screening_signed, signed_and_locked, queried,
                                            verified)


def _schedule() -> ScheduleOfActivities:
    schedule = bundled_protocol().schedule
    if schedule is None:
        raise ValidationError(_("the protocol file has no schedule of activities"),
                              field="schedule")
    return schedule


def _settings_of(schedule: ScheduleOfActivities) -> dict[str, int]:
    protocol = bundled_protocol()
    names = {n for v in schedule.visits for n in (v.every, v.window_before, v.window_after) if n}
    return {name: int(protocol.setting_number(name)) for name in names}


def _marks(session: Session, ids: Sequence[int],
           providers: Iterable[FormStateProvider]) -> dict[FormKey, set[rule.Mark]]:
    merged: dict[FormKey, set[rule.Mark]] = {}
    for provider in providers:
        for key, marks in provider(session, ids).items():
            merged.setdefault(key, set()).update(marks)
    return merged


def _treatment_visible(principal: Principal, site_id: int) -> bool:
    return (principal.can(Permission.TREATMENT_VIEW, site_id)
            and not arm_hidden_from(principal, site_id))


def _columns(schedule: ScheduleOfActivities, treatment: bool) -> list[VisitColumnOut]:
    def forms(names: Iterable[str]) -> list[FormColumnOut]:
        return [FormColumnOut(form=f, label=form_label(f)) for f in names
                if treatment or f not in TREATMENT_FORMS]

    columns = [VisitColumnOut(visit=v.id, label=_(VISIT_LABELS.get(v.id, v.label)),
                              forms=forms(v.forms)) for v in schedule.visits
               if treatment or v.repeat != "cycle"]
    columns.append(VisitColumnOut(visit=UNSCHEDULED, label=_("Unscheduled"),
                                  forms=forms(schedule.unscheduled)))
    return [c for c in columns if c.forms]


def _cell(occurrences: Sequence[rule.Occurrence], today: date) -> FormCellOut:
    summary = rule.summarize(occurrences)
    if summary is None:
        return FormCellOut(state=None, entered=0, expected=0)
    ahead = [o.due for o in occurrences if o.state is not rule.FormState.ENTERED
             and o.due >= today]
    return FormCellOut(state=summary.state, entered=summary.entered, expected=summary.expected,
                       counts=dict(summary.counts),
                       out_of_window=any(o.out_of_window for o in occurrences),
                       next_due=min(ahead, default=None), row_id=_only_row(occurrences))


def _only_row(occurrences: Sequence[rule.Occurrence]) -> int | None:
    """The row of the one form entered in a cell (none when none or several)."""
    rows = [r for o in occurrences for r in o.rows]
    return int(rows[0]) if len(rows) == 1 else None


def _evaluate(db: Database, settings: Settings, principal: Principal,
              people: Callable[[UnitOfWork], list[Participant]],
              providers: Iterable[FormStateProvider] | None
              ) -> tuple[date, list[tuple[Participant, list[rule.Occurrence], bool]]]:
    schedule = _schedule()
    today = local_today(settings.zone)
    values = _settings_of(schedule)
    out = []
    with UnitOfWork(db) as uow:
        s = uow.session
        found = people(uow)
        ids = [p.id for p in found]
        data = load_course_rows(s, settings, ids, bundled_protocol(),
                                depot_drugs=frozenset(DEPOT_SCHEDULES))
        marks = _marks(s, ids, PROVIDERS if providers is None else providers) if ids else {}
        for p in found:
            rows = data[p.id]
            dates = {"consent": p.consent_date, **rows.course}
            course = rule.Course(today=today, settings=values, **dates)
            casebook = marks.get((CASEBOOK, p.id), set())
            occurrences = [*rule.form_status(schedule, course, rows.entered, marks, casebook),
                           *rule.unscheduled(rows.unscheduled, marks, casebook)]
            shown = _treatment_visible(principal, p.site_id)
            if not shown:
                occurrences = [o for o in occurrences if o.form not in TREATMENT_FORMS]
            out.append((p, occurrences, shown))
    return today, out


def grid(db: Database, settings: Settings, principal: Principal, *, site: str | None = None,
         state: str | None = None, page: int = 1, per_page: int = PER_PAGE,
         providers: Iterable[FormStateProvider] | None = None) -> FormStatusOut:
    """The grid for the user's sites (``site``: one of them by code), participants with a cell
    in ``state`` only when given, ``per_page`` rows of page ``page``."""
    if state is not None and state not in STATES:
        raise ValidationError(_("unknown state {state}").format(state=state), field="state")
    if page < 1 or not 1 <= per_page <= 500:
        raise ValidationError(_("page and page size must be positive (at most 500 a page)"),
                              field="page")
    sites = principal.sites_with(Permission.PARTICIPANT_VIEW)
    codes: dict[str, int] = {}

    def people(uow: UnitOfWork) -> list[Participant]:
        found = uow.participants.at_sites(sites)
        codes.update({p.site.code: p.site_id for p in found})
        for site_row in uow.sites.by_ids(sites):
            codes[site_row.code] = site_row.id
        if site is not None and site not in codes:
            raise ValidationError(_("no site {site} among your sites").format(site=site),
                                  field="site")
        chosen = [p for p in found if site is None or p.site.code == site]
        return sorted(chosen, key=lambda p: p.screening_number)

    today, evaluated = _evaluate(db, settings, principal, people, providers)
    schedule = _schedule()
    treatment = any(shown for _p, _o, shown in evaluated) or any(
        _treatment_visible(principal, s) for s in sites)
    columns = _columns(schedule, treatment)
    rows: list[ParticipantRowOut] = []
    for p, occurrences, shown in evaluated:
        cells: dict[str, FormCellOut] = {}
        for column in columns:
            for f in column.forms:
                if not shown and f.form in TREATMENT_FORMS:
                    continue
                mine = [o for o in occurrences if o.visit == column.visit and o.form == f.form]
                cells[f"{column.visit}/{f.form}"] = _cell(mine, today)
        if state is None or any(c.state == state or state in c.counts for c in cells.values()):
            rows.append(ParticipantRowOut(pseudonym=p.pseudonym, site_code=p.site.code,
                                          site_id=p.site_id,
                                          status=State(p.status).value, cells=cells))
    pages = max(1, math.ceil(len(rows) / per_page))
    start = (page - 1) * per_page
    return FormStatusOut(today=today, zone=str(settings.zone), columns=columns,
                         rows=rows[start:start + per_page], states=list(STATES),
                         total=len(rows), page=page, pages=pages, per_page=per_page,
                         site=site, state=state, sites=sorted(codes))


def participant_forms(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                      providers: Iterable[FormStateProvider] | None = None
                      ) -> ParticipantFormsOut:
    """Every expected form of one participant, occurrence by occurrence."""
    today, evaluated = _evaluate(db, settings, principal,
                                 lambda uow: [find_visible(uow, principal, pseudonym)], providers)
    p, occurrences, _shown = evaluated[0]
    labels = {v.id: _(VISIT_LABELS.get(v.id, v.label)) for v in _schedule().visits}
    return ParticipantFormsOut(
        pseudonym=p.pseudonym, site_code=p.site.code, site_id=p.site_id,
        status=State(p.status).value, today=today,
        occurrences=[OccurrenceOut(
            visit=o.visit, visit_label=labels[o.visit], number=o.number, form=o.form,
            form_label=form_label(o.form), due=o.due, opens=o.opens, closes=o.closes,
            state=rule.display_state(o), rows=list(o.rows),
            marks=sorted(m.value for m in o.marks), out_of_window=o.out_of_window,
            detail=o.detail) for o in occurrences if o.visit != UNSCHEDULED],
        unscheduled=dict(Counter(o.form for o in occurrences if o.visit == UNSCHEDULED)))

