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
from datetime import date

from dawna.rules.messages import N_, Message

__all__ = [
    "EOS_REASONS",
    "EOT_REASONS",
    "STATE_LABELS",
    "TRANSITIONS",
    "Event",
    "State",
    "TransitionRefused",
    "check_event_date",
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
