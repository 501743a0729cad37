"""The laboratory tests dawna grades by CTCAE v5.0: their CTCAE terms, reference units, accepted
units and the names a laboratory report uses for them.

Source: NCI Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 27 November 2017
(``docs/domain.md`` §4); the grading itself is :mod:`dawna.rules.ctcae`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from dawna.rules.ctcae_terms import TERMS
from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError

__all__ = ["CTCAE_VERSION", "LAB_ANALYTES", "CtcaeError", "LabAnalyte", "analyte_key",
           "canonical_unit"]

CTCAE_VERSION = "5.0"


class CtcaeError(RuleError, ValueError):
    """Bad grading input: ``field`` names the input ("unit", "lln", "uln", "baseline", "value",
    "term", "grade", "analyte", and for :func:`dawna.rules.ctcae.febrile_neutropenia`
    "anc_10e9_l" or "temperature_c"); ``reason`` says the rule, as a :class:`Message` (a
    :class:`dawna.errors.ValidationError`)."""


@dataclass(frozen=True)
class LabAnalyte:
    """One gradable laboratory test: its CTCAE term, reference and accepted units."""

    key: str
    term: str
    label: str
    quantity: str
    unit: str
    units: tuple[str, ...]
    direction: Literal["decreased", "increased"]
    source: str


_COUNT = ("10^9/L", "/mm3", "cells/uL")
_CHEMISTRY = ("umol/L", "mg/dL")


def _analyte(key: str, term_name: str, label: str, quantity: str, units: tuple[str, ...],
             direction: Literal["decreased", "increased"]) -> LabAnalyte:
    assert term_name in TERMS
    return LabAnalyte(key, term_name, label, quantity, units[0], units, direction,
                      f"CTCAE v{CTCAE_VERSION} (NCI 2017): {term_name}; docs/domain.md §4")


LAB_ANALYTES: Mapping[str, LabAnalyte] = MappingProxyType({a.key: a for a in (
    _analyte("anc", "Neutrophil count decreased", N_("Neutrophils (ANC)"), "count", _COUNT,
             "decreased"),
    _analyte("wbc", "White blood cell decreased", N_("White blood cells (WBC)"), "count",
             _COUNT, "decreased"),
    _analyte("platelets", "Platelet count decreased", N_("Platelets"), "count", _COUNT,
             "decreased"),
    _analyte("lymphocytes", "Lymphocyte count decreased", N_("Lymphocytes"), "count", _COUNT,
             "decreased"),
    _analyte("haemoglobin", "Anemia", N_("Haemoglobin"), "hemoglobin",
             ("g/L", "g/dL", "mmol/L"), "decreased"),
    _analyte("alt", "Alanine aminotransferase increased", N_("ALT"), "enzyme", ("U/L",),
             "increased"),
    _analyte("ast", "Aspartate aminotransferase increased", N_("AST"), "enzyme", ("U/L",),
             "increased"),
    _analyte("bilirubin", "Blood bilirubin increased", N_("Total bilirubin"), "bilirubin",
             _CHEMISTRY, "increased"),
    _analyte("creatinine", "Creatinine increased", N_("Creatinine"), "creatinine", _CHEMISTRY,
             "increased"),
)})

_UNIT_ALIASES = {
    "×10⁹/L": "10^9/L", "x10^9/L": "10^9/L", "10e9/L": "10^9/L", "/mm³": "/mm3",
    "cells/µL": "cells/uL", "cells/μL": "cells/uL", "µmol/L": "umol/L", "μmol/L": "umol/L",
    "IU/L": "U/L",
}
_ALIASES: dict[str, tuple[str, ...]] = {
    "anc": ("neutrophils", "neutrophil", "neutrophil count", "absolute neutrophil count",
            "neut"),
    "wbc": ("white cells", "white blood cells", "white blood cell count", "white cell count",
            "leukocytes", "leucocytes"),
    "platelets": ("plt", "platelet", "platelet count"),
    "lymphocytes": ("lymphocyte", "lymphocyte count", "absolute lymphocyte count", "alc",
                    "lymph", "lym"),
    "haemoglobin": ("hb", "hgb", "hemoglobin", "anaemia"),
    "alt": ("alanine aminotransferase", "sgpt", "gpt"),
    "ast": ("aspartate aminotransferase", "sgot", "got"),
    "bilirubin": ("tbil", "t-bil", "total bilirubin", "blood bilirubin", "serum bilirubin"),
    "creatinine": ("cr", "scr", "crea", "serum creatinine"),
}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


_ALIAS_INDEX = {_norm(name): key for key, names in _ALIASES.items()
                for name in (key, LAB_ANALYTES[key].term, *names)}
def analyte_key(text: str) -> str:
    """The :data:`LAB_ANALYTES` key of a name: the key, the CTCAE term or a common alias, case,
    spaces and punctuation ignored ("ANC", "Neutrophil count" → ``anc``; "Hb" → ``haemoglobin``;
    "T-BIL" → ``bilirubin``; "Cr" → ``creatinine``)."""
    key = _ALIAS_INDEX.get(_norm(text)) if isinstance(text, str) else None
    if key is None:
        raise CtcaeError("analyte", Message(
            N_("{text} is not a laboratory test dawna grades by CTCAE v{version} (known: "
               "{known})"),
            {"text": repr(text), "version": CTCAE_VERSION, "known": ", ".join(LAB_ANALYTES)}))
    return key


def canonical_unit(analyte: str, unit: str) -> str:
    """``unit`` spelt as dawna stores it (``µmol/L`` -> ``umol/L``, ``IU/L`` -> ``U/L``);
    :class:`CtcaeError` on the field ``unit`` when the analyte does not have it."""
    spec = LAB_ANALYTES[analyte_key(analyte)]
    name = _UNIT_ALIASES.get(unit.strip(), unit.strip()) if isinstance(unit, str) else ""
    if name not in spec.units:
        raise CtcaeError("unit", Message(
            N_("{unit} is not a unit dawna converts for {analyte}; use one of: {units}"),
            {"unit": repr(unit), "analyte": Message(spec.label), "units": ", ".join(spec.units)}))
    return name
