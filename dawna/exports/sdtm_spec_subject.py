"""SDTM domain specifications: special-purpose (DM, SV), disposition and eligibility (DS, IE),
events (AE, MH) and interventions (CM, EX), as in the SDTM Implementation Guide v3.4
sections 5 (DM, SV), 6.1 (CM, EX), 6.2 (AE, DS, MH) and 6.3 (IE). Each variable:
(name, label, type, role, core, origin, codelist, derivation)."""

from __future__ import annotations

from typing import Any

__all__ = ["SUBJECT_DOMAINS", "identifiers", "timing"]

ID, TOP, SYN, REC, RES, GRP, VQ, TIM = ("Identifier", "Topic", "Synonym Qualifier",
                                        "Record Qualifier", "Result Qualifier",
                                        "Grouping Qualifier", "Variable Qualifier", "Timing")
DY = ("Study day: date - RFSTDTC + 1 on or after RFSTDTC, date - RFSTDTC before it "
      "(SDTMIG 3.4 §4.4.4: no day 0); null without RFSTDTC")
EPOCH = ("EPOCH", "Epoch", "Char", TIM, "Perm", "Derived", "EPOCH",
         "SCREENING before randomization, TREATMENT from the first dose to the end of "
         "treatment, FOLLOW-UP after it")


def identifiers(domain: str, *, seq: bool = True) -> list[tuple[Any, ...]]:
    """STUDYID, DOMAIN, USUBJID and --SEQ of a subject-level domain."""
    out: list[tuple[Any, ...]] = [
        ("STUDYID", "Study Identifier", "Char", ID, "Req", "Protocol"),
        ("DOMAIN", "Domain Abbreviation", "Char", ID, "Req", "Assigned"),
        ("USUBJID", "Unique Subject Identifier", "Char", ID, "Req", "Derived", None,
         "STUDYID-pseudonym")]
    if seq:
        out.append((f"{domain}SEQ", "Sequence Number", "Num", ID, "Req", "Derived", None,
                    "1, 2, ... per subject in the order of the sort keys"))
    return out


def timing(prefix: str, *, start: str = "Start", end: bool = True,
           label: str = "") -> list[tuple[Any, ...]]:
    """--STDTC/--ENDTC with --STDY/--ENDY (or --DTC/--DY when ``end`` is False)."""
    if not end:
        return [(f"{prefix}DTC", f"Date/Time of {label or 'Collection'}", "Char", TIM, "Exp",
                 "Collected"),
                (f"{prefix}DY", f"Study Day of {label or 'Collection'}"[:40], "Num", TIM,
                 "Perm", "Derived", None, DY)]
    return [(f"{prefix}STDTC", f"{start} Date/Time", "Char", TIM, "Exp", "Collected"),
            (f"{prefix}ENDTC", "End Date/Time", "Char", TIM, "Exp", "Collected"),
            (f"{prefix}STDY", "Study Day of Start", "Num", TIM, "Perm", "Derived", None, DY),
            (f"{prefix}ENDY", "Study Day of End", "Num", TIM, "Perm", "Derived", None, DY)]


_DM = ("DM", "Demographics", "SPECIAL PURPOSE", "One record per subject", ["STUDYID", "USUBJID"], [
    *identifiers("DM", seq=False),
    ("SUBJID", "Subject Identifier for the Study", "Char", TOP, "Req", "Assigned", None,
     "the participant's pseudonym"),
    ("RFSTDTC", "Subject Reference Start Date/Time", "Char", REC, "Exp", "Derived", None,
     "first EXSTDTC (first dose of any study drug); null when never treated"),
    ("RFENDTC", "Subject Reference End Date/Time", "Char", REC, "Exp", "Derived", None,
     "last EXENDTC; null when never treated"),
    ("RFXSTDTC", "Date/Time of First Study Treatment", "Char", REC, "Exp", "Derived", None,
     "first EXSTDTC"),
    ("RFXENDTC", "Date/Time of Last Study Treatment", "Char", REC, "Exp", "Derived", None,
     "last EXENDTC"),
    ("RFICDTC", "Date/Time of Informed Consent", "Char", REC, "Exp", "Collected"),
    ("RFPENDTC", "Date/Time of End of Participation", "Char", REC, "Exp", "Derived", None,
     "end of study (or screen failure) date; null while the subject takes part"),
    ("DTHDTC", "Date/Time of Death", "Char", REC, "Exp", "Collected"),
    ("DTHFL", "Subject Death Flag", "Char", REC, "Exp", "Derived", "NY",
     "Y when a death date is recorded on or before the data cut, else null"),
    ("SITEID", "Study Site Identifier", "Char", REC, "Req", "Assigned"),
    ("AGE", "Age", "Num", REC, "Exp", "Derived", None,
     "whole years from the birth date to RFICDTC"),
    ("AGEU", "Age Units", "Char", VQ, "Exp", "Assigned", "AGEU"),
    ("SEX", "Sex", "Char", REC, "Req", "Collected", "SEX"),
    ("RACE", "Race", "Char", REC, "Exp", "Collected", "RACE"),
    ("ETHNIC", "Ethnicity", "Char", REC, "Perm", "Collected", "ETHNIC"),
    ("ARMCD", "Planned Arm Code", "Char", REC, "Exp", "Assigned", None,
     "the randomized arm; null when not assigned (ARMNRS)"),
    ("ARM", "Description of Planned Arm", "Char", SYN, "Exp", "Assigned"),
    ("ACTARMCD", "Actual Arm Code", "Char", REC, "Exp", "Derived", None,
     "ARMCD when the subject received a dose, else null"),
    ("ACTARM", "Description of Actual Arm", "Char", SYN, "Exp", "Derived"),
    ("ARMNRS", "Reason Arm and/or Actual Arm is Null", "Char", REC, "Exp", "Derived",
     "ARMNULRS", "SCREEN FAILURE, NOT ASSIGNED (not randomized yet), ASSIGNED, NOT TREATED"),
    ("COUNTRY", "Country", "Char", REC, "Req", "Assigned", "COUNTRY")])

_DS = ("DS", "Disposition", "EVENTS",
       "One record per disposition status or protocol milestone per subject",
       ["STUDYID", "USUBJID", "DSSTDTC", "DSDECOD"], [
    *identifiers("DS"),
    ("DSTERM", "Reported Term for the Disposition Event", "Char", TOP, "Req", "Collected"),
    ("DSDECOD", "Standardized Disposition Term", "Char", SYN, "Req", "Derived",
     "NCOMPLT|PROTMLST", "the status event and its reason as NCOMPLT or protocol milestone"),
    ("DSCAT", "Category for Disposition Event", "Char", GRP, "Exp", "Assigned", "DSCAT"),
    EPOCH,
    ("DSSTDTC", "Start Date/Time of Disposition Event", "Char", TIM, "Exp", "Collected"),
    ("DSSTDY", "Study Day of Start of Disposition Event", "Num", TIM, "Perm", "Derived",
     None, DY)])

_IE = ("IE", "Inclusion/Exclusion Criteria Not Met", "FINDINGS",
       "One record per inclusion/exclusion criterion not met per subject",
       ["STUDYID", "USUBJID", "IETESTCD"], [
    *identifiers("IE"),
    ("IETESTCD", "Inclusion/Exclusion Criterion Short Name", "Char", TOP, "Req", "Protocol"),
    ("IETEST", "Inclusion/Exclusion Criterion", "Char", SYN, "Req", "Protocol", None,
     "the criterion's text in the protocol file, shortened to 200 characters"),
    ("IECAT", "Inclusion/Exclusion Category", "Char", GRP, "Req", "Protocol", "IECAT"),
    ("IEORRES", "I/E Criterion Original Result", "Char", RES, "Req", "Derived", "NY",
     "N for an inclusion criterion not met, Y for an exclusion criterion met"),
    ("IESTRESC", "I/E Criterion Result in Std Format", "Char", RES, "Req", "Derived", "NY",
     "IEORRES"),
    ("VISITNUM", "Visit Number", "Num", TIM, "Perm", "Assigned"),
    ("VISIT", "Visit Name", "Char", TIM, "Perm", "Assigned"),
    EPOCH, *timing("IE", end=False, label="Collection")])

_SV = ("SV", "Subject Visits", "SPECIAL PURPOSE", "One record per actual visit per subject",
       ["STUDYID", "USUBJID", "VISITNUM"], [
    *identifiers("SV", seq=False),
    ("VISITNUM", "Visit Number", "Num", TOP, "Req", "Assigned"),
    ("VISIT", "Visit Name", "Char", SYN, "Perm", "Assigned"),
    EPOCH, *timing("SV", start="Start of Visit")])

_AE = ("AE", "Adverse Events", "EVENTS", "One record per adverse event per subject",
       ["STUDYID", "USUBJID", "AEDECOD", "AESTDTC"], [
    *identifiers("AE"),
    ("AESPID", "Sponsor-Defined Identifier", "Char", ID, "Perm", "Assigned", None,
     "the event's number in dawna"),
    ("AETERM", "Reported Term for the Adverse Event", "Char", TOP, "Req", "Collected"),
    ("AELLT", "Lowest Level Term", "Char", VQ, "Exp", "Assigned", "MEDDRA",
     "the CTCAE v5.0 term chosen, a MedDRA lowest level term (empty for Other, specify)"),
    ("AELLTCD", "Lowest Level Term Code", "Num", VQ, "Exp", "Assigned", None,
     "the MedDRA code CTCAE v5.0 gives the term (MedDRA v20.1)"),
    ("AEDECOD", "Dictionary-Derived Term", "Char", SYN, "Req", "Assigned", None,
     "the CTCAE v5.0 term chosen (a MedDRA lowest level term, not always its preferred "
     "term: dawna does not code to MedDRA preferred terms)"),
    ("AEBODSYS", "Body System or Organ Class", "Char", RES, "Exp", "Assigned", "MEDDRA",
     "the MedDRA system organ class of the CTCAE v5.0 term"),
    ("AEBDSYCD", "Body System or Organ Class Code", "Num", VQ, "Exp", "Assigned", None,
     "the MedDRA code of that system organ class (CTCAE v5.0, its Other, specify row)"),
    ("AESOC", "Primary System Organ Class", "Char", VQ, "Exp", "Assigned", "MEDDRA",
     "the MedDRA system organ class of the CTCAE v5.0 term"),
    ("AESOCCD", "Primary System Organ Class Code", "Num", VQ, "Exp", "Assigned", None,
     "the MedDRA code of that system organ class"),
    ("AESER", "Serious Event", "Char", RES, "Exp", "Collected", "NY"),
    ("AEACN", "Action Taken with Study Treatment", "Char", RES, "Exp", "Collected", "ACN"),
    ("AEREL", "Causality", "Char", RES, "Exp", "Derived", "AEREL",
     "RELATED when the event is related to any study drug"),
    ("AEOUT", "Outcome of Adverse Event", "Char", RES, "Perm", "Collected", "OUT"),
    ("AESDTH", "Results in Death", "Char", RES, "Perm", "Collected", "NY"),
    ("AESLIFE", "Is Life Threatening", "Char", RES, "Perm", "Collected", "NY"),
    ("AESHOSP", "Requires or Prolongs Hospitalization", "Char", RES, "Perm", "Collected", "NY"),
    ("AESDISAB", "Persist or Signif Disability/Incapacity", "Char", RES, "Perm", "Collected",
     "NY"),
    ("AESCONG", "Congenital Anomaly or Birth Defect", "Char", RES, "Perm", "Collected", "NY"),
    ("AESMIE", "Other Medically Important Serious Event", "Char", RES, "Perm", "Collected",
     "NY"),
    ("AETOXGR", "Standard Toxicity Grade", "Char", RES, "Perm", "Collected", "TOXGR"),
    EPOCH, *timing("AE", start="Start")])

_CM = ("CM", "Concomitant/Prior Medications", "INTERVENTIONS",
       "One record per recorded medication occurrence per subject",
       ["STUDYID", "USUBJID", "CMTRT", "CMSTDTC"], [
    *identifiers("CM"),
    ("CMTRT", "Reported Name of Drug, Med, or Therapy", "Char", TOP, "Req", "Collected"),
    ("CMINDC", "Indication", "Char", REC, "Perm", "Collected"),
    ("CMDOSE", "Dose per Administration", "Num", REC, "Perm", "Collected"),
    ("CMDOSU", "Dose Units", "Char", VQ, "Perm", "Collected", "UNIT"),
    ("CMDOSFRQ", "Dosing Frequency per Interval", "Char", VQ, "Perm", "Collected", "FREQ"),
    ("CMROUTE", "Route of Administration", "Char", VQ, "Perm", "Collected", "ROUTE"),
    EPOCH, *timing("CM", start="Start"),
    ("CMENRTPT", "End Relative to Reference Time Point", "Char", TIM, "Perm", "Derived", None,
     "ONGOING when the medication was not stopped by the data cut"),
    ("CMENTPT", "End Reference Time Point", "Char", TIM, "Perm", "Derived", None,
     "the data cut date")])

_MH = ("MH", "Medical History", "EVENTS", "One record per medical history event per subject",
       ["STUDYID", "USUBJID", "MHTERM", "MHSTDTC"], [
    *identifiers("MH"),
    ("MHTERM", "Reported Term for the Medical History", "Char", TOP, "Req", "Collected"),
    ("MHCAT", "Category for Medical History", "Char", GRP, "Perm", "Assigned"),
    ("MHSTDTC", "Start Date/Time of Medical History Event", "Char", TIM, "Perm", "Collected"),
    ("MHENDTC", "End Date/Time of Medical History Event", "Char", TIM, "Perm", "Collected"),
    ("MHENRTPT", "End Relative to Reference Time Point", "Char", TIM, "Perm", "Derived", None,
     "ONGOING when the condition is ongoing"),
    ("MHENTPT", "End Reference Time Point", "Char", TIM, "Perm", "Derived", None,
     "the data cut date")])

_EX = ("EX", "Exposure", "INTERVENTIONS",
       "One record per constant dosing interval per subject",
       ["STUDYID", "USUBJID", "EXTRT", "EXSTDTC"], [
    *identifiers("EX"),
    ("EXTRT", "Name of Treatment", "Char", TOP, "Req", "Protocol"),
    ("EXDOSE", "Dose", "Num", REC, "Exp", "Derived", None,
     "oral drugs: unit strength x units per day / administrations per day of the dispensing; "
     "depots and infusions: the dose given"),
    ("EXDOSU", "Dose Units", "Char", VQ, "Exp", "Collected", "UNIT"),
    ("EXDOSFRM", "Dose Form", "Char", VQ, "Exp", "Collected"),
    ("EXDOSFRQ", "Dosing Frequency per Interval", "Char", VQ, "Perm", "Protocol", "FREQ"),
    ("EXROUTE", "Route of Administration", "Char", VQ, "Perm", "Protocol", "ROUTE"),
    ("EXLOT", "Lot Number", "Char", REC, "Perm", "Collected"),
    EPOCH,
    ("EXSTDTC", "Start Date/Time of Treatment", "Char", TIM, "Exp", "Collected"),
    ("EXENDTC", "End Date/Time of Treatment", "Char", TIM, "Exp", "Derived", None,
     "oral drugs: the dispensing date + prescribed days - 1, not after the data cut, the "
     "return or the end of treatment; depots and infusions: the day given"),
    ("EXSTDY", "Study Day of Start of Treatment", "Num", TIM, "Perm", "Derived", None, DY),
    ("EXENDY", "Study Day of End of Treatment", "Num", TIM, "Perm", "Derived", None, DY)])

SUBJECT_DOMAINS = (_DM, _DS, _IE, _SV, _AE, _CM, _MH, _EX)
