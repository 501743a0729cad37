"""The registry's results tables (ClinicalTrials.gov results data elements) of a hand-counted
cohort of five, all randomized on 2024-03-12 (R), data cut-off 2024-12-31:

- P001, arm A, born 1979-01-01 (45), female, race/ethnicity not recorded; cycle 1 2024-03-14;
  nausea grade 1 (2024-04-01), serious febrile neutropenia grade 3 (2024-04-10); died, end of
  study for death 2024-06-01.
- P002, arm A, born 1953-06-01 (70), female, ASIAN, NOT HISPANIC OR LATINO; cycle 1
  2024-03-15; nausea twice (2024-04-02 grade 2, 2024-05-02 grade 1); study closed 2024-12-01
  (completed).
- P003, arm A, born 2005-06-01 (18), female; never treated; withdrew 2024-03-20.
- P004, arm B, born 1959-12-01 (64), sex not recorded; cycle 1 2024-03-20; fatigue 2024-03-18
  (before the first dose: not treatment-emergent), diarrhoea grade 1 2024-04-05; still followed.
- P005, arm B, born 1990-03-12 (34 on R, her birthday), female; never treated; lost to
  follow-up 2024-09-01.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dawna.analysis import adam
from dawna.analysis.adam import AdverseEventRecord, StatusRecord, SubjectRecord
from dawna.analysis.registry_tables import age_group, registry_tables

R = date(2024, 3, 12)


def _s(pseudonym: str, arm: str, born: date, **more: Any) -> SubjectRecord:
    return SubjectRecord(pseudonym=pseudonym, site="SITEA", arm=arm, arm_label=arm,
                         randomized=R, factors={}, date_of_birth=born, **more)


def _cohort() -> dict[str, Any]:
    ae = AdverseEventRecord
    subjects = [
        _s("P001", "A", date(1979, 1, 1), sex="female", cycle_starts=(date(2024, 3, 14),),
           adverse_events=(ae(1, "Nausea", 1, date(2024, 4, 1)),
                           ae(2, "Febrile neutropenia", 3, date(2024, 4, 10), serious=True)),
           events=(StatusRecord("study_ended", date(2024, 6, 1), "death"),)),
        _s("P002", "A", date(1953, 6, 1), sex="female", race="ASIAN",
           ethnicity="NOT HISPANIC OR LATINO", cycle_starts=(date(2024, 3, 15),),
           adverse_events=(ae(1, "Nausea", 2, date(2024, 4, 2)),
                           ae(2, "Nausea", 1, date(2024, 5, 2))),
           events=(StatusRecord("study_ended", date(2024, 12, 1), "study_closed"),)),
        _s("P003", "A", date(2005, 6, 1), sex="female",
           events=(StatusRecord("study_ended", date(2024, 3, 20), "withdrawal"),)),
        _s("P004", "B", date(1959, 12, 1), cycle_starts=(date(2024, 3, 20),),
           adverse_events=(ae(1, "Fatigue", 1, date(2024, 3, 18)),
                           ae(2, "Diarrhea", 1, date(2024, 4, 5)))),
        _s("P005", "B", date(1990, 3, 12), sex="female",
           events=(StatusRecord("study_ended", date(2024, 9, 1), "lost_to_follow_up"),)),
    ]
    data = adam.derive(subjects, date(2024, 12, 31))
    return registry_tables(data, ("A", "B"), {"A": "Arm A", "B": "Arm B"},
                           {"A": "dalpiciclib + ET", "B": "chemotherapy"},
                           ae_time_frame="first dose to 30 days after the last dose")


def _by_group(rows: list[dict[str, Any]], key: str) -> list[Any]:
    return [r[key] for r in rows]


@pytest.mark.parametrize(("age", "group"), [
    (18, "<=18 years"), (19, "Between 18 and 65 years"), (64, "Between 18 and 65 years"),
    (65, ">=65 years")])
def test_age_groups_are_the_registry_categories(age: int, group: str) -> None:
    assert age_group(age) == group


def test_participant_flow_with_reasons_for_not_completing() -> None:
    # A: started 3, treated 2 (P001, P002), completed 1 (P002), not completed 2 = death P001 +
    # withdrawal P003. B: started 2, treated 1 (P004), completed 0, not completed 2 = lost P005
    # + P004 still followed at the cut-off.
    flow = _cohort()["participantFlowModule"]
    assert [g["title"] for g in flow["groups"]] == ["Arm A", "Arm B"]
    period = flow["periods"][0]
    assert period["title"] == "Overall Study"
    milestones = {m["type"]: _by_group(m["achievements"], "numSubjects")
                  for m in period["milestones"]}
    assert milestones == {"STARTED": [3, 2], "Received allocated treatment": [2, 1],
                          "COMPLETED": [1, 0], "NOT COMPLETED": [2, 2]}
    reasons = {d["type"]: _by_group(d["reasons"], "numSubjects")
               for d in period["dropWithdraws"]}
    assert reasons == {"Death": [1, 0], "Lost to Follow-up": [0, 1],
                       "Other: in follow-up at the data cut-off": [0, 1],
                       "Withdrawal by Subject": [1, 0]}
    # the reasons add up to NOT COMPLETED in each arm
    assert [sum(v[k] for v in reasons.values()) for k in (0, 1)] == [2, 2]


def test_baseline_age_sex_race_and_ethnicity() -> None:
    base = _cohort()["baselineCharacteristicsModule"]
    assert [g["id"] for g in base["groups"]] == ["BG000", "BG001", "BG002"]
    assert _by_group(base["denoms"][0]["counts"], "value") == ["3", "2", "5"]
    measures = {m["title"]: m for m in base["measures"]}

    def counts(title: str) -> dict[str, list[str]]:
        cats = measures[title]["classes"][0]["categories"]
        return {c["title"]: _by_group(c["measurements"], "value") for c in cats}

    # ages A 45, 70, 18; B 64, 34
    assert counts("Age, Categorical") == {"<=18 years": ["1", "0", "1"],
                                          "Between 18 and 65 years": ["1", "2", "3"],
                                          ">=65 years": ["1", "0", "1"]}
    # A: mean 133 / 3 = 44.3; SD sqrt(((45-44.33)^2 + (70-44.33)^2 + (18-44.33)^2) / 2)
    # = sqrt(1352.67 / 2) = 26.0. B: mean 49.0, SD sqrt(2 * 15^2 / 1) = 21.2. All: mean
    # 231 / 5 = 46.2, SD sqrt(1828.8 / 4) = 21.4
    age = measures["Age, Continuous"]["classes"][0]["categories"][0]["measurements"]
    assert [(m["value"], m["spread"]) for m in age] == [("44.3", "26.0"), ("49.0", "21.2"),
                                                         ("46.2", "21.4")]
    # P004's sex is not recorded
    assert counts("Sex: Female, Male") == {"Female": ["3", "1", "4"], "Male": ["0", "0", "0"],
                                           "Unknown or Not Reported": ["0", "1", "1"]}
    race = counts("Race (NIH/OMB)")
    assert list(race) == ["American Indian or Alaska Native", "Asian",
                          "Native Hawaiian or Other Pacific Islander",
                          "Black or African American", "White", "More than one race",
                          "Unknown or Not Reported"]
    assert race["Asian"] == ["1", "0", "1"]
    assert race["Unknown or Not Reported"] == ["2", "2", "4"]
    assert race["White"] == ["0", "0", "0"]
    assert counts("Ethnicity (NIH/OMB)") == {
        "Hispanic or Latino": ["0", "0", "0"], "Not Hispanic or Latino": ["1", "0", "1"],
        "Unknown or Not Reported": ["2", "2", "4"]}


def test_all_cause_mortality_and_adverse_event_tables() -> None:
    ae = _cohort()["adverseEventsModule"]
    # deaths over all randomized: A 1 of 3 (P001), B 0 of 2; at risk for AEs: the safety
    # population, A 2, B 1. Serious: febrile neutropenia in P001. Other: nausea in P001 and
    # P002 (3 events), diarrhoea in P004; P004's fatigue precedes her first dose: not counted.
    groups = ae["eventGroups"]
    assert [(g["deathsNumAffected"], g["deathsNumAtRisk"]) for g in groups] == [(1, 3), (0, 2)]
    assert [(g["seriousNumAffected"], g["seriousNumAtRisk"]) for g in groups] == [(1, 2),
                                                                                  (0, 1)]
    assert [(g["otherNumAffected"], g["otherNumAtRisk"]) for g in groups] == [(2, 2), (1, 1)]
    assert ae["frequencyThreshold"] == "5"
    serious = {e["term"]: e for e in ae["seriousEvents"]}
    assert list(serious) == ["Febrile neutropenia"]
    fn = serious["Febrile neutropenia"]
    assert fn["organSystem"] == "Blood and lymphatic system disorders"
    assert [(s["numAffected"], s["numEvents"], s["numAtRisk"]) for s in fn["stats"]] == [
        (1, 1, 2), (0, 0, 1)]
    other = {e["term"]: e for e in ae["otherEvents"]}
    assert list(other) == ["Diarrhea", "Nausea"]
    assert [(s["numAffected"], s["numEvents"]) for s in other["Nausea"]["stats"]] == [
        (2, 3), (0, 0)]
    assert [(s["numAffected"], s["numEvents"]) for s in other["Diarrhea"]["stats"]] == [
        (0, 0), (1, 1)]


def test_outcome_measures_one_per_declared_endpoint_the_primary_first() -> None:
    """Four participants randomized 2024-03-12 (R), cut-off 2024-12-31. Arm A: P1 PR on
    2024-05-07 confirmed by PR on 2024-06-04 (28 days later), P2 SD on 2024-05-07 only. Arm B:
    P3 PD on 2024-05-07, P4 no assessment. ORR: A 1/2 = 50.0 %, Clopper-Pearson 95 % CI
    [1 - 0.975^(1/2), 0.975^(1/2)] = [1.3 %, 98.7 %]; B 0/2 = 0.0 %, [0, 1 - 0.025^(1/2)] =
    [0.0 %, 84.2 %]. Safety: nobody dosed, so 0 participants with an event."""
    from dawna.analysis.adam import ResponseRecord
    from dawna.protocol import bundled_protocol
    from dawna.services.registry_outcomes import outcome_measures

    def ovr(day: date, response: str) -> ResponseRecord:
        return ResponseRecord(on=day, adt=day, response=response)

    subjects = [
        _s("P1", "A", date(1970, 1, 1), responses=(ovr(date(2024, 5, 7), "PR"),
                                                   ovr(date(2024, 6, 4), "PR"))),
        _s("P2", "A", date(1970, 1, 1), responses=(ovr(date(2024, 5, 7), "SD"),)),
        _s("P3", "B", date(1970, 1, 1), responses=(ovr(date(2024, 5, 7), "PD"),),
           progression_date=date(2024, 5, 7)),
        _s("P4", "B", date(1970, 1, 1))]
    data = adam.derive(subjects, date(2024, 12, 31))
    measures = outcome_measures(data, bundled_protocol(), ("A", "B"),
                                {"A": "Arm A", "B": "Arm B"})["outcomeMeasures"]
    assert [(m["type"], m["title"]) for m in measures] == [
        ("PRIMARY", "Progression-free survival"), ("SECONDARY", "Overall survival"),
        ("SECONDARY", "Objective response rate"), ("SECONDARY", "Clinical benefit rate"),
        ("SECONDARY", "Participants with treatment-emergent adverse events by worst CTCAE "
                      "grade"),
        ("OTHER_PRE_SPECIFIED", "Progression-free survival by baseline FES PET/CT category")]
    orr = measures[2]
    assert orr["reportingStatus"] == "POSTED" and orr["paramType"] == "NUMBER"
    values = orr["classes"][0]["categories"][0]["measurements"]
    assert [(v["value"], v["lowerLimit"], v["upperLimit"]) for v in values] == [
        ("50.0", "1.3", "98.7"), ("0.0", "0.0", "84.2")]
    assert [c["value"] for c in orr["denoms"][0]["counts"]] == ["2", "2"]
    safety = measures[4]
    assert safety["populationDescription"].startswith("Participants who received")
    assert [c["value"] for c in safety["denoms"][0]["counts"]] == ["0", "0"]
    # an analysis the data cannot support is listed, not posted, with the reason
    for m in measures:
        assert m["reportingStatus"] in ("POSTED", "NOT_POSTED")
        if m["reportingStatus"] == "NOT_POSTED":
            assert m["notPostedReason"]
