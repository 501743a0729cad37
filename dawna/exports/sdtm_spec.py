"""The metadata of dawna's SDTM data sets, one table for the files, the self-checks and
Define-XML: per domain its label, class, structure and keys; per variable its name, label
(≤ 40), type, role, core (Req/Exp/Perm), origin, codelist (``sdtm_ct.yaml``) and how it is
derived. Sources: CDISC SDTM v2.0 and SDTM Implementation Guide v3.4 (2021-11-29), the domain
specification tables of sections 5-7 (``docs/sdtm.md``); the variables of each domain are in
``sdtm_spec_subject.py`` (DM, DS, IE, SV, AE, CM, MH, EX), ``sdtm_spec_findings.py`` (LB, VS,
EG, TU, TR, RS, SUPP--) and ``sdtm_spec_design.py`` (TS, TA, TE, TV, TI).

``spec_table()`` is the variable-level metadata as a DataFrame (``variables.csv`` of the
export, with the length of each variable in the data written), ``dataset_table()`` the
data-set level (``datasets.csv``) and ``codelist_table()`` the terms of the pinned codelists
(``codelists.csv``): the three tables Define-XML is written from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import yaml

from dawna.exports.sdtm_spec_design import DESIGN_DOMAINS
from dawna.exports.sdtm_spec_findings import FINDINGS_DOMAINS
from dawna.exports.sdtm_spec_subject import SUBJECT_DOMAINS

__all__ = ["DOMAINS", "IG_VERSION", "STUDYID", "Domain", "Variable", "codelist_table",
           "codelists", "ct_source", "dataset_table", "domain", "spec_table", "usubjid"]

IG_VERSION = "3.4"
STUDYID = "DAWNA-FES"


def usubjid(pseudonym: str) -> str:
    """USUBJID = STUDYID-pseudonym (SDTMIG 3.4 §4.1.2.1: unique across the submission); the
    same as ADaM's USUBJID, never a name or record number."""
    return f"{STUDYID}-{pseudonym}"


@dataclass(frozen=True)
class Variable:
    domain: str
    name: str
    label: str
    type: str
    role: str
    core: str
    origin: str
    codelist: str | None
    method: str
    order: int


@dataclass(frozen=True)
class Domain:
    name: str
    label: str
    cls: str
    structure: str
    keys: tuple[str, ...]
    variables: tuple[Variable, ...]

    def names(self) -> list[str]:
        return [v.name for v in self.variables]

    def variable(self, name: str) -> Variable:
        return next(v for v in self.variables if v.name == name)


def _domain(raw: tuple[Any, ...]) -> Domain:
    name, label, cls, structure, keys, variables = raw
    return Domain(name, label, cls, structure, tuple(keys), tuple(
        Variable(name, v[0], v[1], v[2], v[3], v[4], v[5], v[6] if len(v) > 6 else None,
                 v[7] if len(v) > 7 else "", order)
        for order, v in enumerate(variables, start=1)))


DOMAINS: dict[str, Domain] = {
    d.name: d for d in map(_domain, (*SUBJECT_DOMAINS, *FINDINGS_DOMAINS, *DESIGN_DOMAINS))}


def domain(name: str) -> Domain:
    return DOMAINS[name]


@cache
def _ct() -> dict[str, Any]:
    text = resources.files("dawna.exports").joinpath("sdtm_ct.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def codelists() -> dict[str, dict[str, Any]]:
    """The pinned codelists: name → {code, name, extensible, terms: {value: C-code}}."""
    return dict(_ct()["codelists"])


def ct_source() -> dict[str, str]:
    return dict(_ct()["source"])


def spec_table(lengths: dict[tuple[str, str], int] | None = None) -> pd.DataFrame:
    """Every variable of every domain with its metadata; ``LENGTH`` from ``lengths`` (the
    longest value written, in bytes; 8 for numbers) where given."""
    lists = codelists()
    rows = []
    for d in DOMAINS.values():
        for v in d.variables:
            codes = [lists[c]["code"] or "" for c in v.codelist.split("|")] if v.codelist else []
            rows.append({"DATASET": d.name, "ORDER": v.order, "VARIABLE": v.name,
                         "LABEL": v.label, "TYPE": v.type,
                         "LENGTH": (lengths or {}).get((d.name, v.name),
                                                       8 if v.type == "Num" else None),
                         "ROLE": v.role, "CORE": v.core, "ORIGIN": v.origin,
                         "CODELIST": v.codelist or "", "CODELIST_NCI": "|".join(codes),
                         "KEY": d.keys.index(v.name) + 1 if v.name in d.keys else None,
                         "METHOD": v.method})
    return pd.DataFrame(rows)


def dataset_table(names: list[str] | None = None) -> pd.DataFrame:
    """Data-set metadata: name, label, class, structure, keys (``names``: only those)."""
    return pd.DataFrame([{"DATASET": d.name, "LABEL": d.label, "CLASS": d.cls,
                          "STRUCTURE": d.structure, "KEYS": ", ".join(d.keys)}
                         for d in DOMAINS.values() if names is None or d.name in names])


def codelist_table(names: list[str] | None = None) -> pd.DataFrame:
    """One row per term: codelist, its NCI code, name, extensible, sponsor-defined, term and
    the term's NCI code (``names``: only those codelists)."""
    rows = []
    for key, c in codelists().items():
        if names is not None and key not in names:
            continue
        for term, code in c["terms"].items():
            rows.append({"CODELIST": key, "CODELIST_NCI": c["code"] or "", "NAME": c["name"],
                         "EXTENSIBLE": "Yes" if c["extensible"] else "No",
                         "SPONSOR_DEFINED": "Yes" if c.get("sponsor") else "No",
                         "TERM": str(term), "TERM_NCI": code or ""})
    return pd.DataFrame(rows)
