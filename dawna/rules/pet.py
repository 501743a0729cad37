"""PET lesion reads: ER status of each lesion on 18F-FES, FDG avidity, FES/FDG concordance per
lesion and the patient's heterogeneity category.

Sources (``docs/domain.md`` §6):

- ER-positive lesion: FES SUVmax ≥ 1.5 (van Kruchten/Boers, J Nucl Med 2018;59:1212; the SNMMI
  procedure standard, J Nucl Med 2024, states > 1.5); the threshold is the protocol file's
  ``fes_suvmax_er_positive_min`` with its comparator. Liver lesions are not evaluable on FES
  (hepatic FES metabolism gives a high background).
- FDG avidity: FDG SUVmax against the protocol file's ``fdg_suvmax_avid_min`` (a site decision;
  no source above fixes one).
- A reader may override the derived call, with a reason (the call is then the reader's).
- Lesion categories FES+/FDG+, FES+/FDG−, FES−/FDG+ (ER-discordant), FES−/FDG−, FES not
  evaluable; patient categories all FES-positive / mixed / all FES-negative (Liu, Breast Cancer
  Res 2022; Kurland, Clin Cancer Res 2017: FDG-avid disease with low FES uptake does worst).
- Cerianna (fluoroestradiol F 18) label: 111–222 MBq, imaging 20–80 min after injection; a scan
  outside those is flagged, not refused.
- Cerianna label, drug interactions (``docs/domain.md`` §6): drugs that bind the oestrogen
  receptor block FES uptake, tamoxifen for up to 8 weeks and fulvestrant for up to 28 weeks
  after the last dose. A scan inside such a window is flagged (:func:`washout_flags`), and an
  "all lesions ER-negative" result from it is not conclusive: it neither excludes (EX1) nor
  fails IN2 until the investigator confirms it or a repeat scan outside the window is read
  (:func:`er_negative_conclusive`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dawna.rules.messages import N_, Message, number

__all__ = ["WASHOUT_WEEKS", "Heterogeneity", "Lesion", "LesionCall", "PatientSummary", "Study",
           "Thresholds", "WashoutFlag", "call", "er_negative_conclusive", "flags", "summarize",
           "washout_flags"]

Tracer = Literal["FES", "FDG"]
Status = Literal["positive", "negative", "not_evaluable"]
Suv = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Lesion(_Model):
    """A lesion read on one PET study. ``id`` is stable across the FES and FDG studies of a
    patient: the same id on both is the same lesion."""

    id: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][\w.-]*$")]
    organ: Annotated[str, Field(min_length=1, max_length=100)]
    laterality: Literal["left", "right", "midline", "not_applicable"] = "not_applicable"
    size_mm: Annotated[float, Field(gt=0, le=500, allow_inf_nan=False)] | None = None
    suvmax: Suv
    suvpeak: Suv | None = None
    reader_call: Status | None = None
    override_reason: Annotated[str, Field(max_length=500)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Lesion:
        if self.suvpeak is not None and self.suvpeak > self.suvmax:
            raise ValueError("suvpeak cannot exceed suvmax")
        if self.reader_call is not None and not (self.override_reason or "").strip():
            raise ValueError("a reader's call that overrides the derived status needs "
                             "override_reason")
        return self


class Study(_Model):
    """One PET/CT study and its read."""

    tracer: Tracer
    scan_date: datetime.date
    read_date: datetime.date | None = None
    injected_mbq: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)]
    weight_kg: Annotated[float, Field(ge=20, le=300, allow_inf_nan=False)]
    uptake_min: Annotated[float, Field(gt=0, le=300, allow_inf_nan=False)]
    lesions: list[Lesion] = Field(default_factory=list, max_length=100)
    #: The reader's explicit statement that the study shows no evaluable lesion: the only way
    #: a read without lesions is a read (issue 18 item 4).
    no_evaluable_lesion: bool = False

    @model_validator(mode="after")
    def _check(self) -> Study:
        if self.read_date is not None and self.scan_date > self.read_date:
            raise ValueError("scan_date cannot be after read_date")
        if self.no_evaluable_lesion and self.lesions:
            raise ValueError("a read with lesions cannot also state that no lesion is "
                             "evaluable")
        seen: set[str] = set()
        for lesion in self.lesions:
            if lesion.id.upper() in seen:
                raise ValueError(f"lesion {lesion.id} is read twice")
            seen.add(lesion.id.upper())
        return self


@dataclass(frozen=True)
class Thresholds:
    """From the protocol file: FES ER-positive SUVmax (≥ 1.5) and FDG avid SUVmax."""

    fes_positive: float = 1.5
    fes_comparator: str = ">="
    fdg_avid: float = 2.5
    fdg_comparator: str = ">="


def _passes(value: float, limit: float, comparator: str) -> bool:
    return value > limit if comparator == ">" else value >= limit


@dataclass(frozen=True)
class LesionCall:
    id: str
    derived: Status
    status: Status
    overridden: bool
    rule: Message


def call(tracer: Tracer, lesion: Lesion, t: Thresholds) -> LesionCall:
    """The lesion's status on this tracer: derived from SUVmax (FES: not evaluable in the
    liver), replaced by the reader's call when there is one."""
    organ = lesion.organ.lower()
    if tracer == "FES" and ("liver" in organ or "hepat" in organ or "肝" in organ):
        derived: Status = "not_evaluable"
        rule = Message(N_("{id}: liver lesions are not evaluable on FES"), {"id": lesion.id})
    elif tracer == "FES":
        derived = "positive" if _passes(lesion.suvmax, t.fes_positive, t.fes_comparator) \
            else "negative"
        rule = Message(N_("{id}: FES SUVmax {suv} against {limit}"),
                       {"id": lesion.id, "suv": number(lesion.suvmax),
                        "limit": f"{t.fes_comparator} {number(t.fes_positive)}"})
    else:
        derived = "positive" if _passes(lesion.suvmax, t.fdg_avid, t.fdg_comparator) \
            else "negative"
        rule = Message(N_("{id}: FDG SUVmax {suv} against {limit}"),
                       {"id": lesion.id, "suv": number(lesion.suvmax),
                        "limit": f"{t.fdg_comparator} {number(t.fdg_avid)}"})
    if lesion.reader_call is not None and lesion.reader_call != derived:
        return LesionCall(lesion.id, derived, lesion.reader_call, True, Message(
            N_("{id}: the reader's call ({reason})"),
            {"id": lesion.id, "reason": lesion.override_reason or ""}))
    return LesionCall(lesion.id, derived, derived, False, rule)


Heterogeneity = Literal["all_positive", "mixed", "all_negative"]
Concordance = Literal["FES+/FDG+", "FES+/FDG-", "FES-/FDG+", "FES-/FDG-", "FES not evaluable",
                      "FES+/FDG not read", "FES-/FDG not read", "FDG only"]


_PAIRS: dict[tuple[bool, bool], Concordance] = {
    (True, True): "FES+/FDG+", (True, False): "FES+/FDG-", (False, True): "FES-/FDG+",
    (False, False): "FES-/FDG-"}


@dataclass(frozen=True)
class PatientSummary:
    lesions_read: int          # evaluable on FES
    er_positive: int
    at_least_one_positive: bool | None
    all_negative: bool | None
    heterogeneity: Heterogeneity | None
    concordance: dict[str, Concordance]
    fdg_avid: int
    fdg_avid_fes_negative: int
    fdg_avid_fes_negative_share: float | None
    calls: dict[str, tuple[LesionCall | None, LesionCall | None]]


def summarize(fes: Study | None, fdg: Study | None, t: Thresholds) -> PatientSummary:
    """Patient-level results: counts, the screening criteria's "at least one ER-positive
    lesion" (IN2) and "all lesions ER-negative" (EX1), concordance per lesion matched by id,
    the heterogeneity category and the share of FDG-avid disease that is FES-negative."""
    fes_calls = {x.id: call("FES", x, t) for x in fes.lesions} if fes else {}
    fdg_calls = {x.id: call("FDG", x, t) for x in fdg.lesions} if fdg else {}
    evaluable = [c for c in fes_calls.values() if c.status != "not_evaluable"]
    positive = sum(1 for c in evaluable if c.status == "positive")
    concordance: dict[str, Concordance] = {}
    for lesion_id in [*fes_calls, *(k for k in fdg_calls if k not in fes_calls)]:
        f, g = fes_calls.get(lesion_id), fdg_calls.get(lesion_id)
        if f is None:
            concordance[lesion_id] = "FDG only"
        elif f.status == "not_evaluable":
            concordance[lesion_id] = "FES not evaluable"
        elif g is None:
            concordance[lesion_id] = "FES+/FDG not read" if f.status == "positive" \
                else "FES-/FDG not read"
        else:
            concordance[lesion_id] = _PAIRS[(f.status == "positive", g.status == "positive")]
    avid = [k for k, g in fdg_calls.items() if g.status == "positive"
            and k in fes_calls and fes_calls[k].status != "not_evaluable"]
    avid_negative = sum(1 for k in avid if fes_calls[k].status == "negative")
    heterogeneity: Heterogeneity | None = None
    if evaluable:
        heterogeneity = ("all_positive" if positive == len(evaluable)
                         else "all_negative" if positive == 0 else "mixed")
    return PatientSummary(
        lesions_read=len(evaluable), er_positive=positive,
        at_least_one_positive=(positive >= 1) if fes else None,
        all_negative=(bool(evaluable) and positive == 0) if fes else None,
        heterogeneity=heterogeneity, concordance=concordance, fdg_avid=len(avid),
        fdg_avid_fes_negative=avid_negative,
        fdg_avid_fes_negative_share=(avid_negative / len(avid)) if avid else None,
        calls={k: (fes_calls.get(k), fdg_calls.get(k)) for k in concordance})


def flags(study: Study) -> list[Message]:
    """Warnings a reader should see (not refusals): an FES study outside the Cerianna label's
    activity (111–222 MBq) or imaging window (20–80 min after injection)."""
    out: list[Message] = []
    if study.tracer == "FES":
        if not 111 <= study.injected_mbq <= 222:
            out.append(Message(N_("injected activity {mbq} MBq is outside the FES label's "
                                  "111-222 MBq"), {"mbq": number(study.injected_mbq)}))
        if not 20 <= study.uptake_min <= 80:
            out.append(Message(N_("imaging {min} min after injection is outside the FES "
                                  "label's 20-80 min"), {"min": number(study.uptake_min)}))
    return out


#: Cerianna label: weeks after the last dose during which the drug blocks FES uptake.
WASHOUT_WEEKS: dict[str, int] = {"tamoxifen": 8, "fulvestrant": 28}


@dataclass(frozen=True)
class WashoutFlag:
    drug: str
    last_dose: datetime.date
    clear_from: datetime.date  # the first day a scan is outside the window
    reason: Message


def washout_flags(scan_date: datetime.date,
                  last_doses: dict[str, datetime.date],
                  weeks_by_drug: dict[str, int] | None = None) -> list[WashoutFlag]:
    """One flag per ER-binding drug whose washout window (Cerianna label: tamoxifen 8 weeks,
    fulvestrant 28 weeks after the last dose) still covers ``scan_date``. ``last_doses`` maps a
    drug name (any case) to the last day it was taken; other drugs are ignored.
    ``weeks_by_drug`` replaces the label's weeks (the protocol file's
    ``fes_washout_tamoxifen_weeks`` and ``fes_washout_fulvestrant_weeks``)."""
    table = WASHOUT_WEEKS if weeks_by_drug is None else weeks_by_drug
    out: list[WashoutFlag] = []
    for name, last in sorted(last_doses.items()):
        drug = name.strip().lower()
        weeks = table.get(drug)
        if weeks is None or last > scan_date:
            continue
        clear = last + datetime.timedelta(weeks=weeks)
        if scan_date < clear:
            out.append(WashoutFlag(drug, last, clear, Message(N_(
                "FES scan on {scan} is within {weeks} weeks of the last {drug} dose ({last}): "
                "{drug} blocks FES uptake until {clear} (Cerianna label); an all-negative read "
                "is not conclusive"),
                {"scan": scan_date.isoformat(), "weeks": str(weeks), "drug": drug,
                 "last": last.isoformat(), "clear": clear.isoformat()})))
    return out


def er_negative_conclusive(*, inside_washout: bool, investigator_confirmed: bool,
                           repeat_scan_outside_window: bool) -> bool:
    """Whether an "all lesions ER-negative" FES result may exclude (EX1) or fail IN2: always
    when the scan was outside every washout window; from inside one, only once the investigator
    confirms it or a repeat scan outside the window has been read."""
    return (not inside_washout) or investigator_confirmed or repeat_scan_outside_window
