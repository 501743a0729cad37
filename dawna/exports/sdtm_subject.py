"""SDTM DM, DS, IE and SV (SDTMIG 3.4 §5.2 DM, §5.4 SV, §6.2.2 DS, §6.3.3 IE) from plain
records.

DM scope (SDTMIG 3.4 §5.2, DM assumptions 1 and 4): one record per subject who signed the
informed consent on or before the data cut, screen failures included. A subject not assigned
to an arm has ARMCD, ARM, ACTARMCD and ACTARM null and the reason in ARMNRS (SCREEN FAILURE
after a signed not-eligible decision, NOT ASSIGNED while screening or eligible, ASSIGNED, NOT
TREATED when randomized without a dose). RFSTDTC/RFENDTC are the first and last exposure
(EX). AGE is in whole years at consent; the birth date is not exported (PIPL, ``docs/sdtm.md``).
DS holds the protocol milestones (informed consent, randomization) and one disposition event
per epoch (screen failure, end of treatment, end of study with their NCOMPLT reason). IE
holds only the criteria not met (IE assumption 1): inclusion criteria not met (IEORRES N) and
exclusion criteria met (Y), from the screening decision.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from dawna.analysis.adam_meta import EOS_REASONS, EOT_REASONS
from dawna.exports.sdtm_common import Timeline, epoch, frame, iso, usubjid
from dawna.exports.sdtm_records import SdtmInput, Subject

__all__ = ["COUNTRY", "build_dm", "build_ds", "build_ie", "build_sv", "criterion_text"]

COUNTRY = "CHN"
_SEX = {"female": "F", "male": "M", "f": "F", "m": "M"}


def criterion_text(text: str, limit: int = 200) -> str:
    """A criterion's text within SDTM's 200 characters (SDTMIG 3.4 §6.3.3 IE assumption 3:
    longer texts are shortened, the full text stays in the protocol), cut at a word."""
    flat = " ".join(text.split())
    if len(flat.encode("utf-8")) <= limit:
        return flat
    cut = flat.encode("utf-8")[:limit - 3].decode("utf-8", "ignore").rsplit(" ", 1)[0]
    return cut + "..."


def _arm_null(s: Subject, t: Timeline) -> str | None:
    if s.arm is None:
        failed = any(e.event == "signed_not_eligible" for e in s.events)
        return "SCREEN FAILURE" if failed else "NOT ASSIGNED"
    return "ASSIGNED, NOT TREATED" if t.first_dose is None else None


def build_dm(data: SdtmInput, times: Mapping[str, Timeline],
             arms: Mapping[str, str]) -> pd.DataFrame:
    rows = []
    for s in data.subjects:
        t = times[s.pseudonym]
        treated = s.arm is not None and t.first_dose is not None
        ended = next((e.on for e in s.events
                      if e.event in ("study_ended", "signed_not_eligible")), None)
        rows.append({
            "USUBJID": usubjid(s.pseudonym), "SUBJID": s.pseudonym,
            "RFSTDTC": iso(t.first_dose), "RFENDTC": iso(t.last_dose),
            "RFXSTDTC": iso(t.first_dose), "RFXENDTC": iso(t.last_dose),
            "RFICDTC": iso(s.consent), "RFPENDTC": iso(ended), "DTHDTC": iso(s.death),
            "DTHFL": "Y" if s.death else None, "SITEID": s.site, "AGE": s.age,
            "AGEU": "YEARS" if s.age is not None else None,
            "SEX": _SEX.get((s.sex or "").lower(), "U"),
            "RACE": s.race, "ETHNIC": s.ethnicity,  # CDISC terms (rules/screening_record.py)
            "ARMCD": s.arm, "ARM": arms.get(s.arm) if s.arm else None,
            "ACTARMCD": s.arm if treated else None,
            "ACTARM": arms.get(s.arm) if treated and s.arm else None,
            "ARMNRS": _arm_null(s, t), "COUNTRY": COUNTRY})
    return frame("DM", rows)


def build_ds(data: SdtmInput, times: Mapping[str, Timeline]) -> pd.DataFrame:
    rows = []

    def add(s: Subject, term: str, decod: str, cat: str, on: object) -> None:
        t = times[s.pseudonym]
        rows.append({"USUBJID": usubjid(s.pseudonym), "DSTERM": term, "DSDECOD": decod,
                     "DSCAT": cat, "EPOCH": epoch(t, on),  # type: ignore[arg-type]
                     "DSSTDTC": iso(on), "DSSTDY": t.day(on)})  # type: ignore[arg-type]

    for s in data.subjects:
        add(s, "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED", "PROTOCOL MILESTONE",
            s.consent)
        for e in s.events:
            if e.event == "signed_not_eligible":
                add(s, "SCREEN FAILURE: " + ", ".join(s.failed_criteria)
                    if s.failed_criteria else "SCREEN FAILURE", "SCREEN FAILURE",
                    "DISPOSITION EVENT", e.on)
            elif e.event == "randomized":
                add(s, "RANDOMIZED", "RANDOMIZED", "PROTOCOL MILESTONE", e.on)
            elif e.event == "treatment_ended":
                decod = EOT_REASONS.get(e.reason or "", "OTHER")
                add(s, decod, decod, "DISPOSITION EVENT", e.on)
            elif e.event == "study_ended":
                decod = EOS_REASONS.get(e.reason or "", "OTHER")
                add(s, decod, decod, "DISPOSITION EVENT", e.on)
    return frame("DS", rows, sort=("USUBJID", "DSSTDTC", "DSCAT"))


def build_ie(data: SdtmInput, times: Mapping[str, Timeline],
             criteria: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    """``criteria``: criterion id → (IECAT, text) from the protocol file."""
    rows = []
    for s in data.subjects:
        if s.decision is None:
            continue
        t = times[s.pseudonym]
        for cid in s.failed_criteria:
            cat, text = criteria.get(cid, ("INCLUSION" if cid.startswith("IN") else
                                           "EXCLUSION", cid))
            result = "N" if cat == "INCLUSION" else "Y"
            rows.append({"USUBJID": usubjid(s.pseudonym), "IETESTCD": cid,
                         "IETEST": criterion_text(text), "IECAT": cat, "IEORRES": result,
                         "IESTRESC": result, "VISITNUM": 1.0, "VISIT": "SCREENING",
                         "EPOCH": "SCREENING", "IEDTC": iso(s.decision),
                         "IEDY": t.day(s.decision)})
    return frame("IE", rows, sort=("USUBJID", "IETESTCD"))


def build_sv(data: SdtmInput, times: Mapping[str, Timeline]) -> pd.DataFrame:
    rows = []
    for v in data.visits:
        t = times.get(v.pseudonym)
        rows.append({"USUBJID": usubjid(v.pseudonym), "VISITNUM": v.number, "VISIT": v.visit,
                     "EPOCH": epoch(t, v.start), "SVSTDTC": iso(v.start),
                     "SVENDTC": iso(v.end), "SVSTDY": t.day(v.start) if t else None,
                     "SVENDY": t.day(v.end) if t else None})
    return frame("SV", rows)
