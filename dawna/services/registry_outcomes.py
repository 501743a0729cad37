"""The registry's outcome measures table (ClinicalTrials.gov results data elements, "Outcome
Measures": type, title, description, time frame, analysis population, measure type, dispersion,
unit, number analysed and one value per arm group), one per endpoint the protocol file
declares (``endpoints:``), the primary first.

- time to event (PFS, OS): Kaplan–Meier median in months with its 95 % confidence interval
  (``services.results.survival_of``; "NA" where not estimable, as the registry spells it);
  an exploratory endpoint within subgroups (FES category) has one class per category;
- response rate (ORR, CBR): percentage of participants with the 95 % Clopper–Pearson interval
  (``services.results.response``);
- safety: count of participants with any treatment-emergent adverse event and with one of
  grade 3 or higher (``services.results.safety_table``, safety population).

An endpoint the data cannot yet support (no participant, no event, an arm with nobody) is listed
with ``reportingStatus`` NOT_POSTED and the reason, never with made-up numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dawna.analysis.adam import AdamData
from dawna.errors import ValidationError
from dawna.protocol import Protocol
from dawna.protocol.endpoints import Endpoint
from dawna.services import results
from dawna.services.endpoints import ROLE_ORDER

__all__ = ["outcome_measures"]

TYPES = {"primary": "PRIMARY", "secondary": "SECONDARY", "exploratory": "OTHER_PRE_SPECIFIED"}
POPULATIONS = {"ITT": "All randomized participants (intention to treat)",
               "SAFETY": "Participants who received at least one dose (safety population)"}
FES_CATEGORIES = {"all_positive": "All lesions FES-positive", "mixed": "Mixed (heterogeneous)",
                  "all_negative": "All lesions FES-negative", "not_read": "FES PET not read",
                  "not_evaluable": "FES PET not evaluable"}


def _na(value: float | None, scale: float = 1.0) -> str:
    return "NA" if value is None else f"{value * scale:.1f}"


def _gid(k: int) -> str:
    return f"OG{k:03d}"


def _median(arm: Mapping[str, Any] | None) -> dict[str, str]:
    arm = arm or {}
    return {"value": _na(arm.get("median")), "lowerLimit": _na(arm.get("ci_lower")),
            "upperLimit": _na(arm.get("ci_upper"))}


def _measure(e: Endpoint, arms: Sequence[str], labels: Mapping[str, str],
             n: Mapping[str, int]) -> dict[str, Any]:
    return {"type": TYPES[e.role], "title": e.title, "description": e.definition,
            "timeFrame": e.time_frame, "populationDescription": POPULATIONS[e.population],
            "reportingStatus": "POSTED",
            "groups": [{"id": _gid(k), "title": labels.get(a, a)} for k, a in enumerate(arms)],
            "denoms": [{"units": "Participants", "counts": [
                {"groupId": _gid(k), "value": str(n[a])} for k, a in enumerate(arms)]}]}


def _values(e: Endpoint, adam: AdamData, arms: Sequence[str]) -> dict[str, Any]:
    if e.kind == "time_to_event" and e.subgroup is None:
        summary = results.survival_of(adam, e.parameter or "PFS", what=e.title)
        return {"paramType": "MEDIAN", "dispersionType": "95% Confidence Interval",
                "unitOfMeasure": "months", "classes": [{"categories": [{"measurements": [
                    {"groupId": _gid(k), **_median(summary["arms"].get(a))}
                    for k, a in enumerate(arms)]}]}]}
    if e.kind == "time_to_event":
        return {"paramType": "MEDIAN", "dispersionType": "95% Confidence Interval",
                "unitOfMeasure": "months", "classes": [
                    {"title": FES_CATEGORIES.get(g["category"], g["category"]),
                     "categories": [{"measurements": [
                         {"groupId": _gid(k), **_median(g["arms"].get(a))}
                         for k, a in enumerate(arms)]}]}
                    for g in results.fes_subgroups(adam, param=e.parameter or "PFS")]}
    if e.kind == "response_rate":
        name = {"ORRFL": "ORR", "CBRFL": "CBR"}[e.flag or "ORRFL"]
        rates = results.response(adam)["arms"]

        def rate(a: str) -> dict[str, str]:
            r = rates[a].get(name) or {}
            return {"value": _na(r.get("rate"), 100), "lowerLimit": _na(r.get("ci_lower"), 100),
                    "upperLimit": _na(r.get("ci_upper"), 100)}
        return {"paramType": "NUMBER", "dispersionType": "95% Confidence Interval",
                "unitOfMeasure": "percentage of participants", "classes": [{"categories": [
                    {"measurements": [{"groupId": _gid(k), **rate(a)}
                                      for k, a in enumerate(arms)]}]}]}
    table = [r for r in results.safety_table(adam) if r["term"] == "ANY ADVERSE EVENT"]

    def count(a: str, grade: str) -> str:
        return str(next((r["n"] for r in table if r["arm"] == a and r["grade"] == grade), 0))
    return {"paramType": "COUNT_OF_PARTICIPANTS", "unitOfMeasure": "Participants",
            "classes": [{"categories": [
                {"title": title, "measurements": [{"groupId": _gid(k), "value": count(a, g)}
                                                  for k, a in enumerate(arms)]}
                for title, g in (("Any treatment-emergent adverse event", "ANY"),
                                 ("Grade 3 or higher", "3-5"))]}]}


def outcome_measures(adam: AdamData, protocol: Protocol, arms: Sequence[str],
                     labels: Mapping[str, str]) -> dict[str, Any]:
    """``outcomeMeasuresModule`` of the registry's results section (module docstring)."""
    adsl = adam.adsl
    out = []
    for e in sorted(protocol.endpoints, key=lambda e: ROLE_ORDER[e.role]):
        members = adsl if e.population == "ITT" else adsl[adsl["SAFFL"] == "Y"]
        n = {a: int((members["ARMCD"] == a).sum()) for a in arms}
        measure = _measure(e, arms, labels, n)
        try:
            measure.update(_values(e, adam, arms))
        except ValidationError as error:
            measure.update(reportingStatus="NOT_POSTED", notPostedReason=error.message)
        out.append(measure)
    return {"outcomeMeasures": out}
