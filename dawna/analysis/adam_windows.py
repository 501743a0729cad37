"""Analysis windows of the ADaM data sets (issue 18): which assessments count for the response
endpoints and which adverse events are treatment-emergent.

Sources: FDA guidance "Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics"
(2018) and RECIST 1.1 §4.4 (best overall response from the start of treatment until progression
or subsequent therapy); ICH E9 §7.2.3 (the safety window stated in the protocol) with the 30-day
convention of oncology protocols (``treatment_emergent_days_after_last_dose``, a site decision);
clinical benefit at 24 weeks (PALOMA-3, Turner et al., N Engl J Med 2015;373:209-219) less the
assessment window (``clinical_benefit_min_weeks``, ``tumour_assessment_window_days``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dawna.rules.recist_case import ResponseSettings

__all__ = ["CBR_MIN_DAYS", "Windows", "treatment_emergent"]

CBR_MIN_DAYS = 168  # 24 weeks


@dataclass(frozen=True)
class Windows:
    """Analysis windows from the protocol file: clinical benefit at ``cbr_min_days`` minus the
    assessment window; adverse events treatment-emergent up to ``teae_days_after_last_dose``."""

    cbr_min_days: int = CBR_MIN_DAYS
    teae_days_after_last_dose: int = 30
    #: best-overall-response settings (confirmation, SD interval) of the protocol file
    recist: ResponseSettings = field(default_factory=ResponseSettings)


def treatment_emergent(start: date, first_dose: date | None, last_dose: date | None,
                       new_therapy: date | None, days_after_last_dose: int) -> bool:
    """On or after the first dose, at most ``days_after_last_dose`` after the last dose (no end
    while treatment goes on: ``last_dose`` None), and before a new anticancer therapy."""
    if first_dose is None or start < first_dose:
        return False
    if new_therapy is not None and start >= new_therapy:
        return False
    return last_dose is None or (start - last_dose).days <= days_after_last_dose


