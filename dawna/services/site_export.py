"""Site data export (issue 20 item 7): every form's data, one table per form of the form
catalogue, with a data dictionary (variable, label in the reader's language and in English,
type, units, allowed values).

Site users export the sites where they hold ``data.export``; the data manager (who holds it at
every site) the whole trial. Identifiers (the ``participant_identity`` form) go only to readers
holding ``identity.view`` at the participant's site; otherwise they are left out entirely (the
form is not in the export). Each export is recorded in the audit trail (who, which sites, with
or without identifiers, which format) through ``store/audit_events.py``: one event per site,
so each site's trail shows it. The files are written by ``exports/site_files.py``.
"""

from __future__ import annotations

import enum
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel
from sqlalchemy import Boolean, Date, Enum, Float, Integer, Numeric, select
from sqlalchemy.orm import Mapper, lazyload

from dawna.errors import PermissionDenied
from dawna.i18n import _, use_locale
from dawna.services import export_events
from dawna.services.access import Permission, Principal
from dawna.services.export_access import exporter
from dawna.services.form_catalogue import FORMS, field_label, form_label
from dawna.store import audit_events
from dawna.store.audit import Actor
from dawna.store.base import Base
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, Participant, Site
from dawna.store.uow import UnitOfWork

IDENTITY_FORM = "participant_identity"
EXPORT_TABLE = export_events.EXPORT_TABLE
FORMATS = ("csv", "xlsx")
#: Columns replaced by readable ones: the participant's pseudonym and the site's code.
_HIDDEN = {"participant_id"}
_UNITS = ((re.compile(r"_mm$"), "mm"), (re.compile(r"_cm$"), "cm"), (re.compile(r"_kg$"), "kg"),
          (re.compile(r"_mbq$"), "MBq"), (re.compile(r"_min$"), "min"),
          (re.compile(r"_days$"), "days"), (re.compile(r"_ms$"), "ms"),
          (re.compile(r"_months$"), "months"), (re.compile(r"_umol_l$"), "µmol/L"))
_ROW_UNIT = {("lab_result", "value"), ("lab_result", "lln"), ("lab_result", "uln"),
             ("lab_result", "baseline"), ("depot_dose", "dose")}


class ExportForm(BaseModel):
    form: str
    label: str
    rows: int
    variables: int


class SiteExportSummary(BaseModel):
    """What an export holds, before it is downloaded."""

    sites: list[str]
    identifiers: bool
    formats: list[str]
    forms: list[ExportForm]


@dataclass(frozen=True)
class SiteData:
    sites: list[str]
    identifiers: bool
    tables: dict[str, pd.DataFrame]
    dictionary: pd.DataFrame


def _mappers() -> dict[str, Mapper[Any]]:
    return {m.class_.__tablename__: m for m in Base.registry.mappers}


def export_sites(db: Database, principal: Principal, site_code: str | None = None
                 ) -> list[tuple[int, str]]:
    """``(id, code)`` of the sites exported: all where the reader holds ``data.export``, or the
    one named (refused when not among them)."""
    allowed = exporter(principal).sites_with(Permission.DATA_EXPORT)
    with UnitOfWork(db) as uow:
        sites = [(i, c) for i, c in uow.session.execute(
            select(Site.id, Site.code).where(Site.id.in_(allowed)).order_by(Site.code)).all()]
    if site_code:
        sites = [(i, c) for i, c in sites if c == site_code]
        if not sites:
            raise PermissionDenied(_("you may not export the data of site {site}").format(
                site=site_code), field="site")
    return sites


def _cell(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _rows(session: Any, table: str, mapper: Mapper[Any], site_ids: list[int]) -> pd.DataFrame:
    model = mapper.class_
    owner = FORMS[table].owner
    if model is Participant:
        query = select(model, Participant.pseudonym, Site.code)
    elif owner == "adverse_event_id":
        query = (select(model, Participant.pseudonym, Site.code)
                 .join(AdverseEvent, AdverseEvent.id == model.adverse_event_id)
                 .join(Participant, Participant.id == AdverseEvent.participant_id))
    else:
        query = select(model, Participant.pseudonym, Site.code).join(
            Participant, Participant.id == getattr(model, owner))
    query = query.join(Site, Site.id == Participant.site_id).where(
        Participant.site_id.in_(site_ids)).options(lazyload("*"))
    keys = [a.key for a in mapper.column_attrs if a.key not in _HIDDEN]
    keys = [k for k in keys if k != "site_id" and (table, k) != ("participant", "pseudonym")]
    records = [{"participant": pseudonym, "site": code,
                **{k: _cell(getattr(obj, k)) for k in keys}}
               for obj, pseudonym, code in session.execute(
                   query.order_by(*mapper.primary_key)).all()]
    return pd.DataFrame.from_records(records, columns=["participant", "site", *keys])


def _kind(column: Any) -> tuple[str, str]:
    """The variable's type and, for coded columns, its allowed values."""
    kind = column.type
    if isinstance(kind, Enum):
        return "code", " | ".join(str(e) for e in kind.enums)
    if isinstance(kind, Boolean):
        return "boolean", "true | false"
    if isinstance(kind, Integer):
        return "integer", ""
    if isinstance(kind, Float | Numeric):
        return "number", ""
    if isinstance(kind, Date):
        return "date (YYYY-MM-DD)", ""
    name = type(kind).__name__
    if "DateTime" in name:
        return "date-time (ISO 8601, UTC)", ""
    if name == "JSON":
        return "JSON document", ""
    return "text", ""


def _dictionary_rows(table: str, mapper: Mapper[Any], columns: list[str]) -> list[dict[str, str]]:
    out = []
    for variable in columns:
        if variable in ("participant", "site"):
            kind, allowed, label = "text", "", {"participant": "Participant", "site": "Site"}
            labels = (_(label[variable]), label[variable])
        else:
            column = mapper.columns[variable]
            kind, allowed = _kind(column)
            with use_locale("en"):
                english = field_label(table, variable)
            labels = (field_label(table, variable), english)
        units = next((u for pattern, u in _UNITS if pattern.search(variable)), "")
        if (table, variable) in _ROW_UNIT:
            units = _("as in the row's unit")
        out.append({"form": table, "form_label": form_label(table), "variable": variable,
                    "label": labels[0], "label_en": labels[1], "type": kind, "units": units,
                    "allowed_values": allowed})
    return out


def site_data(db: Database, principal: Principal, site_code: str | None = None,
              progress: Callable[[str], None] | None = None) -> SiteData:
    """Every form's rows at the exported sites, and the data dictionary (nothing recorded:
    :func:`record_export` records the download)."""
    sites = export_sites(db, principal, site_code)
    ids = [i for i, _c in sites]
    identity_ids = [i for i in ids if principal.can(Permission.IDENTITY_VIEW, i)]
    mappers = _mappers()
    tables: dict[str, pd.DataFrame] = {}
    dictionary: list[dict[str, str]] = []
    with UnitOfWork(db) as uow:
        for table in FORMS:
            if table not in mappers:
                continue
            scope = identity_ids if table == IDENTITY_FORM else ids
            if table == IDENTITY_FORM and not scope:
                continue  # no identifiers for this reader: the form is left out entirely
            frame = _rows(uow.session, table, mappers[table], scope)
            tables[table] = frame
            dictionary.extend(_dictionary_rows(table, mappers[table], list(frame.columns)))
            if progress:
                progress(table)
    return SiteData(sites=[c for _i, c in sites], identifiers=bool(identity_ids),
                    tables=tables, dictionary=pd.DataFrame.from_records(dictionary))


def summary(db: Database, principal: Principal, site_code: str | None = None
            ) -> SiteExportSummary:
    """What the export holds (forms, row and variable counts) without recording anything."""
    data = site_data(db, principal, site_code)
    return SiteExportSummary(
        sites=data.sites, identifiers=data.identifiers, formats=list(FORMATS),
        forms=[ExportForm(form=t, label=form_label(t), rows=len(f), variables=len(f.columns))
               for t, f in data.tables.items()])


def record_export(db: Database, principal: Principal, data: SiteData, fmt: str) -> None:
    """The export in the audit trail: one event per site, naming the reader, the scope, whether
    identifiers were included, the format and the forms."""
    event = uuid.uuid4().hex[:16]
    actor = Actor(user_id=principal.user_id, username=principal.username)
    with UnitOfWork(db, actor, "Site data export") as uow:
        codes = dict(uow.session.execute(select(Site.code, Site.id).where(
            Site.code.in_(data.sites))).all())
        for code in data.sites:
            audit_events.record(uow.session, EXPORT_TABLE, event, "export", codes[code], {
                "scope": ", ".join(data.sites), "identifiers": data.identifiers,
                "format": fmt, "forms": ", ".join(data.tables)})
        uow.commit()
