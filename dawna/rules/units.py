"""Laboratory units and their conversions; the classes of anticancer agents.

Units (docs/domain.md §4, CTCAE v5.0 units; §5 organ function)
------------------------------------------------------------------
A value is entered in the unit of the hospital's report and converted to the unit of the protocol
setting it is compared with (``anc_min`` is in ``10^9/L``, ``haemoglobin_min`` in ``g/L``):

- cell counts: ``10^9/L``; ``/mm3`` = ``cells/uL`` = 10⁶/L = 0.001 × 10⁹/L
- haemoglobin: ``g/L``; ``g/dL`` × 10 = g/L; g/dL × 0.6206 = ``mmol/L`` (domain.md §4), so
  g/L = mmol/L / 0.6206 × 10
- bilirubin: ``umol/L``; 1 ``mg/dL`` = 17.1 µmol/L
- creatinine: ``umol/L``; 1 ``mg/dL`` = 88.4 µmol/L
- ALT, AST: ``U/L`` only (the rules use the ratio to the upper limit of normal, unit-free)

Converted values are rounded to 12 significant digits (:func:`clean`), so a boundary value
survives a round trip through floating point (5.5854 mmol/L is exactly 90 g/L again).

Agents
------
Treatment lines are entered as free-text agent names (lower case). :func:`agent_class` sorts them
for inclusion criterion IN5 and exclusion criterion EX2 (registry record NCT05861830):

- ``cdk46i``: palbociclib, abemaciclib, ribociclib, dalpiciclib (the four named in the record's
  detailed description)
- ``endocrine``: aromatase inhibitors, SERMs, SERDs, progestins
- ``ofs``: GnRH analogues (goserelin, leuprorelin, triptorelin). Ovarian function suppression
  accompanies endocrine therapy in pre/perimenopausal women (record, Arm A): alone it is not a
  line of endocrine therapy
- ``chemotherapy``: cytotoxic agents, including the Arm B options of the record
- ``adc``: antibody-drug conjugates (whether they count as chemotherapy is the site setting
  ``adc_counts_as_chemotherapy_line``)
- ``targeted``: other targeted agents (mTOR, PI3K, AKT, PARP, HDAC inhibitors, antibodies)
- ``unrecognised``: anything else; shown to the investigator, never counted.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = [
    "AgentClass", "BilirubinUnit", "CountUnit", "CreatinineUnit", "EnzymeUnit", "HemoglobinUnit",
    "agent_class", "agent_name", "clean", "convert", "display_unit",
]

CountUnit = Literal["10^9/L", "/mm3", "cells/uL"]
HemoglobinUnit = Literal["g/L", "g/dL", "mmol/L"]
BilirubinUnit = Literal["umol/L", "mg/dL"]
CreatinineUnit = Literal["umol/L", "mg/dL"]
EnzymeUnit = Literal["U/L"]

# Factor from each unit to the first (reference) unit of its quantity.
_TO_REFERENCE: dict[str, dict[str, float]] = {
    "count": {"10^9/L": 1.0, "/mm3": 1e-3, "cells/uL": 1e-3},
    "hemoglobin": {"g/L": 1.0, "g/dL": 10.0, "mmol/L": 10.0 / 0.6206},
    "bilirubin": {"umol/L": 1.0, "mg/dL": 17.1},
    "creatinine": {"umol/L": 1.0, "mg/dL": 88.4},
    "enzyme": {"U/L": 1.0},
}

_DISPLAY = {"10^9/L": "×10⁹/L", "/mm3": "/mm³", "cells/uL": "cells/µL", "umol/L": "µmol/L"}


def clean(value: float) -> float:
    """``value`` rounded to 12 significant digits (removes floating-point noise)."""
    return float(f"{value:.12g}")


def convert(value: float, unit: str, to_unit: str, quantity: str) -> float:
    """``value`` in ``unit`` expressed in ``to_unit``; ``quantity`` is ``count``,
    ``hemoglobin``, ``bilirubin``, ``creatinine`` or ``enzyme``.

    Raises ``ValueError`` for a unit the quantity does not have (a protocol setting with a unit
    dawna cannot convert to is an error of the protocol file, not of the patient's data).
    """
    factors = _TO_REFERENCE[quantity]
    for name in (unit, to_unit):
        if name not in factors:
            raise ValueError(f"{name!r} is not a unit of {quantity} (known: {', '.join(factors)})")
    if unit == to_unit:
        return value
    return clean(value * factors[unit] / factors[to_unit])


def display_unit(unit: str | None) -> str:
    """The unit as printed in messages (``10^9/L`` → ``×10⁹/L``, ``umol/L`` → ``µmol/L``)."""
    if unit is None:
        return ""
    return _DISPLAY.get(unit, unit)


AgentClass = Literal[
    "cdk46i", "endocrine", "ofs", "chemotherapy", "adc", "targeted", "unrecognised"
]

_AGENTS: dict[AgentClass, tuple[str, ...]] = {
    "cdk46i": ("palbociclib", "abemaciclib", "ribociclib", "dalpiciclib"),
    "endocrine": (
        "letrozole", "anastrozole", "exemestane", "fulvestrant", "tamoxifen", "toremifene",
        "elacestrant", "camizestrant", "megestrol", "megestrol acetate", "medroxyprogesterone",
        "raloxifene",
    ),
    "ofs": ("goserelin", "leuprorelin", "leuprolide", "triptorelin"),
    "chemotherapy": (
        "paclitaxel", "nab-paclitaxel", "albumin-bound paclitaxel", "liposomal paclitaxel",
        "docetaxel", "capecitabine", "carboplatin", "cisplatin", "lobaplatin", "nedaplatin",
        "gemcitabine", "vinorelbine", "eribulin", "epirubicin", "pirarubicin", "doxorubicin",
        "liposomal doxorubicin", "pegylated liposomal doxorubicin", "cyclophosphamide",
        "utidelone", "fluorouracil", "5-fu", "methotrexate", "ixabepilone", "tegafur", "s-1",
        "etoposide", "mitoxantrone", "irinotecan",
    ),
    "adc": (
        "trastuzumab deruxtecan", "t-dxd", "sacituzumab govitecan", "datopotamab deruxtecan",
        "trastuzumab emtansine", "t-dm1",
    ),
    "targeted": (
        "everolimus", "alpelisib", "capivasertib", "inavolisib", "olaparib", "talazoparib",
        "tucidinostat", "chidamide", "bevacizumab", "trastuzumab", "pertuzumab", "pyrotinib",
        "lapatinib", "neratinib", "tucatinib", "pembrolizumab", "atezolizumab", "camrelizumab",
    ),
}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


_INDEX: dict[str, tuple[str, AgentClass]] = {
    _key(name): (name, cls) for cls, names in _AGENTS.items() for name in names
}


def agent_class(name: str) -> AgentClass:
    """The class of one agent name; spaces, hyphens and case are ignored
    (``Nab paclitaxel`` = ``nab-paclitaxel``)."""
    return _INDEX.get(_key(name), ("", "unrecognised"))[1]


def agent_name(name: str) -> str | None:
    """The name in dawna's table (``Dalpiciclib`` -> ``dalpiciclib``), None if unrecognised."""
    found = _INDEX.get(_key(name))
    return found[0] if found else None
