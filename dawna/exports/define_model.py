"""The neutral metadata a Define-XML 2.1 document is written from: study → data sets →
variables, with the codelists and derivation methods they refer to. The ADaM adapter
(``define_adam.py``) and the SDTM adapter fill it; ``define_xml.py`` writes it with odmlib and
``define_html.py`` renders it for a reviewer (``docs/define-xml.md``).

:func:`check_define` refuses metadata Define-XML 2.1 or SAS transport v5 cannot carry, naming
``DATASET.VARIABLE`` (or the codelist) and the rule. Sources: CDISC Define-XML Specification
v2.1 (2019-05-15) §4.3.1 (ItemGroupDef: def:Structure, def:Class, Purpose, def:leaf),
§4.3.3 (ItemDef: DataType, Length required for text, integer and float, SignificantDigits for
float), §4.3.3.1 (def:Origin types and sources), §4.3.5 (MethodDef: every derived variable refers
to one), §4.3.4 (CodeList, NCI codes as ``Alias Context="nci:ExtCodeID"``); SAS Technical
Support TS-140 for names ≤ 8 characters and labels ≤ 40 bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from dawna.errors import ValidationError
from dawna.i18n import _

__all__ = ["DATA_TYPES", "ORIGIN_TYPES", "CodeList", "Dataset", "DefineDocument", "DefineError",
           "Standard", "Term", "Variable", "check_define"]

NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
MAX_LABEL_BYTES = 40
#: Define-XML 2.1 §4.3.3 data types used here (ODM 1.3.2 DataType values).
DATA_TYPES = ("text", "integer", "float", "date", "datetime")
#: Define-XML 2.1 §4.3.3.1 def:Origin Type values.
ORIGIN_TYPES = ("Collected", "Derived", "Assigned", "Protocol", "Predecessor", "Not Available")
ORIGIN_SOURCES = ("Subject", "Investigator", "Vendor", "Sponsor")


@dataclass(frozen=True)
class Term:
    value: str
    nci_code: str | None = None
    decode: str | None = None
    #: a term the sponsor added to an extensible CDISC codelist (def:ExtendedValue="Yes")
    extended: bool = False


@dataclass(frozen=True)
class CodeList:
    oid: str
    name: str
    data_type: str
    terms: tuple[Term, ...]
    nci_code: str | None = None
    #: False for a sponsor-defined list (no CDISC codelist)
    cdisc: bool = True
    #: the def:Standard (CDISC CT package) a CDISC codelist comes from
    standard: str | None = None
    #: an external dictionary (ExternalCodeList) instead of terms, e.g. "ISO 3166", and its
    #: version when it has one (MedDRA 20.1)
    external: str | None = None
    external_version: str | None = None


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    data_type: str
    length: int | None
    origin: str
    #: Derived: the derivation; Predecessor: the variable copied; Assigned: the value
    origin_text: str = ""
    source: str | None = None
    significant_digits: int | None = None
    display_format: str | None = None
    codelist: str | None = None
    mandatory: bool = False
    role: str | None = None
    #: where the derivation reads from (kept with the method's description)
    comment: str = ""


@dataclass(frozen=True)
class Dataset:
    name: str
    label: str
    structure: str
    class_name: str
    purpose: str
    href: str
    variables: tuple[Variable, ...]
    standard: str
    keys: tuple[str, ...] = ()
    subclass: str | None = None


@dataclass(frozen=True)
class Standard:
    oid: str
    name: str
    version: str
    type: str = "IG"
    publishing_set: str | None = None


@dataclass(frozen=True)
class DefineDocument:
    study_name: str
    description: str
    protocol_name: str
    standards: tuple[Standard, ...]
    datasets: tuple[Dataset, ...]
    codelists: tuple[CodeList, ...] = ()
    data_cut: date | None = None
    extra: dict[str, str] = field(default_factory=dict)


class DefineError(ValidationError):
    """Metadata Define-XML 2.1 cannot carry; ``field`` is ``DATASET.VARIABLE`` or the
    codelist's OID."""


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _check_variable(ds: Dataset, v: Variable, codelists: set[str]) -> None:
    where = f"{ds.name}.{v.name}"
    if not NAME.match(v.name):
        raise DefineError(_("a variable name has at most 8 characters, A-Z, 0-9 or _, "
                            "starting with a letter"), field=where)
    if not v.label or _bytes(v.label) > MAX_LABEL_BYTES:
        raise DefineError(_("the label is {n} bytes long; it must have 1 to {limit}").format(
            n=_bytes(v.label), limit=MAX_LABEL_BYTES), field=where)
    if v.data_type not in DATA_TYPES:
        raise DefineError(_("unknown data type {value}").format(value=v.data_type), field=where)
    if v.data_type in ("text", "integer", "float") and not (v.length and v.length > 0):
        raise DefineError(_("a text or numeric variable needs a positive Length"), field=where)
    if v.data_type == "float" and v.significant_digits is None:
        raise DefineError(_("a float variable needs SignificantDigits"), field=where)
    if v.origin not in ORIGIN_TYPES:
        raise DefineError(_("unknown origin {value}").format(value=v.origin), field=where)
    if v.source is not None and v.source not in ORIGIN_SOURCES:
        raise DefineError(_("unknown origin source {value}").format(value=v.source), field=where)
    if v.origin in ("Derived", "Predecessor") and not v.origin_text.strip():
        raise DefineError(_("a {origin} variable needs its derivation or predecessor").format(
            origin=v.origin), field=where)
    if v.codelist is not None and v.codelist not in codelists:
        raise DefineError(_("refers to the codelist {oid}, which is not defined").format(
            oid=v.codelist), field=where)


def check_define(doc: DefineDocument) -> None:
    """Refuse (:class:`DefineError`) metadata that Define-XML 2.1 or SAS transport v5 cannot
    carry; see the module docstring for the rules."""
    oids = [c.oid for c in doc.codelists]
    for c in doc.codelists:
        if oids.count(c.oid) > 1 or not (c.terms or c.external):
            raise DefineError(_("a codelist is defined once and has at least one term"),
                              field=c.oid)
    standards = {s.oid for s in doc.standards}
    for c in doc.codelists:
        if c.standard is not None and c.standard not in standards:
            raise DefineError(_("refers to the standard {oid}, which is not defined").format(
                oid=c.standard), field=c.oid)
    names = [d.name for d in doc.datasets]
    for ds in doc.datasets:
        if not NAME.match(ds.name) or names.count(ds.name) > 1:
            raise DefineError(_("a data set name is unique and has at most 8 characters, "
                                "A-Z, 0-9 or _, starting with a letter"), field=ds.name)
        if not ds.label or _bytes(ds.label) > MAX_LABEL_BYTES:
            raise DefineError(_("the data set label is {n} bytes long; it must have 1 to "
                                "{limit}").format(n=_bytes(ds.label), limit=MAX_LABEL_BYTES),
                              field=ds.name)
        if ds.standard not in standards:
            raise DefineError(_("refers to the standard {oid}, which is not defined").format(
                oid=ds.standard), field=ds.name)
        variables = [v.name for v in ds.variables]
        if not variables:
            raise DefineError(_("a data set has at least one variable"), field=ds.name)
        for v in ds.variables:
            if variables.count(v.name) > 1:
                raise DefineError(_("the variable appears twice"), field=f"{ds.name}.{v.name}")
            _check_variable(ds, v, set(oids))
        for key in ds.keys:
            if key not in variables:
                raise DefineError(_("the key variable {name} is not in the data set").format(
                    name=key), field=ds.name)
