"""Write the ODM 1.3.2 document of a :class:`~dawna.exports.odm_data.Study` with odmlib, and check
a file against the ODM 1.3.2 XML schema shipped inside odmlib (``odmlib/schemas/odm/1.3.2``, MIT),
applied by libxml2 (``exports/xml_schema.py``; CDISC ODM 1.3.2 specification; ``docs/odm.md``).

The metadata (``Study``/``MetaDataVersion``) and the administrative data are built in odmlib's
strict mode; the clinical and reference data, tens of thousands of elements on a small trial, in
its permissive mode (no per-attribute checks while building), and the whole file is then
validated against the schema, which checks every element.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import odmlib.odm_1_3_2.model as odm
from odmlib.mode import permissive

from dawna.errors import ValidationError
from dawna.exports import xml_schema
from dawna.exports.odm_data import (
    AUDIT_GROUP,
    AUDIT_ITEMS,
    STUDY_EVENT,
    Change,
    Column,
    Mark,
    Row,
    Study,
    Table,
    form_oid,
    group_oid,
    item_oid,
    location_oid,
    signature_def_oid,
    user_oid,
)
from dawna.i18n import _

__all__ = ["MDV", "validate", "write", "zipped"]

MDV = "MDV.1"
AUDIT_FORM = "F.AUDIT"
#: 21 CFR 11.50 and 11.200: what a signature means, and that it is an electronic one.
LEGAL_REASON = "21 CFR 11.50, 11.200: electronic signature by user name and password"


def _text(en: str, zh: str) -> list[odm.TranslatedText]:
    return [odm.TranslatedText(lang="en", _content=en), odm.TranslatedText(lang="zh", _content=zh)]


def _description(en: str, zh: str) -> odm.Description:
    return odm.Description(TranslatedText=_text(en, zh))


def _codelist_oid(table: str, column: str) -> str:
    return f"CL.{table.upper()}.{column.upper()}"


def _item_def(table: str, column: Column) -> odm.ItemDef:
    item = odm.ItemDef(OID=item_oid(table, column.name), Name=column.name,
                       DataType=column.data_type,
                       Question=odm.Question(TranslatedText=_text(column.label_en,
                                                                  column.label_zh)))
    if column.length:
        item.Length = column.length
    if column.codes:
        item.CodeListRef = odm.CodeListRef(CodeListOID=_codelist_oid(table, column.name))
    return item


def _audit_table() -> Table:
    labels = {"TABLE": ("Form (table)", _("Form (table)")), "ROW": ("Row", _("Row")),
              "ACTION": ("Action", _("Action")), "ACTOR_ID": ("User id", _("User id")),
              "CHANGES": ("Changed fields: [field, old value, new value]",
                          _("Changed fields: [field, old value, new value]"))}
    kinds = {"ACTOR_ID": "integer"}
    return Table("audit", "Audit trail", _("Audit trail"), True, True, tuple(
        Column(name, kinds.get(name, "text"), None, *labels[name]) for name in AUDIT_ITEMS))


def _metadata(study: Study) -> odm.MetaDataVersion:
    tables = [*study.tables, _audit_table()]
    subject_tables = [t for t in tables if t.subject]
    mdv = odm.MetaDataVersion(OID=MDV, Name=f"{study.name} ODM", Description=study.description)
    mdv.Protocol = odm.Protocol(StudyEventRef=[odm.StudyEventRef(
        StudyEventOID=STUDY_EVENT, OrderNumber=1, Mandatory="Yes")])
    mdv.StudyEventDef = [odm.StudyEventDef(
        OID=STUDY_EVENT, Name="Study", Repeating="No", Type="Common",
        FormRef=[odm.FormRef(FormOID=_form(t), OrderNumber=i + 1, Mandatory="No")
                 for i, t in enumerate(subject_tables)])]
    mdv.FormDef = [odm.FormDef(OID=_form(t), Name=t.label_en, Repeating="No",
                               Description=_description(t.label_en, t.label_zh),
                               ItemGroupRef=[odm.ItemGroupRef(ItemGroupOID=_group(t),
                                                              Mandatory="No")])
                   for t in subject_tables]
    mdv.ItemGroupDef = [odm.ItemGroupDef(
        OID=_group(t), Name=t.name, Repeating="Yes" if t.repeating else "No",
        Description=_description(t.label_en, t.label_zh),
        ItemRef=[odm.ItemRef(ItemOID=_item(t, c), Mandatory="No", OrderNumber=i + 1)
                 for i, c in enumerate(t.columns)]) for t in tables]
    mdv.ItemDef = [_item_def(_prefix(t), c) for t in tables for c in t.columns]
    mdv.CodeList = [odm.CodeList(
        OID=_codelist_oid(t.name, c.name), Name=f"{t.name}.{c.name}", DataType="text",
        CodeListItem=[odm.CodeListItem(CodedValue=value, Decode=odm.Decode(
            TranslatedText=_text(en, zh))) for value, en, zh in c.codes])
        for t in tables for c in t.columns if c.codes]
    return mdv


def _prefix(table: Table) -> str:
    return "AUDIT" if table.name == "audit" else table.name


def _form(table: Table) -> str:
    return AUDIT_FORM if table.name == "audit" else form_oid(table.name)


def _group(table: Table) -> str:
    return AUDIT_GROUP if table.name == "audit" else group_oid(table.name)


def _item(table: Table, column: Column) -> str:
    return item_oid(_prefix(table), column.name)


def _admin(study: Study) -> odm.AdminData:
    mdv_ref = odm.MetaDataVersionRef(StudyOID=study.oid, MetaDataVersionOID=MDV,
                                     EffectiveDate=study.created_at[:10])
    locations = [odm.Location(OID=location_oid(None), Name=f"{study.name} (no site)",
                              LocationType="Sponsor", MetaDataVersionRef=[mdv_ref])]
    locations += [odm.Location(OID=location_oid(s.code), Name=s.name, LocationType="Site",
                               MetaDataVersionRef=[mdv_ref]) for s in study.sites]
    users = [odm.User(OID=user_oid(u.username), UserType="Other",
                      LoginName=odm.LoginName(_content=u.username),
                      DisplayName=odm.DisplayName(_content=u.display_name or u.username),
                      LocationRef=[odm.LocationRef(LocationOID=location_oid(code))
                                   for code in u.sites]) for u in study.users]
    signatures = [odm.SignatureDef(OID=signature_def_oid(code), Methodology="Electronic",
                                   Meaning=odm.Meaning(_content=en),
                                   LegalReason=odm.LegalReason(_content=LEGAL_REASON))
                  for code, (en, _zh) in sorted(study.meanings.items())]
    return odm.AdminData(StudyOID=study.oid, User=users, Location=locations,
                         SignatureDef=signatures)


def _audit_record(change: Change) -> odm.AuditRecord:
    return odm.AuditRecord(
        UserRef=odm.UserRef(UserOID=user_oid(change.actor)),
        LocationRef=odm.LocationRef(LocationOID=location_oid(change.site)),
        DateTimeStamp=odm.DateTimeStamp(_content=change.at),
        ReasonForChange=odm.ReasonForChange(_content=change.reason),
        SourceID=odm.SourceID(_content=f"audit_record {change.first_id}"))


def _signature(mark: Mark) -> odm.Signature:
    return odm.Signature(
        ID=f"SIG.{mark.id}", UserRef=odm.UserRef(UserOID=user_oid(mark.username)),
        LocationRef=odm.LocationRef(LocationOID=location_oid(mark.site)),
        SignatureRef=odm.SignatureRef(SignatureOID=signature_def_oid(mark.meaning_code)),
        DateTimeStamp=odm.DateTimeStamp(_content=mark.at))


def _row_group(row: Row, marks: dict[tuple[str, str | None], Mark]) -> odm.ItemGroupData:
    group = odm.ItemGroupData(ItemGroupOID=group_oid(row.table), ItemGroupRepeatKey=row.key,
                              ItemData=[odm.ItemData(ItemOID=item_oid(row.table, k), Value=v)
                                        if v is not None else
                                        odm.ItemData(ItemOID=item_oid(row.table, k), IsNull="Yes")
                                        for k, v in row.values.items()])
    mark = marks.get((row.table, row.key))
    if mark is not None:
        group.Signature = _signature(mark)
    return group


def _change_group(change: Change) -> odm.ItemGroupData:
    values: dict[str, Any] = {"TABLE": change.table, "ROW": change.row_id,
                              "ACTION": change.action, "ACTOR_ID": change.actor_id,
                              "CHANGES": json.dumps(change.changes, ensure_ascii=False)}
    return odm.ItemGroupData(
        ItemGroupOID=AUDIT_GROUP, ItemGroupRepeatKey=str(change.first_id),
        AuditRecord=_audit_record(change),
        ItemData=[odm.ItemData(ItemOID=item_oid("AUDIT", k), Value=str(v))
                  for k, v in values.items() if v is not None])


def _forms(rows: Iterable[Row], changes: list[Change], marks: list[Mark]
           ) -> list[odm.FormData]:
    by_table: dict[str, list[odm.ItemGroupData]] = {}
    signed: dict[tuple[str, str | None], Mark] = {(m.table, m.row_id): m for m in marks
                                                   if m.table is not None}
    for row in rows:
        by_table.setdefault(row.table, []).append(_row_group(row, signed))
    forms = [odm.FormData(FormOID=form_oid(t), ItemGroupData=g) for t, g in by_table.items()]
    if changes:
        forms.append(odm.FormData(FormOID=AUDIT_FORM,
                                  ItemGroupData=[_change_group(c) for c in changes]))
    return forms


def _clinical(study: Study, progress: Callable[[], None] | None) -> odm.ClinicalData:
    subjects = []
    for subject in study.subjects:
        data = odm.SubjectData(SubjectKey=subject.key,
                               SiteRef=odm.SiteRef(LocationOID=location_oid(subject.site)),
                               StudyEventData=[odm.StudyEventData(
                                   StudyEventOID=STUDY_EVENT,
                                   FormData=_forms(subject.rows, subject.changes,
                                                   subject.marks))])
        casebook = [m for m in subject.marks if m.table is None]
        if casebook:
            data.Signature = _signature(casebook[-1])
        subjects.append(data)
        if progress:
            progress()
    return odm.ClinicalData(StudyOID=study.oid, MetaDataVersionOID=MDV, SubjectData=subjects)


def write(study: Study, path: Path, progress: Callable[[], None] | None = None) -> Path:
    """Write ``study`` as an ODM 1.3.2 file at ``path`` (``progress`` called per subject)."""
    root = odm.ODM(FileOID=f"{study.oid}.{study.created_at}", FileType="Snapshot",
                   Granularity="All", CreationDateTime=study.created_at,
                   AsOfDateTime=study.created_at, ODMVersion="1.3.2", Originator="dawna",
                   SourceSystem="dawna", SourceSystemVersion=study.version,
                   Study=[odm.Study(OID=study.oid, GlobalVariables=odm.GlobalVariables(
                       StudyName=odm.StudyName(_content=study.name),
                       StudyDescription=odm.StudyDescription(_content=study.description),
                       ProtocolName=odm.ProtocolName(_content=study.protocol)),
                       MetaDataVersion=[_metadata(study)])],
                   AdminData=[_admin(study)])
    with permissive():
        root.ReferenceData = [odm.ReferenceData(
            StudyOID=study.oid, MetaDataVersionOID=MDV,
            ItemGroupData=[_row_group(r, {}) for r in study.reference_rows]
            + [_change_group(c) for c in study.reference_changes])]
        root.ClinicalData = [_clinical(study, progress)]
        root.write_xml(str(path))
    return path


def validate(path: Path) -> None:
    """Refuse a file that is not valid ODM 1.3.2: a ValidationError naming the first element
    that breaks the schema, its line and why (libxml2, ``exports/xml_schema.py``). Defused: a
    file declaring a DOCTYPE (DTD or entities) is refused before the schema reads it."""
    try:
        error = xml_schema.first_error(path, "odm", "1.3.2")
    except xml_schema.NotXml as exc:
        raise ValidationError(_("{file} is not an XML file dawna reads: {reason}").format(
            file=path.name, reason=str(exc)), field="file") from None
    if error is not None:
        raise ValidationError(_("{file} is not valid ODM 1.3.2 at {element} (line {line}): "
                                "{reason}").format(file=path.name, element=error.element,
                                                   line=error.line, reason=error.reason),
                              field=error.element)


def zipped(folder: Path) -> bytes:
    """The files of an export folder (``odm.xml``, ``manifest.json``) as one zip."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return out.getvalue()
