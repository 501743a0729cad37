"""A participant's course through the trial as one explicit state machine.

Sources: ICH E6(R3) 2.8 (informed consent before any trial-related procedure), 3.16.1 (data
kept once collected); the registry record NCT05861830 (randomized, open-label, treatment until
progression, overall survival as an outcome); the FDA guidance "Clinical Trial Endpoints for the
Approval of Cancer Drugs and Biologics" (2018) and ``docs/domain.md`` §3 (subsequent anticancer
therapy censors PFS; survival follow-up until death or study end); CONSORT 2010 item 13 (the
flow: assessed, allocated, received treatment, discontinued with reasons, followed up).

States (:class:`State`), in order::

    pre_screening -> consented -> screening -> screen_failed | eligible -> randomized
    -> on_treatment -> end_of_treatment -> follow_up -> end_of_study

:data:`TRANSITIONS` lists every allowed move with the event that makes it; anything else is
refused by :func:`check_transition` with the rule named. Withdrawal of consent and death end the
study from any state before it; the other end-of-study reasons need the participant to be in
follow-up (or past treatment).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dawna.rules.messages import N_, Message

__all__ = [
    "DOSING_KINDS",
    "EOS_REASONS",
    "EOT_REASONS",
    "STATE_LABELS",
    "TRANSITIONS",
    "DatedRecord",
    "Event",
    "State",
    "TransitionRefused",
    "check_against_records",
    "check_event_date",
    "check_record_in_study",
    "state_name",
    "target_state",
]


class State(enum.StrEnum):
    PRE_SCREENING = "pre_screening"
    CONSENTED = "consented"
    SCREENING = "screening"
    SCREEN_FAILED = "screen_failed"
    ELIGIBLE = "eligible"
    RANDOMIZED = "randomized"
    ON_TREATMENT = "on_treatment"
    END_OF_TREATMENT = "end_of_treatment"
    FOLLOW_UP = "follow_up"
    END_OF_STUDY = "end_of_study"


class Event(enum.StrEnum):
    CONSENT = "consent"                      # informed consent signed (ICH E6(R3) 2.8)
    SCREENING_STARTED = "screening_started"  # first screening data entered
    SIGNED_ELIGIBLE = "signed_eligible"      # investigator signs eligibility
    SIGNED_NOT_ELIGIBLE = "signed_not_eligible"
    DECISION_VOIDED = "decision_voided"      # the signed record changed: back to screening
    RANDOMIZED = "randomized"
    TREATMENT_STARTED = "treatment_started"  # first dose
    TREATMENT_ENDED = "treatment_ended"      # end of treatment, with a reason
    FOLLOW_UP_STARTED = "follow_up_started"  # survival follow-up after end of treatment
    STUDY_ENDED = "study_ended"              # end of study, with a reason


S, E = State, Event
#: (from state, event) -> to state. Everything not listed is refused.
TRANSITIONS: dict[tuple[State, Event], State] = {
    (S.PRE_SCREENING, E.CONSENT): S.CONSENTED,
    (S.CONSENTED, E.SCREENING_STARTED): S.SCREENING,
    (S.SCREENING, E.SIGNED_ELIGIBLE): S.ELIGIBLE,
    (S.SCREENING, E.SIGNED_NOT_ELIGIBLE): S.SCREEN_FAILED,
    (S.ELIGIBLE, E.DECISION_VOIDED): S.SCREENING,
    (S.SCREEN_FAILED, E.DECISION_VOIDED): S.SCREENING,
    (S.ELIGIBLE, E.RANDOMIZED): S.RANDOMIZED,
    (S.RANDOMIZED, E.TREATMENT_STARTED): S.ON_TREATMENT,
    (S.ON_TREATMENT, E.TREATMENT_ENDED): S.END_OF_TREATMENT,
    # randomized but never treated (CONSORT: "did not receive allocated intervention")
    (S.RANDOMIZED, E.TREATMENT_ENDED): S.END_OF_TREATMENT,
    (S.END_OF_TREATMENT, E.FOLLOW_UP_STARTED): S.FOLLOW_UP,
}
_BEFORE_END = [s for s in State if s not in (S.END_OF_STUDY, S.SCREEN_FAILED)]

#: End-of-treatment reasons (issue 10; CONSORT "discontinued intervention", with reasons).
EOT_REASONS = ("progression", "toxicity", "withdrawal_of_consent", "investigator_decision",
               "death", "other")
#: End-of-study reasons, and the states each may end from.
EOS_REASONS: dict[str, tuple[State, ...]] = {
    "death": tuple(_BEFORE_END),
    "withdrawal": tuple(_BEFORE_END),
    "lost_to_follow_up": (S.END_OF_TREATMENT, S.FOLLOW_UP),
    "study_closed": tuple(_BEFORE_END),
}


class TransitionRefused(Exception):
    """The move is not allowed: ``field`` names the input, ``message`` the rule."""

    def __init__(self, field: str, message: Message) -> None:
        super().__init__(message.template)
        self.field = field
        self.message = message


#: Human names of the states (translated when rendered).
STATE_LABELS = {
    S.PRE_SCREENING: N_("pre-screening"), S.CONSENTED: N_("consented"),
    S.SCREENING: N_("screening"), S.SCREEN_FAILED: N_("screen failure"),
    S.ELIGIBLE: N_("eligible"), S.RANDOMIZED: N_("randomized"),
    S.ON_TREATMENT: N_("on treatment"), S.END_OF_TREATMENT: N_("end of treatment"),
    S.FOLLOW_UP: N_("follow-up"), S.END_OF_STUDY: N_("end of study"),
}


def state_name(state: State) -> Message:
    return Message(STATE_LABELS[state])


def target_state(current: State, event: Event, reason: str | None = None) -> State:
    """The state ``event`` leads to from ``current``; :class:`TransitionRefused` if the state
    machine does not allow it or the reason is missing or unknown for the event."""
    if event is E.STUDY_ENDED:
        if not reason:
            raise TransitionRefused("reason", Message(N_(
                "an end of study needs its reason (death, withdrawal, lost to follow-up, study "
                "closed)")))
        allowed = EOS_REASONS.get(reason)
        if allowed is None:
            raise TransitionRefused("reason", Message(N_("unknown end-of-study reason {reason}"),
                                                      {"reason": reason}))
        if current not in allowed:
            raise TransitionRefused("event", Message(N_(
                "a participant in {state} cannot end the study for this reason"),
                {"state": state_name(current)}))
        return S.END_OF_STUDY
    if event is E.TREATMENT_ENDED:
        if not reason:
            raise TransitionRefused("reason", Message(N_(
                "an end of treatment needs its reason (progression, toxicity, withdrawal of "
                "consent, investigator decision, death, other)")))
        if reason not in EOT_REASONS:
            raise TransitionRefused("reason", Message(N_(
                "unknown end-of-treatment reason {reason}"), {"reason": reason}))
    target = TRANSITIONS.get((current, event))
    if target is None:
        raise TransitionRefused("event", Message(N_(
            "not allowed: {event} from {state} (the participant's course is pre-screening, "
            "consented, screening, eligible or screen failure, randomized, on treatment, end of "
            "treatment, follow-up, end of study)"),
            {"event": event.value, "state": state_name(current)}))
    return target


def check_event_date(on: date, *, consent: date | None, previous: date | None,
                     today: date, event: Event) -> None:
    """An event's date: not in the future, not before consent (ICH E6(R3) 2.8: nothing of the
    trial before consent; the consent itself excepted), not before the previous event."""
    if on > today:
        raise TransitionRefused("date", Message(N_(
            "{date} is in the future (today at the site is {today})"),
            {"date": on.isoformat(), "today": today.isoformat()}))
    if event is not E.CONSENT and consent is not None and on < consent:
        raise TransitionRefused("date", Message(N_(
            "{date} is before the informed consent of {consent}; no trial procedure may "
            "precede consent (ICH E6(R3) 2.8)"),
            {"date": on.isoformat(), "consent": consent.isoformat()}))
    if event is not E.CONSENT and consent is None:
        raise TransitionRefused("date", Message(N_(
            "no informed consent is recorded; no trial procedure may precede consent "
            "(ICH E6(R3) 2.8)")))
    if previous is not None and on < previous:
        raise TransitionRefused("date", Message(N_(
            "{date} is before the participant's previous recorded event ({previous})"),
            {"date": on.isoformat(), "previous": previous.isoformat()}))


#: Records that show a trial drug was given (an end of treatment cannot precede them).
DOSING_KINDS = frozenset({"cycle", "dose"})


@dataclass(frozen=True)
class DatedRecord:
    """Any dated record of the participant (consent, contact, cycle, laboratory result,
    adverse event, tumour assessment, PET scan, status event), named for a refusal by
    ``label`` (e.g. "survival contact of 2025-04-02"). ``alive``: a contact at which the
    participant was known alive."""

    kind: str
    on: date
    label: Message
    alive: bool = False


def check_against_records(event: Event, on: date, records: Iterable[DatedRecord], *,
                          reason: str | None = None) -> None:
    """A status event checked against every dated record of the participant, not only the last
    status change (ICH E6(R3) 3.16.1: the record is consistent and attributable; a course that
    ends before the data it holds is not). Refuses, naming the first conflicting record:

    - an end of study (any reason) dated before a record: no data is collected after the end
      of study (withdrawal of consent: GCP; lost to follow-up: a later contact found the
      participant; death: nothing happens after it);
    - lost to follow-up dated on or before a contact at which the participant was alive;
    - an end of treatment dated before a recorded dose or cycle.
    """
    ordered = sorted(records, key=lambda r: r.on)
    if event is E.STUDY_ENDED:
        if reason == "lost_to_follow_up":
            alive = [r for r in ordered if r.alive and r.on >= on]
            if alive:
                raise TransitionRefused("date", Message(N_(
                    "lost to follow-up on {date} contradicts the {record}, at which the "
                    "participant was alive"), {"date": on.isoformat(), "record": alive[-1].label}))
        later = [r for r in ordered if r.on > on]
        if later:
            raise TransitionRefused("date", Message(N_(
                "the end of study on {date} would precede the {record} already recorded; "
                "correct or delete that record first"),
                {"date": on.isoformat(), "record": later[0].label}))
    if event is E.TREATMENT_ENDED:
        doses = [r for r in ordered if r.kind in DOSING_KINDS and r.on > on]
        if doses:
            raise TransitionRefused("date", Message(N_(
                "the end of treatment on {date} would precede the {record} already recorded"),
                {"date": on.isoformat(), "record": doses[0].label}))


def check_record_in_study(on: date, *, study_ended: date | None, what: Message) -> None:
    """A new record (contact, scan, laboratory result...) dated after the end of study is
    refused, naming the end of study."""
    if study_ended is not None and on > study_ended:
        raise TransitionRefused("date", Message(N_(
            "{what} on {date} is after the end of study on {end}"),
            {"what": what, "date": on.isoformat(), "end": study_ended.isoformat()}))
