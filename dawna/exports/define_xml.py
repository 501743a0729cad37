"""Define-XML 2.1 from the neutral metadata of ``define_model.py``, built with odmlib's
Define-XML 2.1 model (``odmlib.define_2_1.model``) and validated against the Define-XML 2.1
schema that odmlib ships (``odmlib/schemas/define/2.1/define2-1-0.xsd``) by libxml2
(``exports/xml_schema.py``) before it is written (``docs/define-xml.md``).

Source: CDISC Define-XML Specification v2.1 (2019-05-15): §4.2 (ODM root: def:Context
"Submission", FileType "Snapshot"), §4.3.1 (ItemGroupDef with def:Structure, def:Class,
Purpose, def:StandardOID, def:ArchiveLocationID and its def:leaf), §4.3.2 (ItemRef: Mandatory,
OrderNumber, KeySequence, MethodOID for derived variables), §4.3.3 (ItemDef), §4.3.4 (CodeList:
EnumeratedItem or CodeListItem with a Decode; NCI codes as ``Alias Context="nci:ExtCodeID"``),
§4.3.5 (MethodDef Type "Computation", its Description the derivation), §4.2.2 (def:Standards).
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any

import odmlib.define_2_1.model as DEF

from dawna.clock import utcnow
from dawna.errors import ValidationError
from dawna.exports import xml_schema
from dawna.exports.define_model import CodeList, Dataset, DefineDocument, Variable, check_define
from dawna.exports.manifest import software_version
from dawna.i18n import _

__all__ = ["DEFINE_FILE", "define_xml", "item_oid", "method_oid", "validate_define",
           "write_define_xml"]

DEFINE_FILE = "define.xml"
NCI = "nci:ExtCodeID"


def item_oid(dataset: str, variable: str) -> str:
    return f"IT.{dataset}.{variable}"


def method_oid(dataset: str, variable: str) -> str:
    return f"MT.{dataset}.{variable}"


def _description(text: str) -> Any:
    description = DEF.Description()
    description.TranslatedText.append(DEF.TranslatedText(_content=text, lang="en"))
    return description


def _item_group(ds: Dataset) -> Any:
    group = DEF.ItemGroupDef(
        OID=f"IG.{ds.name}", Name=ds.name, Repeating="No" if ds.keys == ("USUBJID",) else "Yes",
        IsReferenceData="No" if "USUBJID" in [v.name for v in ds.variables] else "Yes",
        SASDatasetName=ds.name, Purpose=ds.purpose, Structure=ds.structure,
        ArchiveLocationID=f"LF.{ds.name}", StandardOID=ds.standard)
    if len(ds.name) > 2 and ds.purpose == "Tabulation" and ds.name.startswith("SUPP"):
        group.Domain = ds.name[4:]
    elif ds.purpose == "Tabulation":
        group.Domain = ds.name
    group.Description = _description(ds.label)
    keys = {name: i for i, name in enumerate(ds.keys, start=1)}
    for order, v in enumerate(ds.variables, start=1):
        ref = DEF.ItemRef(ItemOID=item_oid(ds.name, v.name), OrderNumber=order,
                          Mandatory="Yes" if v.mandatory else "No")
        if v.name in keys:
            ref.KeySequence = keys[v.name]
        if v.origin == "Derived":
            ref.MethodOID = method_oid(ds.name, v.name)
        if v.role:
            ref.Role = v.role
        group.ItemRef.append(ref)
    group.Class = DEF.Class(Name=ds.class_name)
    if ds.subclass:
        group.Class.SubClass.append(DEF.SubClass(Name=ds.subclass))
    group.leaf = DEF.leaf(ID=f"LF.{ds.name}", href=ds.href)
    group.leaf.title = DEF.title(_content=ds.href)
    return group


def _item(ds: Dataset, v: Variable) -> Any:
    item = DEF.ItemDef(OID=item_oid(ds.name, v.name), Name=v.name, DataType=v.data_type,
                       SASFieldName=v.name)
    if v.length is not None and v.data_type in ("text", "integer", "float"):
        item.Length = v.length
    if v.significant_digits is not None:
        item.SignificantDigits = v.significant_digits
    if v.display_format:
        item.DisplayFormat = v.display_format
    item.Description = _description(v.label)
    if v.codelist:
        item.CodeListRef = DEF.CodeListRef(CodeListOID=v.codelist)
    origin = DEF.Origin(Type=v.origin)
    if v.source:
        origin.Source = v.source
    if v.origin in ("Predecessor", "Assigned") and v.origin_text:
        origin.Description = _description(v.origin_text)
    item.Origin.append(origin)
    return item


def _codelist(c: CodeList) -> Any:
    codelist = DEF.CodeList(OID=c.oid, Name=c.name, DataType=c.data_type)
    if not c.cdisc:
        codelist.IsNonStandard = "Yes"
    if c.standard:
        codelist.StandardOID = c.standard
    if c.external:
        codelist.ExternalCodeList = DEF.ExternalCodeList(Dictionary=c.external)
        if c.external_version:
            codelist.ExternalCodeList.Version = c.external_version
    decoded = any(t.decode for t in c.terms)
    for order, t in enumerate(c.terms, start=1):
        term: Any
        if decoded:
            term = DEF.CodeListItem(CodedValue=t.value, OrderNumber=order)
            term.Decode = DEF.Decode()
            term.Decode.TranslatedText.append(DEF.TranslatedText(_content=t.decode or t.value,
                                                                 lang="en"))
            codelist.CodeListItem.append(term)
        else:
            term = DEF.EnumeratedItem(CodedValue=t.value, OrderNumber=order)
            codelist.EnumeratedItem.append(term)
        if t.extended:
            term.ExtendedValue = "Yes"
        if t.nci_code:
            term.Alias.append(DEF.Alias(Context=NCI, Name=t.nci_code))
    if c.nci_code:
        codelist.Alias.append(DEF.Alias(Context=NCI, Name=c.nci_code))
    return codelist


def _method(ds: Dataset, v: Variable) -> Any:
    method = DEF.MethodDef(OID=method_oid(ds.name, v.name),
                           Name=f"Algorithm to derive {ds.name}.{v.name}", Type="Computation")
    text = v.origin_text if not v.comment else f"{v.origin_text}. Source: {v.comment}"
    method.Description = _description(text)
    return method


def define_xml(doc: DefineDocument) -> str:
    """The Define-XML 2.1 document of ``doc`` as text (checked first, not yet validated)."""
    check_define(doc)
    stamp = (datetime.combine(doc.data_cut, time()) if doc.data_cut
             else utcnow().replace(microsecond=0, tzinfo=None))
    odm = DEF.ODM(FileOID=f"DEF.{doc.study_name}.{doc.standards[0].name}",
                  CreationDateTime=stamp.isoformat(), AsOfDateTime=stamp.isoformat(),
                  ODMVersion="1.3.2", FileType="Snapshot", Originator="dawna",
                  SourceSystem="dawna", SourceSystemVersion=software_version(),
                  Context="Submission")
    study = DEF.Study(OID=f"ST.{doc.study_name}")
    study.GlobalVariables = DEF.GlobalVariables()
    study.GlobalVariables.StudyName = DEF.StudyName(_content=doc.study_name)
    study.GlobalVariables.StudyDescription = DEF.StudyDescription(_content=doc.description)
    study.GlobalVariables.ProtocolName = DEF.ProtocolName(_content=doc.protocol_name)
    mdv = DEF.MetaDataVersion(OID=f"MDV.{doc.study_name}.{doc.standards[0].name}",
                              Name=f"{doc.study_name} {doc.standards[0].name} metadata",
                              Description=doc.description, DefineVersion="2.1.0")
    mdv.Standards = DEF.Standards()
    for s in doc.standards:
        standard = DEF.Standard(OID=s.oid, Name=s.name, Type=s.type, Version=s.version,
                                Status="Final")
        if s.publishing_set:
            standard.PublishingSet = s.publishing_set
        mdv.Standards.Standard.append(standard)
    for ds in doc.datasets:
        mdv.ItemGroupDef.append(_item_group(ds))
    for ds in doc.datasets:
        for v in ds.variables:
            mdv.ItemDef.append(_item(ds, v))
    for c in doc.codelists:
        mdv.CodeList.append(_codelist(c))
    for ds in doc.datasets:
        for v in ds.variables:
            if v.origin == "Derived":
                mdv.MethodDef.append(_method(ds, v))
    study.MetaDataVersion = mdv
    odm.Study = study
    text: str = odm.to_xml_string(xml_declaration=True)
    return text


def validate_define(text: str) -> None:
    """Refuse (ValidationError naming the first schema error's element and line) a document
    that does not validate against the Define-XML 2.1 schema (libxml2, defused:
    ``exports/xml_schema.py``)."""
    try:
        error = xml_schema.first_error(text.encode("utf-8"), "define", "2.1")
    except xml_schema.NotXml as exc:
        raise ValidationError(_("the Define-XML document is not XML dawna reads: {reason}")
                              .format(reason=str(exc)), field="define.xml") from None
    if error is not None:
        raise ValidationError(_("the Define-XML document does not validate against the "
                                "Define-XML 2.1 schema at {path} (line {line}): {reason}")
                              .format(path=error.element, line=error.line,
                                      reason=error.reason), field="define.xml")


def write_define_xml(doc: DefineDocument, directory: Path) -> Path:
    """Write ``define.xml`` into ``directory`` after checking and validating it."""
    text = define_xml(doc)
    validate_define(text)
    path = directory / DEFINE_FILE
    path.write_text(text, encoding="utf-8")
    return path
