"""The registry's results section of the trial report (``services.report``): participant flow,
baseline categories, outcome measures, mortality and adverse events as the report's tables, from
the builder of ``/results/registry.json`` (``analysis.registry_tables``; ClinicalTrials.gov
results data element definitions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dawna.analysis.adam import AdamData
from dawna.analysis.registry_tables import registry_tables
from dawna.i18n import _
from dawna.protocol import bundled_protocol

__all__ = ["ARMS", "fill_registry"]

ARMS = ("A", "B")


def fill_registry(report: Any, adam: AdamData) -> None:
    """The registry's results tables as the report shows them, from the same builder as
    ``/results/registry.json`` (``analysis.registry_tables``): participant flow with the reasons
    for not completing, baseline categories, outcome measures of the declared endpoints,
    all-cause mortality, serious adverse events (all) and other adverse events (frequency
    >= 5 % in an arm, ClinicalTrials.gov's default threshold). ``report`` is the
    ``services.report.Report`` being built (its arm labels, endpoints, PFS, OS and response are
    read; its registry tables are set)."""
    protocol = bundled_protocol()
    tables = registry_tables(adam, ARMS, report.arm_labels,
                             {arm.id: arm.description for arm in protocol.arms},
                             ae_time_frame="")
    groups = {f"{prefix}{k:03d}": arm for prefix in ("FG", "BG", "EG")
              for k, arm in enumerate(ARMS)}

    def cells(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
        return {groups[r["groupId"]]: r[key] for r in rows if r["groupId"] in groups}

    period = tables["participantFlowModule"]["periods"][0]
    names = {"STARTED": _("Started"), "COMPLETED": _("Completed"),
             "NOT COMPLETED": _("Not completed"),
             "Received allocated treatment": _("Received allocated treatment")}
    report.flow = [{"label": names.get(m["type"], m["type"]),
                    "cells": cells(m["achievements"], "numSubjects")}
                   for m in period["milestones"]]
    report.flow += [{"label": _("Reason not completed: %(reason)s") % {"reason": d["type"]},
                     "cells": cells(d["reasons"], "numSubjects")}
                    for d in period["dropWithdraws"]]
    report.registry_baseline = [
        {"label": f"{m['title']}: {c['title']}", "cells": cells(c["measurements"], "value")}
        for m in tables["baselineCharacteristicsModule"]["measures"]
        if m["paramType"] == "COUNT_OF_PARTICIPANTS"
        for c in m["classes"][0]["categories"]]
    ae = tables["adverseEventsModule"]
    report.mortality = [{"label": _("All-cause mortality"), "cells": {
        ARMS[k]: f"{g['deathsNumAffected']}/{g['deathsNumAtRisk']}"
        for k, g in enumerate(ae["eventGroups"])}}]
    for key, target in (("seriousEvents", report.serious_events),
                        ("otherEvents", report.other_events)):
        for event in ae[key]:
            target.append({"label": event["term"], "cells": {
                groups[x["groupId"]]: f"{x['numAffected']}/{x['numAtRisk']}"
                for x in event["stats"]}})
    outcomes = []
    survival = {"PFS": report.pfs, "OS": report.os}
    rates = {"ORRFL": "ORR", "CBRFL": "CBR"}
    for e in report.endpoints:  # the protocol's endpoints, the primary first
        name = f"{e['title']} ({e['role_label']})"
        if e["kind"] == "time_to_event" and e["section"] != "fes":
            summary = survival[e["parameter"]] or {"arms": {}}  # not analysable: "—"
            outcomes.append({"label": _("%(endpoint)s, median (95 %% CI), months") % {
                "endpoint": name}, "cells": {
                a: _median_text(summary["arms"].get(a)) for a in ARMS}})
        elif e["kind"] == "response_rate" and report.response:
            outcomes.append({"label": _("%(endpoint)s, %% (95 %% CI)") % {"endpoint": name},
                             "cells": {a: _rate_text(report.response["arms"][a].get(
                                 rates[e["flag"]])) for a in ARMS}})
    report.registry_outcomes = outcomes


def _median_text(arm: Mapping[str, Any] | None) -> str:
    if not arm:
        return "—"
    median_ = arm.get("median")
    low, high = arm.get("ci_lower"), arm.get("ci_upper")

    def f(x: Any) -> str:
        return _("NR") if x is None else f"{x:.1f}"
    return f"{f(median_)} ({f(low)}–{f(high)})"


def _rate_text(rate: Mapping[str, Any] | None) -> str:
    if not rate:
        return "—"
    return (f"{rate['responders']}/{rate['n']}: {100 * rate['rate']:.1f} "
            f"({100 * rate['ci_lower']:.1f}–{100 * rate['ci_upper']:.1f})")
