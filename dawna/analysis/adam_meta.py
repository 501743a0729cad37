"""Variable metadata of ADSL, ADRS and ADAE (name, label, type, derivation, source) and the
CDISC controlled terms the data sets use; ADTTE's are in :mod:`dawna.analysis.adam_tte` beside
its rules. Labels are at most 40 characters and names at most 8 (SAS transport v5). Texts are
English: they are exported as metadata for the sponsor.

Controlled terminology: CDISC/NCI codelists NCOMPLT (C66727, reasons for discontinuation),
ACN (C66767, action taken with study treatment), OUT (C66768, outcome of event).
"""

from __future__ import annotations

__all__ = ["ADAE_VARIABLES", "ADRS_VARIABLES", "ADSL_VARIABLES", "AE_ACTIONS", "AE_OUTCOMES",
           "EOS_REASONS", "EOT_REASONS"]

Variable = tuple[str, str, str, str, str]

#: End-of-treatment reasons of ``dawna.rules.lifecycle`` as NCOMPLT terms.
EOT_REASONS = {
    "progression": "PROGRESSIVE DISEASE", "toxicity": "ADVERSE EVENT",
    "withdrawal_of_consent": "WITHDRAWAL BY SUBJECT",
    "investigator_decision": "PHYSICIAN DECISION", "death": "DEATH", "other": "OTHER"}
#: End-of-study reasons as NCOMPLT terms.
EOS_REASONS = {
    "death": "DEATH", "withdrawal": "WITHDRAWAL BY SUBJECT",
    "lost_to_follow_up": "LOST TO FOLLOW-UP", "study_closed": "STUDY TERMINATED BY SPONSOR"}
#: ``dawna.services.safety.ACTIONS`` as ACN terms.
AE_ACTIONS = {
    "dose_not_changed": "DOSE NOT CHANGED", "dose_reduced": "DOSE REDUCED",
    "drug_interrupted": "DRUG INTERRUPTED", "drug_withdrawn": "DRUG WITHDRAWN",
    "not_applicable": "NOT APPLICABLE", "unknown": "UNKNOWN"}
#: ``dawna.services.safety.OUTCOMES`` as OUT terms.
AE_OUTCOMES = {
    "recovered": "RECOVERED/RESOLVED", "recovering": "RECOVERING/RESOLVING",
    "not_recovered": "NOT RECOVERED/NOT RESOLVED",
    "recovered_with_sequelae": "RECOVERED/RESOLVED WITH SEQUELAE", "fatal": "FATAL",
    "unknown": "UNKNOWN"}

_CUT = "on or before the data cut-off"
_IG = "CDISC ADaM IG v1.3"
_PET = ("services.pet studies (latest FES / FDG study read on or before RANDDT); "
        "rules.pet.summarize; domain.md §6")

ADSL_VARIABLES: tuple[Variable, ...] = (
    ("STUDYID", "Study Identifier", "Char", "DAWNA-FES", "protocol file"),
    ("USUBJID", "Unique Subject Identifier", "Char", "DAWNA-FES- + SUBJID",
     "Participant.pseudonym"),
    ("SUBJID", "Subject Identifier for the Study", "Char", "the participant's pseudonym",
     "Participant.pseudonym"),
    ("SITEID", "Study Site Identifier", "Char", "site code", "Site.code"),
    ("ARMCD", "Planned Arm Code", "Char", "arm as randomized (A or B)", "Allocation.arm"),
    ("ARM", "Description of Planned Arm", "Char", "the protocol file's label of ARMCD",
     "protocol file arms; Allocation.arm"),
    ("REGIMEN", "Regimen of the Treatment Plan", "Char",
     "regimen id of the confirmed treatment plan; empty when no plan",
     "TreatmentPlan.regimen_id"),
    ("RANDDT", "Date of Randomization", "Num",
     "date of the randomization time at the site (Asia/Shanghai)", "Allocation.randomized_at"),
    ("TRTSDT", "Date of First Exposure to Treatment", "Num",
     f"earliest of cycle 1 day 1 and the treatment_started event, {_CUT}",
     "TreatmentCycle.start_date; StatusEvent treatment_started"),
    ("TRTEDT", "Date of Last Exposure to Treatment", "Num",
     f"last dose given {_CUT} (the dose days of the cycles recorded, up to the end of "
     "treatment) once treatment has ended, else the treatment_ended date; empty while on "
     "treatment or without TRTSDT",
     "TreatmentCycle; protocol regimen dose days; StatusEvent treatment_ended"),
    ("ITTFL", "Intent-To-Treat Population Flag", "Char",
     f"Y for every participant randomized {_CUT}", f"{_IG}; Allocation"),
    ("SAFFL", "Safety Population Flag", "Char", "Y if TRTSDT is present (any treatment), else N",
     f"{_IG}; TreatmentCycle; StatusEvent"),
    ("STRAT1", "Stratum: visceral metastasis", "Char",
     "level of visceral_metastasis at randomization (yes / no)", "Allocation.factors"),
    ("STRAT1V", "Stratum: visceral metastasis (1 = yes)", "Num",
     "1 if STRAT1 = yes, 0 if no (for models)", "Allocation.factors"),
    ("STRAT2", "Stratum: prior CDK4/6i setting", "Char",
     "level of cdk46i_setting at randomization (adjuvant / advanced)", "Allocation.factors"),
    ("AGE", "Age at Randomization (years)", "Num",
     "completed years from date of birth to RANDDT", "Screening.record date_of_birth"),
    ("MENOSTAT", "Menopausal Status at Screening", "Char", "pre / peri / post; empty if unknown",
     "Screening.record menopausal_status"),
    ("SEX", "Sex", "Char", "F or M from the screening record; U if not recorded",
     "Screening.record sex; CDISC SEX (C66731)"),
    ("RACE", "Race", "Char",
     "race as a CDISC RACE term when the screening record holds one, else NOT REPORTED",
     "Screening.record race; CDISC RACE (C74457)"),
    ("ETHNIC", "Ethnicity", "Char",
     "HISPANIC OR LATINO / NOT HISPANIC OR LATINO when recorded, else NOT REPORTED",
     "Screening.record ethnicity; CDISC ETHNIC (C66790)"),
    ("FESCAT", "FES PET patient category", "Char",
     "all_positive / mixed / all_negative over the FES-evaluable lesions of the baseline FES "
     "study; not_evaluable if it has none; not_read if no FES study was read by RANDDT", _PET),
    ("FESNPOS", "FES ER-positive lesions (n)", "Num",
     "lesions ER-positive on baseline FES (SUVmax >= 1.5 or the reader's call)", _PET),
    ("FESNNEG", "FES ER-negative lesions (n)", "Num",
     "FES-evaluable lesions that are not ER-positive", _PET),
    ("FESNNE", "FES not-evaluable lesions (n)", "Num",
     "lesions not evaluable on FES (liver, or the reader's call)", _PET),
    ("FDGSUVMX", "Highest FDG SUVmax at Baseline", "Num",
     "largest lesion SUVmax of the baseline FDG study; empty if none read", _PET),
    ("EOTSTT", "End of Treatment Status", "Char",
     f"DISCONTINUED if a treatment_ended event is {_CUT}, else ONGOING",
     "StatusEvent treatment_ended"),
    ("EOTRSN", "Reason for End of Treatment", "Char",
     "reason of treatment_ended as an NCOMPLT term (progression = PROGRESSIVE DISEASE, "
     "toxicity = ADVERSE EVENT, ...)", "StatusEvent.reason; CDISC NCOMPLT (C66727)"),
    ("EOSSTT", "End of Study Status", "Char",
     f"study_ended {_CUT}: COMPLETED if the study closed, else DISCONTINUED; else ONGOING",
     "StatusEvent study_ended"),
    ("EOSRSN", "Reason for End of Study", "Char", "reason of study_ended as an NCOMPLT term",
     "StatusEvent.reason; CDISC NCOMPLT (C66727)"),
    ("EOSDT", "End of Study Date", "Num", f"date of the study_ended event {_CUT}",
     "StatusEvent study_ended"),
    ("DTHFL", "Subject Death Flag", "Char", "Y if DTHDT is present, else empty", _IG),
    ("DTHDT", "Date of Death", "Num",
     f"earliest death date {_CUT}: follow-up contact death date, or the date of an end of "
     "study / end of treatment for death", "FollowUpContact.death_date; StatusEvent"),
    ("LSTALVDT", "Date Last Known Alive", "Num",
     f"latest of RANDDT, alive follow-up contacts, status events other than end of study, "
     f"tumour assessments, laboratory samples, treatment cycles and AE onsets, {_CUT} and not "
     "after DTHDT", "FollowUpContact; StatusEvent; TumourAssessment; LabResult; "
     "TreatmentCycle; AdverseEvent"),
    ("BESTPCHG", "Best % Change in Target Lesion Sum", "Num",
     f"smallest % change of the target sum from baseline over the assessments {_CUT} "
     "that count for response (before new anticancer therapy, up to the first PD; waterfall "
     "plot); empty without a complete target sum", "analysis.adam_response"),
    ("BOR", "Best Overall Response (confirmed)", "Char",
     "confirmed best overall response (RECIST 1.1 Table 3, confirmation >= 28 days, SD >= 42 "
     "days from randomization) over the assessments on or before the cut-off, before any new "
     "anticancer therapy and up to the first PD; NE if none",
     "analysis.adam_response; rules.recist.confirmed_bor; domain.md §2"),
    ("UBOR", "Best Overall Response (unconfirmed)", "Char",
     "best timepoint response up to first PD and before any new anticancer therapy, SD "
     "counting from 42 days; NE if none",
     "analysis.adam_response; rules.recist.unconfirmed_bor; domain.md §2"),
    *((name, label, "Num",
       f"{drugs}: actual / planned cumulative dose over the cycles dispensed {_CUT} whose "
       "intake is known (dose diary, else pill count); planned = the cycle 1 prescription each "
       "cycle (Hryniuk 1984, Longo 1991); empty without such a cycle",
       "services.treatment.dispensing; rules.dispensing.relative_dose_intensity")
      for name, label, drugs in (
          ("RDIDALP", "Relative Dose Intensity Dalpiciclib", "dalpiciclib"),
          ("RDIENDO", "Relative Dose Intensity Oral Endocrine",
           "letrozole, anastrozole, exemestane, tamoxifen or toremifene"),
          ("RDICAPE", "Relative Dose Intensity Capecitabine", "capecitabine"))),
)

_CODES = "CR 1, PR 2, SD 3, NON-CR/NON-PD 4, PD 5, NE 6 (best to worst, as rules.recist)"
ADRS_VARIABLES: tuple[Variable, ...] = (
    ("STUDYID", "Study Identifier", "Char", "DAWNA-FES", "protocol file"),
    ("USUBJID", "Unique Subject Identifier", "Char", "ADSL.USUBJID", "ADSL"),
    ("ARMCD", "Planned Arm Code", "Char", "ADSL.ARMCD", "ADSL"),
    ("PARAMCD", "Parameter Code", "Char",
     "OVR: one row per follow-up assessment on or before the cut-off that counts for response "
     "(before new anticancer therapy, up to the first PD); BOR and UBOR: one row "
     "each per ADSL subject", "CDISC ADaM BDS"),
    ("PARAM", "Parameter", "Char", "description of PARAMCD", "CDISC ADaM BDS"),
    ("AVISITN", "Assessment Number", "Num", "OVR: 1, 2, ... in date order; empty otherwise",
     "TumourAssessment"),
    ("AVALC", "Analysis Value (C)", "Char",
     "OVR: RECIST 1.1 overall timepoint response; BOR / UBOR: ADSL.BOR / ADSL.UBOR",
     "rules.recist; RECIST 1.1 Tables 1-3"),
    ("AVAL", "Analysis Value", "Num", _CODES, "rules.recist"),
    ("ADT", "Analysis Date", "Num",
     "OVR: CDISC rule, latest scan date for CR/PR, earliest for SD/PD/NE; BOR / UBOR: date of "
     "the assessment giving the best response", "rules.recist Timepoint.adt / BestResponse"),
    ("ADY", "Analysis Relative Day", "Num", "ADT - ADSL.RANDDT + 1", _IG),
    ("PCHG", "% Change of Target Sum from Baseline", "Num",
     "OVR: (sum - baseline sum) / baseline sum x 100, one decimal", "rules.recist"),
    ("ORRFL", "Objective Responder Flag", "Char", "BOR / UBOR rows: Y if AVALC is CR or PR",
     "RECIST 1.1 §4.4; domain.md §2"),
    ("CBRFL", "Clinical Benefit Flag", "Char",
     "BOR / UBOR rows: Y if AVALC is CR or PR, or an assessment with CR, PR, SD or "
     "NON-CR/NON-PD is at least 161 days (24 weeks less the 7-day assessment window) after "
     "randomization, before any PD and before any new anticancer therapy",
     "PALOMA-3, Turner et al., N Engl J Med 2015;373:209-219"),
)

ADAE_VARIABLES: tuple[Variable, ...] = (
    ("STUDYID", "Study Identifier", "Char", "DAWNA-FES", "protocol file"),
    ("USUBJID", "Unique Subject Identifier", "Char", "ADSL.USUBJID", "ADSL"),
    ("ARMCD", "Planned Arm Code", "Char", "ADSL.ARMCD", "ADSL"),
    ("AESEQ", "Sequence Number", "Num", "the participant's AE number",
     "AdverseEvent.number"),
    ("AEDECOD", "CTCAE v5.0 Term", "Char", "CTCAE v5.0 term as recorded", "AdverseEvent.term"),
    ("AETOXGR", "Standard Toxicity Grade", "Char", "CTCAE v5.0 grade 1-5 as text",
     "AdverseEvent.grade; domain.md §4"),
    ("AETOXGRN", "Standard Toxicity Grade (N)", "Num", "CTCAE v5.0 grade 1-5",
     "AdverseEvent.grade; domain.md §4"),
    ("ASTDT", "Analysis Start Date", "Num",
     "onset date; events starting after the cut-off are left out", "AdverseEvent.start_date"),
    ("AENDT", "Analysis End Date", "Num",
     "stop date; empty if ongoing or stopped after the cut-off", "AdverseEvent.stop_date"),
    ("AESER", "Serious Event", "Char", "Y if serious by ICH E2A, else N",
     "AdverseEvent.serious; ICH E2A"),
    ("AEREL", "Causality", "Char", "Y if related to any drug of the regimen, else N",
     "AdverseEvent.relatedness; ICH E2A"),
    ("AEACN", "Action Taken with Study Treatment", "Char", "action as an ACN term",
     "AdverseEvent.action_taken; CDISC ACN (C66767)"),
    ("AEOUT", "Outcome of Adverse Event", "Char", "outcome as an OUT term",
     "AdverseEvent.outcome; CDISC OUT (C66768)"),
    ("TRTEMFL", "Treatment Emergent Analysis Flag", "Char",
     "Y if ASTDT is on or after ADSL.TRTSDT, at most 30 days after the last dose "
     "(the last dose date, ADSL.TRTEDT; open while on treatment) and before any new "
     "anticancer therapy, else N",
     f"{_IG}; ICH E9 §7.2.3"),
    ("SAFFL", "Safety Population Flag", "Char", "ADSL.SAFFL", "ADSL"),
)
