"""The analysis data sets (ADSL, ADTTE, ADRS, ADAE and their definitions) of the randomized
participants at the user's sites, as of a data cut-off: loaded from the store and the services
that derive clinical results (``tumour`` for RECIST 1.1, ``pet`` for the FES/FDG reads), turned
into plain records and handed to the pure derivations of ``dawna.analysis.adam``.

Rules: the data sets show the allocated arm, so they need ``treatment.view`` (statisticians,
monitors, investigators, coordinators; not imaging readers, who are kept blind to the arm);
only sites where the user holds it are included. Dates are site-local (the randomization time
converted to the site's zone). The cut-off defaults to today at the site; participants
randomized after it, and every event, assessment, contact, cycle, sample or adverse event dated
after it, are left out. RECIST responses are re-derived from the assessments on or before the
cut-off (a later confirmation or a later confirmed equivocal lesion must not change what was
known at the cut-off); which of them count for response (before new anticancer therapy, up to
the first PD) and the best overall response are decided in ``dawna.analysis.adam_response``.
The last dose date of a participant whose treatment ended by the cut-off (TRTEDT, the end of
the treatment-emergent window) comes from the cycles recorded and the regimen's dose days
(``services.treatment.calendar``); while on treatment the window stays open. The baseline
FES/FDG covariates are those of the latest read study of each tracer scanned on or before
randomization. Tumour assessment schedule for PFS censoring: the protocol file's
``tumour_assessment_interval_weeks`` and ``tumour_assessment_window_days``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select

from dawna.analysis.adam import (
    AdamData,
    AdverseEventRecord,
    ContactRecord,
    PetRecord,
    ResponseRecord,
    Schedule,
    StatusRecord,
    SubjectRecord,
    Windows,
    derive,
)
from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import DawnaError, PermissionDenied
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.rules.pet import Study, summarize
from dawna.rules.recist_case import Assessment, Baseline, settings_from
from dawna.rules.screening_record import ethnicity_term, race_term
from dawna.services import pet, results_cache, tumour
from dawna.services.access import Permission, Principal
from dawna.services.treatment.calendar import CalendarData, calendar_data, calendar_events
from dawna.services.treatment.dispensing import intensities_of
from dawna.store.db import Database
from dawna.store.models import (
    AdverseEvent,
    Allocation,
    FollowUpContact,
    LabResult,
    Participant,
    PetStudy,
    Screening,
    Site,
    StatusEvent,
    TreatmentCycle,
    TreatmentPlan,
    TumourAssessment,
)
from dawna.store.uow import UnitOfWork

__all__ = ["analysis_data", "last_doses", "schedule", "windows"]


def _sites(principal: Principal) -> list[int]:
    sites = principal.sites_with(Permission.TREATMENT_VIEW)
    if not sites:
        raise PermissionDenied(_("your roles do not allow the analysis data sets, which show "
                                 "the allocated arm ({permission})").format(
            permission=Permission.TREATMENT_VIEW.value), field="site")
    return sites


def schedule() -> Schedule:
    """The tumour assessment schedule of the protocol file (interval and window, in days)."""
    protocol = bundled_protocol()
    return Schedule(
        interval_days=round(protocol.setting_number("tumour_assessment_interval_weeks") * 7),
        window_days=round(protocol.setting_number("tumour_assessment_window_days")))


def windows() -> Windows:
    """Clinical benefit and treatment-emergent windows and the best-overall-response settings
    of the protocol file."""
    protocol = bundled_protocol()
    return Windows(
        cbr_min_days=round(protocol.setting_number("clinical_benefit_min_weeks") * 7),
        teae_days_after_last_dose=round(
            protocol.setting_number("treatment_emergent_days_after_last_dose")),
        recist=settings_from(protocol))


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[row.participant_id].append(row)
    return out


def _ae(row: AdverseEvent) -> AdverseEventRecord:
    return AdverseEventRecord(
        number=row.number, term=row.term, grade=row.grade, start=row.start_date,
        stop=row.stop_date, serious=row.serious,
        related=any(v == "related" for v in (row.relatedness or {}).values()),
        action=row.action_taken, outcome=row.outcome)


def _contact(row: FollowUpContact) -> ContactRecord:
    starts = tuple(d for d in (_date(t.get("start_date")) for t in row.subsequent_therapy or [])
                   if d is not None)
    return ContactRecord(on=row.contact_date, vital_status=row.vital_status,
                         death_date=row.death_date, therapy_starts=starts)


def last_doses(s: Any, settings: Settings, people: list[Participant],
                cutoff: date) -> dict[int, date]:
    """The last day a trial drug was given on or before ``cutoff`` to each of ``people``: the
    dose days of the cycles recorded (their actual starts, the drugs given in each, the
    regimen's days), none after the end of treatment (``services.treatment.calendar``, its
    calendar laid out from data read for all of them at once). Absent without a cycle or a
    regimen the calendar can lay out."""
    data = calendar_data(s, [p.id for p in people])
    out = {}
    for p in people:
        try:
            _regimen, events = calendar_events(s, settings, p, extra_cycles=0,
                                               data=data.get(p.id) or CalendarData(None, None))
        except DawnaError:
            continue
        days = [e.date for e in events if e.kind == "dose" and e.date <= cutoff]
        if days:
            out[p.id] = max(days)
    return out


def _store_records(db: Database, settings: Settings, sites: list[int],
                   cutoff: date) -> list[SubjectRecord]:
    """Every record of the participants randomized by ``cutoff`` at ``sites``, tumour
    assessments and PET reads included, in one read of the store: one query per table for all
    of them (issue 23: no session or query per participant), the calendars giving the last dose
    dates included (``last_doses``)."""
    labels = {arm.id: arm.label for arm in bundled_protocol().arms}
    with UnitOfWork(db) as uow:
        s = uow.session
        people = [(p, a, code) for p, a, code in s.execute(
            select(Participant, Allocation, Site.code)
            .join(Allocation, Allocation.participant_id == Participant.id)
            .join(Site, Site.id == Participant.site_id)
            .where(Participant.site_id.in_(sites))
            .order_by(Participant.pseudonym))
            if a.randomized_at.astimezone(settings.zone).date() <= cutoff]
        ids = [p.id for p, _a, _c in people]

        def rows(model: Any, *order: Any) -> dict[int, list[Any]]:
            return _grouped(s.scalars(select(model).where(model.participant_id.in_(ids))
                                      .order_by(*order)))

        screening = {r.participant_id: r.record for r in s.scalars(
            select(Screening).where(Screening.participant_id.in_(ids)))}
        plans = {r.participant_id: r.regimen_id for r in s.scalars(
            select(TreatmentPlan).where(TreatmentPlan.participant_id.in_(ids)))}
        events = rows(StatusEvent, StatusEvent.event_date, StatusEvent.id)
        contacts = rows(FollowUpContact, FollowUpContact.contact_date, FollowUpContact.id)
        cycles = rows(TreatmentCycle, TreatmentCycle.cycle)
        labs = _grouped(s.execute(  # the dates only: thousands of results
            select(LabResult.participant_id, LabResult.sample_date)
            .where(LabResult.participant_id.in_(ids))
            .order_by(LabResult.participant_id, LabResult.sample_date, LabResult.id)))
        aes = rows(AdverseEvent, AdverseEvent.number)
        scans = rows(TumourAssessment, TumourAssessment.assessment_date, TumourAssessment.id)
        studies = rows(PetStudy, PetStudy.scan_date, PetStudy.id)
        intensity = intensities_of(s, ids, cutoff)
        last_dose = last_doses(s, settings, [
            p for p, _a, _c in people if cycles[p.id] and any(
                e.event == "treatment_ended" and e.event_date <= cutoff for e in events[p.id])],
            cutoff)
        out = []
        for p, a, code in people:
            record = screening.get(p.id) or {}
            randomized = a.randomized_at.astimezone(settings.zone).date()
            out.append(SubjectRecord(
                pseudonym=p.pseudonym, site=code, arm=a.arm, arm_label=labels.get(a.arm, a.arm),
                randomized=randomized,
                factors={str(k): str(v) for k, v in (a.factors or {}).items()},
                regimen=plans.get(p.id, ""),
                date_of_birth=_date(record.get("date_of_birth")),
                menopausal_status=record.get("menopausal_status"),
                sex=record.get("sex"), race=race_term(record.get("race")),
                ethnicity=ethnicity_term(record.get("ethnicity")),
                events=tuple(StatusRecord(e.event, e.event_date, e.reason)
                             for e in events[p.id]),
                cycle_starts=tuple(c.start_date for c in cycles[p.id]),
                lab_dates=tuple(x.sample_date for x in labs[p.id]),
                contacts=tuple(_contact(c) for c in contacts[p.id]),
                adverse_events=tuple(_ae(x) for x in aes[p.id]),
                last_dose=last_dose.get(p.id),
                dose_intensity=tuple((i.drug, i.relative_dose_intensity)
                                     for i in intensity[p.id]),
                pet=_pet(studies[p.id], randomized),
                **_tumour(scans[p.id], randomized, cutoff)))
    return out


def _tumour(rows: list[TumourAssessment], randomized: date, cutoff: date) -> dict[str, Any]:
    """The RECIST 1.1 responses known at ``cutoff``: the case re-evaluated from the baseline and
    the follow-ups dated on or before it (``services.tumour``, stable disease counted from
    randomization)."""
    base = next((r for r in rows if r.kind == tumour.BASELINE), None)
    if base is None:
        return {}
    baseline = Baseline.model_validate(base.data)
    if baseline.date > cutoff:
        return {}
    kept = [a for a in (Assessment.model_validate(r.data) for r in rows
                        if r.kind == tumour.FOLLOW_UP) if a.date <= cutoff]
    result = tumour._evaluate(baseline, kept, randomized)
    return {
        "responses": tuple(ResponseRecord(t.date, t.adt, t.overall, t.change_from_baseline_pct)
                           for t in result.timepoints),
        "progression_date": result.progression_date,
        "baseline_scan": baseline.date}


def _pet(rows: list[PetStudy], randomized: date) -> PetRecord:
    """The baseline FES/FDG covariates: the latest read study of each tracer scanned on or
    before randomization (``rules.pet.summarize``, the protocol's thresholds)."""
    studies = [(r.id, Study.model_validate(r.data)) for r in rows if r.status == "read"]

    def baseline(tracer: str) -> Study | None:
        read = [(st.scan_date, i, st) for i, st in studies
                if st.tracer == tracer and st.scan_date <= randomized]
        return max(read, key=lambda x: (x[0], x[1]))[2] if read else None

    fes, fdg = baseline("FES"), baseline("FDG")
    suvmax = max((x.suvmax for x in fdg.lesions), default=None) if fdg else None
    if fes is None:
        return PetRecord("not_read", fdg_suvmax=suvmax)
    summary = summarize(fes, fdg, pet.thresholds())
    not_evaluable = sum(1 for f, _g in summary.calls.values()
                        if f is not None and f.status == "not_evaluable")
    return PetRecord(summary.heterogeneity or "not_evaluable", positive=summary.er_positive,
                     negative=summary.lesions_read - summary.er_positive,
                     not_evaluable=not_evaluable, fdg_suvmax=suvmax)


def analysis_data(db: Database, settings: Settings, principal: Principal, *,
                  cutoff: date | None = None) -> AdamData:
    """ADSL, ADTTE, ADRS, ADAE and the definitions table of the randomized participants at the
    sites where the user holds ``treatment.view``, as of ``cutoff`` (default: today at the
    site). No randomized participant: empty data sets with every column. Built once per data
    version, cut, scope and language (``services.results_cache``); each caller gets its own
    copy of the frames."""
    sites = _sites(principal)
    cut = cutoff or local_today(settings.zone)
    adam = results_cache.cached(
        results_cache.key("analysis_data", db, settings, principal, cut),
        lambda: derive(_store_records(db, settings, sites, cut), cut, schedule(), windows()))
    return replace(adam, adsl=adam.adsl.copy(), adtte=adam.adtte.copy(), adrs=adam.adrs.copy(),
                   adae=adam.adae.copy(), definitions=adam.definitions.copy())
