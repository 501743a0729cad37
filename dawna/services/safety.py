"""Safety: laboratory results graded by CTCAE v5.0, adverse events, the serious adverse event
reporting clock, and the site's safety work list; the public face of
:mod:`dawna.services.treatment.labs`, :mod:`~dawna.services.treatment.adverse_events` and
:mod:`~dawna.services.treatment.board` (rules and sources in their docstrings: CTCAE v5.0,
NCI 2017, domain.md §4; ICH E2A; CDISC SDTM AEACN/AEOUT; ICH E6 and domain.md §8 for the
24-hour SAE report).
"""

from __future__ import annotations

from dawna.services.treatment.adverse_events import (
    ACTIONS,
    OUTCOMES,
    RELATEDNESS,
    SERIOUSNESS,
    AeIn,
    adverse_event,
    deadline,
    event_of,
    events_of,
    open_events,
    participant_events,
    record_ae,
    report_sae,
    update_ae,
)
from dawna.services.treatment.board import (
    AE_COLUMNS,
    DueRow,
    SaeRow,
    SafetyBoard,
    ae_listing,
    board,
    csv_safe,
    local_datetime,
    unreported_saes,
)
from dawna.services.treatment.common import require_collecting, treatment_sites
from dawna.services.treatment.expectedness import EXPECTEDNESS, rsi_of
from dawna.services.treatment.labs import (
    LabIn,
    LabValue,
    correct_lab,
    grade_preview,
    lab_of,
    labs,
    labs_due,
    participant_labs,
    record_lab,
    record_labs,
)
from dawna.services.treatment.rows import AdverseEventRow, LabRow
from dawna.services.treatment.susar import (
    KINDS,
    RECIPIENTS,
    DeadlineState,
    SusarReportIn,
    SusarReportRow,
    SusarRow,
    participant_susars,
    record_susar_report,
    site_susars,
)

__all__ = [
    "ACTIONS", "AE_COLUMNS", "EXPECTEDNESS", "KINDS", "OUTCOMES", "RECIPIENTS", "RELATEDNESS",
    "SERIOUSNESS", "AdverseEventRow", "AeIn", "DeadlineState", "DueRow", "LabIn", "LabRow",
    "LabValue", "SaeRow", "SafetyBoard", "SusarReportIn", "SusarReportRow", "SusarRow",
    "adverse_event", "ae_listing", "board", "correct_lab", "csv_safe", "deadline", "event_of",
    "events_of", "grade_preview", "lab_of", "labs", "labs_due", "local_datetime", "open_events",
    "participant_events", "participant_labs", "participant_susars", "record_ae", "record_lab",
    "record_labs", "record_susar_report", "report_sae", "require_collecting", "rsi_of",
    "site_susars", "treatment_sites", "unreported_saes", "update_ae",
]

#: The old private name, still called by ``dawna.services.demo_treatment`` (owned by another
#: branch): use :func:`event_of`.
