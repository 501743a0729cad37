"""The store read for the SDTM export (issue 22 item 1): the participants at the reader's sites
who consented on or before the data cut, and every record of theirs dated on or before it, as
the plain records of ``exports/sdtm_records.py``.

Rules: SDTM shows the allocated arm, so like the analysis data sets it needs ``treatment.view``
(``services/analysis_data.py``), and only sites where the reader holds it are read. It is
always pseudonymized: the pseudonym is the only identifier read; the birth date is read only to
compute the age at consent. Dates are site-local (the randomization time in the site's zone).
Exposure (issue 21 item 8): oral drugs from their dispensings (``drug_dispensing``: one
interval per dispensing from the dispensing date over the prescribed days, ended by the
return, the end of treatment or the data cut; dose per administration = unit strength x
units per day / administrations per day of the regimen), depots from ``depot_dose``, the other
drugs (infusions) from the dose days of the cycles recorded (``services.treatment.calendar``).
RECIST readings and responses: ``services/sdtm_tumour.py``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.config import Settings
from dawna.errors import DawnaError, PermissionDenied
from dawna.exports import sdtm_records as r
from dawna.i18n import _
from dawna.rules.ctcae_terms import TERMS
from dawna.rules.screening_record import ethnicity_term, race_term
from dawna.services.access import Permission, Principal
from dawna.services.sdtm_tumour import tumour_records
from dawna.services.treatment.calendar import calendar_events
from dawna.store.models import (
    AdverseEvent,
    Allocation,
    ConcomitantMedication,
    DepotDose,
    DrugDispensing,
    Ecg,
    FollowUpContact,
    HbvScreening,
    LabResult,
    MedicalHistory,
    Participant,
    PregnancyTest,
    Screening,
    Site,
    StatusEvent,
    TreatmentCycle,
    VitalSigns,
)

__all__ = ["read_sdtm", "sdtm_sites"]

DEPOTS = frozenset({"goserelin", "leuprorelin", "fulvestrant"})
_PER_DAY = {"QD": 1, "BID": 2, "TID": 3, "QID": 4}


def sdtm_sites(principal: Principal) -> list[int]:
    sites = principal.sites_with(Permission.TREATMENT_VIEW)
    if not sites:
        raise PermissionDenied(_("your roles do not allow the SDTM export, which shows the "
                                 "allocated arm ({permission})").format(
            permission=Permission.TREATMENT_VIEW.value), field="site")
    return sites


def _grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[row.participant_id].append(row)
    return out


def _age(birth: Any, on: date) -> int | None:
    try:
        born = date.fromisoformat(str(birth))
    except ValueError:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _subject(p: Participant, code: str, consent: date, screening: Screening | None,
             allocation: Allocation | None, settings: Settings, events: list[StatusEvent],
             contacts: list[FollowUpContact], cut: date) -> r.Subject:
    record = screening.record if screening else {}
    decided = screening is not None and screening.decision_date is not None \
        and screening.decision_date <= cut and screening.outcome in ("eligible", "ineligible")
    randomized = allocation.randomized_at.astimezone(settings.zone).date() if allocation else None
    if randomized is not None and randomized > cut:
        allocation, randomized = None, None
    deaths = [c.death_date for c in contacts if c.death_date and c.death_date <= cut]
    return r.Subject(
        pseudonym=p.pseudonym, site=code, consent=consent,
        age=_age(record.get("date_of_birth"), consent) if record.get("date_of_birth") else None,
        sex=record.get("sex"), race=race_term(record.get("race")),
        ethnicity=ethnicity_term(record.get("ethnicity")),
        arm=allocation.arm if allocation else None, randomized=randomized,
        decision=screening.decision_date if decided and screening else None,
        eligible=(screening.outcome == "eligible") if decided and screening else None,
        failed_criteria=tuple(c for c in (screening.failed_criteria or "").split(",") if c)
        if decided and screening else (),
        events=tuple(r.StatusChange(e.event, e.event_date, e.reason) for e in events
                     if e.event_date <= cut),
        death=min(deaths) if deaths else None)


def _oral(pseudonym: str, row: DrugDispensing, frequency: str, eot: date | None,
          cut: date) -> r.Exposure:
    end = row.dispensed_on + timedelta(days=max(row.prescribed_days, 1) - 1)
    returned = row.returned_on if row.returned_on and row.returned_on <= cut else None
    for limit in (returned, eot, cut):
        if limit is not None and limit >= row.dispensed_on:
            end = min(end, limit)
    per_day = _PER_DAY.get(frequency, 1)
    return r.Exposure(
        pseudonym=pseudonym, drug=row.drug, start=row.dispensed_on, end=end,
        dose=round(row.unit_strength_mg * row.units_per_day / per_day, 4), unit="mg",
        route="PO", frequency=frequency, source="dispensing", cycle=row.cycle,
        lot=row.lot_number, units_dispensed=row.units_dispensed,
        units_returned=row.units_returned if returned else None,
        units_lost=row.units_lost if returned else None)


def _exposures(s: Session, settings: Settings, p: Participant, dispensed: list[DrugDispensing],
               depots: list[DepotDose], eot: date | None, cut: date) -> list[r.Exposure]:
    try:
        regimen, events = calendar_events(s, settings, p, extra_cycles=0)
    except DawnaError:
        regimen, events = None, []
    planned = {d.drug: d for d in regimen.drugs} if regimen else {}
    out = []
    for row in dispensed:
        if row.dispensed_on <= cut:
            frequency = planned[row.drug].frequency if row.drug in planned else "QD"
            out.append(_oral(p.pseudonym, row, frequency, eot, cut))
    for d in depots:
        if d.given_on <= cut:
            route = planned[d.drug].route if d.drug in planned else None
            out.append(r.Exposure(p.pseudonym, d.drug, d.given_on, d.given_on, d.dose, d.unit,
                                  route, "ONCE", "depot"))
    oral = {row.drug for row in dispensed} | {d for d, x in planned.items() if x.route == "PO"}
    for e in events:
        if e.kind != "dose" or e.drug is None or e.date > cut or e.drug in oral \
                or e.drug in DEPOTS:
            continue
        out.append(r.Exposure(p.pseudonym, e.drug, e.date, e.date, e.dose, e.unit, e.route,
                              "ONCE", "administration", cycle=e.cycle))
    return out


def _labs(p: Participant, labs: list[LabResult], pregnancy: list[PregnancyTest],
          hbv: list[HbvScreening], cut: date) -> list[r.LabTest]:
    out = [r.LabTest(p.pseudonym, x.analyte, x.sample_date, x.value, x.unit, x.lln, x.uln,
                     x.grade, x.term) for x in labs if x.sample_date <= cut]
    out += [r.LabTest(p.pseudonym, "hcg", t.test_date, t.result.upper(),
                      specimen={"serum": "SERUM", "urine": "URINE"}.get(t.method.lower()))
            for t in pregnancy if t.test_date <= cut]
    for h in hbv:
        if h.sample_date > cut:
            continue
        out += [r.LabTest(p.pseudonym, "hbsag", h.sample_date,
                          "POSITIVE" if h.hbsag_positive else "NEGATIVE"),
                r.LabTest(p.pseudonym, "hbcab", h.sample_date,
                          "POSITIVE" if h.anti_hbc_positive else "NEGATIVE")]
        if h.hbv_dna_iu_ml is not None:
            out.append(r.LabTest(p.pseudonym, "hbvdna", h.sample_date, h.hbv_dna_iu_ml,
                                 "IU/mL"))
    return out


def _clinical(p: Participant, rows: dict[str, list[Any]], cut: date) -> dict[str, list[Any]]:
    ps = p.pseudonym
    return {
        "vitals": [r.VitalSigns(ps, v.measured_on, v.timepoint, v.height_cm, v.weight_kg,
                                v.systolic_mmhg, v.diastolic_mmhg, v.pulse_bpm, v.temperature_c)
                   for v in rows["vitals"] if v.measured_on <= cut],
        "ecgs": [r.EcgReading(ps, e.recorded_on, e.timepoint, e.qt_ms, e.rr_ms,
                              e.heart_rate_bpm, e.qtcf_ms)
                 for e in rows["ecgs"] if e.recorded_on <= cut],
        "medications": [r.Medication(
            ps, m.drug, m.atc_code, m.dose, m.unit, m.route, m.frequency, m.indication,
            m.start_date, m.stop_date if m.stop_date and m.stop_date <= cut else None,
            m.ongoing or not (m.stop_date and m.stop_date <= cut), m.cyp3a)
            for m in rows["medications"] if m.start_date <= cut],
        "history": [r.History(ps, h.condition, h.code, h.start_date,
                              h.stop_date if h.stop_date and h.stop_date <= cut else None,
                              h.ongoing or not (h.stop_date and h.stop_date <= cut))
                    for h in rows["history"] if h.start_date is None or h.start_date <= cut]}


def _visits(subject: r.Subject, cycles: list[TreatmentCycle], cut: date) -> list[r.Visit]:
    out = [r.Visit(subject.pseudonym, "SCREENING", 1.0, subject.consent,
                   max(subject.decision or subject.consent, subject.consent))]
    if subject.randomized:
        out.append(r.Visit(subject.pseudonym, "RANDOMIZATION", 2.0, subject.randomized,
                           subject.randomized))
    out += [r.Visit(subject.pseudonym, f"CYCLE {c.cycle}", 100.0 + c.cycle, c.start_date,
                    c.start_date) for c in cycles if c.start_date <= cut]
    return out


def _ae(p: Participant, a: AdverseEvent) -> r.AdverseEvent:
    term = TERMS.get(a.term)
    return r.AdverseEvent(
        p.pseudonym, a.number, a.term, a.grade, a.start_date, a.stop_date, a.serious,
        tuple(a.seriousness or ()),
        any(v == "related" for v in (a.relatedness or {}).values()) if a.relatedness else None,
        a.action_taken, a.outcome, a.expectedness, term.soc if term else None)


def read_sdtm(s: Session, settings: Settings, sites: list[int], cut: date) -> r.SdtmInput:
    """Everything the SDTM data sets need, in one read of the store."""
    people = [(p, code) for p, code in s.execute(
        select(Participant, Site.code).join(Site, Site.id == Participant.site_id)
        .where(Participant.site_id.in_(sites)).order_by(Participant.pseudonym))
        if p.consent_date is not None and p.consent_date <= cut]
    ids = [p.id for p, _c in people]

    def rows(model: Any, *order: Any) -> dict[int, list[Any]]:
        return _grouped(s.scalars(select(model).where(model.participant_id.in_(ids))
                                  .order_by(*order)))

    screening = {x.participant_id: x for x in s.scalars(
        select(Screening).where(Screening.participant_id.in_(ids)))}
    allocations = {x.participant_id: x for x in s.scalars(
        select(Allocation).where(Allocation.participant_id.in_(ids)))}
    events = rows(StatusEvent, StatusEvent.event_date, StatusEvent.id)
    contacts = rows(FollowUpContact, FollowUpContact.contact_date)
    cycles = rows(TreatmentCycle, TreatmentCycle.cycle)
    table = {name: rows(model, model.id) for name, model in (
        ("dispensed", DrugDispensing), ("depots", DepotDose), ("labs", LabResult),
        ("pregnancy", PregnancyTest), ("hbv", HbvScreening), ("aes", AdverseEvent),
        ("vitals", VitalSigns), ("ecgs", Ecg), ("medications", ConcomitantMedication),
        ("history", MedicalHistory))}
    out: dict[str, list[Any]] = defaultdict(list)
    out["subjects"] = []  # a reader with no consented participant in scope: empty domains
    for p, code in people:
        subject = _subject(p, code, p.consent_date, screening.get(p.id),  # type: ignore[arg-type]
                           allocations.get(p.id), settings, events[p.id],
                           [c for c in contacts[p.id] if c.contact_date <= cut], cut)
        out["subjects"].append(subject)
        eot = next((e.on for e in subject.events if e.event == "treatment_ended"), None)
        if subject.randomized:
            out["exposures"] += _exposures(s, settings, p, table["dispensed"][p.id],
                                           table["depots"][p.id], eot, cut)
        out["adverse_events"] += [_ae(p, a) for a in table["aes"][p.id] if a.start_date <= cut]
        out["labs"] += _labs(p, table["labs"][p.id], table["pregnancy"][p.id],
                             table["hbv"][p.id], cut)
        for key, values in _clinical(p, {k: table[k][p.id] for k in (
                "vitals", "ecgs", "medications", "history")}, cut).items():
            out[key] += values
        out["visits"] += _visits(subject, cycles[p.id], cut)
        for key, values in tumour_records(s, settings, p, cut).items():
            out[key] += values
    return r.SdtmInput(cutoff=cut, **{k: tuple(v) for k, v in out.items()})
