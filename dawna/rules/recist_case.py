"""A RECIST 1.1 case as data: the baseline lesions, the follow-up assessments and the response
settings, with the checks the guideline puts on them.

Source: RECIST 1.1, Eisenhauer et al., Eur J Cancer 2009;45:228-247 (§3.1 measurability, §3.2
baseline documentation of target and non-target lesions, §4.3 follow-up); ``docs/domain.md`` §2.
The structure is also the input of ``dawna recist FILE.json`` (README "Tumour response").

Shapes and types are checked by pydantic; the clinical checks (measurability, target selection,
lesion ids used at follow-up, date order) by :func:`check_case`, which raises :class:`CaseError`
with the JSON path of the field and the rule broken as a translatable :class:`Message`.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dawna.protocol.schema import Protocol
from dawna.rules.messages import N_, Message, number

__all__ = [
    "Assessment",
    "Baseline",
    "Case",
    "CaseError",
    "Lesion",
    "Limits",
    "Measurement",
    "NonTargetStatus",
    "ResponseSettings",
    "check_case",
    "limits_from",
    "measurable",
    "settings_from",
]

Method = Literal["CT", "MRI", "X-ray", "caliper"]
NonTargetStatus = Literal["absent", "present", "unequivocal_progression", "not_evaluated"]
NewLesions = Literal["no", "yes", "equivocal"]
Millimetres = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
#: A follow-up target measurement: mm, "too_small" (present but too small to measure) or None
#: (not evaluated).
Measurement = Millimetres | Literal["too_small"] | None
LesionId = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][\w.-]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Lesion(_Model):
    """A lesion recorded at baseline (RECIST 1.1 §3.2)."""

    id: LesionId = Field(description="Stable lesion id, e.g. T1, NT2.")
    organ: str = Field(min_length=1, max_length=100, description="Organ and site.")
    nodal: bool = Field(False, description="True for a lymph node (its short axis is recorded).")
    method: Method = Field("CT", description="CT, MRI, X-ray (chest) or caliper.")
    diameter_mm: Millimetres | None = Field(
        None, description="Longest diameter (short axis for a node) in mm; may be empty for a "
                          "non-measurable non-target lesion (bone, effusion).")
    target: bool = Field(description="Selected as a target lesion.")
    intracranial: bool = Field(False, description="Inside the skull.")
    slice_thickness_mm: Annotated[float, Field(gt=0, le=20)] | None = Field(
        None, description="CT slice thickness when above 5 mm (the measurable size doubles it).")


class Baseline(_Model):
    date: datetime.date
    lesions: list[Lesion] = Field(min_length=1, max_length=60)


class Assessment(_Model):
    """One follow-up assessment (RECIST 1.1 §4.3)."""

    date: datetime.date
    scan_dates: list[datetime.date] = Field(default_factory=list, max_length=20, description=(
        "Dates of the individual scans when they differ; CDISC dates CR/PR on the latest and "
        "SD/PD/NE on the earliest."))
    target: dict[str, Measurement] = Field(default_factory=dict)
    non_target: dict[str, NonTargetStatus] = Field(default_factory=dict)
    new_lesions: NewLesions = "no"


class ResponseSettings(_Model):
    """Best-overall-response settings; defaults are the DAWNA-FES protocol file's and
    pharmaverse admiralonco's (``derive_param_confirmed_bor``: ``max_nr_ne = 1``,
    ``accept_sd = FALSE``)."""

    confirmation_days: int = Field(28, ge=1, le=365)
    sd_min_days: int = Field(42, ge=0, le=365)
    require_confirmation: bool = True
    max_ne_between: int = Field(1, ge=0, le=10)
    accept_sd_between: bool = False
    reference_date: date | None = Field(None, description=(
        "Start of the stable-disease interval (randomization); defaults to the baseline date."))


class Case(_Model):
    baseline: Baseline
    assessments: list[Assessment] = Field(default_factory=list, max_length=100)
    settings: ResponseSettings = Field(default_factory=ResponseSettings)


@dataclass(frozen=True)
class Limits:
    """Measurability limits (RECIST 1.1 §3.1; the protocol file's ``recist_*`` settings)."""

    non_nodal_mm: float = 10.0
    chest_xray_mm: float = 20.0
    node_target_mm: float = 15.0
    #: A node under 10 mm short axis is normal (RECIST 1.1 §3.1.2): a guideline constant.
    node_normal_mm: float = 10.0
    #: At most 5 targets, 2 per organ (RECIST 1.1 §3.3.1): guideline constants.
    max_targets: int = 5
    max_targets_per_organ: int = 2


class CaseError(Exception):
    """A RECIST rule broken by the input: ``field`` is the JSON path, ``message`` the rule."""

    def __init__(self, field: str, message: Message) -> None:
        super().__init__(f"{field}: {message.template}")
        self.field = field
        self.message = message


def measurable(lesion: Lesion, limits: Limits) -> bool:
    """RECIST 1.1 §3.1.1: a non-nodal lesion is measurable with a longest diameter ≥ 10 mm by CT
    (slice ≤ 5 mm; otherwise twice the slice thickness), MRI or caliper, ≥ 20 mm on chest X-ray;
    a node with a short axis ≥ 15 mm by CT or MRI. Nodes by X-ray or caliper are not."""
    if lesion.diameter_mm is None:
        return False
    if lesion.nodal:
        return lesion.method in ("CT", "MRI") and lesion.diameter_mm >= limits.node_target_mm
    minimum = limits.chest_xray_mm if lesion.method == "X-ray" else limits.non_nodal_mm
    if lesion.slice_thickness_mm and lesion.slice_thickness_mm > 5:
        minimum = max(minimum, 2 * lesion.slice_thickness_mm)
    return lesion.diameter_mm >= minimum


def organ_key(lesion: Lesion) -> str:
    """All lymph nodes count as one organ (RECIST 1.1 §3.3.1)."""
    return "lymph nodes" if lesion.nodal else " ".join(lesion.organ.lower().split())


def _check_lesion(i: int, lesion: Lesion, limits: Limits) -> None:
    at = f"baseline.lesions[{i}]"
    if lesion.nodal and lesion.diameter_mm is not None and (
            lesion.diameter_mm < limits.node_normal_mm):
        raise CaseError(f"{at}.diameter_mm", Message(N_(
            "{id}: a lymph node with a short axis under {limit} mm is normal and is not recorded "
            "(RECIST 1.1 §3.1.2)"), {"id": lesion.id, "limit": number(limits.node_normal_mm)}))
    if not lesion.target:
        return
    if lesion.diameter_mm is None:
        raise CaseError(f"{at}.diameter_mm", Message(N_(
            "{id}: a target lesion needs its measurement (RECIST 1.1 §3.3.1)"), {"id": lesion.id}))
    if not measurable(lesion, limits):
        if lesion.nodal:
            rule = N_("{id}: a target lymph node needs a short axis of at least {limit} mm by CT "
                      "or MRI; a node of {size} mm is a non-target lesion (RECIST 1.1 §3.1.2)")
            limit = limits.node_target_mm
        else:
            rule = N_("{id}: {size} mm by {method} is not measurable (at least {limit} mm); it "
                      "can only be a non-target lesion (RECIST 1.1 §3.1.1)")
            limit = limits.chest_xray_mm if lesion.method == "X-ray" else limits.non_nodal_mm
            if lesion.slice_thickness_mm and lesion.slice_thickness_mm > 5:
                limit = max(limit, 2 * lesion.slice_thickness_mm)
        raise CaseError(f"{at}.diameter_mm", Message(rule, {
            "id": lesion.id, "size": number(lesion.diameter_mm), "limit": number(limit),
            "method": lesion.method}))


def _check_baseline(baseline: Baseline, limits: Limits) -> None:
    seen: set[str] = set()
    for i, lesion in enumerate(baseline.lesions):
        if lesion.id.upper() in seen:
            raise CaseError(f"baseline.lesions[{i}].id", Message(
                N_("{id}: lesion ids must be unique"), {"id": lesion.id}))
        seen.add(lesion.id.upper())
        _check_lesion(i, lesion, limits)
    targets = [lesion for lesion in baseline.lesions if lesion.target]
    if len(targets) > limits.max_targets:
        raise CaseError("baseline.lesions", Message(N_(
            "{count} target lesions; at most {limit} may be selected (RECIST 1.1 §3.3.1)"),
            {"count": str(len(targets)), "limit": str(limits.max_targets)}))
    per_organ = Counter(organ_key(t) for t in targets)
    for organ, count in per_organ.items():
        if count > limits.max_targets_per_organ:
            raise CaseError("baseline.lesions", Message(N_(
                "{count} target lesions in {organ}; at most {limit} per organ, all lymph nodes "
                "counting as one organ (RECIST 1.1 §3.3.1)"),
                {"count": str(count), "organ": organ,
                 "limit": str(limits.max_targets_per_organ)}))


def _check_assessment(k: int, a: Assessment, baseline: Baseline, previous: date) -> None:
    at = f"assessments[{k}]"
    if a.date <= baseline.date:
        raise CaseError(f"{at}.date", Message(N_(
            "{date} is not after the baseline date {baseline}"),
            {"date": a.date.isoformat(), "baseline": baseline.date.isoformat()}))
    if k > 0 and a.date <= previous:
        raise CaseError(f"{at}.date", Message(N_(
            "{date} is not after the previous assessment ({previous}); assessments are in date "
            "order"), {"date": a.date.isoformat(), "previous": previous.isoformat()}))
    for j, scan in enumerate(a.scan_dates):
        if scan <= baseline.date:
            raise CaseError(f"{at}.scan_dates[{j}]", Message(N_(
                "{date} is not after the baseline date {baseline}"),
                {"date": scan.isoformat(), "baseline": baseline.date.isoformat()}))
    kinds = {lesion.id: lesion.target for lesion in baseline.lesions}
    for lesion_id in a.target:
        if kinds.get(lesion_id) is not True:
            raise CaseError(f"{at}.target.{lesion_id}", Message(N_(
                "{id} was not a target lesion at baseline; a target is measured at follow-up "
                "only if it was selected at baseline (RECIST 1.1 §4.1)"), {"id": lesion_id}))
    for lesion_id in a.non_target:
        if kinds.get(lesion_id) is not False:
            raise CaseError(f"{at}.non_target.{lesion_id}", Message(N_(
                "{id} was not a non-target lesion at baseline (RECIST 1.1 §4.3.2)"),
                {"id": lesion_id}))


def check_case(case: Case, limits: Limits) -> None:
    """Refuse a case that breaks RECIST 1.1's baseline or follow-up rules (first problem)."""
    _check_baseline(case.baseline, limits)
    previous = case.baseline.date
    for k, assessment in enumerate(case.assessments):
        _check_assessment(k, assessment, case.baseline, previous)
        previous = assessment.date
    ref = case.settings.reference_date
    if ref is not None and case.assessments and ref >= case.assessments[0].date:
        raise CaseError("settings.reference_date", Message(N_(
            "{date} is not before the first assessment"), {"date": ref.isoformat()}))


def limits_from(protocol: Protocol) -> Limits:
    """Measurability limits from the protocol file's ``recist_*`` settings (RECIST 1.1 §3.1)."""
    return Limits(non_nodal_mm=protocol.setting_number("recist_non_nodal_min_mm"),
                  chest_xray_mm=protocol.setting_number("recist_non_nodal_chest_xray_min_mm"),
                  node_target_mm=protocol.setting_number("recist_node_short_axis_min_mm"))


def settings_from(protocol: Protocol, reference_date: date | None = None) -> ResponseSettings:
    """Best-overall-response settings from the protocol file (domain.md §2): confirmation
    interval and requirement, SD minimum interval, NE and SD accepted before confirmation."""
    return ResponseSettings(
        confirmation_days=int(protocol.setting_number("response_confirmation_min_days")),
        sd_min_days=int(protocol.setting_number("sd_minimum_interval_days")),
        require_confirmation=bool(protocol.setting("response_confirmation_required").value),
        max_ne_between=int(protocol.setting_number("response_confirmation_max_ne")),
        accept_sd_between=bool(protocol.setting("response_confirmation_accept_sd").value),
        reference_date=reference_date)
