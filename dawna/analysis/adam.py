"""Analysis data sets of DAWNA-FES in the CDISC ADaM style: ADSL (one row per randomized
participant), ADTTE (PFS and OS), ADRS (RECIST 1.1 responses), ADAE (adverse events), and the
definitions table (one row per variable: label, type, derivation rule and source). Pure: plain
records in (:class:`SubjectRecord`, built by ``dawna.services.analysis_data``), DataFrames out;
no database, no clock. Events after the data cut-off are ignored everywhere.

Sources: CDISC ADaM Implementation Guide v1.3 (ADSL variables, BDS structure) and ADaM BDS for
time-to-event (ADTTE); the PFS and OS rules in :mod:`dawna.analysis.adam_tte` (FDA 2018
endpoints guidance, ``docs/domain.md`` §3); RECIST 1.1 (Eisenhauer et al., Eur J Cancer
2009;45:228-247) and ``dawna.rules.recist`` for responses (domain.md §2); CTCAE v5.0 for AE
grades (domain.md §4); FES categories of domain.md §6. Clinical benefit: CR, PR, or stable
disease (or Non-CR/Non-PD) lasting at least 24 weeks (168 days) from randomization, as in
PALOMA-3 (Turner et al., N Engl J Med 2015;373:209-219); the 24-week assessment is scheduled
with a window (± 7 days), so an assessment on day 168 - 7 = 161 or later counts
(``clinical_benefit_min_weeks`` and ``tumour_assessment_window_days`` in the protocol file).

Responses after a new anticancer therapy (or after the first PD) count for no response endpoint,
as for PFS (FDA 2018 endpoints guidance; RECIST 1.1 §4.4: best overall response is recorded from
the start of study treatment until disease progression or the start of subsequent therapy).

Treatment-emergent (TRTEMFL): an adverse event starting on or after the first dose and no later
than ``treatment_emergent_days_after_last_dose`` (30) days after the last dose, and before the
start of a new anticancer therapy, whichever comes first (ICH E9 §7.2.3 safety window; the
30-day convention of oncology protocols; a protocol setting, site decision).

Response codes (AVAL of ADRS, ordered best to worst as ``dawna.rules.recist``): CR 1, PR 2,
SD 3, NON-CR/NON-PD 4, PD 5, NE 6.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from dawna.analysis import adam_meta as meta
from dawna.analysis.adam_response import (
    RESPONSE_CODES,
    BestResponseRecord,
    ResponseRecord,
    ResponseSummary,
    responses_before_new_therapy,
    rs_rows,
    summarize,
)
from dawna.analysis.adam_tte import (
    ADTTE_VARIABLES,
    Schedule,
    TimeToEvent,
    death_date,
    last_alive,
    overall_survival,
    progression_free_survival,
)
from dawna.analysis.adam_windows import Windows, treatment_emergent

__all__ = ["RESPONSE_CODES", "AdamData", "AdverseEventRecord", "BestResponseRecord",
           "ContactRecord", "PetRecord", "ResponseRecord", "Schedule", "StatusRecord",
           "SubjectRecord", "Windows", "derive", "pfs_frame", "responses_before_new_therapy",
           "treatment_emergent", "worst_grade_table"]

STUDYID = "DAWNA-FES"
#: CDISC RACE (C74457, not extensible) and ETHNIC (C66790) terms; anything else is NOT
#: REPORTED. One race is collected (rules/screening_record.py), so no MULTIPLE.
RACES = ("AMERICAN INDIAN OR ALASKA NATIVE", "ASIAN", "BLACK OR AFRICAN AMERICAN",
         "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER", "WHITE", "OTHER", "NOT REPORTED",
         "UNKNOWN")
ETHNICITIES = ("HISPANIC OR LATINO", "NOT HISPANIC OR LATINO", "NOT REPORTED", "UNKNOWN")


@dataclass(frozen=True)
class AdamData:
    adsl: pd.DataFrame
    adtte: pd.DataFrame
    adrs: pd.DataFrame
    adae: pd.DataFrame
    definitions: pd.DataFrame  # DATASET, VARIABLE, LABEL, TYPE ("Char"/"Num"), DERIVATION, SOURCE
    cutoff: date | None = None


@dataclass(frozen=True)
class StatusRecord:
    """A move of the participant's state machine (``StatusEvent``)."""

    event: str
    on: date
    reason: str | None = None


@dataclass(frozen=True)
class ContactRecord:
    """A survival follow-up contact and the start dates of subsequent anticancer therapies."""

    on: date
    vital_status: str
    death_date: date | None = None
    therapy_starts: tuple[date, ...] = ()


@dataclass(frozen=True)
class PetRecord:
    """Baseline FES/FDG covariates: category all_positive / mixed / all_negative /
    not_evaluable, lesion counts, the highest FDG SUVmax."""

    category: str
    positive: int | None = None
    negative: int | None = None
    not_evaluable: int | None = None
    fdg_suvmax: float | None = None


@dataclass(frozen=True)
class AdverseEventRecord:
    number: int
    term: str
    grade: int
    start: date
    stop: date | None = None
    serious: bool = False
    related: bool = False
    action: str = ""
    outcome: str = ""


@dataclass(frozen=True)
class SubjectRecord:
    """Everything the data sets take of one randomized participant (dates site-local)."""

    pseudonym: str
    site: str
    arm: str
    arm_label: str
    randomized: date
    factors: Mapping[str, str]
    regimen: str = ""
    date_of_birth: date | None = None
    menopausal_status: str | None = None
    sex: str | None = None  # "female" / "male" as the screening record holds it
    race: str | None = None  # a CDISC RACE term, when recorded
    ethnicity: str | None = None  # a CDISC ETHNIC term, when recorded
    events: tuple[StatusRecord, ...] = ()
    cycle_starts: tuple[date, ...] = ()
    lab_dates: tuple[date, ...] = ()
    contacts: tuple[ContactRecord, ...] = ()
    responses: tuple[ResponseRecord, ...] = ()
    progression_date: date | None = None
    baseline_scan: date | None = None  # the RECIST baseline (SD interval start if scanned
    # after an assessment dated on or before randomization)
    pet: PetRecord | None = None
    adverse_events: tuple[AdverseEventRecord, ...] = ()
    last_dose: date | None = None  # the last day a trial drug was given (None: unknown)
    # relative dose intensity of each oral drug (dawna.rules.dispensing), by drug name
    dose_intensity: tuple[tuple[str, float | None], ...] = ()


def _upto(d: date | None, cutoff: date) -> date | None:
    return d if d is not None and d <= cutoff else None


def _first(dates: Sequence[date | None], cutoff: date) -> date | None:
    known = [d for d in dates if d is not None and d <= cutoff]
    return min(known) if known else None


def _age(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _flag(value: bool) -> str:
    return "Y" if value else "N"


def _eos_status(end: StatusRecord | None) -> str:
    if end is None:
        return "ONGOING"
    return "COMPLETED" if end.reason == "study_closed" else "DISCONTINUED"


@dataclass(frozen=True)
class _Derived:
    subject: SubjectRecord
    adsl: dict[str, Any]
    response: ResponseSummary
    pfs: TimeToEvent
    os: TimeToEvent
    therapy: date | None
    windows: Windows
    schedule: Schedule


#: The ADSL variable of each oral drug's relative dose intensity.
RDI_VARIABLES = {"dalpiciclib": "RDIDALP", "letrozole": "RDIENDO", "anastrozole": "RDIENDO",
                 "exemestane": "RDIENDO", "tamoxifen": "RDIENDO", "toremifene": "RDIENDO",
                 "capecitabine": "RDICAPE"}


def _intensity(values: Sequence[tuple[str, float | None]]) -> dict[str, float | None]:
    out: dict[str, float | None] = dict.fromkeys(sorted(set(RDI_VARIABLES.values())))
    for drug, rdi in values:
        if drug in RDI_VARIABLES:
            out[RDI_VARIABLES[drug]] = rdi
    return out


def _subject(s: SubjectRecord, cutoff: date, schedule: Schedule, windows: Windows) -> _Derived:
    events = [e for e in s.events if e.on <= cutoff]
    started = _first([*s.cycle_starts, *(e.on for e in events
                                         if e.event == "treatment_started")], cutoff)
    ended = next((e for e in sorted(events, key=lambda e: e.on)
                  if e.event == "treatment_ended"), None)
    study_end = next((e for e in sorted(events, key=lambda e: e.on)
                      if e.event == "study_ended"), None)
    contacts = [c for c in s.contacts if c.on <= cutoff]
    death = death_date([*(c.death_date for c in contacts),
                        *(e.on for e in events if e.reason == "death"
                          and e.event in ("study_ended", "treatment_ended"))], cutoff)
    responses = tuple(r for r in s.responses if r.on <= cutoff)
    alive = last_alive(s.randomized, [
        *(c.on for c in contacts if c.vital_status == "alive"),
        *(e.on for e in events if e.event != "study_ended"),
        *(r.on for r in responses), *s.lab_dates, *s.cycle_starts,
        *(a.start for a in s.adverse_events)], cutoff, death)
    therapy = _first([t for c in contacts for t in c.therapy_starts], cutoff)
    pfs = progression_free_survival(s.randomized, [(r.adt, r.response) for r in responses],
                                    _upto(s.progression_date, cutoff), death, therapy, cutoff,
                                    schedule)
    os_ = overall_survival(s.randomized, death, alive, cutoff)
    counted = responses_before_new_therapy(responses, therapy)
    reference = (s.baseline_scan if counted and counted[0].on <= s.randomized else None)
    response = summarize(responses, therapy, s.randomized, windows.recist,
                         windows.cbr_min_days - schedule.window_days, reference)
    last_dose = _upto(s.last_dose, cutoff)
    pet = s.pet or PetRecord("not_read")
    visceral = s.factors.get("visceral_metastasis", "")
    row = {
        "STUDYID": STUDYID, "USUBJID": f"{STUDYID}-{s.pseudonym}", "SUBJID": s.pseudonym,
        "SITEID": s.site, "ARMCD": s.arm, "ARM": s.arm_label, "REGIMEN": s.regimen,
        "RANDDT": s.randomized, "TRTSDT": started,
        "TRTEDT": (last_dose or ended.on) if ended is not None and started is not None
        else None,
        "ITTFL": "Y", "SAFFL": _flag(started is not None),
        "STRAT1": visceral, "STRAT1V": {"yes": 1, "no": 0}.get(visceral),
        "STRAT2": s.factors.get("cdk46i_setting", ""),
        "AGE": _age(s.date_of_birth, s.randomized), "MENOSTAT": s.menopausal_status or "",
        "SEX": {"female": "F", "male": "M"}.get(s.sex or "", "U"),
        "RACE": s.race if s.race in RACES else "NOT REPORTED",
        "ETHNIC": s.ethnicity if s.ethnicity in ETHNICITIES else "NOT REPORTED",
        "FESCAT": pet.category, "FESNPOS": pet.positive, "FESNNEG": pet.negative,
        "FESNNE": pet.not_evaluable, "FDGSUVMX": pet.fdg_suvmax,
        "EOTSTT": "DISCONTINUED" if ended is not None else "ONGOING",
        "EOTRSN": meta.EOT_REASONS.get(ended.reason or "", (ended.reason or "").upper())
        if ended is not None else "",
        "EOSSTT": _eos_status(study_end),
        "EOSRSN": meta.EOS_REASONS.get(study_end.reason or "", (study_end.reason or "").upper())
        if study_end is not None else "",
        "EOSDT": study_end.on if study_end is not None else None,
        "DTHFL": "Y" if death is not None else "", "DTHDT": death, "LSTALVDT": alive,
        "BESTPCHG": response.best_change_pct,
        "BOR": response.bor.response, "UBOR": response.ubor.response,
        **_intensity(s.dose_intensity),
    }
    return _Derived(s, row, response, pfs, os_, therapy, windows, schedule)


def _tte_rows(d: _Derived) -> list[dict[str, Any]]:
    rows = []
    for t, param in ((d.pfs, "Progression-free survival (days)"),
                     (d.os, "Overall survival (days)")):
        rows.append({
            "STUDYID": STUDYID, "USUBJID": d.adsl["USUBJID"], "ARMCD": d.adsl["ARMCD"],
            "STRAT1": d.adsl["STRAT1"], "STRAT2": d.adsl["STRAT2"], "FESCAT": d.adsl["FESCAT"],
            "PARAMCD": t.paramcd, "PARAM": param, "STARTDT": t.start, "ADT": t.adt,
            "AVAL": t.aval, "AVALM": t.avalm, "CNSR": t.cnsr, "EVNTDESC": t.evntdesc,
            "CNSDTDSC": t.cnsdtdsc})
    return rows


def _rs_rows(d: _Derived) -> list[dict[str, Any]]:
    return rs_rows(d.response, {"STUDYID": STUDYID, "USUBJID": d.adsl["USUBJID"],
                                "ARMCD": d.adsl["ARMCD"]}, d.subject.randomized)


def _ae_rows(d: _Derived, cutoff: date) -> list[dict[str, Any]]:
    start = d.adsl["TRTSDT"]
    rows = []
    for ae in sorted(d.subject.adverse_events, key=lambda a: a.number):
        if ae.start > cutoff:
            continue
        rows.append({
            "STUDYID": STUDYID, "USUBJID": d.adsl["USUBJID"], "ARMCD": d.adsl["ARMCD"],
            "AESEQ": ae.number, "AEDECOD": ae.term, "AETOXGR": str(ae.grade),
            "AETOXGRN": ae.grade, "ASTDT": ae.start, "AENDT": _upto(ae.stop, cutoff),
            "AESER": _flag(ae.serious), "AEREL": _flag(ae.related),
            "AEACN": meta.AE_ACTIONS.get(ae.action, ae.action.upper().replace("_", " ")),
            "AEOUT": meta.AE_OUTCOMES.get(ae.outcome, ae.outcome.upper().replace("_", " ")),
            "TRTEMFL": _flag(treatment_emergent(
                ae.start, start, _upto(d.subject.last_dose, cutoff) or d.adsl["TRTEDT"],
                d.therapy, d.windows.teae_days_after_last_dose)),
            "SAFFL": d.adsl["SAFFL"]})
    return rows


def _frame(rows: list[dict[str, Any]], variables: Sequence[tuple[str, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[v[0] for v in variables])


def derive(subjects: Sequence[SubjectRecord], cutoff: date,
           schedule: Schedule = Schedule(), windows: Windows = Windows()) -> AdamData:
    """The four data sets and the definitions table, rows sorted by USUBJID (reproducible);
    participants randomized after ``cutoff`` are left out. No participants: empty frames
    with every column."""
    derived = [_subject(s, cutoff, schedule, windows)
               for s in sorted(subjects, key=lambda s: s.pseudonym) if s.randomized <= cutoff]
    return AdamData(
        adsl=_frame([d.adsl for d in derived], meta.ADSL_VARIABLES),
        adtte=_frame([r for d in derived for r in _tte_rows(d)], ADTTE_VARIABLES),
        adrs=_frame([r for d in derived for r in _rs_rows(d)], meta.ADRS_VARIABLES),
        adae=_frame([r for d in derived for r in _ae_rows(d, cutoff)], meta.ADAE_VARIABLES),
        definitions=definitions(), cutoff=cutoff)


def definitions() -> pd.DataFrame:
    """One row per variable of each data set: DATASET, VARIABLE, LABEL, TYPE, DERIVATION,
    SOURCE."""
    rows = [(name, *v) for name, variables in (("ADSL", meta.ADSL_VARIABLES),
                                               ("ADTTE", ADTTE_VARIABLES),
                                               ("ADRS", meta.ADRS_VARIABLES),
                                               ("ADAE", meta.ADAE_VARIABLES))
            for v in variables]
    return pd.DataFrame(rows, columns=["DATASET", "VARIABLE", "LABEL", "TYPE", "DERIVATION",
                                       "SOURCE"])


def pfs_frame(adtte: pd.DataFrame, param: str = "PFS") -> pd.DataFrame:
    """The ADTTE rows of ``param`` as ``dawna.analysis.survival.pfs_summary`` takes them:
    time_months (AVALM), event (1 - CNSR for CNSR 0, else 0), arm (ARMCD), stratum (STRAT1 +
    "/" + STRAT2), fescat (FESCAT)."""
    rows = adtte[adtte["PARAMCD"] == param]
    return pd.DataFrame({
        "time_months": rows["AVALM"].astype(float),
        "event": (rows["CNSR"].astype(int) == 0).astype(int),
        "arm": rows["ARMCD"].astype(str),
        "stratum": rows["STRAT1"].astype(str) + "/" + rows["STRAT2"].astype(str),
        "fescat": rows["FESCAT"].astype(str)}).reset_index(drop=True)


GRADES = ("1", "2", "3", "4", "5", "3-5", "ANY")


def worst_grade_table(adae: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """Participants by worst CTCAE grade, per arm, over the safety population (ADSL.SAFFL = Y)
    and treatment-emergent events (TRTEMFL = Y): for "ANY ADVERSE EVENT" and for each term
    (AEDECOD), the number of participants whose worst grade is 1, 2, 3, 4 or 5, is 3 to 5, or
    who had any; N = safety participants of the arm; pct = 100 n / N to one decimal (empty
    when N = 0). Columns: term, arm, grade, n, N, pct."""
    safety = adsl[adsl["SAFFL"] == "Y"]
    arms = sorted(set(adsl["ARMCD"].astype(str)))
    denominators = {arm: int((safety["ARMCD"] == arm).sum()) for arm in arms}
    events = adae[(adae["TRTEMFL"] == "Y") & adae["USUBJID"].isin(set(safety["USUBJID"]))]
    worst_any = events.groupby(["ARMCD", "USUBJID"])["AETOXGRN"].max()
    worst_term = events.groupby(["AEDECOD", "ARMCD", "USUBJID"])["AETOXGRN"].max()
    rows: list[dict[str, Any]] = []
    terms = [("ANY ADVERSE EVENT", worst_any),
             *((t, worst_term.xs(t, level="AEDECOD")) for t in sorted(set(events["AEDECOD"])))]
    for term, worst in terms:
        for arm in arms:
            grades = [int(g) for g in (worst.xs(arm, level="ARMCD")
                                       if arm in worst.index.get_level_values(0) else [])]
            n_total = denominators[arm]
            for grade in GRADES:
                n = (len(grades) if grade == "ANY" else sum(1 for g in grades if g >= 3)
                     if grade == "3-5" else sum(1 for g in grades if g == int(grade)))
                rows.append({"term": term, "arm": arm, "grade": grade, "n": n, "N": n_total,
                             "pct": round(100 * n / n_total, 1) if n_total else None})
    return pd.DataFrame(rows, columns=["term", "arm", "grade", "n", "N", "pct"])
