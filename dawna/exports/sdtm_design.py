"""SDTM trial design domains from the protocol file (SDTMIG 3.4 §7): TS (trial summary
parameters of the registry record and the data cut), TA and TE (each arm as screening, its
treatment element and follow-up), TV (screening, randomization and day 1 of each cycle; a
cycle's visit number is 100 + k, listed up to the last cycle given in each arm) and TI (every
inclusion and exclusion criterion, texts shortened to 200 characters)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from dawna.exports.sdtm_common import frame, iso
from dawna.exports.sdtm_subject import criterion_text
from dawna.protocol.schema import Protocol

__all__ = ["arms", "build_ta", "build_te", "build_ti", "build_ts", "build_tv", "criteria"]

_PHASE = {"PHASE1": "PHASE I TRIAL", "PHASE2": "PHASE II TRIAL", "PHASE3": "PHASE III TRIAL",
          "PHASE4": "PHASE IV TRIAL"}
_BLIND = {"NONE": "OPEN LABEL", "SINGLE": "SINGLE BLIND", "DOUBLE": "DOUBLE BLIND"}
_SEXPOP = {"ALL": "BOTH", "FEMALE": "F", "MALE": "M"}


def arms(protocol: Protocol) -> dict[str, str]:
    """ARMCD → ARM (the arm's description in the registry record)."""
    return {a.id: a.description for a in protocol.arms}


def criteria(protocol: Protocol) -> dict[str, tuple[str, str]]:
    """Criterion id → (IECAT, text)."""
    e = protocol.eligibility
    return {**{c.id: ("INCLUSION", c.text) for c in e.inclusion},
            **{c.id: ("EXCLUSION", c.text) for c in e.exclusion}}


def build_ts(protocol: Protocol, cutoff: date) -> pd.DataFrame:
    r = protocol.registry
    e = protocol.eligibility
    params = [
        ("ACRONYM", "Trial Acronym", r.acronym, None),
        ("TITLE", "Trial Title", " ".join(r.brief_title.split()), None),
        ("REGID", "Registry Identifier", r.nct_id, "ClinicalTrials.gov"),
        ("SPONSOR", "Clinical Study Sponsor", r.lead_sponsor.name, None),
        ("TPHASE", "Trial Phase Classification", _PHASE.get(r.phase, r.phase), "CDISC CT"),
        ("STYPE", "Study Type", r.study_type, "CDISC CT"),
        ("INTMODEL", "Intervention Model", r.design.intervention_model, "CDISC CT"),
        ("RANDOM", "Trial is Randomized",
         "Y" if r.design.allocation == "RANDOMIZED" else "N", "CDISC CT"),
        ("TBLIND", "Trial Blinding Schema", _BLIND.get(r.design.masking, r.design.masking),
         "CDISC CT"),
        ("PLANSUB", "Planned Number of Subjects", str(r.enrollment.count), None),
        ("NARMS", "Planned Number of Arms", str(len(protocol.arms)), None),
        ("AGEMIN", "Planned Minimum Age of Subjects", f"P{e.minimum_age_years}Y", "ISO 8601"),
        ("AGEMAX", "Planned Maximum Age of Subjects", f"P{e.maximum_age_years}Y", "ISO 8601"),
        ("SEXPOP", "Sex of Participants", _SEXPOP.get(e.sex, e.sex), "CDISC CT"),
        ("HLTSUBJI", "Healthy Subject Indicator", "Y" if e.healthy_volunteers else "N",
         "CDISC CT"),
        ("INDIC", "Trial Disease/Condition Indication", "; ".join(r.conditions), None),
        ("TRT", "Investigational Therapy or Treatment", "DALPICICLIB", None),
        ("SSTDTC", "Study Start Date", iso(r.start_date), "ISO 8601"),
        ("DCUTDTC", "Data Cutoff Date", iso(cutoff), "ISO 8601"),
        ("DCUTDESC", "Data Cutoff Description", "Data cut of this export", None)]
    rows = [{"TSSEQ": 1, "TSPARMCD": code, "TSPARM": name, "TSVAL": value,
             "TSVCDREF": ref if ref in ("ClinicalTrials.gov", "ISO 8601") else None,
             "TSVALCD": value if ref == "ClinicalTrials.gov" else None}
            for code, name, value, ref in params if value]
    return frame("TS", rows, sort=("TSPARMCD", "TSSEQ"))


def _elements(protocol: Protocol) -> list[tuple[str, str, str, str | None]]:
    out: list[tuple[str, str, str, str | None]] = [
        ("SCRN", "Screening", "Informed consent", "Randomization")]
    for a in protocol.arms:
        out.append((f"{a.id}TRT", a.description, f"First dose of study treatment in {a.label}",
                    "End of treatment"))
    out.append(("FU", "Follow-up", "End of treatment", "End of study"))
    return out


def build_te(protocol: Protocol) -> pd.DataFrame:
    return frame("TE", [{"ETCD": code, "ELEMENT": name, "TESTRL": start, "TEENRL": end}
                        for code, name, start, end in _elements(protocol)])


def build_ta(protocol: Protocol) -> pd.DataFrame:
    rows = []
    for a in protocol.arms:
        for order, (etcd, element, epoch) in enumerate(
                (("SCRN", "Screening", "SCREENING"), (f"{a.id}TRT", a.description, "TREATMENT"),
                 ("FU", "Follow-up", "FOLLOW-UP")), start=1):
            rows.append({"ARMCD": a.id, "ARM": a.description, "TAETORD": order, "ETCD": etcd,
                         "ELEMENT": element,
                         "TABRANCH": f"Randomized to {a.label}" if order == 1 else None,
                         "EPOCH": epoch})
    return frame("TA", rows)


def build_tv(protocol: Protocol, cycles: Mapping[str, int]) -> pd.DataFrame:
    """``cycles``: the last cycle given in each arm (its cycle visits are listed)."""
    rows = [{"VISITNUM": 1.0, "VISIT": "SCREENING", "TVSTRL": "Informed consent",
             "TVENRL": "Eligibility decision"},
            {"VISITNUM": 2.0, "VISIT": "RANDOMIZATION", "TVSTRL": "Signed eligible decision"}]
    for a in protocol.arms:
        length = a.regimen.cycle_length_days if a.regimen else None
        for k in range(1, max(cycles.get(a.id, 0), 1) + 1):
            rule = f"Day 1 of cycle {k}" + (f", cycles of {length} days" if length else "")
            rows.append({"VISITNUM": 100.0 + k, "VISIT": f"CYCLE {k}", "ARMCD": a.id,
                         "TVSTRL": rule})
    return frame("TV", rows, sort=("VISITNUM", "ARMCD"))


def build_ti(protocol: Protocol, version: str) -> pd.DataFrame:
    return frame("TI", [{"IETESTCD": cid, "IETEST": criterion_text(text), "IECAT": cat,
                         "TIVERS": version}
                        for cid, (cat, text) in criteria(protocol).items()],
                 sort=("IECAT", "IETESTCD"))
