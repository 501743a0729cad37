"""The simulated demo trial's treatment and safety (settings in ``dawna/demo/trial.yaml``,
``treatment:``): the investigator confirms each randomized participant's regimen and doses, the
coordinator records every cycle, blood counts on the protocol's days, chemistry each cycle,
adverse events graded by CTCAE v5.0, serious events with their 24-hour reports, and the dose
modifications dawna proposes from the worst toxicity, decided by the investigator.

Arm A's neutropenia follows DAWNA-2 (domain.md §5: grade ≥ 3 in 85.8 %, grade 4 in 21.2 %);
everything goes through the services at its simulated time, so proposals, delays, reductions,
the safety work list and the audit trail are what a site would produce.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from dawna.clock import local_today, simulated, utcnow
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.errors import DawnaError
from dawna.rules.depot import DEPOT_SCHEDULES
from dawna.rules.treatment_calendar import default_lab_rule
from dawna.services import dose_modification, safety, treatment, tumour
from dawna.services.access import Principal
from dawna.services.treatment.plans import entered_lab_rule
from dawna.store.db import Database
from dawna.store.models import Allocation, DoseDecision, Participant

__all__ = ["continue_treatment", "start"]


@dataclass
class _Person:
    pseudonym: str
    site_id: int
    arm: str
    randomized: date
    severe: int = 0           # worst neutropenia grade this participant will reach (0, 3, 4)
    severe_cycle: int = 1
    events: list[str] = field(default_factory=list)


def _people(db: Database, settings: Settings) -> list[_Person]:
    with db.sessions() as s:
        rows = s.execute(select(Participant.pseudonym, Participant.site_id, Allocation.arm,
                                Allocation.randomized_at)
                         .join(Allocation, Allocation.participant_id == Participant.id)
                         .order_by(Allocation.randomized_at)).all()
    return [_Person(p, site, arm, at.astimezone(settings.zone).date())
            for p, site, arm, at in rows]


def start(db: Database, settings: Settings, cfg: dict[str, Any], rng: random.Random,
          investigators: dict[int, Principal], coordinators: dict[int, Principal]) -> int:
    """Plan (investigator, on the day of randomization), screening chemistry as baseline, and
    cycle 1 one to three days after randomization; returns the number treated."""
    today = local_today(settings.zone)
    treated = 0
    for person in _people(db, settings):
        first = person.randomized + timedelta(days=rng.randint(1, 3))
        if first >= today:
            continue
        doctor = investigators[person.site_id]
        coordinator = coordinators[person.site_id]
        measures = {"height_cm": round(rng.uniform(150, 170), 1),
                    "weight_kg": round(rng.uniform(48, 75), 1),
                    "age_years": rng.randint(35, 70),
                    "creatinine_umol_l": round(rng.uniform(50, 85)),
                    "measured_on": person.randomized.isoformat()}
        with simulated(moment(person.randomized, 16, settings.zone)):
            for chosen in ({}, {"tamoxifen": 20}, {"capecitabine": 1000}):
                plan = treatment.PlanIn.model_validate({"measures": measures,
                                                        "chosen": chosen})
                try:
                    treatment.confirm_plan(db, settings, doctor, person.pseudonym, plan)
                    break
                except DawnaError as error:  # a range dose (tamoxifen, capecitabine) to pick
                    if error.field not in ("chosen", "chosen.tamoxifen", "chosen.capecitabine"):
                        raise
        _count(db, settings, cfg, rng, coordinator, person.pseudonym, person.randomized, 0,
               chemistry=True, chemistry_normal=True)
        with simulated(moment(first, 10, settings.zone)):
            treatment.record_cycle(db, settings, coordinator, person.pseudonym,
                                   treatment.CycleIn(cycle=1, start_date=first))
        treated += 1
    return treated


def _labs(db: Database, settings: Settings, who: Principal, pseudonym: str, day: date,
          values: list[tuple[str, float]], ranges: dict[str, Any]) -> list[Any]:
    """One laboratory report of ``values`` (analyte, value) sampled on ``day``."""
    with simulated(moment(day, 12, settings.zone)):
        return safety.record_labs(db, settings, who, pseudonym, [
            safety.LabIn(analyte=analyte, value=value, unit=ranges[analyte][2],
                         lln=ranges[analyte][0], uln=ranges[analyte][1], sample_date=day)
            for analyte, value in values])


def _count(db: Database, settings: Settings, cfg: dict[str, Any], rng: random.Random,
           who: Principal, pseudonym: str, day: date, grade: int, *,
           chemistry: bool = False, chemistry_normal: bool = False) -> Any:
    """A blood count whose neutrophils are of ``grade`` (0 = normal), with the chemistry panel
    in the same report when asked; returns the ANC row."""
    ranges = cfg["reference_ranges"]
    anc = {0: rng.uniform(2.0, 5.5), 1: rng.uniform(1.5, 1.79), 2: rng.uniform(1.0, 1.49),
           3: rng.uniform(0.5, 0.99), 4: rng.uniform(0.2, 0.49)}[grade]
    values: list[tuple[str, float]] = [
        ("anc", round(anc, 2)), ("wbc", round(anc + rng.uniform(1.2, 2.5), 2)),
        ("platelets", round(rng.uniform(110, 300))), ("haemoglobin", round(rng.uniform(105, 135)))]
    if chemistry:
        for analyte in ("alt", "ast", "bilirubin", "creatinine"):
            uln = ranges[analyte][1]
            high = not chemistry_normal and analyte in ("alt", "ast") and rng.random() < cfg[
                "chemistry_abnormal"]
            values.append((analyte, round(uln * (rng.uniform(1.1, 2.8) if high
                                                 else rng.uniform(0.5, 0.9)), 1)))
    return _labs(db, settings, who, pseudonym, day, values, ranges)[0]


def _decide(db: Database, settings: Settings, doctor: Principal, pseudonym: str,
            day: date) -> list[str]:
    """The investigator follows each proposal that changes something, and records "continue"
    or "resume" after a hold or delay; returns the actions."""
    actions = []
    with db.sessions() as s:
        rows = s.execute(select(DoseDecision.drug, DoseDecision.action)
                         .join(Participant, Participant.id == DoseDecision.participant_id)
                         .where(Participant.pseudonym == pseudonym)
                         .order_by(DoseDecision.decision_date, DoseDecision.id)).all()
    latest = dict(rows)
    waiting = {drug for drug, action in latest.items() if action in ("hold_recheck", "delay")}
    with simulated(moment(day, 13, settings.zone)):
        for p in dose_modification.propose(db, settings, doctor, pseudonym):
            action = p.proposal.action.value
            held = p.drug in waiting and latest.get(p.drug) in ("hold_recheck", "delay")
            if action == "continue" and not held:
                continue
            if held and action == latest.get(p.drug):
                continue  # still waiting: the recheck is next week
            dose_modification.decide(db, settings, doctor, pseudonym, p.drug, action,
                                     "Simulated: as proposed by the protocol rule",
                                     decision_date=day)
            actions.append(action)
    return actions


def _ae(db: Database, settings: Settings, who: Principal, pseudonym: str, drugs: list[str],
        data: dict[str, Any], related_to: set[str], at: datetime | None = None) -> int:
    """Record an adverse event at 17:00 on its start day (or at ``at``)."""
    start_day = date.fromisoformat(data["start_date"])
    data = {"relatedness": {d: "related" if d in related_to else "not_related" for d in drugs},
            **data}
    when = at or moment(start_day, 17, settings.zone)
    if data.get("aware_at"):  # recorded once the site knows (aware after 17:00 at night)
        when = max(when, datetime.fromisoformat(data["aware_at"]))
    with simulated(when):
        return safety.record_ae(db, settings, who, pseudonym, safety.AeIn.model_validate(data))


def _close(db: Database, settings: Settings, who: Principal, pseudonym: str, number: int,
           stop_day: date, reason: str) -> None:
    """Follow-up of an adverse event: resolved on ``stop_day``."""
    with db.sessions() as s:
        p = s.scalars(select(Participant).where(Participant.pseudonym == pseudonym)).one()
        ae = safety.event_of(s, p, number)
        s.expunge_all()
    if ae.stop_date is not None or stop_day < ae.start_date:
        return
    data = {"term": ae.term, "grade": ae.grade, "start_date": ae.start_date.isoformat(),
            "stop_date": stop_day.isoformat(), "serious": ae.serious,
            "seriousness": ae.seriousness, "relatedness": ae.relatedness,
            "action_taken": ae.action_taken, "outcome": "recovered",
            "lab_result_id": ae.lab_result_id, "expectedness": ae.expectedness,
            "aware_at": ae.aware_at.isoformat() if ae.aware_at else None}
    with simulated(moment(stop_day, 18, settings.zone)):
        safety.update_ae(db, settings, who, pseudonym, number,
                         safety.AeIn.model_validate(data), version=ae.version, reason=reason)


def _clinical(db: Database, settings: Settings, rng: random.Random, who: Principal,
              pseudonym: str, drugs: list[str], term: str, grade: int, start_day: date,
              related: set[str], today: date) -> None:
    """A clinical adverse event graded by the investigator; most resolve within two weeks."""
    n = _ae(db, settings, who, pseudonym, drugs, {
        "term": term, "grade": grade, "start_date": start_day.isoformat(),
        "action_taken": "dose_not_changed", "outcome": "not_recovered"}, related)
    stop = start_day + timedelta(days=rng.randint(3, 14))
    if stop < today and rng.random() < 0.8:
        _close(db, settings, who, pseudonym, n, stop, "Simulated: resolved at the next visit")


def recent_sae(db: Database, settings: Settings, coordinators: dict[int, Principal]) -> None:
    """One serious adverse event the site learnt of six hours ago and has not reported yet,
    so the safety work list shows the 24-hour clock running."""
    today = local_today(settings.zone)
    first_site = min(coordinators)
    for person in reversed(_people(db, settings)):
        if person.site_id != first_site:
            continue
        who = coordinators[person.site_id]
        view = treatment.treatment_view(db, settings, who, person.pseudonym)
        if view.status.value != "on_treatment" or view.plan is None:
            continue
        drugs = [d["drug"] for d in view.plan.doses]
        start = min((utcnow() - timedelta(hours=6)).astimezone(settings.zone).date(), today)
        # six hours ago, but not after the moment the event is recorded at (17:00 on its start
        # day, or now): late in the site's evening the two fall on different days
        aware = min(utcnow() - timedelta(hours=6), moment(start, 17, settings.zone))
        _ae(db, settings, who, person.pseudonym, drugs, {
            "term": "Lung infection", "grade": 3,
            "start_date": start.isoformat(),
            "serious": True, "seriousness": ["hospitalisation"], "aware_at": aware.isoformat(),
            "action_taken": "drug_interrupted", "outcome": "not_recovered",
            "description": "Simulated: admitted with fever and cough; chest CT shows "
                           "consolidation"}, set(), at=utcnow())
        return


def continue_treatment(db: Database, settings: Settings, cfg: dict[str, Any],
                       rng: random.Random, investigators: dict[int, Principal],
                       coordinators: dict[int, Principal]) -> dict[str, int]:
    """Cycles 2… until the progression the tumour simulation produced (or today), with blood
    counts, chemistry, adverse events and dose decisions; returns counts for the summary."""
    today = local_today(settings.zone)
    counts = {"cycles": 0, "labs": 0, "adverse_events": 0, "dose_decisions": 0}
    held_over_day_1 = False  # one hold (with a depot drug) still grade 3 on day 1: delayed
    for person in _people(db, settings):
        doctor = investigators[person.site_id]
        who = coordinators[person.site_id]
        view = treatment.treatment_view(db, settings, who, person.pseudonym)
        if not view.cycles or view.regimen is None:
            continue
        result = tumour.get(db, settings, who, person.pseudonym).result
        stop = result.progression_date if result and result.progression_date else today
        drugs = [d.drug for d in view.regimen.drugs]
        length = view.regimen.cycle_length_days
        if person.arm == "A":
            u = rng.random()
            person.severe = 4 if u < cfg["arm_a_g4"] else 3 if u < cfg["arm_a_g3_or_more"] else 0
        else:
            u = rng.random()
            person.severe = 4 if u < cfg["arm_b_g4"] else 3 if u < cfg["arm_b_g3_or_more"] else 0
        person.severe_cycle = 1 if rng.random() < 0.7 else 2
        cycle_start = view.cycles[0].start_date
        lab_days = [d for d in (entered_lab_rule(view.regimen)
                                or default_lab_rule(view.regimen)).days if d != 1]
        # its own random stream: the rest of the simulated trial stays as it was
        labs_rng = random.Random(f"labs-{person.pseudonym}")  # noqa: S311 - simulation
        number = 1
        open_neutropenia: int | None = None
        while True:
            # mid-cycle count (arm A: day 15 of cycles 1-2; arm B: day 8 of cycles 1-2)
            mid = cycle_start + timedelta(days=14 if person.arm == "A" else 7)
            if number <= 2 and mid < min(stop, today):
                grade = person.severe if number == person.severe_cycle else rng.choice([0, 1, 2])
                anc = _count(db, settings, cfg, rng, who, person.pseudonym, mid, grade)
                counts["labs"] += 4
                if grade >= 3 and open_neutropenia is None:
                    related = {"dalpiciclib"} if person.arm == "A" else set(drugs)
                    febrile = person.arm == "B" and rng.random() < cfg["febrile_share_b"]
                    data: dict[str, Any] = {
                        "term": "Neutrophil count decreased", "grade": grade,
                        "start_date": mid.isoformat(), "lab_result_id": anc.id,
                        "action_taken": "drug_interrupted" if person.arm == "A"
                        else "dose_not_changed", "outcome": "not_recovered"}
                    open_neutropenia = _ae(db, settings, who, person.pseudonym, drugs, data,
                                           related)
                    counts["adverse_events"] += 1
                    if febrile:
                        aware = mid + timedelta(days=1)
                        if aware < today:
                            fn = {"term": "Febrile neutropenia", "grade": 3,
                                  "start_date": aware.isoformat(), "serious": True,
                                  "seriousness": ["hospitalisation"],
                                  # listed in the labels (reference safety information)
                                  "expectedness": "expected",
                                  "aware_at": datetime.combine(
                                      aware, time(9), tzinfo=settings.zone).isoformat(),
                                  "action_taken": "dose_reduced", "outcome": "not_recovered"}
                            n = _ae(db, settings, who, person.pseudonym, drugs, fn,
                                    set(drugs))
                            counts["adverse_events"] += 1
                            if aware + timedelta(days=2) < today:
                                with simulated(moment(aware, 20, settings.zone)):
                                    safety.report_sae(db, settings, who, person.pseudonym, n)
                            resolved = aware + timedelta(days=5)
                            if resolved < today:
                                _close(db, settings, who, person.pseudonym, n, resolved,
                                       "Simulated: discharged, fever resolved")
                if person.arm == "A":
                    counts["dose_decisions"] += len(_decide(db, settings, doctor,
                                                            person.pseudonym, mid))
            # the other counts of the protocol's lab rule (day 8 of gemcitabine, days 8 and
            # 15 of weekly paclitaxel, every cycle); about one in twenty is missed (a
            # deviation the detection rules find)
            for lab_day in lab_days:
                when = cycle_start + timedelta(days=lab_day - 1)
                if (when != mid or number > 2) and when < min(stop, today) \
                        and labs_rng.random() < 0.95:
                    _count(db, settings, cfg, labs_rng, who, person.pseudonym, when,
                           labs_rng.choice([0, 0, 1]))
                    counts["labs"] += 4
            nxt = cycle_start + timedelta(days=length)
            if nxt >= min(stop, today):
                break
            # day-1 count; after severe neutropenia a recheck a week later
            grade = 0 if open_neutropenia is None else rng.choice([0, 1, 2])
            if (open_neutropenia is not None and not held_over_day_1
                    and set(drugs) & set(DEPOT_SCHEDULES)):
                grade, held_over_day_1 = 4, True  # (its depot keeps its own date: demo/depots)
            _count(db, settings, cfg, rng, who, person.pseudonym, nxt - timedelta(days=1),
                   grade, chemistry=True)
            counts["labs"] += 8
            if open_neutropenia is not None and grade < 3:
                _close(db, settings, who, person.pseudonym, open_neutropenia,
                       nxt - timedelta(days=1), "Simulated: neutrophils recovered on the "
                                                "day-1 count")
                open_neutropenia = None
            counts["dose_decisions"] += len(_decide(db, settings, doctor, person.pseudonym,
                                                    nxt - timedelta(days=1)))
            if person.arm == "B" and rng.random() < cfg["clinical_ae_share"]:
                term, grade = rng.choice(cfg["clinical_aes_b"])
                _clinical(db, settings, rng, who, person.pseudonym, drugs, term, grade,
                          cycle_start + timedelta(days=rng.randint(3, 10)), set(drugs), today)
                counts["adverse_events"] += 1
            if person.arm == "A" and rng.random() < cfg["clinical_ae_share"]:
                term, grade = rng.choice(cfg["clinical_aes_a"])
                _clinical(db, settings, rng, who, person.pseudonym, drugs, term, grade,
                          cycle_start + timedelta(days=rng.randint(3, 20)), {"dalpiciclib"},
                          today)
                counts["adverse_events"] += 1
            number += 1
            with simulated(moment(nxt, 10, settings.zone)):
                try:
                    treatment.record_cycle(db, settings, who, person.pseudonym,
                                           treatment.CycleIn(cycle=number, start_date=nxt))
                except DawnaError:  # a drug on hold: one week's delay, then resume
                    nxt = nxt + timedelta(days=7)
                    if nxt >= min(stop, today):
                        break
                    _count(db, settings, cfg, rng, who, person.pseudonym,
                           nxt - timedelta(days=1), rng.choice([0, 1]), chemistry=True,
                           chemistry_normal=True)
                    counts["labs"] += 8
                    counts["dose_decisions"] += len(_decide(db, settings, doctor,
                                                            person.pseudonym,
                                                            nxt - timedelta(days=1)))
                    try:
                        with simulated(moment(nxt, 10, settings.zone)):
                            treatment.record_cycle(db, settings, who, person.pseudonym,
                                                   treatment.CycleIn(
                                                       cycle=number, start_date=nxt,
                                                       delay_reason="Simulated: held for "
                                                                    "toxicity, recovered"))
                    except DawnaError:
                        break  # still not recovered: the site decides at the next visit
            counts["cycles"] += 1
            cycle_start = nxt
    return counts
