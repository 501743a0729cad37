"""SDTM EX, AE, CM and MH (SDTMIG 3.4 §6.1 and §6.2) from plain records, with their SUPP--
rows. EX follows the dispensing for oral drugs (one record per dispensing: its prescribed
days, ended early by a return, the end of treatment or the data cut; SDTMIG 3.4 §6.1.4
assumption 2, one record per constant-dosing interval) and the dose given for depots and
infusions. Terms as CDISC controlled terminology (``sdtm_ct.yaml``): actions (ACN), outcomes
(OUT), routes (ROUTE) and frequencies (FREQ) through the ADaM maps of ``dawna.analysis``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from dawna.analysis.adam_meta import AE_ACTIONS, AE_OUTCOMES
from dawna.exports.sdtm_common import Timeline, epoch, frame, iso, split_supp, usubjid
from dawna.exports.sdtm_records import SdtmInput
from dawna.rules.ctcae_meddra import MEDDRA_LLT, MEDDRA_SOC

__all__ = ["ROUTES", "build_ae", "build_cm", "build_ex", "build_mh", "timelines"]

#: protocol routes (and the clinical forms' words) as the ROUTE codelist
ROUTES = {"PO": "ORAL", "ORAL": "ORAL", "IV": "INTRAVENOUS", "INTRAVENOUS": "INTRAVENOUS",
          "IM": "INTRAMUSCULAR", "INTRAMUSCULAR": "INTRAMUSCULAR", "SC": "SUBCUTANEOUS",
          "SUBCUTANEOUS": "SUBCUTANEOUS"}
_SERIOUS = {"death": "AESDTH", "life_threatening": "AESLIFE", "hospitalisation": "AESHOSP",
            "hospitalization": "AESHOSP", "disability": "AESDISAB", "congenital": "AESCONG",
            "congenital_anomaly": "AESCONG", "medically_important": "AESMIE",
            "important_medical_event": "AESMIE"}


def _route(value: str | None) -> str | None:
    return ROUTES.get(value.upper(), value.upper()) if value else None


def timelines(data: SdtmInput) -> dict[str, Timeline]:
    """Each subject's first and last dose (from the exposures) and end of treatment."""
    doses: dict[str, list[Any]] = defaultdict(list)
    for e in data.exposures:
        doses[e.pseudonym].append(e)
    out = {}
    for s in data.subjects:
        rows = doses.get(s.pseudonym, [])
        eot = next((e.on for e in s.events if e.event == "treatment_ended"), None)
        out[s.pseudonym] = Timeline(
            first_dose=min((e.start for e in rows), default=None),
            last_dose=max((e.end for e in rows), default=None), end_of_treatment=eot)
    return out


def build_ex(data: SdtmInput, times: dict[str, Timeline]) -> tuple[pd.DataFrame,
                                                                   list[dict[str, Any]]]:
    rows = []
    for e in data.exposures:
        t = times[e.pseudonym]
        rows.append({
            "USUBJID": usubjid(e.pseudonym), "EXTRT": e.drug.upper(), "EXDOSE": e.dose,
            "EXDOSU": e.unit, "EXDOSFRQ": e.frequency, "EXROUTE": _route(e.route),
            "EXLOT": e.lot, "EPOCH": epoch(t, e.start), "EXSTDTC": iso(e.start),
            "EXENDTC": iso(e.end), "EXSTDY": t.day(e.start), "EXENDY": t.day(e.end),
            "_UDISP": e.units_dispensed, "_URET": e.units_returned, "_ULOST": e.units_lost})
    df = frame("EX", rows, sort=("USUBJID", "EXSTDTC", "EXTRT", "EXLOT"))
    return split_supp(df, "EX", {
        "_UDISP": ("EXUDISP", "Units Dispensed", "CRF"),
        "_URET": ("EXURET", "Units Returned", "CRF"),
        "_ULOST": ("EXULOST", "Units Lost", "CRF")})


def build_ae(data: SdtmInput, times: dict[str, Timeline]) -> tuple[pd.DataFrame,
                                                                   list[dict[str, Any]]]:
    rows = []
    for a in data.adverse_events:
        t = times.get(a.pseudonym)
        flags = {_SERIOUS[c] for c in a.seriousness if c in _SERIOUS}
        row: dict[str, Any] = {
            "USUBJID": usubjid(a.pseudonym), "AESPID": str(a.number), "AETERM": a.term,
            "AELLT": a.term if a.term in MEDDRA_LLT else None,
            "AELLTCD": MEDDRA_LLT.get(a.term), "AEDECOD": a.term, "AEBODSYS": a.soc,
            "AEBDSYCD": MEDDRA_SOC.get(a.soc or ""), "AESOC": a.soc,
            "AESOCCD": MEDDRA_SOC.get(a.soc or ""), "AESER": "Y" if a.serious else "N",
            "AEACN": AE_ACTIONS.get(a.action, "UNKNOWN"),
            "AEREL": None if a.related is None else ("RELATED" if a.related else "NOT RELATED"),
            "AEOUT": AE_OUTCOMES.get(a.outcome, "UNKNOWN"), "AETOXGR": str(a.grade),
            "EPOCH": epoch(t, a.start), "AESTDTC": iso(a.start), "AEENDTC": iso(a.stop),
            "AESTDY": t.day(a.start) if t else None, "AEENDY": t.day(a.stop) if t else None,
            "_EXPECT": a.expectedness.upper() if a.expectedness else None}
        for flag in ("AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE"):
            row[flag] = ("Y" if flag in flags else "N") if a.serious else None
        rows.append(row)
    df = frame("AE", rows, sort=("USUBJID", "AESTDTC", "AESPID"))
    return split_supp(df, "AE", {"_EXPECT": ("AEEXPECT", "Expectedness", "Assigned")})


def build_cm(data: SdtmInput, times: dict[str, Timeline]) -> tuple[pd.DataFrame,
                                                                   list[dict[str, Any]]]:
    rows = []
    for m in data.medications:
        t = times.get(m.pseudonym)
        stop = m.stop if not m.ongoing else None
        rows.append({
            "USUBJID": usubjid(m.pseudonym), "CMTRT": m.drug, "CMINDC": m.indication,
            "CMDOSE": m.dose, "CMDOSU": m.unit, "CMDOSFRQ": m.frequency.upper() or None,
            "CMROUTE": _route(m.route), "EPOCH": epoch(t, m.start),
            "CMSTDTC": iso(m.start), "CMENDTC": iso(stop),
            "CMSTDY": t.day(m.start) if t else None, "CMENDY": t.day(stop) if t else None,
            "CMENRTPT": "ONGOING" if stop is None else None,
            "CMENTPT": iso(data.cutoff) if stop is None else None,
            "_ATC": m.atc_code, "_CYP3A": m.cyp3a})
    df = frame("CM", rows, sort=("USUBJID", "CMSTDTC", "CMTRT"))
    return split_supp(df, "CM", {"_ATC": ("CMATC", "ATC Code", "Assigned"),
                                 "_CYP3A": ("CMCYP3A", "Strong CYP3A Inhibitor or Inducer",
                                            "Derived")})


def build_mh(data: SdtmInput) -> pd.DataFrame:
    rows = []
    for h in data.history:
        ongoing = h.ongoing or h.stop is None
        rows.append({
            "USUBJID": usubjid(h.pseudonym), "MHTERM": h.condition,
            "MHCAT": "GENERAL MEDICAL HISTORY", "MHSTDTC": iso(h.start),
            "MHENDTC": None if ongoing else iso(h.stop),
            "MHENRTPT": "ONGOING" if ongoing else None,
            "MHENTPT": iso(data.cutoff) if ongoing else None})
    return frame("MH", rows, sort=("USUBJID", "MHSTDTC", "MHTERM"))

