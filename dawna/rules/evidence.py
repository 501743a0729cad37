"""Dated screening evidence and its window, and the FES washout as eligibility sees it.

Sources:

- Issue 18 item 2 (site decisions in the protocol file, group ``evidence_windows``): screening
  labs and ECG (``screening_labs_max_age_days``, 14 days), the imaging showing the measurable
  disease (``screening_imaging_max_age_days``, 28 days: RECIST 1.1 baseline within 4 weeks,
  Eisenhauer et al., Eur J Cancer 2009;45:228-247, domain.md §2), the FES and FDG PET/CT
  (``screening_fes_max_age_days``, ``screening_fdg_max_age_days``, 28 days) and the pathology
  (IN1 "recent": the optional ``pathology_max_age_days``; without it, how recent is the
  investigator's judgment). The age of the evidence is counted in days back from the decision
  date; evidence dated after the decision is refused by the record itself.
- A criterion resting on evidence that has no date or is older than its window is *unknown*
  (whatever the evidence shows) until the evidence is repeated: :func:`resting_on`.
- Cerianna (fluoroestradiol F 18) label, drug interactions (domain.md §6): tamoxifen blocks FES
  uptake for up to 8 weeks and fulvestrant for up to 28 weeks after the last dose (protocol
  settings ``fes_washout_tamoxifen_weeks``, ``fes_washout_fulvestrant_weeks``). A prior line
  with either drug that is still ongoing on the scan day counts as dosed on the scan day.
  :func:`fes_washout` gives the flags and whether an all-negative read is conclusive
  (:func:`dawna.rules.pet.er_negative_conclusive`: only with the investigator's confirmation,
  ``fes_pet.washout_result_confirmed``; a repeat scan outside the window replaces the read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from dawna.rules import units
from dawna.rules.messages import N_, Message
from dawna.rules.pet import WashoutFlag, er_negative_conclusive, washout_flags
from dawna.rules.screening_record import ScreeningRecord
from dawna.rules.verdict import Case, Status, Verdict, met, unknown

__all__ = ["WINDOW_SETTINGS", "EvidenceKind", "Washout", "age_days", "current", "fes_washout",
           "last_doses", "resting_on", "washout_weeks", "window_text"]

EvidenceKind = Literal["labs", "imaging", "fes", "fdg", "pathology"]

#: The protocol setting holding each kind's window, in days.
WINDOW_SETTINGS: dict[EvidenceKind, str] = {
    "labs": "screening_labs_max_age_days", "imaging": "screening_imaging_max_age_days",
    "fes": "screening_fes_max_age_days", "fdg": "screening_fdg_max_age_days",
    "pathology": "pathology_max_age_days"}

_WHAT: dict[EvidenceKind, str] = {
    "labs": N_("Screening labs"), "imaging": N_("Imaging of the measurable disease"),
    "fes": N_("FES PET/CT"), "fdg": N_("FDG PET/CT"), "pathology": N_("Pathology report")}


_PROVENANCE = {"site_decision": N_("site decision"), "confirmed": N_("confirmed"),
               "to_confirm": N_("to confirm")}


def age_days(evidence: date, on: date) -> int:
    """Days from the evidence to ``on`` (0 on the same day)."""
    return (on - evidence).days


def current(case: Case, kind: EvidenceKind, when: date | None, path: str) -> Verdict:
    """Met when the evidence at ``path`` is dated and within its window on the decision date;
    unknown (naming ``path``) when undated or too old. No window in the protocol: the date is
    still needed, its age is the investigator's judgment."""
    what = Message(_WHAT[kind])
    if when is None:
        return unknown([path], Message(N_("{what}: no date recorded"), {"what": what}))
    name = WINDOW_SETTINGS[kind]
    if name not in case.protocol.site_settings:
        return met()
    if case.decision_date is None:
        return unknown(["decision_date"])
    days = age_days(when, case.decision_date)
    if case.passes(name, days):
        return met()
    return unknown([path], Message(N_(
        "{what} of {date} is {days} days old on {decision}, older than its window of {limit} "
        "(site decision): repeat it"), {
        "what": what, "date": when.isoformat(), "days": str(days),
        "decision": case.decision_date.isoformat(), "limit": case.shown(name)}))


def resting_on(verdict: Verdict, *evidence: Verdict) -> Verdict:
    """The criterion's verdict when all its evidence is current; else unknown, keeping what the
    evidence showed as reasons and naming the evidence to repeat."""
    stale = [e for e in evidence if e.status is not Status.MET]
    if not stale:
        return verdict
    reasons = (*verdict.reasons, *(r for e in stale for r in e.reasons))
    missing = (*(verdict.missing if verdict.status is Status.UNKNOWN else ()),
               *(m for e in stale for m in e.missing))
    return unknown(missing, *reasons)


def window_text(case: Case, kind: EvidenceKind) -> Message:
    """The window shown next to a criterion, e.g. "Screening labs: at most 14 days before the
    decision (site decision)"."""
    name = WINDOW_SETTINGS[kind]
    what = Message(_WHAT[kind])
    if name not in case.protocol.site_settings:
        return Message(N_("{what}: dated; how recent is the investigator's judgment"),
                       {"what": what})
    status = case.protocol.setting(name).status.value
    return Message(N_("{what}: at most {limit} before the decision ({status})"),
                   {"what": what, "limit": case.shown(name),
                    "status": Message(_PROVENANCE.get(status, status))})


def last_doses(record: ScreeningRecord, scan: date) -> dict[str, date]:
    """The last day each ER-binding drug (tamoxifen, fulvestrant) of the prior lines was taken,
    up to ``scan``; a line without a stop date is taken to run to the scan day."""
    out: dict[str, date] = {}
    for line in record.treatment_lines or ():
        if line.start_date > scan:
            continue
        last = min(line.stop_date or scan, scan)
        for agent in line.agents:
            name = units.agent_name(agent)
            if name in ("tamoxifen", "fulvestrant") and (name not in out or out[name] < last):
                out[name] = last
    return out


def washout_weeks(case: Case) -> dict[str, int]:
    """The protocol's washout weeks per drug (Cerianna label: tamoxifen 8, fulvestrant 28)."""
    return {"tamoxifen": case.whole("fes_washout_tamoxifen_weeks"),
            "fulvestrant": case.whole("fes_washout_fulvestrant_weeks")}


@dataclass(frozen=True)
class Washout:
    flags: tuple[WashoutFlag, ...]
    conclusive: bool  # may an all-negative read exclude (EX1) or fail IN2?

    @property
    def messages(self) -> tuple[Message, ...]:
        return tuple(f.reason for f in self.flags)


def fes_washout(case: Case) -> Washout:
    """The washout flags of the record's FES scan and whether its all-negative result is
    conclusive."""
    fes = case.record.fes_pet
    if fes is None or fes.scan_date is None:
        return Washout((), True)
    flags = tuple(washout_flags(fes.scan_date, last_doses(case.record, fes.scan_date),
                                washout_weeks(case)))
    return Washout(flags, er_negative_conclusive(
        inside_washout=bool(flags), investigator_confirmed=fes.washout_result_confirmed is True,
        repeat_scan_outside_window=False))
