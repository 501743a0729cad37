"""The results tables the registry requires, in the form of ClinicalTrials.gov's results data
elements (the ``resultsSection`` of an API v2 study record): participant flow with the reasons
for not completing, baseline characteristics (age, sex, race and ethnicity), and adverse events
with all-cause mortality, serious and other (not serious) adverse events. Pure: the analysis
data sets in, plain dicts out.

Source: ClinicalTrials.gov "Results Data Element Definitions for Interventional and
Observational Studies" (42 CFR Part 11 §11.48):

- Participant Flow: one period "Overall Study" per arm group; milestones STARTED (randomized),
  COMPLETED (ended the study because it closed: ADSL.EOSSTT COMPLETED) and NOT COMPLETED
  (STARTED - COMPLETED), with "Reason Not Completed" types Adverse Event, Death, Lack of
  Efficacy, Lost to Follow-up, Physician Decision, Pregnancy, Protocol Violation, Withdrawal by
  Subject, Other; a participant still followed at the data cut-off is "Other" (in follow-up at
  the cut-off), so the reasons add up to NOT COMPLETED.
- Baseline Characteristics (all randomized, per arm and in total): "Age, Categorical" with the
  registry's categories "<=18 years", "Between 18 and 65 years", ">=65 years" (age in completed
  years at randomization); "Age, Continuous" (mean, standard deviation); "Sex: Female, Male";
  "Race (NIH/OMB)" and "Ethnicity (NIH/OMB)" with their categories, a participant whose race or
  ethnicity was not recorded counted as "Unknown or Not Reported".
- Adverse Events: all-cause mortality (participants who died of any cause, over all randomized
  participants, from randomization to the data cut-off); serious adverse events (all) and other
  adverse events (those not serious, a term shown when its frequency reaches the threshold, 5 %,
  in at least one arm), over the safety population and treatment-emergent events (ADAE.TRTEMFL),
  with participants affected, events and participants at risk; organ system from CTCAE v5.0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import mean, stdev
from typing import Any

from dawna.analysis.adam import AdamData
from dawna.rules.ctcae import TERMS

__all__ = ["AGE_GROUPS", "ETHNICITY_CATEGORIES", "FLOW_REASONS", "RACE_CATEGORIES",
           "UNKNOWN", "age_group", "registry_tables"]

UNKNOWN = "Unknown or Not Reported"
AGE_GROUPS = ("<=18 years", "Between 18 and 65 years", ">=65 years")
RACE_CATEGORIES = {
    "AMERICAN INDIAN OR ALASKA NATIVE": "American Indian or Alaska Native",
    "ASIAN": "Asian", "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER":
    "Native Hawaiian or Other Pacific Islander",
    "BLACK OR AFRICAN AMERICAN": "Black or African American", "WHITE": "White",
    "MULTIPLE": "More than one race"}
ETHNICITY_CATEGORIES = {"HISPANIC OR LATINO": "Hispanic or Latino",
                        "NOT HISPANIC OR LATINO": "Not Hispanic or Latino"}
#: ADSL.EOSRSN (CDISC NCOMPLT) -> the registry's "Reason Not Completed" type.
FLOW_REASONS = {"DEATH": "Death", "WITHDRAWAL BY SUBJECT": "Withdrawal by Subject",
                "LOST TO FOLLOW-UP": "Lost to Follow-up", "ADVERSE EVENT": "Adverse Event",
                "PHYSICIAN DECISION": "Physician Decision",
                "PROTOCOL VIOLATION": "Protocol Violation", "PREGNANCY": "Pregnancy",
                "LACK OF EFFICACY": "Lack of Efficacy"}
ONGOING_REASON = "Other: in follow-up at the data cut-off"
OTHER_THRESHOLD_PCT = 5


def age_group(age: int) -> str:
    """The registry's age category of completed years at randomization."""
    if age <= 18:
        return AGE_GROUPS[0]
    return AGE_GROUPS[2] if age >= 65 else AGE_GROUPS[1]


def _groups(prefix: str, arms: Sequence[str], labels: Mapping[str, str],
            descriptions: Mapping[str, str], total: bool = False) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"id": f"{prefix}{k:03d}", "title": labels.get(arm, arm),
            "description": descriptions.get(arm, "")} for k, arm in enumerate(arms)]
    if total:
        out.append({"id": f"{prefix}{len(arms):03d}", "title": "Total",
                    "description": "Total of all reporting groups"})
    return out


def _per_arm(prefix: str, arms: Sequence[str], count: Any, key: str = "numSubjects",
             total: bool = False) -> list[dict[str, Any]]:
    rows = [{"groupId": f"{prefix}{k:03d}", key: count(arm)} for k, arm in enumerate(arms)]
    if total:
        total_n = sum(int(r[key]) for r in rows)
        rows.append({"groupId": f"{prefix}{len(arms):03d}",
                     key: str(total_n) if rows and isinstance(rows[0][key], str) else total_n})
    return rows


def _flow(adam: AdamData, arms: Sequence[str], labels: Mapping[str, str],
          descriptions: Mapping[str, str]) -> dict[str, Any]:
    adsl = adam.adsl

    def of(arm: str) -> Any:
        return adsl[adsl["ARMCD"] == arm]

    def n_completed(arm: str) -> int:
        return int((of(arm)["EOSSTT"] == "COMPLETED").sum())

    def reason_of(row: Any) -> str:
        if row.EOSSTT == "ONGOING":
            return ONGOING_REASON
        return FLOW_REASONS.get(str(row.EOSRSN), "Other")

    reasons = sorted({reason_of(r) for r in adsl.itertuples() if r.EOSSTT != "COMPLETED"})
    return {
        "groups": _groups("FG", arms, labels, descriptions),
        "periods": [{
            "title": "Overall Study",
            "milestones": [
                {"type": "STARTED", "achievements": _per_arm("FG", arms, lambda a: len(of(a)))},
                {"type": "Received allocated treatment", "achievements": _per_arm(
                    "FG", arms, lambda a: int((of(a)["SAFFL"] == "Y").sum()))},
                {"type": "COMPLETED", "achievements": _per_arm("FG", arms, n_completed)},
                {"type": "NOT COMPLETED", "achievements": _per_arm(
                    "FG", arms, lambda a: len(of(a)) - n_completed(a))}],
            "dropWithdraws": [{"type": reason, "reasons": _per_arm(
                "FG", arms, lambda a, reason=reason: sum(
                    1 for r in of(a).itertuples()
                    if r.EOSSTT != "COMPLETED" and reason_of(r) == reason))}
                for reason in reasons]}]}


def _count_measure(title: str, adam: AdamData, arms: Sequence[str], categories: Sequence[str],
                   category_of: Any) -> dict[str, Any]:
    adsl = adam.adsl
    values = {arm: [category_of(r) for r in adsl[adsl["ARMCD"] == arm].itertuples()]
              for arm in arms}
    shown = list(categories)
    if UNKNOWN not in shown and any(UNKNOWN in v for v in values.values()):
        shown.append(UNKNOWN)
    return {"title": title, "paramType": "COUNT_OF_PARTICIPANTS",
            "unitOfMeasure": "Participants", "classes": [{"categories": [
                {"title": c, "measurements": _per_arm(
                    "BG", arms, lambda a, c=c: str(values[a].count(c)), key="value",
                    total=True)} for c in shown]}]}


def _age(value: Any) -> int | None:
    return None if value is None or value != value else int(value)


def _age_category(age: int | None) -> str:
    return UNKNOWN if age is None else age_group(age)


def _baseline(adam: AdamData, arms: Sequence[str], labels: Mapping[str, str],
              descriptions: Mapping[str, str]) -> dict[str, Any]:
    adsl = adam.adsl

    def ages(arm: str | None) -> list[int]:
        rows = adsl if arm is None else adsl[adsl["ARMCD"] == arm]
        return [a for a in (_age(v) for v in rows["AGE"]) if a is not None]

    def age_stats(arm: str | None) -> dict[str, str]:
        xs = ages(arm)
        return {"value": f"{mean(xs):.1f}" if xs else "NA",
                "spread": f"{stdev(xs):.1f}" if len(xs) > 1 else "NA"}

    continuous = [{"groupId": f"BG{k:03d}", **age_stats(arm)} for k, arm in enumerate(arms)]
    continuous.append({"groupId": f"BG{len(arms):03d}", **age_stats(None)})
    return {
        "groups": _groups("BG", arms, labels, descriptions, total=True),
        "denoms": [{"units": "Participants", "counts": _per_arm(
            "BG", arms, lambda a: str(int((adsl["ARMCD"] == a).sum())), key="value",
            total=True)}],
        "measures": [
            _count_measure("Age, Categorical", adam, arms, AGE_GROUPS,
                           lambda r: _age_category(_age(r.AGE))),
            {"title": "Age, Continuous", "paramType": "MEAN",
             "dispersionType": "STANDARD_DEVIATION", "unitOfMeasure": "years",
             "classes": [{"categories": [{"measurements": continuous}]}]},
            _count_measure("Sex: Female, Male", adam, arms, ("Female", "Male"),
                           lambda r: {"F": "Female", "M": "Male"}.get(r.SEX, UNKNOWN)),
            _count_measure("Race (NIH/OMB)", adam, arms, (*RACE_CATEGORIES.values(), UNKNOWN),
                           lambda r: RACE_CATEGORIES.get(r.RACE, UNKNOWN)),
            _count_measure("Ethnicity (NIH/OMB)", adam, arms,
                           (*ETHNICITY_CATEGORIES.values(), UNKNOWN),
                           lambda r: ETHNICITY_CATEGORIES.get(r.ETHNIC, UNKNOWN))]}


def _adverse_events(adam: AdamData, arms: Sequence[str], labels: Mapping[str, str],
                    descriptions: Mapping[str, str], time_frame: str,
                    vocabulary: str) -> dict[str, Any]:
    adsl, adae = adam.adsl, adam.adae
    safety = adsl[adsl["SAFFL"] == "Y"]
    at_risk = {a: int((safety["ARMCD"] == a).sum()) for a in arms}
    randomized = {a: int((adsl["ARMCD"] == a).sum()) for a in arms}
    te = adae[(adae["TRTEMFL"] == "Y") & adae["USUBJID"].isin(set(safety["USUBJID"]))]

    def table(serious: bool) -> tuple[list[dict[str, Any]], dict[str, int]]:
        rows = te[(te["AESER"] == "Y") == serious]
        events = []
        for term in sorted(set(rows["AEDECOD"].astype(str))):
            stats = []
            keep = serious
            for k, arm in enumerate(arms):
                mine = rows[(rows["AEDECOD"] == term) & (rows["ARMCD"] == arm)]
                affected = int(mine["USUBJID"].nunique())
                stats.append({"groupId": f"EG{k:03d}", "numEvents": len(mine),
                              "numAffected": affected, "numAtRisk": at_risk[arm]})
                keep = keep or (at_risk[arm] > 0
                                and 100 * affected / at_risk[arm] >= OTHER_THRESHOLD_PCT)
            if keep:
                found = TERMS.get(term)
                events.append({"term": term, "organSystem": found.soc if found else "",
                               "sourceVocabulary": vocabulary,
                               "assessmentType": "SYSTEMATIC_ASSESSMENT", "stats": stats})
        shown = {str(e["term"]) for e in events}
        kept = rows[rows["AEDECOD"].astype(str).isin(shown)]
        return events, {a: int(kept[kept["ARMCD"] == a]["USUBJID"].nunique()) for a in arms}

    serious, serious_n = table(True)
    other, other_n = table(False)
    deaths = {a: int(((adsl["ARMCD"] == a) & (adsl["DTHFL"] == "Y")).sum()) for a in arms}
    groups = _groups("EG", arms, labels, descriptions)
    for k, arm in enumerate(arms):
        groups[k].update({
            "deathsNumAffected": deaths[arm], "deathsNumAtRisk": randomized[arm],
            "seriousNumAffected": serious_n[arm], "seriousNumAtRisk": at_risk[arm],
            "otherNumAffected": other_n[arm], "otherNumAtRisk": at_risk[arm]})
    return {"frequencyThreshold": str(OTHER_THRESHOLD_PCT), "timeFrame": time_frame,
            "description": ("All-cause mortality: deaths of any cause among all randomized "
                            "participants, from randomization to the data cut-off. Serious and "
                            "other adverse events: treatment-emergent events of the safety "
                            "population (at least one dose)."),
            "eventGroups": groups, "seriousEvents": serious, "otherEvents": other}


def registry_tables(adam: AdamData, arms: Sequence[str], labels: Mapping[str, str],
                    descriptions: Mapping[str, str], *, ae_time_frame: str,
                    vocabulary: str = "CTCAE (5.0)") -> dict[str, Any]:
    """``participantFlowModule``, ``baselineCharacteristicsModule`` and
    ``adverseEventsModule`` of the registry's results section (module docstring)."""
    return {"participantFlowModule": _flow(adam, arms, labels, descriptions),
            "baselineCharacteristicsModule": _baseline(adam, arms, labels, descriptions),
            "adverseEventsModule": _adverse_events(adam, arms, labels, descriptions,
                                                   ae_time_frame, vocabulary)}
