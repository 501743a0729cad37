"""Medical history: baseline conditions are not adverse events; a worsening after the first
dose is (issue 21 item 2).

ICH E2A II.A.1 and CTCAE v5.0 (introduction): an adverse event is any untoward medical
occurrence after the investigational product is given; a condition present at baseline is
medical history, and only its worsening (in severity or frequency) after the first dose is an
adverse event (CDISC SDTMIG MH/AE: pre-existing conditions in MH, their worsening in AE).
"""

from __future__ import annotations

from datetime import date

from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError, refuse_stop_before_start

__all__ = ["check_history", "is_adverse_event"]


def is_adverse_event(worsened_on: date | None, first_dose: date | None) -> bool:
    """Whether a worsening of a baseline condition on ``worsened_on`` is an adverse event: on
    or after the first dose. Before treatment (or without a worsening) it stays history."""
    return worsened_on is not None and first_dose is not None and worsened_on >= first_dose


def check_history(start: date | None, stop: date | None, ongoing: bool,
                  worsened_on: date | None, today: date) -> None:
    """Refused naming the field: a stop before the start or given with ongoing (``stop_date``),
    a date after today (its field), a worsening before the condition began (``worsened_on``)."""
    for field, value in (("start_date", start), ("stop_date", stop),
                         ("worsened_on", worsened_on)):
        if value is not None and value > today:
            raise RuleError(field, Message(N_("{date} is after today"),
                                           {"date": value.isoformat()}))
    if ongoing and stop is not None:
        raise RuleError("stop_date", Message(N_("an ongoing condition has no stop date")))
    refuse_stop_before_start(start, stop)
    if worsened_on is not None and start is not None and worsened_on < start:
        raise RuleError("worsened_on", Message(N_("a worsening on {date} is before the "
                                                  "condition began ({start})"),
                                               {"date": worsened_on.isoformat(),
                                                "start": start.isoformat()}))
