"""Read the whole study out of the store as the plain data of an ODM document
(``exports/odm_data.py``), for ``services/odm_export.py`` (issue 22 item 4; ``docs/odm.md``).

Every mapped table but the audit trail's own (the records, their chain head), login events,
sessions and the login throttle becomes one ``ItemGroupDef`` whose items are its columns, derived
from the ORM models; labels come from the form catalogue (``services/form_catalogue.py``) in
English and Chinese. A row whose table carries a participant (``participant_id``, the participant
itself, a SUSAR report through its adverse event) goes under that participant's ``SubjectData``;
the others are ``ReferenceData``. Values are the audit trail's text forms
(``store/audit.value_text``), so a value reads back exactly as its audit record wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Enum, Float, Integer, Numeric, String, select
from sqlalchemy.orm import Session

from dawna.exports.odm_data import Change, Column, Mark, Row, Table
from dawna.i18n import use_locale
from dawna.services.form_catalogue import FORMS, field_label, form_label
from dawna.store.audit import REDACTED, value_text
from dawna.store.base import Base
from dawna.store.models import AuditRecord

__all__ = ["NOT_EXPORTED", "Owners", "changes", "column_kind", "exported_columns",
           "exported_tables", "rows",
           "table_specs"]

#: Tables that are not trial data: the audit trail's own (carried as AuditRecords), the data
#: versions kept beside it (rebuilt by the next change), logins.
SQL_NULL = "sql_null__"
NOT_EXPORTED = frozenset({"audit_record", "audit_chain_head", "data_version", "login_event",
                          "user_session", "login_throttle"})


def exported_columns(table: Any) -> list[Any]:
    """The exported columns: all but the password hash (``store/audit.REDACTED``)."""
    return [c for c in table.columns if (table.name, c.name) not in REDACTED]


def exported_tables() -> list[Any]:
    """The exported SQLAlchemy tables, parents before children (foreign keys)."""
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_EXPORTED]


def column_kind(column: Any) -> str:
    """The ODM DataType of a column."""
    kind = column.type
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, Integer):
        return "integer"
    if isinstance(kind, Float | Numeric):
        return "float"
    if isinstance(kind, Date):
        return "date"
    return "datetime" if "DateTime" in type(kind).__name__ else "text"


def _labels(table: str, column: str | None = None) -> tuple[str, str]:
    out = []
    for locale in ("en", "zh_CN"):
        with use_locale(locale):
            out.append(field_label(table, column) if column else form_label(table))
    return out[0], out[1]


def _subject_table(table: Any) -> bool:
    return table.name in ("participant", "susar_report") or "participant_id" in table.c


def table_specs() -> list[Table]:
    specs = []
    for table in exported_tables():
        columns = []
        for column in exported_columns(table):
            length = column.type.length if isinstance(column.type, String) else None
            codes: tuple[tuple[str, str, str], ...] = ()
            if isinstance(column.type, Enum):
                codes = tuple((str(v), str(v), str(v)) for v in column.type.enums)
            columns.append(Column(column.name, column_kind(column), length or None,
                                  *_labels(table.name, column.name), codes=codes))
        spec = FORMS.get(table.name)
        specs.append(Table(table.name, *_labels(table.name), subject=_subject_table(table),
                           repeating=spec.repeating if spec else True, columns=tuple(columns)))
    return specs


class Owners:
    """Which participant a row belongs to, and each participant's site."""

    def __init__(self) -> None:
        self.row: dict[tuple[str, str], int] = {}
        self.site: dict[int, int] = {}

    def of(self, table: str, row_id: str) -> int | None:
        return self.row.get((table, row_id))


def rows(session: Session, owners: Owners) -> list[Row | tuple[int, Row]]:
    """Every exported row: ``(participant id, Row)`` for a participant's, a bare ``Row`` for
    reference data; fills ``owners`` on the way."""
    out: list[Row | tuple[int, Row]] = []
    events: dict[int, int] = {}
    for table in exported_tables():
        key = list(table.primary_key.columns)
        documents = [c for c in table.columns if isinstance(c.type, JSON)]
        query = select(table, *(c.is_(None).label(f"{SQL_NULL}{c.name}") for c in documents))
        for record in session.execute(query.order_by(*key)).mappings():
            row_id = ",".join(str(record[c.name]) for c in key)
            values: dict[str, str | None] = {
                k: t for k, v in record.items() if not k.startswith(SQL_NULL)
                and (table.name, k) not in REDACTED and (t := value_text(v)) is not None}
            for c in documents:  # the JSON document null, not SQL NULL: IsNull="Yes"
                if record[c.name] is None and not record[f"{SQL_NULL}{c.name}"]:
                    values[c.name] = None
            row = Row(table.name, row_id, values)
            if table.name == "participant":
                owner: int | None = record["id"]
                owners.site[record["id"]] = record["site_id"]
            elif table.name == "susar_report":
                owner = events.get(record["adverse_event_id"])
            else:
                owner = record.get("participant_id")
            if table.name == "adverse_event":
                events[record["id"]] = record["participant_id"]
            if owner is None:
                out.append(row)
            else:
                owners.row[(table.name, row_id)] = owner
                out.append((owner, row))
    return out


def changes(session: Session, owners: Owners, site_codes: dict[int, str]
            ) -> Iterable[tuple[int | None, Change]]:
    """The audit trail as runs of records of one row with the same time, user, action and
    reason (in chain order), each with the participant it belongs to (None: reference data).
    A deleted row's participant is found from the records that created it."""
    current: Change | None = None
    owner: int | None = None
    created: dict[tuple[str, str], int] = {}
    a = AuditRecord
    query = (select(a.id, a.at, a.actor_id, a.actor, a.action, a.table_name, a.row_id, a.site_id,
                    a.field, a.old_value, a.new_value, a.reason)
             .order_by(a.id).execution_options(yield_per=5000))
    last: tuple[Any, ...] = ()
    # a new run when any of table, row, action, actor, time, reason or site differs (the raw
    # values compared: a site's code and a time's text follow from them)
    for (rid, at, actor_id, actor, action, table, row_id, site_id, field, old, new,
         reason) in session.execute(query):
        key = (table, row_id)
        if new is not None and field in ("participant_id", "adverse_event_id"):
            parent = (int(new) if field == "participant_id"
                      else created.get(("adverse_event", new)))
            if parent is not None:
                created[key] = parent
        if table == "participant":
            created[key] = int(row_id)
        run = (table, row_id, action, actor, actor_id, at, reason, site_id)
        if run != last:
            last = run
            if current is not None:
                yield owner, current
            owner = owners.of(*key) or created.get(key)
            current = Change(rid, table, row_id, action, actor, actor_id,
                             site_codes.get(site_id or -1), at.isoformat(), reason, [])
        current.changes.append((field, old, new))  # type: ignore[union-attr]
    if current is not None:
        yield owner, current


def marks(session: Session, owners: Owners, site_codes: dict[int, str]) -> list[tuple[int, Mark]]:
    """Signatures in force (not voided), each with its participant."""
    from dawna.store.models import FormSignature

    query = select(FormSignature).where(FormSignature.voided_at.is_(None)).order_by(
        FormSignature.signed_at, FormSignature.id)
    return [(s.participant_id, Mark(
        s.id, s.table_name if s.scope == "form" else None, s.row_id, s.signer_username,
        site_codes[owners.site[s.participant_id]], s.meaning_code, s.signed_at.isoformat()))
        for s in session.scalars(query)]
