"""Edit checks run over stored data: each finding becomes a query to the site (issue 20 item 1).

Source: ICH E6(R3) 3.16.1 (the sponsor's data management: "edit checks" identifying data that are
missing, inconsistent or out of range, resolved with the site through queries) and the
plausibility limits of the protocol file (``plausibility:``, :mod:`dawna.rules.plausibility`).

Entry already refuses what it can see on one form (an impossible value, a date before consent, an
adverse event stopping before it starts). These checks look at what is stored, across forms, so
they fire when another form changes afterwards or when a value was kept after confirmation:

- ``lab_implausible``: a result outside the soft range of its analyte (confirmed at entry as
  implausible: the monitor asks for the source document);
- ``lab_before_consent``, ``ae_before_consent``: a lab sample or an adverse event starting
  before informed consent (ICH E6(R3) 2.8.1: no trial procedure before consent; an event before
  consent is medical history, not an adverse event: ICH E2A II.A.1);
- ``cycle_before_randomization``, ``assessment_before_randomization``: a treatment cycle or a
  follow-up tumour assessment before randomization (the protocol's sequence: randomize, then
  treat; RECIST 1.1 §4.1 follow-up assessments measure response to the treatment);
- ``ae_stop_before_start``: an adverse event whose stop date is before its start date (CDISC
  SDTM AE: AEENDTC not before AESTDTC);
- ``after_death``: a lab sample, adverse event start, cycle or assessment after the recorded date
  of death (nothing is done to a participant after death);
- ``ae_ongoing_after_study_end``: an adverse event still ongoing (no stop date) after the
  participant ended the study: its follow-up ended, so the site closes it with its outcome and
  stop date or records it as ongoing at the end of study (ICH E2A III.B / ICH E6(R3) 2.7: events
  are followed to resolution or the end of follow-up; CDISC SDTM AE: AEENRTPT "ONGOING" relative
  to the end of study, with its AEOUT). This is what the safety work list flags for ended
  participants, as a query the site resolves.

Each finding names its check, the form (``table``, ``row_id``) and the field, and carries its
facts as strings (``params``), so a query is raised once per finding and the message is
translated when shown (:data:`MESSAGES`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from dawna.protocol.plausibility import PlausibilitySettings
from dawna.rules.messages import N_, Message, number
from dawna.rules.plausibility import lab_check
from dawna.rules.units import display_unit

__all__ = ["MESSAGES", "Anchors", "DatedEntry", "Finding", "ae_ongoing_after_study_end",
           "ae_stop_before_start", "check_dates", "lab_implausible", "message"]

MESSAGES: dict[str, str] = {
    "lab_implausible": N_("{analyte} {value} is outside its usual range ({low}-{high} {unit}): "
                          "please confirm it against the laboratory report"),
    "lab_before_consent": N_("the sample date {date} is before informed consent ({consent})"),
    "ae_before_consent": N_("the adverse event starts on {date}, before informed consent "
                            "({consent}): medical history rather than an adverse event?"),
    "cycle_before_randomization": N_("the cycle starts on {date}, before randomization "
                                     "({randomized})"),
    "assessment_before_randomization": N_("the follow-up assessment of {date} is before "
                                          "randomization ({randomized})"),
    "ae_stop_before_start": N_("the stop date {stop} is before the start date {start}"),
    "after_death": N_("{date} is after the recorded date of death ({death})"),
    "ae_ongoing_after_study_end": N_("the adverse event is still ongoing but the participant "
                                     "ended the study on {end}: please record its stop date "
                                     "and outcome, or confirm it was ongoing at the end of "
                                     "study"),
}


@dataclass(frozen=True)
class Finding:
    """One edit check that fired on one form (and field)."""

    check: str
    table: str
    row_id: str
    field: str
    params: dict[str, str] = dataclasses.field(default_factory=dict, hash=False)

    @property
    def message(self) -> Message:
        return message(self.check, self.params)


def message(check: str, params: dict[str, str]) -> Message:
    """The finding's text, translated when rendered."""
    return Message(MESSAGES[check], params)


@dataclass(frozen=True)
class Anchors:
    """A participant's dates the other forms are checked against (site calendar)."""

    consent: date | None = None
    randomized: date | None = None
    death: date | None = None
    study_ended: date | None = None


@dataclass(frozen=True)
class DatedEntry:
    """A dated form: ``kind`` lab, adverse_event, cycle, baseline or follow_up (assessments)."""

    kind: str
    table: str
    row_id: str
    field: str
    on: date


def lab_implausible(row_id: str, analyte: str, value: float, unit: str,
                    settings: PlausibilitySettings | None) -> Finding | None:
    """A stored result outside the soft range of its analyte (the limits of the protocol
    file); None inside it or when the file gives the analyte no range."""
    if settings is None:
        return None
    check = lab_check("value", analyte, value, unit, settings)
    if check is None:
        return None
    r = check.limits
    if r.soft_min <= check.value <= r.soft_max:
        return None
    return Finding("lab_implausible", "lab_result", row_id, "value", {
        "analyte": r.label, "value": f"{number(check.value)} {display_unit(r.unit)}",
        "low": number(r.soft_min), "high": number(r.soft_max), "unit": display_unit(r.unit)})


def ae_stop_before_start(row_id: str, start: date, stop: date | None) -> Finding | None:
    if stop is None or stop >= start:
        return None
    return Finding("ae_stop_before_start", "adverse_event", row_id, "stop_date",
                   {"stop": stop.isoformat(), "start": start.isoformat()})


def ae_ongoing_after_study_end(row_id: str, stop: date | None, study_ended: date | None
                               ) -> Finding | None:
    """An adverse event without a stop date of a participant who ended the study."""
    if study_ended is None or stop is not None:
        return None
    return Finding("ae_ongoing_after_study_end", "adverse_event", row_id, "stop_date",
                   {"end": study_ended.isoformat()})


#: kind -> (check, anchor) of the "before" rules.
_BEFORE = {
    "lab": ("lab_before_consent", "consent"),
    "adverse_event": ("ae_before_consent", "consent"),
    "cycle": ("cycle_before_randomization", "randomized"),
    "follow_up": ("assessment_before_randomization", "randomized"),
}


def check_dates(entries: Iterable[DatedEntry], anchors: Anchors) -> Iterator[Finding]:
    """The date findings of a participant's dated forms against their anchors."""
    for e in entries:
        rule = _BEFORE.get(e.kind)
        if rule is not None:
            check, name = rule
            anchor: date | None = getattr(anchors, name)
            if anchor is not None and e.on < anchor:
                yield Finding(check, e.table, e.row_id, e.field,
                              {"date": e.on.isoformat(), name: anchor.isoformat()})
        if anchors.death is not None and e.on > anchors.death:
            yield Finding("after_death", e.table, e.row_id, e.field,
                          {"date": e.on.isoformat(), "death": anchors.death.isoformat()})
