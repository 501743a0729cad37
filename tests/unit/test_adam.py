"""Analysis data sets from hand-made records: each PFS censoring rule of domain.md §3 (FDA 2018
endpoints guidance) with its CNSR, ADT and AVAL worked by hand in a comment, OS, the ADSL
derivations, ADRS codes and flags, ADAE, the worst-grade table and the PFS frame.

Every participant below is randomized on 2024-03-12 (R). Day counts from R: 2024-05-07 is
R + 56 (19 days to 31 March, 30 in April, 7 in May), 2024-07-02 is R + 112, 2024-09-03 is
R + 175. Schedule: every 56 days ± 7, so "two missed assessments" = more than 2 × 56 + 7 = 119
days from the last adequate assessment.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dawna.analysis import adam
from dawna.analysis.adam import (
    AdverseEventRecord,
    ContactRecord,
    PetRecord,
    ResponseRecord,
    StatusRecord,
    SubjectRecord,
)
from dawna.analysis.adam_tte import Schedule

R = date(2024, 3, 12)
CUTOFF = date(2024, 12, 31)


def subject(pseudonym: str = "P001", arm: str = "A", **changes: Any) -> SubjectRecord:
    values: dict[str, Any] = {
        "pseudonym": pseudonym, "site": "SITEA", "arm": arm, "arm_label": f"Arm {arm}",
        "randomized": R, "factors": {"visceral_metastasis": "yes",
                                     "cdk46i_setting": "advanced"}}
    values.update(changes)
    return SubjectRecord(**values)


def ovr(day: date, response: str, change: float | None = None) -> ResponseRecord:
    return ResponseRecord(on=day, adt=day, response=response, change_pct=change)


def derive(*subjects: SubjectRecord, cutoff: date = CUTOFF) -> adam.AdamData:
    return adam.derive(list(subjects), cutoff, Schedule(interval_days=56, window_days=7))


def pick(row: Any, *names: str) -> tuple[Any, ...]:
    return tuple(row[n] for n in names)


def tte(data: adam.AdamData, param: str = "PFS", usubjid: str = "DAWNA-FES-P001") -> Any:
    rows = data.adtte[(data.adtte["PARAMCD"] == param) & (data.adtte["USUBJID"] == usubjid)]
    assert len(rows) == 1
    return rows.iloc[0]


# --- PFS: event and each censoring rule ------------------------------------------------------


def test_pfs_event_is_the_first_progression() -> None:
    # PD on 2024-07-02: AVAL = 2024-07-02 - 2024-03-12 + 1 = 112 + 1 = 113 days, CNSR 0;
    # AVALM = 113 / 30.4375 = 3.7125 months
    data = derive(subject(responses=(ovr(date(2024, 5, 7), "SD"), ovr(date(2024, 7, 2), "PD")),
                          progression_date=date(2024, 7, 2)))
    row = tte(data)
    assert pick(row, "ADT", "AVAL", "CNSR", "EVNTDESC", "CNSDTDSC") == (
        date(2024, 7, 2), 113, 0, "DISEASE PROGRESSION", "")
    assert row.STARTDT == R
    assert row["AVALM"] == pytest.approx(3.7125, abs=1e-4)


def test_pfs_event_is_death_when_it_comes_first() -> None:
    # SD on 2024-05-07, death on 2024-06-20 (44 days later, within 119): event at the death;
    # AVAL = 2024-06-20 - 2024-03-12 + 1 = (19 + 30 + 31 + 20) + 1 = 101, CNSR 0; OS the same
    data = derive(subject(responses=(ovr(date(2024, 5, 7), "SD"),),
                          events=(StatusRecord("study_ended", date(2024, 6, 20), "death"),)))
    row = tte(data)
    assert pick(row, "ADT", "AVAL", "CNSR", "EVNTDESC") == (date(2024, 6, 20), 101, 0, "DEATH")
    os_row = tte(data, "OS")
    assert pick(os_row, "ADT", "AVAL", "CNSR") == (date(2024, 6, 20), 101, 0)


def test_pfs_cnsr1_no_adequate_post_baseline_assessment_censors_at_randomization() -> None:
    # only an NE assessment and no death: CNSR 1, ADT = R, AVAL = 0 + 1 = 1
    data = derive(subject(responses=(ovr(date(2024, 5, 7), "NE"),)))
    row = tte(data)
    assert pick(row, "ADT", "AVAL", "CNSR", "EVNTDESC", "CNSDTDSC") == (
        R, 1, 1, "NO ADEQUATE POST-BASELINE ASSESSMENT", "RANDOMIZATION DATE")


def test_pfs_cnsr2_new_anticancer_therapy_before_progression() -> None:
    # SD 2024-05-07, SD 2024-07-02, new therapy from 2024-08-15, PD 2024-09-10: censored at the
    # last adequate assessment on or before the therapy, 2024-07-02: AVAL = 112 + 1 = 113,
    # CNSR 2
    data = derive(subject(
        responses=(ovr(date(2024, 5, 7), "SD"), ovr(date(2024, 7, 2), "SD"),
                   ovr(date(2024, 9, 10), "PD")),
        progression_date=date(2024, 9, 10),
        contacts=(ContactRecord(date(2024, 9, 1), "alive",
                                therapy_starts=(date(2024, 8, 15),)),)))
    row = tte(data)
    assert pick(row, "ADT", "AVAL", "CNSR") == (date(2024, 7, 2), 113, 2)
    assert row.CNSDTDSC == "LAST ADEQUATE ASSESSMENT ON OR BEFORE NEW THERAPY"
    # therapy from 2024-05-01, before the first adequate assessment (SD 2024-07-02): CNSR 2 at
    # the randomization date, AVAL 1
    data = derive(subject(responses=(ovr(date(2024, 7, 2), "SD"),), contacts=(
        ContactRecord(date(2024, 9, 1), "alive", therapy_starts=(date(2024, 5, 1),)),)))
    assert pick(tte(data), "ADT", "AVAL", "CNSR", "CNSDTDSC") == (R, 1, 2, "RANDOMIZATION DATE")


def test_pfs_progression_on_the_day_new_therapy_starts_is_an_event() -> None:
    # PD 2024-07-02 and therapy from 2024-07-02: the therapy is not *before* PD; AVAL 113, CNSR 0
    data = derive(subject(
        responses=(ovr(date(2024, 5, 7), "SD"), ovr(date(2024, 7, 2), "PD")),
        progression_date=date(2024, 7, 2),
        contacts=(ContactRecord(date(2024, 7, 20), "alive",
                                therapy_starts=(date(2024, 7, 2),)),)))
    assert (tte(data).AVAL, tte(data).CNSR) == (113, 0)


def test_pfs_cnsr3_progression_after_two_missed_assessments() -> None:
    # last adequate 2024-05-07 (R + 56); PD 2024-09-10 is 126 days later (> 2 × 56 + 7 = 119):
    # the assessments due about 2024-07-02 and 2024-08-27 were both missed; censored at
    # 2024-05-07: AVAL = 56 + 1 = 57, CNSR 3
    data = derive(subject(responses=(ovr(date(2024, 5, 7), "SD"), ovr(date(2024, 9, 10), "PD")),
                          progression_date=date(2024, 9, 10)))
    row = tte(data)
    assert pick(row, "ADT", "AVAL", "CNSR", "EVNTDESC") == (
        date(2024, 5, 7), 57, 3, "PD OR DEATH AFTER 2 OR MORE MISSED ASSESSMENTS")


@pytest.mark.parametrize(("pd_date", "expected"), [
    # L + 119 = 2024-09-03 (R + 175): the second missed assessment's window has just closed;
    # the event still counts: AVAL = 175 + 1 = 176, CNSR 0
    (date(2024, 9, 3), (date(2024, 9, 3), 176, 0)),
    # L + 120 = 2024-09-04: more than 119 days: CNSR 3 at L = 2024-05-07, AVAL 57
    (date(2024, 9, 4), (date(2024, 5, 7), 57, 3)),
])
def test_pfs_missed_assessment_boundary_is_two_intervals_plus_window(
        pd_date: date, expected: tuple[date, int, int]) -> None:
    data = derive(subject(responses=(ovr(date(2024, 5, 7), "SD"), ovr(pd_date, "PD")),
                          progression_date=pd_date))
    row = tte(data)
    assert pick(row, "ADT", "AVAL", "CNSR") == expected


def test_pfs_death_without_any_assessment() -> None:
    # death at R + 30 (2024-04-11), within 119 days of R: event, AVAL 31, CNSR 0;
    # death at R + 200 (2024-09-28) with no assessment: two missed, CNSR 3 at R, AVAL 1
    early = derive(subject(contacts=(ContactRecord(date(2024, 4, 15), "dead",
                                                   death_date=date(2024, 4, 11)),)))
    assert pick(tte(early), "ADT", "AVAL", "CNSR") == (date(2024, 4, 11), 31, 0)
    late = derive(subject(contacts=(ContactRecord(date(2024, 10, 1), "dead",
                                                  death_date=date(2024, 9, 28)),)))
    row = tte(late)
    assert pick(row, "ADT", "AVAL", "CNSR", "CNSDTDSC") == (R, 1, 3, "RANDOMIZATION DATE")
    # OS counts the death either way: 2024-09-28 = R + 200, AVAL 201
    assert (tte(late, "OS").AVAL, tte(late, "OS").CNSR) == (201, 0)


def test_pfs_cnsr4_no_event_by_the_cutoff_and_later_events_ignored() -> None:
    # SD 2024-05-07, PR 2024-07-02, PD 2024-08-27 after the cut-off of 2024-08-01: censored at
    # the last adequate assessment 2024-07-02: AVAL 113, CNSR 4
    record = subject(responses=(ovr(date(2024, 5, 7), "SD"), ovr(date(2024, 7, 2), "PR"),
                                ovr(date(2024, 8, 27), "PD")),
                     progression_date=date(2024, 8, 27))
    row = tte(derive(record, cutoff=date(2024, 8, 1)))
    assert pick(row, "ADT", "AVAL", "CNSR", "EVNTDESC", "CNSDTDSC") == (
        date(2024, 7, 2), 113, 4, "NO PD OR DEATH BY DATA CUT-OFF", "LAST ADEQUATE ASSESSMENT")
    # with the cut-off after the PD, the PD is the event: 2024-08-27 = R + 168, AVAL 169
    row = tte(derive(record))
    assert pick(row, "AVAL", "CNSR") == (169, 0)


# --- OS and ADSL ---------------------------------------------------------------------------------


def test_os_censored_at_the_last_known_alive_date() -> None:
    # alive contacts 2024-09-01 and (after the cut-off) 2025-02-01, a lab 2024-10-05, a
    # "lost" contact 2024-11-20 (no proof of life): last alive 2024-10-05 = R + 207, AVAL 208
    data = derive(subject(contacts=(ContactRecord(date(2024, 9, 1), "alive"),
                                    ContactRecord(date(2024, 11, 20), "lost"),
                                    ContactRecord(date(2025, 2, 1), "alive")),
                          lab_dates=(date(2024, 10, 5),)))
    row = tte(data, "OS")
    assert pick(row, "ADT", "AVAL", "CNSR", "EVNTDESC", "CNSDTDSC") == (
        date(2024, 10, 5), 208, 1, "ALIVE AT DATA CUT-OFF", "LAST KNOWN ALIVE DATE")
    assert data.adsl.iloc[0]["LSTALVDT"] == date(2024, 10, 5)


def test_adsl_treatment_strata_age_and_disposition() -> None:
    treated = subject(
        "P001", date_of_birth=date(1961, 7, 15), menopausal_status="post",
        regimen="A:letrozole", cycle_starts=(date(2024, 3, 14), date(2024, 4, 11)),
        events=(StatusRecord("treatment_started", date(2024, 3, 13)),
                StatusRecord("treatment_ended", date(2024, 9, 2), "progression"),
                StatusRecord("study_ended", date(2024, 11, 1), "death")),
        responses=(ovr(date(2024, 5, 7), "PR", -35.0), ovr(date(2024, 7, 2), "PR", -41.5),
                   ovr(date(2024, 8, 27), "PD", 12.0)),
        progression_date=date(2024, 8, 27),
        pet=PetRecord("mixed", positive=3, negative=1, not_evaluable=1, fdg_suvmax=7.2))
    untreated = subject("P002", "B", factors={"visceral_metastasis": "no",
                                              "cdk46i_setting": "adjuvant"},
                        events=(StatusRecord("treatment_ended", date(2024, 3, 20),
                                             "withdrawal_of_consent"),
                                StatusRecord("study_ended", date(2024, 3, 20), "withdrawal")))
    late = subject("P003", randomized=date(2025, 1, 5))  # after the cut-off: not in ADSL
    adsl = derive(late, untreated, treated).adsl.set_index("SUBJID")
    assert list(adsl.index) == ["P001", "P002"]
    a, b = adsl.loc["P001"], adsl.loc["P002"]
    assert pick(a, "USUBJID", "STUDYID", "SITEID", "ARMCD", "ARM", "REGIMEN") == (
        "DAWNA-FES-P001", "DAWNA-FES", "SITEA", "A", "Arm A", "A:letrozole")
    # first exposure: the treatment_started event (03-13) is before cycle 1 day 1 (03-14)
    assert pick(a, "RANDDT", "TRTSDT", "TRTEDT", "ITTFL", "SAFFL") == (
        R, date(2024, 3, 13), date(2024, 9, 2), "Y", "Y")
    # born 1961-07-15, randomized 2024-03-12 before the birthday: 2024 - 1961 - 1 = 62
    assert pick(a, "AGE", "MENOSTAT", "STRAT1", "STRAT1V", "STRAT2") == (62, "post", "yes", 1,
                                                                 "advanced")
    assert pick(a, "FESCAT", "FESNPOS", "FESNNEG", "FESNNE", "FDGSUVMX") == (
        "mixed", 3, 1, 1, 7.2)
    assert pick(a, "EOTSTT", "EOTRSN", "EOSSTT", "EOSRSN", "EOSDT") == (
        "DISCONTINUED", "PROGRESSIVE DISEASE", "DISCONTINUED", "DEATH", date(2024, 11, 1))
    # last known alive: the end-of-treatment event of 2024-09-02, the latest record before the
    # death (the end of study for death does not count)
    assert pick(a, "DTHFL", "DTHDT", "LSTALVDT") == ("Y", date(2024, 11, 1), date(2024, 9, 2))
    assert pick(a, "BESTPCHG", "BOR", "UBOR") == (-41.5, "PR", "PR")
    assert pick(b, "SAFFL", "STRAT1", "STRAT1V", "STRAT2", "FESCAT", "EOTRSN", "EOSRSN",
                "DTHFL") == (
        "N", "no", 0, "adjuvant", "not_read", "WITHDRAWAL BY SUBJECT", "WITHDRAWAL BY SUBJECT",
        "")
    assert b.TRTSDT is None and b.TRTEDT is None and pick(b, "BOR", "UBOR") == ("NE", "NE")


# --- ADRS ----------------------------------------------------------------------------------------


def test_adrs_rows_codes_and_response_flags() -> None:
    # SD at R + 168 = 2024-08-27 (24 weeks): clinical benefit; R + 167 too (window of 7 days)
    benefit = subject("P001", responses=(ovr(date(2024, 5, 7), "SD", -5.0),
                                         ovr(date(2024, 8, 27), "SD", -8.0)))
    short = subject("P002", responses=(ovr(date(2024, 5, 7), "SD"),
                                       ovr(date(2024, 8, 26), "NON-CR/NON-PD")))
    responder = subject("P003", responses=(ovr(date(2024, 5, 7), "PR"),))
    adrs = derive(benefit, short, responder).adrs
    p1 = adrs[adrs.USUBJID == "DAWNA-FES-P001"]
    assert list(p1.PARAMCD) == ["OVR", "OVR", "BOR", "UBOR"]
    ovr1 = p1.iloc[0]
    # ADY = 56 + 1 = 57; SD = code 3
    assert pick(ovr1, "AVISITN", "AVALC", "AVAL", "ADT", "ADY", "PCHG") == (
        1, "SD", 3, date(2024, 5, 7), 57, -5.0)
    bor = p1[p1.PARAMCD == "BOR"].iloc[0]
    assert pick(bor, "AVALC", "AVAL", "ORRFL", "CBRFL") == ("SD", 3, "N", "Y")
    p2 = adrs[adrs.USUBJID == "DAWNA-FES-P002"]
    # SD, NON-CR/NON-PD, BOR SD; UBOR: SD at R + 56 (past the 42-day SD interval) ranks above
    # NON-CR/NON-PD, so SD
    assert list(p2.AVAL) == [3, 4, 3, 3]
    # R + 167: 24 weeks less the 7-day assessment window is 161, so it counts
    assert list(p2[p2.PARAMCD == "BOR"].CBRFL) == ["Y"]
    p3 = adrs[adrs.USUBJID == "DAWNA-FES-P003"].set_index("PARAMCD")
    # unconfirmed PR is a responder; confirmed BOR SD (PR not confirmed) is not
    assert (p3.loc["UBOR"].ORRFL, p3.loc["UBOR"].CBRFL) == ("Y", "Y")
    assert (p3.loc["BOR"].ORRFL, p3.loc["BOR"].CBRFL) == ("N", "N")


def test_response_codes_are_the_documented_ones() -> None:
    assert adam.RESPONSE_CODES == {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5,
                                   "NE": 6}


# --- ADAE and the worst-grade table ----------------------------------------------------------


def _safety_trial() -> adam.AdamData:
    p1 = subject("P001", cycle_starts=(date(2024, 3, 14),), adverse_events=(
        AdverseEventRecord(1, "Nausea", 1, date(2024, 3, 10)),  # before TRTSDT: not TE
        AdverseEventRecord(2, "Neutrophil count decreased", 3, date(2024, 4, 1),
                           date(2024, 4, 9), serious=True, related=True,
                           action="drug_interrupted", outcome="recovered"),
        AdverseEventRecord(3, "Nausea", 1, date(2024, 4, 2), date(2025, 2, 1),
                           action="dose_not_changed", outcome="recovering"),
        AdverseEventRecord(4, "Diarrhea", 2, date(2025, 1, 10))))  # after the cut-off
    p2 = subject("P002", cycle_starts=(date(2024, 3, 15),), adverse_events=(
        AdverseEventRecord(1, "Nausea", 2, date(2024, 5, 1)),))
    p3 = subject("P003", "B", cycle_starts=(date(2024, 3, 20),))
    p4 = subject("P004", "B")  # never treated: not in the safety population
    return derive(p1, p2, p3, p4)


def test_adae_flags_dates_and_terms() -> None:
    adae = _safety_trial().adae
    p1 = adae[adae.USUBJID == "DAWNA-FES-P001"].set_index("AESEQ")
    assert list(p1.index) == [1, 2, 3]  # AE 4 starts after the cut-off
    assert list(p1.TRTEMFL) == ["N", "Y", "Y"]  # AE 1 starts before TRTSDT 2024-03-14
    neutropenia = p1.loc[2]
    assert pick(neutropenia, "AEDECOD", "AETOXGR", "AETOXGRN", "ASTDT", "AENDT", "AESER",
                "AEREL", "AEACN", "AEOUT", "SAFFL", "ARMCD") == (
        "Neutrophil count decreased", "3", 3, date(2024, 4, 1), date(2024, 4, 9), "Y", "Y",
        "DRUG INTERRUPTED", "RECOVERED/RESOLVED", "Y", "A")
    # stopped after the cut-off: still ongoing at the cut-off
    assert p1.loc[3].AENDT is None and p1.loc[3].AEOUT == "RECOVERING/RESOLVING"


def test_worst_grade_table_by_arm_over_the_safety_population() -> None:
    # safety population: A = P001, P002 (N 2); B = P003 (N 1; P004 untreated).
    # treatment-emergent: P001 neutropenia G3 and nausea G1 -> worst 3; P002 nausea G2 -> 2.
    # any AE, arm A: grade 2 1/2 = 50.0 %, grade 3 1/2 = 50.0 %, 3-5 1, any 2 = 100.0 %;
    # arm B: no AE, 0 of 1. Nausea, arm A: P001 worst 1 (AE 1 before TRTSDT excluded), P002 2.
    data = _safety_trial()
    table = adam.worst_grade_table(data.adae, data.adsl)
    assert list(table.columns) == ["term", "arm", "grade", "n", "N", "pct"]
    cell = table.set_index(["term", "arm", "grade"])
    anyae = "ANY ADVERSE EVENT"
    assert [int(cell.loc[(anyae, "A", g)].n) for g in adam.GRADES] == [0, 1, 1, 0, 0, 1, 2]
    assert cell.loc[(anyae, "A", "3")].pct == 50.0 and cell.loc[(anyae, "A", "ANY")].pct == 100
    assert int(cell.loc[(anyae, "A", "ANY")].N) == 2
    assert [int(cell.loc[(anyae, "B", g)].n) for g in adam.GRADES] == [0] * 7
    assert int(cell.loc[(anyae, "B", "ANY")].N) == 1
    assert [int(cell.loc[("Nausea", "A", g)].n) for g in ("1", "2", "3", "ANY")] == [1, 1, 0, 2]
    assert set(table.term) == {anyae, "Nausea", "Neutrophil count decreased"}


# --- the PFS frame, definitions, empty input, reproducibility --------------------------------


def test_pfs_frame_is_ready_for_pfs_summary() -> None:
    data = derive(subject("P001", responses=(ovr(date(2024, 7, 2), "PD"),),
                          progression_date=date(2024, 7, 2),
                          pet=PetRecord("all_positive", 2, 0, 0)),
                  subject("P002", "B", factors={"visceral_metastasis": "no",
                                                "cdk46i_setting": "adjuvant"}))
    frame = adam.pfs_frame(data.adtte)
    assert list(frame.columns) == ["time_months", "event", "arm", "stratum", "fescat"]
    assert list(frame.event) == [1, 0]
    assert list(frame.arm) == ["A", "B"]
    assert list(frame.stratum) == ["yes/advanced", "no/adjuvant"]
    assert list(frame.fescat) == ["all_positive", "not_read"]
    assert frame.time_months.iloc[0] == pytest.approx(113 / 30.4375)
    assert list(adam.pfs_frame(data.adtte, "OS").event) == [0, 0]


def test_definitions_have_one_row_per_variable_with_sas_names_and_labels() -> None:
    data = derive(subject())
    defs = data.definitions
    assert list(defs.columns) == ["DATASET", "VARIABLE", "LABEL", "TYPE", "DERIVATION",
                                  "SOURCE"]
    for name in ("ADSL", "ADTTE", "ADRS", "ADAE"):
        frame = getattr(data, name.lower())
        assert list(defs[defs["DATASET"] == name].VARIABLE) == list(frame.columns)
    assert not defs.duplicated(["DATASET", "VARIABLE"]).any()
    assert defs.VARIABLE.str.fullmatch(r"[A-Z][A-Z0-9_]{0,7}").all()
    assert (defs.LABEL.map(lambda s: len(s.encode())) <= 40).all()
    assert set(defs.TYPE) == {"Char", "Num"}
    assert (defs.DERIVATION.str.len() > 0).all() and (defs.SOURCE.str.len() > 0).all()
    cnsr = defs[(defs.DATASET == "ADTTE") & (defs.VARIABLE == "CNSR")].iloc[0]
    assert "119" in cnsr.DERIVATION and "FDA 2018" in cnsr.SOURCE


def test_no_randomized_participant_gives_empty_frames_with_every_column() -> None:
    data = derive()
    for name in ("adsl", "adtte", "adrs", "adae"):
        frame = getattr(data, name)
        assert frame.empty and len(frame.columns) > 5
    assert adam.worst_grade_table(data.adae, data.adsl).empty
    assert list(adam.pfs_frame(data.adtte).columns) == ["time_months", "event", "arm",
                                                        "stratum", "fescat"]


def test_rows_do_not_depend_on_the_order_of_the_input() -> None:
    a = subject("P001", responses=(ovr(date(2024, 7, 2), "PD"),),
                progression_date=date(2024, 7, 2))
    b = subject("P002", "B")
    one, two = derive(a, b), derive(b, a)
    for name in ("adsl", "adtte", "adrs", "adae"):
        assert getattr(one, name).equals(getattr(two, name))


# --- issue 18: windows and the schedule --------------------------------------------------------


@pytest.mark.parametrize(("day", "flag"), [(160, "N"), (161, "Y")])
def test_clinical_benefit_counts_from_24_weeks_less_the_window(day: int, flag: str) -> None:
    """SD at R + 161 is the 24-week assessment in its window (168 - 7); R + 160 is not."""
    from datetime import timedelta
    when = R + timedelta(days=day)
    data = derive(subject(responses=(ovr(date(2024, 5, 7), "SD"), ovr(when, "SD"))))
    adrs = data.adrs
    assert list(adrs[adrs.PARAMCD == "BOR"].CBRFL) == [flag]


def test_missed_assessments_counted_on_the_schedule_not_as_a_gap() -> None:
    """Last adequate assessment 2024-05-13 = R + 62 (visit 1, late in its window); PD on
    2024-09-04 = R + 176. Visit 2 (R + 105..119) and visit 3 (R + 161..175) were both missed:
    CNSR 3 at L, AVAL 62 + 1 = 63. The old gap rule (176 - 62 = 114 <= 119) counted the event."""
    data = derive(subject(responses=(ovr(date(2024, 5, 13), "SD"), ovr(date(2024, 9, 4), "PD")),
                          progression_date=date(2024, 9, 4)))
    assert pick(tte(data), "ADT", "AVAL", "CNSR") == (date(2024, 5, 13), 63, 3)


def test_response_endpoints_stop_at_new_therapy() -> None:
    """SD at R + 56; new therapy on 2024-07-20; a PR scanned after it (2024-08-27) counts for
    no response endpoint: one OVR row, and clinical benefit is not reached by the later SD."""
    data = derive(subject(
        responses=(ovr(date(2024, 5, 7), "SD"), ovr(date(2024, 8, 27), "PR")),
        contacts=(ContactRecord(date(2024, 7, 25), "alive",
                                therapy_starts=(date(2024, 7, 20),)),)))
    adrs = data.adrs
    assert list(adrs[adrs.PARAMCD == "OVR"].AVALC) == ["SD"]
    assert list(adrs[adrs.PARAMCD == "BOR"].CBRFL) == ["N"]


def test_treatment_emergent_window_30_days_after_the_last_dose_or_new_therapy() -> None:
    """First dose 2024-03-14, last dose 2024-06-01: an AE on 2024-07-01 (30 days after) is
    treatment-emergent, one on 2024-07-02 (31) is not; with a new therapy from 2024-06-20 an AE
    on 2024-06-25 is not either."""
    events = (AdverseEventRecord(1, "Nausea", 1, date(2024, 7, 1)),
              AdverseEventRecord(2, "Nausea", 1, date(2024, 7, 2)))
    data = derive(subject(cycle_starts=(date(2024, 3, 14),), last_dose=date(2024, 6, 1),
                          adverse_events=events))
    assert list(data.adae.TRTEMFL) == ["Y", "N"]
    data = derive(subject(cycle_starts=(date(2024, 3, 14),), last_dose=date(2024, 6, 1),
                          adverse_events=(AdverseEventRecord(1, "Nausea", 1,
                                                             date(2024, 6, 25)),),
                          contacts=(ContactRecord(date(2024, 7, 1), "alive",
                                                  therapy_starts=(date(2024, 6, 20),)),)))
    assert list(data.adae.TRTEMFL) == ["N"]
    assert adam.treatment_emergent(date(2024, 9, 1), date(2024, 3, 14), None, None, 30)


def test_best_response_ignores_a_confirmation_scanned_after_new_therapy() -> None:
    """PR on 2024-05-07 (R + 56); new therapy from 2024-06-01; PR on 2024-06-04 (28 days after
    the first, so it would confirm it). The second scan is after the therapy and counts for
    nothing: confirmed BOR is SD (the PR stays unconfirmed, seen past the 42-day SD interval),
    not a responder; unconfirmed BOR PR; the best change is the first scan's -35 %, not -50 %.
    Without the window the confirmed BOR would be PR and ORR would count the participant."""
    data = derive(subject(
        responses=(ovr(date(2024, 5, 7), "PR", -35.0), ovr(date(2024, 6, 4), "PR", -50.0)),
        contacts=(ContactRecord(date(2024, 6, 10), "alive",
                                therapy_starts=(date(2024, 6, 1),)),)))
    adrs = data.adrs.set_index("PARAMCD")
    assert pick(adrs.loc["BOR"], "AVALC", "ORRFL", "ADT") == ("SD", "N", date(2024, 5, 7))
    assert pick(adrs.loc["UBOR"], "AVALC", "ORRFL") == ("PR", "Y")
    adsl = data.adsl.iloc[0]
    assert pick(adsl, "BOR", "UBOR", "BESTPCHG") == ("SD", "PR", -35.0)
    # the same scans without new therapy: PR confirmed 28 days later
    data = derive(subject(
        responses=(ovr(date(2024, 5, 7), "PR", -35.0), ovr(date(2024, 6, 4), "PR", -50.0))))
    assert pick(data.adsl.iloc[0], "BOR", "BESTPCHG") == ("PR", -50.0)


def test_best_response_stops_at_the_first_progression() -> None:
    """SD (R + 56), PD (R + 112), then a PR (R + 168) and its confirmation (R + 224): nothing
    after the first PD counts; BOR SD, one PD row last, no clinical benefit (SD at R + 56 is
    before 161 days)."""
    data = derive(subject(responses=(
        ovr(date(2024, 5, 7), "SD"), ovr(date(2024, 7, 2), "PD"),
        ovr(date(2024, 8, 27), "PR"), ovr(date(2024, 10, 22), "PR")),
        progression_date=date(2024, 7, 2)))
    adrs = data.adrs
    assert list(adrs[adrs.PARAMCD == "OVR"].AVALC) == ["SD", "PD"]
    assert pick(adrs[adrs.PARAMCD == "BOR"].iloc[0], "AVALC", "ORRFL", "CBRFL") == (
        "SD", "N", "N")


def test_trtedt_is_the_last_dose_and_bounds_the_treatment_emergent_window() -> None:
    """Last dose 2024-05-08, end of treatment declared 2024-09-02: TRTEDT is the last dose; an
    AE on 2024-06-07 (30 days after it) is treatment-emergent, one on 2024-06-08 (31) is not,
    although both precede the end-of-treatment date."""
    data = derive(subject(
        cycle_starts=(date(2024, 3, 14), date(2024, 4, 11)), last_dose=date(2024, 5, 8),
        events=(StatusRecord("treatment_ended", date(2024, 9, 2), "progression"),),
        adverse_events=(AdverseEventRecord(1, "Nausea", 1, date(2024, 6, 7)),
                        AdverseEventRecord(2, "Nausea", 1, date(2024, 6, 8)))))
    assert data.adsl.iloc[0]["TRTEDT"] == date(2024, 5, 8)
    assert list(data.adae.TRTEMFL) == ["Y", "N"]
