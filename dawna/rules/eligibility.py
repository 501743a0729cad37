"""Eligibility for DAWNA-FES (NCT05861830): every criterion met, not met or unknown, with reasons.

:func:`evaluate` judges a :class:`~dawna.rules.screening_record.ScreeningRecord` against a
protocol: first age and sex (the record's Minimum/Maximum Eligible Age and Eligible Sex), then
each inclusion and exclusion criterion of the protocol file in the file's order, with the text
taken from the file. Every number a rule compares with is a protocol site setting, applied with
its own unit and comparator, never a constant here. :func:`evaluate` refuses a protocol with a
criterion id that no rule implements, so the file and the rules cannot drift apart unnoticed; a
criterion the file leaves out is not evaluated (the file is the authority).

Three-valued logic. A criterion is *unknown* when data it needs are missing; ``missing`` lists
them as dotted record paths (``labs.anc``, ``treatment_lines[0].relapse_during_or_after``) and
is empty once the status is decided. For an **exclusion** criterion *met* means the exclusion
applies. The outcome is *ineligible* as soon as one criterion blocks (inclusion not met,
exclusion met), whatever else is unknown; *eligible* when every inclusion is met and every
exclusion is not met; otherwise *incomplete*. A value exactly at a limit passes when the
comparator includes equality (``>=``, ``<=``); values are compared after rounding to 12
significant digits, so a unit conversion does not move a boundary value.

Dates. "At consent" is the consent date; "before starting treatment" is judged on the decision
date (the day eligibility is judged: the ``decision_date`` argument, else
``record.decision_date``). Treatment starts on or after that day, so a look-back counted from it
excludes everyone the protocol excludes, and possibly a few more (conservative). Without a
decision date, a criterion that must date an event is unknown with ``decision_date`` missing.
Calendar years: an anniversary of 29 February falls on 28 February in a year without one.

Sources (each rule's docstring names its own): registry record NCT05861830 (criteria texts);
docs/domain.md §2 (RECIST 1.1, Eisenhauer et al., Eur J Cancer 2009;45:228-247, §3.1), §4
(CTCAE v5.0 units), §5 (organ function), §6 (FES PET); ASCO/CAP ER/PgR testing guideline 2020
(Allison et al., J Clin Oncol 2020;38:1346); ASCO/CAP HER2 testing guideline 2018 (Wolff et al.,
J Clin Oncol 2018;36:2105).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from dawna.errors import ValidationError
from dawna.protocol.schema import Criterion, Eligibility, Protocol
from dawna.rules import units
from dawna.rules.messages import N_, Message, number
from dawna.rules.screening_record import MeasurableLesion, ScreeningRecord, TreatmentLine

__all__ = [
    "CriterionResult", "EligibilityResult", "Outcome", "Status", "completed_years", "evaluate",
]

Kind = Literal["inclusion", "exclusion"]


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class CriterionResult:
    """One criterion judged. For an exclusion, ``MET`` means the patient is excluded."""

    id: str
    kind: Kind
    text: str
    status: Status
    reasons: tuple[Message, ...]
    missing: tuple[str, ...]
    source: str

    @property
    def blocks(self) -> bool:
        """True when this criterion alone makes the patient ineligible."""
        if self.kind == "inclusion":
            return self.status is Status.NOT_MET
        return self.status is Status.MET


@dataclass(frozen=True)
class EligibilityResult:
    outcome: Outcome
    decision_date: date | None
    criteria: tuple[CriterionResult, ...]

    @property
    def failed(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if c.blocks)

    @property
    def unknown(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if c.status is Status.UNKNOWN)

    @property
    def missing(self) -> tuple[str, ...]:
        """Every missing record path, once each, in criterion order."""
        return tuple(dict.fromkeys(p for c in self.criteria for p in c.missing))


# --- verdicts and their combination ------------------------------------------------------------


@dataclass(frozen=True)
class _Verdict:
    status: Status
    reasons: tuple[Message, ...] = ()
    missing: tuple[str, ...] = ()


def _met(*reasons: Message) -> _Verdict:
    return _Verdict(Status.MET, reasons)


def _not_met(*reasons: Message) -> _Verdict:
    return _Verdict(Status.NOT_MET, reasons)


def _unknown(missing: Iterable[str], *reasons: Message) -> _Verdict:
    return _Verdict(Status.UNKNOWN, reasons, tuple(dict.fromkeys(missing)))


def _all_of(parts: Iterable[_Verdict]) -> _Verdict:
    """Met when every part is met, not met when one is not, else unknown."""
    parts = list(parts)
    for status in (Status.NOT_MET, Status.UNKNOWN):
        chosen = [p for p in parts if p.status is status]
        if chosen:
            return _Verdict(status, tuple(r for p in chosen for r in p.reasons),
                            tuple(dict.fromkeys(m for p in chosen for m in p.missing)))
    return _met(*(r for p in parts for r in p.reasons))


def _any_of(parts: Iterable[_Verdict]) -> _Verdict:
    """Met when one part is met, not met when none can be, else unknown (no parts: not met)."""
    parts = list(parts)
    hits = [p for p in parts if p.status is Status.MET]
    if hits:
        return _met(*(r for p in hits for r in p.reasons))
    reasons = tuple(r for p in parts for r in p.reasons)
    if any(p.status is Status.UNKNOWN for p in parts):
        return _Verdict(Status.UNKNOWN, reasons,
                        tuple(dict.fromkeys(m for p in parts for m in p.missing)))
    return _Verdict(Status.NOT_MET, reasons)


def _with_notes(verdict: _Verdict, notes: Iterable[Message]) -> _Verdict:
    return _Verdict(verdict.status, (*verdict.reasons, *notes), verdict.missing)


def _flag(value: bool | None, path: str, what: Message) -> _Verdict:
    """A yes/no field: yes = met (reason "recorded: ..."), no = not met, empty = unknown."""
    if value is None:
        return _unknown([path])
    return _met(Message(N_("recorded: {what}"), {"what": what})) if value else _not_met()


# --- protocol settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Case:
    """What a rule sees: the record, the protocol and the decision date."""

    record: ScreeningRecord
    protocol: Protocol
    decision_date: date | None

    def limit(self, name: str) -> float:
        return self.protocol.setting_number(name)

    def whole(self, name: str) -> int:
        value = self.limit(name)
        if not value.is_integer():
            raise ValidationError(f"must be a whole number (got {value:g})",
                                  field=f"site_settings.{name}.value")
        return int(value)

    def switch(self, name: str) -> bool:
        value = self.protocol.setting(name).value
        if not isinstance(value, bool):
            raise ValidationError("must be true or false", field=f"site_settings.{name}.value")
        return value

    def passes(self, name: str, value: float) -> bool:
        """``value`` (in the setting's unit) against the setting, with its comparator."""
        comparator = self.protocol.setting(name).comparator
        if comparator is None:
            raise ValidationError("a comparator is needed to apply this setting",
                                  field=f"site_settings.{name}.comparator")
        v, lim = units.clean(value), units.clean(self.limit(name))
        return {">=": v >= lim, ">": v > lim, "<=": v <= lim, "<": v < lim, "==": v == lim}[
            comparator]

    def shown(self, name: str, value: float | None = None) -> str:
        """``value`` (default: the setting's own) with the setting's unit, for a message."""
        unit = units.display_unit(self.protocol.setting(name).unit)
        return f"{number(self.limit(name) if value is None else value)} {unit}".strip()

    def in_unit_of(self, name: str, value: float, unit: str, quantity: str) -> float:
        try:
            return units.convert(value, unit, self.protocol.setting(name).unit or "", quantity)
        except ValueError as exc:
            raise ValidationError(str(exc), field=f"site_settings.{name}.unit") from None


_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}
_FAILS = {
    ">=": N_("{what} {value} is below {limit}"),
    ">": N_("{what} {value} is not above {limit}"),
    "<=": N_("{what} {value} is above {limit}"),
    "<": N_("{what} {value} is not below {limit}"),
    "==": N_("{what} {value} is not {limit}"),
}


def _check(case: _Case, name: str, value: float, what: Message, shown: str | None = None
           ) -> _Verdict:
    """Met when ``value`` passes setting ``name``; else not met, e.g. "ANC 1.2 ×10⁹/L is below
    1.5 ×10⁹/L" (``shown`` replaces the default rendering of the value)."""
    if case.passes(name, value):
        return _met()
    comparator = case.protocol.setting(name).comparator or "=="
    return _not_met(Message(_FAILS[comparator], {
        "what": what, "value": shown or case.shown(name, value), "limit": case.shown(name)}))


# --- calendar -----------------------------------------------------------------------------------


def _anniversary(day: date, year: int) -> date:
    """The same month and day in ``year``; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def completed_years(born: date, on: date) -> int:
    """Age in completed years on ``on`` (a 29 February birthday counts on 28 February in a
    common year: born 2004-02-29 is 18 on 2022-02-28)."""
    return on.year - born.year - (on < _anniversary(born, on.year))


# --- the rules (docstring: source and the reading of the text) --------------------------------


def _age(case: _Case) -> _Verdict:
    """Registry record NCT05861830, Minimum Eligible Age 18 Years, Maximum Eligible Age 80 Years.

    Age in completed years on the consent date; both limits inclusive, so "80 Years" admits a
    patient up to the day before the 81st birthday. Limits from ``protocol.eligibility``."""
    r, e = case.record, case.protocol.eligibility
    if r.date_of_birth is None or r.consent_date is None:
        return _unknown(p for p, v in (("date_of_birth", r.date_of_birth),
                                       ("consent_date", r.consent_date)) if v is None)
    age = completed_years(r.date_of_birth, r.consent_date)
    params = {"age": str(age), "limit": str(e.minimum_age_years)}
    if age < e.minimum_age_years:
        return _not_met(Message(N_("age at consent {age} years is below {limit} years"), params))
    if e.maximum_age_years is not None and age > e.maximum_age_years:
        params["limit"] = str(e.maximum_age_years)
        return _not_met(Message(N_("age at consent {age} years is above {limit} years"), params))
    return _met()


def _sex(case: _Case) -> _Verdict:
    """Registry record NCT05861830, Eligible Sex (ALL: any recorded sex is met)."""
    sex, allowed = case.record.sex, case.protocol.eligibility.sex
    if sex is None:
        return _unknown(["sex"])
    if allowed == "ALL" or allowed.lower() == sex:
        return _met()
    return _not_met(Message(N_("the study admits {allowed} participants only"),
                            {"allowed": allowed.lower()}))


def _receptor(case: _Case, name: str, status: str | None, percent: float | None
              ) -> tuple[bool | None, list[Message]]:
    """ER or PR positive? The reported status wins; the percentage alone is compared with
    ``hormone_receptor_positive_min_percent`` (ASCO/CAP 2020: ≥ 1 %); a status contradicting
    the percentage is unknown, for the coordinator to check the report."""
    by_percent = (None if percent is None
                  else case.passes("hormone_receptor_positive_min_percent", percent))
    if status is None:
        return by_percent, []
    positive = status == "positive"
    if by_percent is not None and by_percent != positive:
        return None, [Message(N_("{receptor} is reported {status} but {percent} % of nuclei "
                                 "stained (positive from {limit}); check the report"), {
            "receptor": name, "status": status, "percent": number(percent or 0),
            "limit": case.shown("hormone_receptor_positive_min_percent")})]
    return positive, []


def _in1(case: _Case) -> _Verdict:
    """IN1 "The recent pathology results showed HR-positive and HER2-negative."

    HR-positive = ER or PR positive (ASCO/CAP 2020: ≥ 1 % of nuclei, setting
    ``hormone_receptor_positive_min_percent``). HER2-negative (ASCO/CAP 2018) = IHC 0 or 1+, or
    IHC 2+ with ISH negative, or ISH negative when IHC was not done; IHC 3+ or ISH positive is
    HER2-positive (not met); IHC 2+ without an ISH result is unknown. "Recent" needs a report
    date; how recent is the investigator's judgment, unless the protocol has the optional site
    setting ``pathology_max_age_days`` (report at most that many days before the decision)."""
    p = case.record.pathology
    if p is None:
        return _unknown(["pathology.report_date", "pathology.er", "pathology.her2_ihc"])
    er, er_notes = _receptor(case, "ER", p.er, p.er_percent)
    pr, pr_notes = _receptor(case, "PR", p.pr, p.pr_percent)
    if er or pr:
        hr = _met()
    elif er is False and pr is False:
        hr = _not_met(Message(N_("hormone-receptor negative: ER and PR are both negative")))
    else:
        hr = _unknown([path for path, v in (("pathology.er", er), ("pathology.pr", pr))
                       if v is None], *er_notes, *pr_notes)
    if p.her2_ihc == "3+" or p.her2_ish == "positive":
        her2 = _not_met(Message(N_("HER2-positive (IHC {ihc}, ISH {ish})"), {
            "ihc": p.her2_ihc or "-", "ish": p.her2_ish or "-"}))
    elif p.her2_ihc in ("0", "1+") or p.her2_ish == "negative":
        her2 = _met()
    elif p.her2_ihc == "2+":
        her2 = _unknown(["pathology.her2_ish"], Message(N_("HER2 IHC 2+ needs an ISH result")))
    else:
        her2 = _unknown(["pathology.her2_ihc"])
    parts = [hr, her2]
    if p.report_date is None:
        parts.append(_unknown(["pathology.report_date"]))
    elif "pathology_max_age_days" in case.protocol.site_settings:
        if case.decision_date is None:
            parts.append(_unknown(["decision_date"]))
        else:
            days = (case.decision_date - p.report_date).days
            parts.append(_check(case, "pathology_max_age_days", days,
                                Message(N_("Age of the pathology report")), f"{days} days"))
    return _all_of(parts)


def _in2(case: _Case) -> _Verdict:
    """IN2 "18F-FES-PET/CT showed at least one ER-positive lesion."

    ``fes_pet.er_positive_lesions`` against ``fes_er_positive_lesions_min`` (1). Whether a lesion
    is ER-positive (FES SUVmax ≥ ``fes_suvmax_er_positive_min``, 1.5; domain.md §6) is decided
    when the PET is read, before it reaches this form."""
    fes = case.record.fes_pet
    if fes is None or fes.er_positive_lesions is None:
        return _unknown(["fes_pet.er_positive_lesions"])
    name, suv = "fes_er_positive_lesions_min", "fes_suvmax_er_positive_min"
    if case.passes(name, fes.er_positive_lesions):
        return _met()
    return _not_met(Message(N_("{count} ER-positive lesions on FES PET/CT (ER-positive: SUVmax "
                               "{suv}); at least {limit}"), {
        "count": str(fes.er_positive_lesions), "limit": number(case.limit(name)),
        "suv": f"{_SYMBOL[case.protocol.setting(suv).comparator or '>=']} "
               f"{number(case.limit(suv))}"}))


def _in3(case: _Case) -> _Verdict:
    """IN3 "ECOG Performance Status score: 0-2 points." ``ecog`` against ``ecog_max`` (2)."""
    ecog = case.record.ecog
    if ecog is None:
        return _unknown(["ecog"])
    return _check(case, "ecog_max", ecog, Message(N_("ECOG performance status")))


def _in4(case: _Case) -> _Verdict:
    """IN4 "Expected survival time ≥ 3 months." ``expected_survival_months`` against
    ``life_expectancy_min_months`` (3)."""
    months = case.record.expected_survival_months
    if months is None:
        return _unknown(["expected_survival_months"])
    return _check(case, "life_expectancy_min_months", months, Message(N_("Expected survival")))


_IN5_CDK46I = ("palbociclib", "abemaciclib", "ribociclib")  # named in the text of IN5


def _classes(line: TreatmentLine) -> set[units.AgentClass]:
    return {units.agent_class(agent) for agent in line.agents}


def _in5(case: _Case) -> _Verdict:
    """IN5 "Previous antitumor therapy: (1) (neo)adjuvant treatment with Palbociclib or
    Abemaciclib or Ribociclib or relapse after adjuvant treatment with [them]; (2) receiving
    [them]-based treatment in the context of metastatic breast cancer or disease progression
    after treatment; (3) previously received ≤1 line of chemotherapy for recurrent or
    metastatic breast cancer; (4) previously received ≤3 lines of endocrine therapy for
    recurrent or metastatic breast cancer."

    Reading: (1) and (2) are alternatives, (3) and (4) both apply. A *line* is one entry of
    ``treatment_lines``. (1)/(2) is met by a line with palbociclib, abemaciclib or ribociclib
    either in the advanced setting (any such line: "receiving ... or progression after" does not
    require progression) or in the neoadjuvant/adjuvant setting with
    ``relapse_during_or_after`` true. (3) counts advanced lines with a chemotherapy agent
    (antibody-drug conjugates too when ``adc_counts_as_chemotherapy_line`` is true) against
    ``prior_chemotherapy_lines_max``; (4) counts advanced lines with an endocrine agent (a
    CDK4/6 inhibitor with an endocrine partner is an endocrine line; ovarian suppression alone
    is not) against ``prior_endocrine_lines_max``. Agents dawna does not recognise count as
    neither and are listed for the investigator (:func:`dawna.rules.units.agent_class`)."""
    lines = case.record.treatment_lines
    if lines is None:
        return _unknown(["treatment_lines"])
    notes = [Message(N_("treatment_lines[{index}]: \"{agent}\" is not a recognised agent and is "
                        "counted as neither chemotherapy nor endocrine therapy"),
                     {"index": str(i), "agent": agent})
             for i, line in enumerate(lines) for agent in line.agents
             if units.agent_class(agent) == "unrecognised"]
    qualifying, pending = False, []
    for i, line in enumerate(lines):
        if not any(units.agent_name(agent) in _IN5_CDK46I for agent in line.agents):
            continue
        if line.setting == "advanced" or line.relapse_during_or_after:
            qualifying = True
        elif line.relapse_during_or_after is None:
            pending.append(f"treatment_lines[{i}].relapse_during_or_after")
    parts = [_met() if qualifying else _unknown(pending) if pending else _not_met(Message(N_(
        "no palbociclib, abemaciclib or ribociclib: neither (neo)adjuvant followed by relapse "
        "(part 1) nor for advanced disease (part 2)")))]
    chemo_classes = {"chemotherapy", "adc"} if case.switch("adc_counts_as_chemotherapy_line") \
        else {"chemotherapy"}
    advanced = [_classes(line) for line in lines if line.setting == "advanced"]
    for name, count, template in (
        ("prior_chemotherapy_lines_max", sum(bool(c & chemo_classes) for c in advanced),
         N_("{count} lines of chemotherapy for recurrent or metastatic disease; at most {limit} "
            "(part 3)")),
        ("prior_endocrine_lines_max", sum("endocrine" in c for c in advanced),
         N_("{count} lines of endocrine therapy for recurrent or metastatic disease; at most "
            "{limit} (part 4)")),
    ):
        parts.append(_met() if case.passes(name, count) else _not_met(Message(
            template, {"count": str(count), "limit": number(case.limit(name))})))
    return _with_notes(_all_of(parts), notes)


def _in6(case: _Case) -> _Verdict:
    """IN6 "Willing to undergo 18F-FDG PET/CT standard imaging." ``fdg_pet_willing``."""
    willing = case.record.fdg_pet_willing
    if willing is False:
        return _not_met(Message(N_("not willing to undergo 18F-FDG PET/CT")))
    return _met() if willing else _unknown(["fdg_pet_willing"])


def _measurable(case: _Case, lesion: MeasurableLesion) -> Message | None:
    """None when measurable per RECIST 1.1 §3.1 (domain.md §2), else why not: a lymph node needs
    a short axis ≥ ``recist_node_short_axis_min_mm`` (15) on CT or MRI; another lesion a longest
    diameter ≥ ``recist_non_nodal_chest_xray_min_mm`` (20) on chest X-ray, or
    ≥ ``recist_non_nodal_min_mm`` (10) on CT, MRI or by caliper. (CT slices ≤ 5 mm assumed.)"""
    where = {"location": lesion.location}
    if not lesion.outside_skull:
        return Message(N_("{location}: inside the skull"), where)
    if lesion.lymph_node:
        if lesion.method not in ("CT", "MRI"):
            return Message(N_("{location}: a lymph node is measured by CT or MRI"), where)
        name, size = "recist_node_short_axis_min_mm", lesion.short_axis_mm or 0.0
    else:
        name = ("recist_non_nodal_chest_xray_min_mm" if lesion.method == "X-ray"
                else "recist_non_nodal_min_mm")
        size = lesion.longest_diameter_mm or 0.0
    if case.passes(name, size):
        return None
    return Message(N_("{location}: {size} is below {limit} ({method})"), {
        **where, "size": case.shown(name, size), "limit": case.shown(name),
        "method": lesion.method})


def _in7(case: _Case) -> _Verdict:
    """IN7 "At least one measurable lesion outside the skull according to RECIST V1.1."
    The count of measurable lesions outside the skull (:func:`_measurable`) against
    ``measurable_lesions_min`` (1). Non-measurable disease (bone without a soft-tissue part,
    effusions, leptomeningeal disease) is not entered in ``measurable_lesions``."""
    lesions = case.record.measurable_lesions
    if lesions is None:
        return _unknown(["measurable_lesions"])
    why = [_measurable(case, lesion) for lesion in lesions]
    count = sum(w is None for w in why)
    if case.passes("measurable_lesions_min", count):
        return _met()
    limit = number(case.limit("measurable_lesions_min"))
    return _not_met(Message(N_("{count} measurable lesions outside the skull (RECIST 1.1); at "
                               "least {limit}"), {"count": str(count), "limit": limit}),
                    *(w for w in why if w is not None))


_COUNTS = (("anc", "anc_min", "count", N_("ANC")),
           ("platelets", "platelets_min", "count", N_("Platelets")),
           ("hemoglobin", "haemoglobin_min", "hemoglobin", N_("Haemoglobin")))


def _uln_lab(case: _Case, field: str, name: str, label: str) -> _Verdict:
    """``labs.<field>`` as a multiple of its ULN against setting ``name`` (the ratio is
    unit-free). ALT and AST above it may still pass ``alt_ast_max_uln_liver_metastases`` when
    ``liver_metastases`` is true; unknown when that is not recorded."""
    labs = case.record.labs
    m = getattr(labs, field) if labs else None
    if m is None:
        return _unknown([f"labs.{field}"])
    ratio = units.clean(m.value / m.uln)
    unit = units.display_unit(m.unit)
    shown = f"{number(ratio)} × ULN ({number(m.value)} {unit}, ULN {number(m.uln)} {unit})"
    base = _check(case, name, ratio, Message(label), shown)
    liver = case.record.liver_metastases
    if field not in ("alt", "ast") or base.status is Status.MET or liver is False:
        return base
    liver_name = "alt_ast_max_uln_liver_metastases"
    with_liver = _check(case, liver_name, ratio, Message(label), shown)
    if with_liver.status is Status.NOT_MET or liver:
        return with_liver
    return _unknown(["liver_metastases"], Message(N_(
        "{what} {value} is above {limit}; up to {liver_limit} is allowed with liver metastases, "
        "not yet recorded"), {"what": Message(label), "value": shown, "limit": case.shown(name),
                              "liver_limit": case.shown(liver_name)}))


def _in8(case: _Case) -> _Verdict:
    """IN8 "The function of important organs meets the requirements." (domain.md §5 [site
    decision], site settings group ``organ_function``): ANC ≥ ``anc_min``, platelets ≥
    ``platelets_min``, haemoglobin ≥ ``haemoglobin_min`` (each converted to the setting's unit,
    domain.md §4); total bilirubin ≤ ``total_bilirubin_max_uln`` × ULN; ALT and AST ≤
    ``alt_ast_max_uln`` × ULN, or ≤ ``alt_ast_max_uln_liver_metastases`` × ULN with liver
    metastases (between the two with liver status not recorded: unknown); creatinine ≤
    ``creatinine_max_uln`` × ULN **or** creatinine clearance ≥ ``creatinine_clearance_min``;
    QTcF ≤ ``qtcf_max``. One reason per failing value, one missing path per absent value."""
    labs = case.record.labs
    parts = []
    for field, name, quantity, label in _COUNTS:
        m = getattr(labs, field) if labs else None
        if m is None:
            parts.append(_unknown([f"labs.{field}"]))
            continue
        value = case.in_unit_of(name, m.value, m.unit, quantity)
        shown = case.shown(name, value)
        if m.unit != case.protocol.setting(name).unit:
            shown = f"{number(m.value)} {units.display_unit(m.unit)} ({shown})"
        parts.append(_check(case, name, value, Message(label), shown))
    parts.append(_uln_lab(case, "total_bilirubin", "total_bilirubin_max_uln",
                          N_("Total bilirubin")))
    parts.append(_uln_lab(case, "alt", "alt_ast_max_uln", N_("ALT")))
    parts.append(_uln_lab(case, "ast", "alt_ast_max_uln", N_("AST")))
    clearance = labs.creatinine_clearance_ml_min if labs else None
    parts.append(_any_of([
        _uln_lab(case, "creatinine", "creatinine_max_uln", N_("Creatinine")),
        _unknown(["labs.creatinine_clearance_ml_min"]) if clearance is None else
        _check(case, "creatinine_clearance_min", clearance, Message(N_("Creatinine clearance")))]))
    qtcf = labs.qtcf_ms if labs else None
    parts.append(_unknown(["labs.qtcf_ms"]) if qtcf is None
                 else _check(case, "qtcf_max", qtcf, Message(N_("QTcF"))))
    return _all_of(parts)


def _in9(case: _Case) -> _Verdict:
    """IN9 "recovered from any adverse event related to previous tumor treatment (≤ Grade 1)
    before the first administration": ``worst_unresolved_prior_toxicity_grade`` (CTCAE v5.0)
    against ``prior_toxicity_max_grade`` (1). The record names no exception (alopecia is not
    exempted)."""
    grade = case.record.worst_unresolved_prior_toxicity_grade
    if grade is None:
        return _unknown(["worst_unresolved_prior_toxicity_grade"])
    return _check(case, "prior_toxicity_max_grade", grade,
                  Message(N_("Worst unresolved adverse event of previous treatment:")),
                  f"grade {grade}")


def _ex1(case: _Case) -> _Verdict:
    """EX1 "18F-FES-PET/CT shows that all lesions are ER-negative." Applies when at least one
    lesion was read and none is ER-positive (lesions not evaluable on FES, such as liver
    lesions, are not read). No lesion read: unknown, as FES then shows nothing about ER."""
    fes = case.record.fes_pet
    read, positive = (fes.lesions_read, fes.er_positive_lesions) if fes else (None, None)
    if positive:
        return _not_met()
    if read is None or positive is None:
        return _unknown(p for p, v in (("fes_pet.lesions_read", read),
                                       ("fes_pet.er_positive_lesions", positive)) if v is None)
    if read == 0:
        return _unknown([], Message(N_("no lesion could be read on FES PET/CT")))
    return _met(Message(N_("all {count} lesions read on FES PET/CT are ER-negative"),
                        {"count": str(read)}))


def _ex2(case: _Case) -> _Verdict:
    """EX2 "Previously received treatment with Dalpiciclib." Applies when ``prior_dalpiciclib``
    is true or any treatment line contains dalpiciclib (the line wins over a "no")."""
    hits = [i for i, line in enumerate(case.record.treatment_lines or ())
            if "dalpiciclib" in map(units.agent_name, line.agents)]
    if hits:
        return _met(Message(N_("dalpiciclib in treatment_lines[{index}]"), {"index": str(hits[0])}))
    return _flag(case.record.prior_dalpiciclib, "prior_dalpiciclib", Message(N_("dalpiciclib")))


def _any_flag(case: _Case, *fields: tuple[str, str]) -> _Verdict:
    return _any_of(_flag(getattr(case.record, f), f, Message(what)) for f, what in fields)


def _ex3(case: _Case) -> _Verdict:
    """EX3 "MRI or lumbar puncture confirms leptomeningeal metastasis." """
    return _any_flag(case, ("leptomeningeal_metastasis", N_("leptomeningeal metastasis")))


def _ex4(case: _Case) -> _Verdict:
    """EX4 "Imaging confirms central nervous system metastasis." """
    return _any_flag(case, ("cns_metastasis", N_("central nervous system metastasis")))


def _ex5(case: _Case) -> _Verdict:
    """EX5 "Participants with visceral crisis, rapid disease progression, and patients not
    suitable for endocrine therapy." Any one of the three applies ("and" read as "or")."""
    return _any_flag(case, ("visceral_crisis", N_("visceral crisis")),
                     ("rapid_progression", N_("rapid disease progression")),
                     ("unsuitable_for_endocrine_therapy", N_("not suitable for endocrine "
                                                             "therapy")))


def _ex7(case: _Case) -> _Verdict:
    """EX7 "Unable to swallow, intestinal obstruction, or other factors that affect drug
    administration and absorption." One question covers all three."""
    return _any_flag(case, ("swallowing_or_absorption_problem", N_(
        "unable to swallow, intestinal obstruction or impaired absorption")))


def _ex10(case: _Case) -> _Verdict:
    """EX10 "Known history of allergy to the components of this treatment regimen." """
    return _any_flag(case, ("known_allergy_to_regimen",
                            N_("allergy to a component of the regimen")))


def _ex6(case: _Case) -> _Verdict:
    """EX6 "Participants with ascites, baseline pleural effusion with clinical symptoms, and
    pericardial effusion requiring drainage within the first 4 weeks of treatment." Any one
    applies; the drainage window (``effusion_drainage_window_weeks``) is the investigator's
    prediction, asked in ``pericardial_effusion_needing_drainage``."""
    weeks = number(case.limit("effusion_drainage_window_weeks"))
    r = case.record
    return _any_of([
        _flag(r.ascites, "ascites", Message(N_("ascites"))),
        _flag(r.symptomatic_pleural_effusion, "symptomatic_pleural_effusion",
              Message(N_("symptomatic pleural effusion"))),
        _flag(r.pericardial_effusion_needing_drainage, "pericardial_effusion_needing_drainage",
              Message(N_("pericardial effusion requiring drainage within the first {weeks} weeks "
                        "of treatment"), {"weeks": weeks}))])


_EX8_EXEMPT = ("basal_cell_skin", "squamous_cell_skin", "cervical_intraepithelial_neoplasia",
               "papillary_thyroid")


def _ex8(case: _Case) -> _Verdict:
    """EX8 "diagnosed with any other malignancy within the past 5 years, excluding non-melanoma
    skin cancer treated with curative intent. Basal cell or squamous cell skin cancer, or
    cervical intraepithelial neoplasia and papillary thyroid cancer."

    Reading: the second sentence lists further exceptions, with no condition. Non-melanoma skin
    cancer is exempt only when treated with curative intent (not recorded: unknown). The window
    is ``other_malignancy_lookback_years`` (5) calendar years back from the decision date, the
    boundary excluded: diagnosed on the same calendar day 5 years before is outside the window
    (not excluded), one day later inside (excluded)."""
    items, decision = case.record.other_malignancies, case.decision_date
    if items is None:
        return _unknown(["other_malignancies"])
    years = case.whole("other_malignancy_lookback_years")
    parts = []
    for i, m in enumerate(items):
        if m.category in _EX8_EXEMPT or (m.category == "non_melanoma_skin" and m.curative_intent):
            continue
        if decision is None:
            parts.append(_unknown(["decision_date"]))
        elif m.diagnosis_date > _anniversary(decision, decision.year - years):
            parts.append(_unknown([f"other_malignancies[{i}].curative_intent"])
                         if m.category == "non_melanoma_skin" and m.curative_intent is None
                         else _met(Message(N_("{type} diagnosed {date}, within {years} years"), {
                             "type": m.type, "date": m.diagnosis_date.isoformat(),
                             "years": str(years)})))
    return _any_of(parts)


def _ex9(case: _Case) -> _Verdict:
    """EX9 "undergone major surgery or suffered a major injury within 4 weeks before starting
    treatment, or are expected to undergo major surgical treatment."

    Window: ``major_surgery_lookback_weeks`` (4) × 7 days before the decision date, as the
    proxy for the start of treatment (conservative, see the module notes): an event 28 days
    before is outside (not excluded), 27 days before inside (excluded). A planned major surgery
    (``major_surgery_planned``) applies whatever its date."""
    r, decision = case.record, case.decision_date
    days = case.whole("major_surgery_lookback_weeks") * 7
    parts = [_flag(r.major_surgery_planned, "major_surgery_planned",
                   Message(N_("major surgery planned")))]
    if r.major_surgery_or_injury is None:
        parts.append(_unknown(["major_surgery_or_injury"]))
    for event in r.major_surgery_or_injury or ():
        if decision is None:
            parts.append(_unknown(["decision_date"]))
        elif (decision - event.date).days < days:
            kind = Message(N_("major surgery") if event.kind == "surgery" else N_("major injury"))
            parts.append(_met(Message(N_("{kind} on {date} ({description}), within {days} days "
                                         "before the decision date"), {
                "kind": kind, "date": event.date.isoformat(), "description": event.description,
                "days": str(days)})))
    return _any_of(parts)


_RULES: dict[str, tuple[_Rule, str]] = {
    "IN1": (_in1, "ASCO/CAP ER/PgR 2020 and HER2 2018 testing guidelines"),
    "IN2": (_in2, "domain.md §6 (FES SUVmax threshold)"),
    "IN3": (_in3, "ECOG performance status"),
    "IN4": (_in4, "investigator's estimate"),
    "IN5": (_in5, "agent classes in dawna.rules.units"),
    "IN6": (_in6, "registry record"),
    "IN7": (_in7, "RECIST 1.1 §3.1 (Eisenhauer 2009), domain.md §2"),
    "IN8": (_in8, "domain.md §5 (organ function) and §4 (CTCAE v5.0 units)"),
    "IN9": (_in9, "CTCAE v5.0 grades"),
    "EX1": (_ex1, "domain.md §6 (FES PET)"),
    "EX2": (_ex2, "registry record"),
    "EX3": (_ex3, "registry record"),
    "EX4": (_ex4, "registry record"),
    "EX5": (_ex5, "registry record"),
    "EX6": (_ex6, "registry record"),
    "EX7": (_ex7, "registry record"),
    "EX8": (_ex8, "registry record; calendar years from the decision date"),
    "EX9": (_ex9, "registry record; days before the decision date"),
    "EX10": (_ex10, "registry record"),
}


# --- evaluate -----------------------------------------------------------------------------------

_Rule = Callable[[_Case], _Verdict]


def _age_text(e: Eligibility) -> str:
    if e.maximum_age_years is None:
        return (f"Age at least {e.minimum_age_years} years at consent (registry record: minimum "
                f"{e.minimum_age_years} years)")
    return (f"Age {e.minimum_age_years}–{e.maximum_age_years} years at consent (registry "
            f"record: minimum {e.minimum_age_years} years, maximum {e.maximum_age_years} years)")


def _sex_text(e: Eligibility) -> str:
    return f"Sex: {e.sex.lower()} (registry record: eligible sex {e.sex})"


def evaluate(record: ScreeningRecord, protocol: Protocol, decision_date: date | None = None
             ) -> EligibilityResult:
    """Judge ``record`` against every criterion of ``protocol`` on ``decision_date`` (default
    ``record.decision_date``). Raises :class:`dawna.errors.ValidationError` naming the protocol
    path when a criterion id has no rule, or a site setting a rule needs is unusable."""
    e = protocol.eligibility
    listed: tuple[tuple[Kind, tuple[Criterion, ...]], ...] = (
        ("inclusion", e.inclusion), ("exclusion", e.exclusion))
    for kind, criteria in listed:
        for i, criterion in enumerate(criteria):
            if criterion.id not in _RULES:
                raise ValidationError(
                    f"no rule implements criterion {criterion.id}: this version of dawna "
                    f"cannot evaluate the protocol", field=f"eligibility.{kind}[{i}].id")
    case = _Case(record, protocol, decision_date if decision_date is not None
                 else record.decision_date)
    nct = protocol.registry.nct_id
    rows: list[tuple[str, Kind, str, _Rule, str]] = [
        ("AGE", "inclusion", _age_text(e), _age,
         f"{nct}: Minimum and Maximum Eligible Age"),
        ("SEX", "inclusion", _sex_text(e), _sex, f"{nct}: Eligible Sex"),
    ]
    for kind, criteria in listed:
        for criterion in criteria:
            rule, source = _RULES[criterion.id]
            rows.append((criterion.id, kind, criterion.text, rule,
                         f"{nct} {kind} criterion {criterion.id}; {source}"))
    results: list[CriterionResult] = []
    for cid, kind, text, rule, source in rows:
        v = rule(case)
        results.append(CriterionResult(
            id=cid, kind=kind, text=text, status=v.status, reasons=v.reasons,
            missing=v.missing if v.status is Status.UNKNOWN else (), source=source))
    if any(r.blocks for r in results):
        outcome = Outcome.INELIGIBLE
    elif all(r.status is (Status.MET if r.kind == "inclusion" else Status.NOT_MET)
             for r in results):
        outcome = Outcome.ELIGIBLE
    else:
        outcome = Outcome.INCOMPLETE
    return EligibilityResult(outcome=outcome, decision_date=case.decision_date,
                             criteria=tuple(results))

