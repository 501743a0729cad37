"""The registry's results tables (ClinicalTrials.gov results data elements: participant flow
with reasons for not completing, baseline age groups, sex, race and ethnicity, all-cause
mortality, serious and other adverse events) as one JSON document, from the analysis data sets
as of a data cut-off, so they agree with the report and ``dawna export adam``.

Rules: the tables show the arms, so they need ``treatment.view`` like the other results
(``services.analysis_data``); only the user's sites are counted. The tables are built by
``dawna.analysis.registry_tables``; their texts are the registry's own (English) vocabulary,
as the registry takes them; the outcome measures, one per endpoint the protocol file declares,
by ``services.registry_outcomes``. The adverse-event time frame states the protocol's
treatment-emergent window (``treatment_emergent_days_after_last_dose``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dawna.analysis.registry_tables import registry_tables
from dawna.clock import local_today
from dawna.config import Settings
from dawna.protocol import bundled_protocol
from dawna.services.access import Principal
from dawna.services.analysis_data import analysis_data, windows
from dawna.services.registry_outcomes import outcome_measures
from dawna.store.db import Database

__all__ = ["ARMS", "registry_results"]

ARMS = ("A", "B")


def registry_results(db: Database, settings: Settings, principal: Principal, *,
                     cutoff: date | None = None) -> dict[str, Any]:
    """``{"nctId", "dataCutoff", "resultsSection": {participantFlowModule,
    baselineCharacteristicsModule, adverseEventsModule, outcomeMeasuresModule}}`` over the
    user's sites as of ``cutoff`` (default today at the site)."""
    cut = cutoff or local_today(settings.zone)
    adam = analysis_data(db, settings, principal, cutoff=cut)
    protocol = bundled_protocol()
    labels = {arm.id: arm.label for arm in protocol.arms}
    descriptions = {arm.id: arm.description for arm in protocol.arms}
    days = windows().teae_days_after_last_dose
    time_frame = (f"Adverse events: from the first dose to {days} days after the last dose or "
                  "the start of a new anticancer therapy, whichever came first; all-cause "
                  f"mortality: from randomization to the data cut-off ({cut.isoformat()})")
    section = registry_tables(adam, ARMS, labels, descriptions, ae_time_frame=time_frame)
    section["outcomeMeasuresModule"] = outcome_measures(adam, protocol, ARMS, labels)
    return {"nctId": protocol.registry.nct_id, "dataCutoff": cut.isoformat(),
            "resultsSection": section}
