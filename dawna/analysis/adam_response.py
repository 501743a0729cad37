"""The response endpoints of the analysis data sets, derived in one place: which tumour
assessments count, the best overall response (confirmed and unconfirmed), objective response and
clinical benefit, and the ADRS rows. ADSL (BOR, UBOR, BESTPCHG), ADRS, the results pages, the
report and the registry tables all read what this module derives.

Sources:

- Assessments that count: from randomization until the first PD or the start of a new anticancer
  therapy, whichever is first (RECIST 1.1 §4.4: best overall response is recorded from the start
  of the study treatment until disease progression; FDA guidance "Clinical Trial Endpoints for the
  Approval of Cancer Drugs and Biologics" (2018): response assessed before subsequent therapy, as
  for PFS). A scan on the therapy's first day is taken as before it.
- Best overall response: ``dawna.rules.recist.confirmed_bor`` (RECIST 1.1 Table 3, admiralonco
  ``derive_param_confirmed_bor``) and ``unconfirmed_bor`` over those assessments, with the
  protocol file's response settings (confirmation >= 28 days, SD >= 42 days from randomization).
- Clinical benefit: CR, PR, or CR/PR/SD/Non-CR-Non-PD assessed at least 24 weeks after
  randomization less the assessment window (168 - 7 = 161 days; PALOMA-3, Turner et al., N Engl J
  Med 2015;373:209-219; ``clinical_benefit_min_weeks`` and ``tumour_assessment_window_days``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

from dawna.rules.recist import confirmed_bor, unconfirmed_bor
from dawna.rules.recist_case import ResponseSettings

__all__ = ["RESPONSE_CODES", "BestResponseRecord", "ResponseRecord", "ResponseSummary",
           "clinical_benefit", "responses_before_new_therapy", "rs_rows", "summarize"]

RESPONSE_CODES = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6}
#: rules.recist spells Non-CR/Non-PD "NON-CR/NON-PD" too; anything else maps to NE.
_BENEFIT = ("CR", "PR", "SD", "NON-CR/NON-PD")


@dataclass(frozen=True)
class ResponseRecord:
    """One follow-up tumour assessment: its date, CDISC analysis date, overall response and
    the % change of the target sum from baseline."""

    on: date
    adt: date
    response: str
    change_pct: float | None = None


@dataclass(frozen=True)
class BestResponseRecord:
    response: str
    on: date | None = None


class _Scan(Protocol):
    @property
    def on(self) -> date: ...

    @property
    def response(self) -> str: ...


R = TypeVar("R", bound=_Scan)


def responses_before_new_therapy(responses: Sequence[R], therapy: date | None) -> tuple[R, ...]:
    """The assessments that count for response endpoints: scanned on or before the start of a
    new anticancer therapy, and none after the first PD (module docstring)."""
    kept: list[R] = []
    for r in sorted(responses, key=lambda x: x.on):
        if therapy is not None and r.on > therapy:
            break
        kept.append(r)
        if r.response == "PD":
            break
    return tuple(kept)


def clinical_benefit(responses: Sequence[ResponseRecord], best: str, randomized: date,
                     threshold_days: int) -> bool:
    """CR or PR as best response, or an assessment with CR/PR/SD/Non-CR-Non-PD at least
    ``threshold_days`` after randomization before any PD (``responses``: those that count)."""
    if best in ("CR", "PR"):
        return True
    for r in sorted(responses, key=lambda x: x.adt):
        if r.response == "PD":
            return False
        if r.response in _BENEFIT and (r.adt - randomized).days >= threshold_days:
            return True
    return False


@dataclass(frozen=True)
class ResponseSummary:
    """One participant's response endpoints over the assessments that count."""

    responses: tuple[ResponseRecord, ...]  # the assessments that count, in date order
    bor: BestResponseRecord
    ubor: BestResponseRecord
    best_change_pct: float | None
    cbr_threshold_days: int


def _record(best: Any) -> BestResponseRecord:
    return BestResponseRecord(best.response if best.response in RESPONSE_CODES else "NE",
                              best.date)


def summarize(responses: Sequence[ResponseRecord], therapy: date | None, randomized: date,
              settings: ResponseSettings, cbr_threshold_days: int,
              reference: date | None = None) -> ResponseSummary:
    """BOR, UBOR and the best % change over the assessments before new therapy and up to the
    first PD; the stable-disease interval runs from ``reference`` (default: randomization)."""
    kept = responses_before_new_therapy(responses, therapy)
    start = reference or randomized
    if kept:
        obs = [(r.adt, r.response) for r in kept]
        bor = _record(confirmed_bor(obs, start, settings))
        ubor = _record(unconfirmed_bor(obs, start, settings.sd_min_days))
    else:
        bor = ubor = BestResponseRecord("NE")
    changes = [r.change_pct for r in kept if r.change_pct is not None]
    return ResponseSummary(kept, bor, ubor, min(changes) if changes else None,
                           cbr_threshold_days)


def _flag(value: bool) -> str:
    return "Y" if value else "N"


def rs_rows(summary: ResponseSummary, key: dict[str, Any],
            randomized: date) -> list[dict[str, Any]]:
    """ADRS rows of one participant: one OVR per assessment that counts, then BOR and UBOR
    with their responder (ORRFL) and clinical benefit (CBRFL) flags."""
    rows = []
    for n, r in enumerate(summary.responses, start=1):
        rows.append({**key, "PARAMCD": "OVR", "PARAM": "Overall response by RECIST 1.1",
                     "AVISITN": n, "AVALC": r.response,
                     "AVAL": RESPONSE_CODES.get(r.response, RESPONSE_CODES["NE"]),
                     "ADT": r.adt, "ADY": (r.adt - randomized).days + 1,
                     "PCHG": r.change_pct, "ORRFL": "", "CBRFL": ""})
    for code, param, b in (("BOR", "Best overall response (confirmed)", summary.bor),
                           ("UBOR", "Best overall response (unconfirmed)", summary.ubor)):
        rows.append({**key, "PARAMCD": code, "PARAM": param, "AVISITN": None,
                     "AVALC": b.response, "AVAL": RESPONSE_CODES[b.response], "ADT": b.on,
                     "ADY": None if b.on is None else (b.on - randomized).days + 1,
                     "PCHG": None, "ORRFL": _flag(b.response in ("CR", "PR")),
                     "CBRFL": _flag(clinical_benefit(summary.responses, b.response, randomized,
                                                     summary.cbr_threshold_days))})
    return rows
