"""CTCAE v5.0 grades: laboratory values graded from the number, clinical terms by the investigator.

Source: NCI Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 27 November 2017
(``docs/domain.md`` §4, pinned: v6.0 changed the neutrophil, ALT/AST and bilirubin grades).
The laboratory wording below is the NCI spreadsheet's, as transcribed in pharmaverse/admiral
``data-raw/adlb_grading/ncictcaev5.json`` (``tests/reference/ctcae/``); the clinical terms are
in :mod:`dawna.rules.ctcae_terms`.

Decreased terms (value in 10⁹/L or g/L; LLN = the laboratory's lower limit of normal)
--------------------------------------------------------------------------------------
- Neutrophil count decreased: "<LLN - 1.5 x 10e9 /L", "<1.5 - 1.0", "<1.0 - 0.5", "<0.5"
- White blood cell decreased: <LLN - 3.0, <3.0 - 2.0, <2.0 - 1.0, <1.0
- Platelet count decreased: <LLN - 75.0, <75.0 - 50.0, <50.0 - 25.0, <25.0
- Lymphocyte count decreased: "<LLN - 0.8 x 10e9/L", "<0.8 - 0.5", "<0.5 - 0.2", "<0.2"
- Anemia: "Hemoglobin (Hgb) <LLN - 100 g/L", "<100 - 80g/L", "<80 g/L; transfusion indicated";
  grade 4 "Life-threatening consequences; urgent intervention indicated" is clinical: the value
  alone never gives it, so the laboratory grade stops at 3 (the rule says so).

"< 1.0 - 0.5" means 0.5 ≤ value < 1.0. A value at or above the LLN is grade 0 (not an adverse
event); the LLN is needed only when the value is at or above the grade-2 bound (ANC 1.8 needs
it, ANC 0.7 is grade 3 without it). An LLN below a bound (ANC LLN 1.4) is taken as it is:
1.45 is grade 0 (within the laboratory's limits, although below 1.5), 1.2 is grade 2. Without
an LLN, a value below the grade-2 bound is graded by the table alone (admiral does the same
and grades 1.45 as grade 2 whatever the LLN).

Increased terms (multiples of ULN = upper limit of normal, or of the baseline value)
-----------------------------------------------------------------------------------
- ALT, AST: ">ULN - 3.0 x ULN if baseline was normal; 1.5 - 3.0 x baseline if baseline was
  abnormal", then >3.0 - 5.0, >5.0 - 20.0, >20.0 × ULN (baseline normal) or × baseline
  (abnormal). Below 1.5 × an abnormal baseline is grade 0.
- Blood bilirubin: ">ULN - 1.5 x ULN if baseline was normal; > 1.0 - 1.5 x baseline if
  baseline was abnormal", then >1.5 - 3.0, >3.0 - 10.0, >10.0 × ULN or × baseline.
- Creatinine: ">ULN - 1.5 x ULN"; ">1.5 - 3.0 x baseline; >1.5 - 3.0 x ULN"; ">3.0 baseline;
  >3.0 - 6.0 x ULN"; ">6.0 x ULN". With a baseline the higher of the two grades is taken (as
  v5.0 reads and admiral does: a creatinine 1.6 × its baseline is grade 2 even below the ULN).

"Baseline normal" is a baseline at or below the ULN, or none given. The ULN is required.
Baseline is ignored by the decreased terms, the LLN by the increased ones (both are checked).

Arithmetic and units
--------------------
Values and limits are converted with :func:`dawna.rules.units.convert` (counts: ``10^9/L``,
``/mm3``, ``cells/uL``; haemoglobin: ``g/L``, ``g/dL``, ``mmol/L``; bilirubin and creatinine:
``umol/L``, ``mg/dL``; ALT/AST: ``U/L``) and compared as decimals of their 12-digit
:func:`~dawna.rules.units.clean` form, so a boundary is exact: 1000 /mm3 is 1.0 ×10⁹/L (grade
2), 1.5 mg/dL bilirubin with ULN 1.0 mg/dL is 1.5 × ULN (grade 1). Haemoglobin in mmol/L is
graded in g/L (mmol/L ÷ 0.6206 × 10): CTCAE's own mmol/L column is rounded (4.9 for 80 g/L),
so 4.9 mmol/L = 79.0 g/L is grade 3 here although "<6.2 - 4.9 mmol/L" reads grade 2.

Febrile neutropenia (grade 3 only; 4 and 5 are clinical): "ANC <1000/mm3 with a single
temperature of >38.3 degrees C (101 degrees F) or a sustained temperature of >=38 degrees C
(100.4 degrees F) for more than one hour".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from dawna.rules.ctcae_analytes import (
    CTCAE_VERSION,
    LAB_ANALYTES,
    CtcaeError,
    LabAnalyte,
    analyte_key,
    canonical_unit,
)
from dawna.rules.ctcae_terms import TERMS, ClinicalTerm
from dawna.rules.messages import N_, Message, number
from dawna.rules.units import clean, convert, display_unit

__all__ = [
    "CTCAE_VERSION",
    "LAB_ANALYTES",
    "TERMS",
    "ClinicalTerm",
    "CtcaeError",
    "LabAnalyte",
    "LabGrade",
    "StoredResult",
    "analyte_key",
    "baseline_value",
    "canonical_unit",
    "check_grade",
    "febrile_neutropenia",
    "grade_lab",
    "graded_against_baseline",
    "term",
]

Basis = Literal["uln", "lln", "absolute", "baseline"]


@dataclass(frozen=True)
class LabGrade:
    """The grade of one value: ``value`` in the reference ``unit``; ``rule`` the criterion
    applied; ``basis`` what its thresholds were relative to."""

    analyte: str
    term: str
    grade: int
    value: float
    unit: str
    rule: Message
    basis: Basis


_D = Decimal
#: Decreased terms: (grade, bound) from the most severe grade; grade g is value < its bound.
_LOW: dict[str, tuple[tuple[int, Decimal], ...]] = {
    "anc": ((4, _D("0.5")), (3, _D("1.0")), (2, _D("1.5"))),
    "wbc": ((4, _D("1.0")), (3, _D("2.0")), (2, _D("3.0"))),
    "platelets": ((4, _D("25")), (3, _D("50")), (2, _D("75"))),
    "lymphocytes": ((4, _D("0.2")), (3, _D("0.5")), (2, _D("0.8"))),
    "haemoglobin": ((3, _D("80")), (2, _D("100"))),
}
_Step = tuple[int, Decimal, bool]  # grade, multiple, whether the multiple itself belongs
_ALT_ULN: tuple[_Step, ...] = (
    (4, _D("20.0"), False), (3, _D("5.0"), False), (2, _D("3.0"), False), (1, _D(1), False))
_ALT_BASELINE: tuple[_Step, ...] = (
    (4, _D("20.0"), False), (3, _D("5.0"), False), (2, _D("3.0"), False), (1, _D("1.5"), True))
#: Increased terms: steps as multiples of the ULN, and of the baseline.
_ULN: dict[str, tuple[_Step, ...]] = {
    "alt": _ALT_ULN, "ast": _ALT_ULN,
    "bilirubin": ((4, _D("10.0"), False), (3, _D("3.0"), False), (2, _D("1.5"), False),
                  (1, _D(1), False)),
    "creatinine": ((4, _D("6.0"), False), (3, _D("3.0"), False), (2, _D("1.5"), False),
                   (1, _D(1), False)),
}
_BASELINE: dict[str, tuple[_Step, ...]] = {
    "alt": _ALT_BASELINE, "ast": _ALT_BASELINE,
    "bilirubin": ((4, _D("10.0"), False), (3, _D("3.0"), False), (2, _D("1.5"), False),
                  (1, _D("1.0"), False)),
    "creatinine": ((3, _D("3.0"), False), (2, _D("1.5"), False)),
}

_TERM_INDEX = {" ".join(key.lower().split()): name
               for name, t in TERMS.items() for key in (name, t.zh)}


def term(name: str) -> ClinicalTerm:
    """The CTCAE v5.0 term of that name, English or its Simplified Chinese name (恶心 → Nausea;
    case and repeated spaces ignored)."""
    found = _TERM_INDEX.get(" ".join(name.lower().split())) if isinstance(name, str) else None
    if found is None:
        raise CtcaeError("term", Message(
            N_("{name} is not a CTCAE v{version} term in dawna's list"),
            {"name": repr(name), "version": CTCAE_VERSION}))
    return TERMS[found]


def check_grade(term_name: str, grade: int) -> None:
    """Refuse a grade the term does not define (Alopecia 3; Nausea 4 or 5; any term 0)."""
    found = term(term_name)
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in found.grades:
        raise CtcaeError("grade", Message(
            N_("CTCAE v{version} defines no grade {grade} for {term} (its grades: {grades})"),
            {"version": CTCAE_VERSION, "grade": str(grade), "term": Message(found.term),
             "grades": ", ".join(str(g) for g in sorted(found.grades))}))


def _finite(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _dec(value: float) -> Decimal:
    return Decimal(str(clean(value)))


def febrile_neutropenia(anc_10e9_l: float, temperature_c: float, sustained_hour: bool) -> bool:
    """CTCAE v5.0 Febrile neutropenia (grade 3): ANC < 1.0 ×10⁹/L and either one temperature
    > 38.3 °C or a temperature ≥ 38.0 °C sustained for more than one hour (``sustained_hour``)."""
    if not _finite(anc_10e9_l) or anc_10e9_l < 0:
        raise CtcaeError("anc_10e9_l", Message(
            N_("{analyte} must be a finite number, 0 or more (got {value})"),
            {"analyte": Message(LAB_ANALYTES["anc"].label), "value": repr(anc_10e9_l)}))
    if not _finite(temperature_c):
        raise CtcaeError("temperature_c", Message(
            N_("The temperature must be a finite number of °C (got {value})"),
            {"value": repr(temperature_c)}))
    temperature = _dec(temperature_c)
    fever = temperature > _D("38.3") or (bool(sustained_hour) and temperature >= _D("38.0"))
    return _dec(anc_10e9_l) < _D("1.0") and fever


_LIMIT_NAMES = {"lln": N_("lower limit of normal (LLN)"),
                "uln": N_("upper limit of normal (ULN)"), "baseline": N_("baseline value")}


def grade_lab(analyte: str, value: float, unit: str, *, lln: float | None = None,
              uln: float | None = None, baseline: float | None = None) -> LabGrade:
    """The CTCAE v5.0 grade of one laboratory value (rules in the module docstring).

    ``analyte`` is a key or alias (:func:`analyte_key`); ``lln``, ``uln`` and ``baseline`` are
    in the same ``unit`` as ``value``. Raises :class:`CtcaeError` for an unknown analyte or
    unit, a negative or non-finite value, a limit that is not positive, LLN ≥ ULN, and a
    missing LLN or ULN that the grade depends on."""
    spec = LAB_ANALYTES[analyte_key(analyte)]
    label = Message(spec.label)
    unit_name = canonical_unit(spec.key, unit)
    if not _finite(value) or value < 0:
        raise CtcaeError("value", Message(
            N_("{analyte} must be a finite number, 0 or more (got {value})"),
            {"analyte": label, "value": repr(value)}))
    limits: dict[str, Decimal | None] = {}
    for name, raw in (("lln", lln), ("uln", uln), ("baseline", baseline)):
        if raw is not None and (not _finite(raw) or raw <= 0):
            raise CtcaeError(name, Message(
                N_("The {limit} must be a finite number above 0 (got {value})"),
                {"limit": Message(_LIMIT_NAMES[name]), "value": repr(raw)}))
        limits[name] = None if raw is None else _dec(
            convert(raw, unit_name, spec.unit, spec.quantity))
    low, high = limits["lln"], limits["uln"]
    if low is not None and high is not None and low >= high:
        raise CtcaeError("lln", Message(
            N_("The lower limit of normal ({lln}) must be below the upper limit of normal "
               "({uln})"), {"lln": number(lln or 0), "uln": number(uln or 0)}))
    converted = _dec(convert(value, unit_name, spec.unit, spec.quantity))
    if spec.direction == "decreased":
        return _grade_low(spec, converted, low)
    return _grade_high(spec, converted, high, limits["baseline"])


def _result(spec: LabAnalyte, value: Decimal, grade: int, template: str,
            params: dict[str, str | Message], basis: Basis) -> LabGrade:
    params = {"version": CTCAE_VERSION, "term": Message(spec.term), **params}
    return LabGrade(spec.key, spec.term, grade, float(value), spec.unit,
                    Message(template, params), basis)


def _grade_low(spec: LabAnalyte, value: Decimal, lln: Decimal | None) -> LabGrade:
    unit = display_unit(spec.unit)
    steps = _LOW[spec.key]
    if lln is not None and value >= lln:
        return _result(spec, value, 0, N_(
            "Grade 0: {value} {unit} is not below the LLN {lln} {unit} (CTCAE v{version}, "
            "{term})"), {"value": number(float(value)), "lln": number(float(lln)),
                         "unit": unit}, "lln")
    for i, (grade, bound) in enumerate(steps):
        if value >= bound:
            continue
        if i > 0:
            return _result(spec, value, grade, N_(
                "Grade {grade}: < {upper} – {lower} {unit} (CTCAE v{version}, {term})"),
                {"grade": str(grade), "upper": str(bound), "lower": str(steps[i - 1][1]),
                 "unit": unit}, "absolute")
        if grade == 3:  # Anemia: grade 4 is clinical only
            return _result(spec, value, 3, N_(
                "Grade 3: < {upper} {unit} (CTCAE v{version}, {term}); grade 4 (life-"
                "threatening consequences; urgent intervention indicated) is a clinical "
                "judgement, never given from the value alone"),
                {"upper": str(bound), "unit": unit}, "absolute")
        return _result(spec, value, grade, N_(
            "Grade {grade}: < {upper} {unit} (CTCAE v{version}, {term})"),
            {"grade": str(grade), "upper": str(bound), "unit": unit}, "absolute")
    bound = steps[-1][1]
    if lln is None:
        raise CtcaeError("lln", Message(N_(
            "{analyte} {value} {unit} is not below {bound} {unit}: grade 0 or grade 1 (< LLN – "
            "{bound} {unit}, CTCAE v{version}, {term}) depends on the laboratory's lower limit "
            "of normal (LLN), which is missing"),
            {"analyte": Message(spec.label), "value": number(float(value)), "unit": unit,
             "bound": str(bound), "version": CTCAE_VERSION, "term": Message(spec.term)}))
    return _result(spec, value, 1, N_(
        "Grade 1: < LLN {lln} – {lower} {unit} (CTCAE v{version}, {term})"),
        {"lln": number(float(lln)), "lower": str(bound), "unit": unit}, "lln")


def _ratio_grade(value: Decimal, reference: Decimal, steps: tuple[_Step, ...]) -> int:
    for grade, multiple, inclusive in steps:
        limit = multiple * reference
        if value > limit or (inclusive and value == limit):
            return grade
    return 0


def _ratio_range(steps: tuple[_Step, ...], grade: int, uln: bool) -> str:
    """CTCAE's range of ``grade``: "> 5.0 – 20.0", "> ULN – 3.0", "1.5 – 3.0", "> 20.0"."""
    i = [g for g, _, _ in steps].index(grade)
    _, multiple, inclusive = steps[i]
    lower = "ULN" if uln and multiple == 1 else str(multiple)
    if i == 0:
        return f"> {lower}"
    return f"{'' if inclusive else '> '}{lower} – {steps[i - 1][1]}"


def _grade_high(spec: LabAnalyte, value: Decimal, uln: Decimal | None,
                baseline: Decimal | None) -> LabGrade:
    if uln is None:
        raise CtcaeError("uln", Message(
            N_("{analyte}: the laboratory's upper limit of normal (ULN) is needed; CTCAE "
               "v{version} grades {term} as multiples of the ULN"),
            {"analyte": Message(spec.label), "version": CTCAE_VERSION,
             "term": Message(spec.term)}))
    key, label = spec.key, Message(spec.label)
    creatinine = key == "creatinine"
    by_baseline = baseline is not None and (creatinine or baseline > uln)
    grade_uln = _ratio_grade(value, uln, _ULN[key])
    grade_baseline = _ratio_grade(value, baseline, _BASELINE[key]) \
        if baseline is not None and by_baseline else 0
    if baseline is not None and by_baseline and (not creatinine or grade_baseline > grade_uln):
        ratio = number(float(value / baseline), 4)
        note = Message(N_("higher than the grade by the ULN") if creatinine
                       else N_("baseline above the ULN"))
        if grade_baseline == 0:
            return _result(spec, value, 0, N_(
                "{analyte} {ratio} × baseline: grade 0 (grade 1 is {range} × baseline, {note}; "
                "CTCAE v{version}, {term})"), {"analyte": label, "ratio": ratio, "note": note,
                "range": _ratio_range(_BASELINE[key], 1, uln=False)}, "baseline")
        return _result(spec, value, grade_baseline, N_(
            "{analyte} {ratio} × baseline: grade {grade} ({range} × baseline, {note}; CTCAE "
            "v{version}, {term})"), {"analyte": label, "ratio": ratio, "note": note,
            "grade": str(grade_baseline),
            "range": _ratio_range(_BASELINE[key], grade_baseline, uln=False)}, "baseline")
    if creatinine:
        note = Message(N_("no baseline value") if baseline is None
                       else N_("the baseline criterion gives no higher grade"))
    else:
        note = Message(N_("no baseline value: graded as baseline normal") if baseline is None
                       else N_("baseline normal"))
    ratio = number(float(value / uln), 4)
    if grade_uln == 0:
        return _result(spec, value, 0, N_(
            "{analyte} {ratio} × ULN: grade 0 (not above the ULN, {note}; CTCAE v{version}, "
            "{term})"), {"analyte": label, "ratio": ratio, "note": note}, "uln")
    return _result(spec, value, grade_uln, N_(
        "{analyte} {ratio} × ULN: grade {grade} ({range} × ULN, {note}; CTCAE v{version}, "
        "{term})"), {"analyte": label, "ratio": ratio, "note": note, "grade": str(grade_uln),
        "range": _ratio_range(_ULN[key], grade_uln, uln=True)}, "uln")


# --- baseline ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredResult:
    """A stored result of one laboratory test, as a baseline candidate."""

    sample_date: date
    value: float
    unit: str


def graded_against_baseline(analyte: str) -> bool:
    """Whether CTCAE v5.0 grades the test against a baseline value: the increased terms (ALT,
    AST, bilirubin, creatinine; module docstring), never the decreased ones."""
    return LAB_ANALYTES[analyte_key(analyte)].direction == "increased"


def baseline_value(analyte: str, results: Sequence[StoredResult], unit: str, *,
                   first_dose: date | None, before: date) -> float | None:
    """The participant's baseline of ``analyte`` in ``unit``: the latest of ``results`` (that
    test's stored results in sample order) sampled on or before the first dose, or, when
    treatment has not started (``first_dose`` None), sampled before ``before`` (the new result's
    sample date; when the latest result up to that day is of that very day there is none: a
    result of the day is not a baseline, and earlier ones are not looked at). None when there
    is none, or when its stored unit cannot be converted.

    Source: CTCAE v5.0 grades ALT, AST, bilirubin and creatinine against the baseline when it
    is abnormal (module docstring); which result is the baseline is a site decision: the last
    value before treatment, as CDISC ADaM baselines are usually derived."""
    key = analyte_key(analyte)
    limit = first_dose if first_dose is not None else before
    chosen = None
    for result in results:
        if result.sample_date <= limit:
            chosen = result
    if chosen is None or (first_dose is None and chosen.sample_date >= before):
        return None
    spec = LAB_ANALYTES[key]
    try:
        return convert(chosen.value, canonical_unit(key, chosen.unit), unit, spec.quantity)
    except ValueError:  # a stored unit dawna cannot convert (CtcaeError is a ValueError too)
        return None

