"""SDTM trial design domains (SDTMIG 3.4 §7: TA §7.2.1, TE §7.2.2, TV §7.3.1, TI §7.4.1,
TS §7.4.2), built from the protocol file. Each variable: (name, label, type, role, core,
origin, codelist, derivation)."""

from __future__ import annotations

from dawna.exports.sdtm_spec_subject import ID, REC, RES, SYN, TIM, TOP, VQ

__all__ = ["DESIGN_DOMAINS"]

_STUDY = [("STUDYID", "Study Identifier", "Char", ID, "Req", "Protocol"),
          ("DOMAIN", "Domain Abbreviation", "Char", ID, "Req", "Assigned")]

_TS = ("TS", "Trial Summary", "TRIAL DESIGN", "One record per trial summary parameter value",
       ["STUDYID", "TSPARMCD", "TSSEQ"], [
    *_STUDY,
    ("TSSEQ", "Sequence Number", "Num", ID, "Req", "Assigned"),
    ("TSPARMCD", "Trial Summary Parameter Short Name", "Char", TOP, "Req", "Protocol",
     "TSPARMCD"),
    ("TSPARM", "Trial Summary Parameter", "Char", SYN, "Req", "Protocol"),
    ("TSVAL", "Parameter Value", "Char", RES, "Exp", "Protocol"),
    ("TSVALNF", "Parameter Null Flavor", "Char", RES, "Perm", "Protocol"),
    ("TSVALCD", "Parameter Value Code", "Char", RES, "Exp", "Protocol"),
    ("TSVCDREF", "Name of the Reference Terminology", "Char", RES, "Exp", "Protocol"),
    ("TSVCDVER", "Version of the Reference Terminology", "Char", RES, "Exp", "Protocol")])

_TA = ("TA", "Trial Arms", "TRIAL DESIGN", "One record per planned Element per Arm",
       ["STUDYID", "ARMCD", "TAETORD"], [
    *_STUDY,
    ("ARMCD", "Planned Arm Code", "Char", TOP, "Req", "Protocol"),
    ("ARM", "Description of Planned Arm", "Char", SYN, "Req", "Protocol"),
    ("TAETORD", "Planned Order of Element within Arm", "Num", TIM, "Req", "Protocol"),
    ("ETCD", "Element Code", "Char", REC, "Req", "Protocol"),
    ("ELEMENT", "Description of Element", "Char", SYN, "Perm", "Protocol"),
    ("TABRANCH", "Branch", "Char", "Rule", "Exp", "Protocol"),
    ("TATRANS", "Transition Rule", "Char", "Rule", "Exp", "Protocol"),
    ("EPOCH", "Epoch", "Char", TIM, "Req", "Protocol", "EPOCH")])

_TE = ("TE", "Trial Elements", "TRIAL DESIGN", "One record per planned Element",
       ["STUDYID", "ETCD"], [
    *_STUDY,
    ("ETCD", "Element Code", "Char", TOP, "Req", "Protocol"),
    ("ELEMENT", "Description of Element", "Char", SYN, "Req", "Protocol"),
    ("TESTRL", "Rule for Start of Element", "Char", "Rule", "Req", "Protocol"),
    ("TEENRL", "Rule for End of Element", "Char", "Rule", "Perm", "Protocol"),
    ("TEDUR", "Planned Duration of Element", "Char", "Timing", "Perm", "Protocol")])

_TV = ("TV", "Trial Visits", "TRIAL DESIGN", "One record per planned Visit per Arm",
       ["STUDYID", "VISITNUM", "ARMCD"], [
    *_STUDY,
    ("VISITNUM", "Visit Number", "Num", TOP, "Req", "Protocol", None,
     "1 screening, 2 randomization, 100 + k cycle k day 1"),
    ("VISIT", "Visit Name", "Char", SYN, "Perm", "Protocol"),
    ("ARMCD", "Planned Arm Code", "Char", REC, "Exp", "Protocol"),
    ("TVSTRL", "Visit Start Rule", "Char", "Rule", "Req", "Protocol"),
    ("TVENRL", "Visit End Rule", "Char", "Rule", "Perm", "Protocol")])

_TI = ("TI", "Trial Inclusion/Exclusion Criteria", "TRIAL DESIGN",
       "One record per I/E criterion", ["STUDYID", "IETESTCD"], [
    *_STUDY,
    ("IETESTCD", "Incl/Excl Criterion Short Name", "Char", TOP, "Req", "Protocol"),
    ("IETEST", "Inclusion/Exclusion Criterion", "Char", SYN, "Req", "Protocol", None,
     "the criterion's text, shortened to 200 characters"),
    ("IECAT", "Inclusion/Exclusion Category", "Char", "Grouping Qualifier", "Req", "Protocol",
     "IECAT"),
    ("TIVERS", "Protocol Criteria Versions", "Char", VQ, "Perm", "Protocol")])

DESIGN_DOMAINS = (_TS, _TA, _TE, _TV, _TI)
