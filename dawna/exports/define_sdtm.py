"""The SDTM adapter of Define-XML: the domain and variable metadata of ``exports/sdtm_spec.py``
(SDTMIG 3.4: label, class, structure, keys, role, core, origin, codelist, method) and the data
sets being written become the neutral metadata of ``define_model.py`` (``docs/define-xml.md``).

- Data sets: the domains with data (an empty domain is not written, so not described),
  Purpose "Tabulation", def:Class the SDTM class, the XPT file as def:leaf.
- Variables: lengths from the data (``define_lengths.py``); Mandatory = core "Req"; the
  SDTMIG role on the ItemRef.
- Origins (Define-XML 2.1 §4.3.3.1): as ``sdtm_spec`` says; Collected from the investigator's
  forms (Source "Investigator"), Assigned and Protocol by the sponsor. A Derived variable's
  method is its ``method`` text; where ``sdtm_spec`` gives none, the MethodDef points to the
  SDTMIG 3.4 definition of the variable (named as such, not invented).
- Codelists: the pinned CT of ``sdtm_ct.yaml`` with NCI codes (``define_ct.py``); a variable
  with two lists (DSDECOD: NCOMPLT or PROTMLST) gets their union, as one ItemDef takes one
  CodeListRef; ISO 3166 as an external dictionary.
Values outside a codelist are reported by the SDTM self-checks (``sdtm_checks.py``), not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from dawna.exports.define_ct import ct_codelist, ct_standard
from dawna.exports.define_lengths import shape, values_of
from dawna.exports.define_model import (
    CodeList,
    Dataset,
    DefineDocument,
    DefineError,
    Standard,
    Variable,
)
from dawna.exports.sdtm_spec import DOMAINS, IG_VERSION, STUDYID
from dawna.exports.sdtm_spec import Variable as SpecVariable
from dawna.i18n import _

__all__ = ["SDTM_STANDARD", "sdtm_define"]

SDTM_STANDARD = Standard(oid=f"STD.SDTMIG.{IG_VERSION}", name="SDTMIG", version=IG_VERSION,
                         publishing_set="SDTM")
_SOURCES = {"Collected": "Investigator", "Assigned": "Sponsor", "Protocol": "Sponsor"}


def _variable(domain: str, v: SpecVariable, df: pd.DataFrame,
              lists: dict[str, CodeList]) -> Variable:
    if v.name not in df.columns:
        raise DefineError(_("the metadata describe a variable missing from the data"),
                          field=f"{domain}.{v.name}")
    codelist = None
    if v.codelist:
        keys = v.codelist.split("|")
        oid = f"CL.{keys[0]}" if len(keys) == 1 else f"CL.{domain}.{v.name}"
        codelist = lists.setdefault(oid, ct_codelist(keys, oid))
    text = v.method.strip()
    if v.origin == "Derived" and not text:
        text = f"As defined for {v.name} ({v.label}) in the SDTMIG {IG_VERSION} {domain} domain"
    return Variable(name=v.name, label=v.label, origin=v.origin, origin_text=text,
                    source=_SOURCES.get(v.origin), role=v.role, mandatory=v.core == "Req",
                    codelist=codelist.oid if codelist else None,
                    **shape(v.name, v.type, values_of(df, v.name)))  # type: ignore[arg-type]


def sdtm_define(frames: Mapping[str, pd.DataFrame], *, cutoff: date | None = None,
                description: str = "DAWNA-FES tabulation data sets (SDTM)") -> DefineDocument:
    """The Define-XML metadata of the SDTM domains ``frames`` (name → data written); refuses
    a column the metadata do not describe and a described variable missing from the data."""
    lists: dict[str, CodeList] = {}
    datasets = []
    for name, df in frames.items():
        spec = DOMAINS[name]
        for column in df.columns:
            if column not in spec.names():
                raise DefineError(_("the data hold a variable the metadata do not describe"),
                                  field=f"{name}.{column}")
        variables = tuple(_variable(name, v, df, lists) for v in spec.variables)
        datasets.append(Dataset(name=name, label=spec.label, structure=spec.structure,
                                class_name=spec.cls, purpose="Tabulation",
                                href=f"{name.lower()}.xpt", variables=variables,
                                standard=SDTM_STANDARD.oid, keys=spec.keys))
    return DefineDocument(study_name=STUDYID, description=description, protocol_name=STUDYID,
                          standards=(SDTM_STANDARD, ct_standard()), datasets=tuple(datasets),
                          codelists=tuple(sorted(lists.values(), key=lambda c: c.oid)),
                          data_cut=cutoff)
