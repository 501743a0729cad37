"""Time-to-event rules of the analysis data sets: progression-free survival (PFS) and overall
survival (OS), their events, censoring codes and dates. Pure functions of dates; no database.

Sources: ``docs/domain.md`` §3; FDA guidance "Clinical Trial Endpoints for the Approval of
Cancer Drugs and Biologics" (2018), its table of PFS event and censoring dates; EMA "Guideline
on the evaluation of anticancer medicinal products", appendix 1 (PFS); CDISC ADaM BDS for
time-to-event analysis (ADTTE: PARAMCD, STARTDT, ADT, AVAL, CNSR, EVNTDESC, CNSDTDSC); the
pharmaverse ``admiralonco`` ADTTE template (``ad_adtte.R``) as a public example.

Duration (domain.md §3)::

    AVAL  = ADT - STARTDT + 1            (days; STARTDT = randomization date)
    AVALM = AVAL / 30.4375               (months: 365.25 / 12 days per month)

PFS, evaluated in this order (the first that applies decides):

- **event (CNSR 0)**: the earlier of the first documented progression (RECIST 1.1 overall PD,
  its CDISC analysis date) and death from any cause, on or before the cut-off and not after a
  new anticancer therapy; ADT = that date. PD and death on the same day: PD.
- **CNSR 3**: that event comes after two or more consecutive missed scheduled assessments:
  ADT = the last adequate assessment before the event (randomization if none). Assessments are
  scheduled on the grid anchored at randomization R: visit k falls due at R + k × ``interval``
  (8 weeks) with a window of ± ``window`` days (7) (``tumour_assessment_interval_weeks``,
  ``tumour_assessment_window_days``). A scheduled visit is **missed** when its whole window lies
  after the last adequate assessment L (it opens after L) and closed before the event E
  (R + k × interval + window < E). Two or more missed visits -> CNSR 3 (FDA 2018 guidance,
  table of PFS censoring: "death or progression after more than one missed visit"). Counted on
  the schedule, not as a gap from the last scan: with R = day 0, L = day 62 (visit 1, in its
  window) and E = day 176, visits 2 (window 105-119) and 3 (161-175) were both missed -> censored
  at L, although E - L = 114 days is shorter than two intervals and a window.
- **CNSR 1**: no adequate post-baseline assessment (and no event counted above): ADT =
  randomization date.
- **CNSR 2**: new anticancer therapy (the earliest subsequent therapy start on or before the
  cut-off) before any PD or death: ADT = the last adequate assessment on or before the therapy
  start (randomization if none). A PD or death on the therapy's start day counts as an event.
- **CNSR 4**: no PD or death by the cut-off: ADT = the last adequate assessment.

"Adequate" = an assessment after the randomization date, on or before the cut-off, whose overall
timepoint response is not NE; its date is the CDISC analysis date (latest scan for CR/PR,
earliest for SD/PD/NE).

OS: **event (CNSR 0)** death from any cause on or before the cut-off, ADT = death date;
otherwise **CNSR 1**, ADT = the last date the participant was known alive (:func:`last_alive`).
A death recorded after the cut-off is ignored, like every other event after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

__all__ = ["DAYS_PER_MONTH", "OS_CODES", "PFS_CODES", "Schedule", "TimeToEvent",
           "death_date", "last_alive", "overall_survival", "progression_free_survival"]

DAYS_PER_MONTH = 30.4375
NE = "NE"

#: CNSR code -> (EVNTDESC, CNSDTDSC) of PFS. Code 0 describes itself per event (PD or death).
PFS_CODES: dict[int, tuple[str, str]] = {
    0: ("DISEASE PROGRESSION OR DEATH", ""),
    1: ("NO ADEQUATE POST-BASELINE ASSESSMENT", "RANDOMIZATION DATE"),
    2: ("NEW ANTICANCER THERAPY BEFORE PD OR DEATH",
        "LAST ADEQUATE ASSESSMENT ON OR BEFORE NEW THERAPY"),
    3: ("PD OR DEATH AFTER 2 OR MORE MISSED ASSESSMENTS",
        "LAST ADEQUATE ASSESSMENT BEFORE THE MISSED ASSESSMENTS"),
    4: ("NO PD OR DEATH BY DATA CUT-OFF", "LAST ADEQUATE ASSESSMENT"),
}
#: CNSR code -> (EVNTDESC, CNSDTDSC) of OS.
OS_CODES: dict[int, tuple[str, str]] = {
    0: ("DEATH", ""),
    1: ("ALIVE AT DATA CUT-OFF", "LAST KNOWN ALIVE DATE"),
}


@dataclass(frozen=True)
class Schedule:
    """Tumour assessment schedule from randomization (protocol file site settings)."""

    interval_days: int = 56
    window_days: int = 7

    def __post_init__(self) -> None:
        if self.interval_days <= 0 or not 0 <= self.window_days < self.interval_days:
            raise ValueError("schedule: interval_days > 0 and 0 <= window_days < interval_days")

    def missed_visits(self, randomized: date, last: date, event: date) -> int:
        """Scheduled visits (grid anchored at ``randomized``) whose whole window lies after
        ``last`` and closed before ``event``."""
        missed, k = 0, 1
        while True:
            due = randomized.toordinal() + k * self.interval_days
            opens, closes = due - self.window_days, due + self.window_days
            if closes >= event.toordinal():
                return missed
            if opens > last.toordinal():
                missed += 1
            k += 1


@dataclass(frozen=True)
class TimeToEvent:
    paramcd: str
    start: date
    adt: date
    cnsr: int
    evntdesc: str
    cnsdtdsc: str

    @property
    def aval(self) -> int:
        return (self.adt - self.start).days + 1

    @property
    def avalm(self) -> float:
        return self.aval / DAYS_PER_MONTH


def death_date(candidates: Iterable[date | None], cutoff: date) -> date | None:
    """The earliest recorded death date on or before the cut-off (a follow-up contact's death
    date, the date of an end of study or end of treatment for death)."""
    known = [d for d in candidates if d is not None and d <= cutoff]
    return min(known) if known else None


def last_alive(randomized: date, dates: Iterable[date | None], cutoff: date,
               death: date | None = None) -> date:
    """The last date the participant was known alive: the latest of the randomization date and
    the given dates (alive follow-up contacts, status events other than end of study, tumour
    assessments, laboratory samples, treatment cycles, adverse event onsets) on or before the
    cut-off, and before the death date when there is one."""
    limit = cutoff if death is None else min(cutoff, death)
    known = [d for d in dates if d is not None and d <= limit]
    return max([randomized, *known])


def _event(randomized: date, code: int, adt: date, evntdesc: str = "",
           cnsdtdsc: str | None = None) -> TimeToEvent:
    text, censor_text = PFS_CODES[code]
    return TimeToEvent("PFS", randomized, adt, code, evntdesc or text,
                       censor_text if cnsdtdsc is None else cnsdtdsc)


def progression_free_survival(randomized: date, assessments: Sequence[tuple[date, str]],
                              progression: date | None, death: date | None,
                              new_therapy: date | None, cutoff: date,
                              schedule: Schedule = Schedule()) -> TimeToEvent:
    """PFS of one participant (rules in the module docstring). ``assessments`` are (analysis
    date, overall response) of the follow-up assessments; ``progression`` the date of the first
    PD (the RECIST result's ``progression_date``); ``new_therapy`` the earliest start of a
    subsequent anticancer therapy; dates after ``cutoff`` are ignored."""
    adequate = sorted(d for d, r in assessments if r != NE and randomized < d <= cutoff)
    pd = progression if progression is not None and progression <= cutoff else None
    dead = death if death is not None and death <= cutoff else None
    therapy = new_therapy if new_therapy is not None and new_therapy <= cutoff else None
    candidates = [(d, what) for d, what in ((pd, "DISEASE PROGRESSION"), (dead, "DEATH"))
                  if d is not None]
    if candidates:
        when, what = min(candidates, key=lambda c: c[0])
        if therapy is None or when <= therapy:
            before = [d for d in adequate if d < when]
            last = before[-1] if before else randomized
            if schedule.missed_visits(randomized, last, when) >= 2:
                return _event(randomized, 3, last, cnsdtdsc=None if before
                              else "RANDOMIZATION DATE")
            return _event(randomized, 0, when, what)
    if not adequate:
        return _event(randomized, 1, randomized)
    if therapy is not None:
        before = [d for d in adequate if d <= therapy]
        return _event(randomized, 2, before[-1] if before else randomized,
                      cnsdtdsc=None if before else "RANDOMIZATION DATE")
    return _event(randomized, 4, adequate[-1])


def overall_survival(randomized: date, death: date | None, alive: date,
                     cutoff: date) -> TimeToEvent:
    """OS of one participant: death on or before the cut-off is the event, otherwise censored
    at the last known alive date ``alive``."""
    if death is not None and death <= cutoff:
        return TimeToEvent("OS", randomized, death, 0, *OS_CODES[0])
    return TimeToEvent("OS", randomized, min(alive, cutoff), 1, *OS_CODES[1])


_SRC = "domain.md §3; FDA 2018 endpoints guidance"
#: ADTTE variables: (name, label, type, derivation, source).
ADTTE_VARIABLES: tuple[tuple[str, str, str, str, str], ...] = (
    ("STUDYID", "Study Identifier", "Char", "DAWNA-FES", "protocol file"),
    ("USUBJID", "Unique Subject Identifier", "Char", "ADSL.USUBJID", "ADSL"),
    ("ARMCD", "Planned Arm Code", "Char", "ADSL.ARMCD", "ADSL"),
    ("STRAT1", "Stratum: visceral metastasis", "Char", "ADSL.STRAT1", "ADSL"),
    ("STRAT2", "Stratum: prior CDK4/6i setting", "Char", "ADSL.STRAT2", "ADSL"),
    ("FESCAT", "FES PET patient category", "Char", "ADSL.FESCAT", "ADSL"),
    ("PARAMCD", "Parameter Code", "Char", "PFS or OS; one row of each per ADSL subject",
     _SRC),
    ("PARAM", "Parameter", "Char", "Progression-free survival (days) / Overall survival (days)",
     _SRC),
    ("STARTDT", "Time-to-Event Origin Date", "Num", "ADSL.RANDDT (randomization date)", _SRC),
    ("ADT", "Analysis Date", "Num",
     "PFS: CNSR 0 date of first PD (RECIST 1.1 analysis date) or death, whichever first; "
     "CNSR 1 randomization date; CNSR 2 last adequate assessment on or before the start of "
     "new anticancer therapy (randomization if none); CNSR 3 last adequate assessment before "
     "the event (randomization if none); CNSR 4 last adequate assessment. Adequate = overall "
     "response not NE, after randomization, on or before the cut-off. "
     "OS: CNSR 0 death date; CNSR 1 ADSL.LSTALVDT", _SRC),
    ("AVAL", "Analysis Value (days)", "Num", "ADT - STARTDT + 1", "domain.md §3"),
    ("AVALM", "Analysis Value (months)", "Num", "AVAL / 30.4375 (365.25 / 12 days per month)",
     "domain.md §3"),
    ("CNSR", "Censor", "Num",
     "PFS, first that applies: 0 = PD or death (not after new therapy) and not after 2+ missed "
     "assessments; 3 = PD or death after two or more scheduled assessments missed, counted on "
     "the grid anchored at randomization (R + k x 56 days +/- 7): a visit is missed when its "
     "window opened after the last adequate assessment and closed before the event (with the "
     "last assessment on schedule: more than 2 x 56 + 7 = 119 days after it); 1 = no "
     "adequate post-baseline assessment; 2 = new anticancer therapy before "
     "PD or death (follow-up contact subsequent therapy start); 4 = no PD or death by the "
     "cut-off. OS: 0 = death on or before the cut-off; 1 = alive at the cut-off",
     _SRC + "; EMA anticancer guideline appendix 1; tumour_assessment_interval_weeks (8), "
     "tumour_assessment_window_days (7) of the protocol file"),
    ("EVNTDESC", "Event or Censoring Description", "Char",
     "DISEASE PROGRESSION / DEATH for events, else the censoring reason of CNSR", _SRC),
    ("CNSDTDSC", "Censor Date Description", "Char",
     "What ADT is for a censored row (empty for events)", _SRC),
)
