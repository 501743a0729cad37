"""Treatment and safety of a randomized participant, by subject:

- :mod:`.plans`: the prescriber's regimen and confirmed doses;
- :mod:`.plan_form`: what the prescription form offers (each drug with its dose, ranges);
- :mod:`.cycles`: the cycles given and their doses;
- :mod:`.dose_history`: where each drug stands after the dose decisions;
- :mod:`.calendar`: the treatment calendar, the participant's and the site's;
- :mod:`.depots`: depot injections given and due on their own 28-day clock;
- :mod:`.suppression`: ovarian suppression required on the plan by menopausal status;
- :mod:`.labs`: laboratory results graded by CTCAE v5.0, the blood counts due;
- :mod:`.adverse_events`: adverse events and the SAE reporting clock;
- :mod:`.board`: the site's safety work list and the adverse event listing;
- :mod:`.views`: the treatment page and its JSON;
- :mod:`.rows`, :mod:`.schemas`: the plain data and JSON models handed out.

This module is the public face of treatment; :mod:`dawna.services.safety` is the public face of
safety (labs, adverse events, the work list). The rules are in ``dawna.rules`` (regimens, dose
formulas and modification, the calendar, CTCAE; domain.md §2, §4, §5).
"""

from __future__ import annotations

from dawna.services.treatment.calendar import (
    calendar_events,
    event_json,
    participant_calendar,
    site_calendar,
)
from dawna.services.treatment.common import render
from dawna.services.treatment.cycles import CycleIn, record_cycle
from dawna.services.treatment.depots import (
    DepotClock,
    DepotDoseIn,
    DepotsOut,
    depot_view,
    record_depot,
)
from dawna.services.treatment.plan_form import PlanForm, PlanGroup, plan_form
from dawna.services.treatment.plans import (
    CustomDrugIn,
    DoseRow,
    MeasuresIn,
    PlanIn,
    PlanPreview,
    confirm_plan,
    plan_regimen,
    preview_plan,
)
from dawna.services.treatment.views import (
    CycleRow,
    DecisionRow,
    TreatmentPage,
    TreatmentView,
    as_json,
    treatment_page,
    treatment_view,
    when,
)

__all__ = [
    "CustomDrugIn",
    "CycleIn",
    "CycleRow",
    "DecisionRow",
    "DepotClock",
    "DepotDoseIn",
    "DepotsOut",
    "DoseRow",
    "MeasuresIn",
    "PlanForm",
    "PlanGroup",
    "PlanIn",
    "PlanPreview",
    "TreatmentPage",
    "TreatmentView",
    "as_json",
    "calendar_events",
    "confirm_plan",
    "depot_view",
    "event_json",
    "participant_calendar",
    "plan_form",
    "plan_regimen",
    "preview_plan",
    "record_cycle",
    "record_depot",
    "render",
    "site_calendar",
    "treatment_page",
    "treatment_view",
    "when",
]
