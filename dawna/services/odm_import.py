"""``dawna import odm FILE``: an ODM 1.3.2 file written by ``dawna export odm`` read back into an
**empty** database (issue 22 item 4; ``docs/odm.md``), so the round trip loses nothing.

- Refused, with nothing written: a database that holds any trial data or audit record, a file
  that fails the ODM 1.3.2 schema (the first element that breaks it is named), an OID dawna does
  not know (an ``ItemGroupOID``, ``ItemOID``, ``LocationOID`` named with its element) or a value
  its column cannot hold. Everything is written in one transaction.
- Every row comes back with its own primary key, so the rows that point at others (a SUSAR at its
  adverse event, a query at its form's row, an audit record at its row) still do.
- The audit trail: each imported ``AuditRecord`` run is expanded back into its records, in the
  order of the file (their original order), with their original time, user, action, values and
  reason, and chained anew in this database (``store/audit_chain.py``). The chain's serialization
  holds no record id, so a complete trail chains to the very hashes of the source, and the last
  one equals the ``audit_chain_head`` of the export's manifest. After them come the import's own
  records: each user disabled (no password travels in an export: ``is_active`` false until an
  administrator resets the password), and one ``import`` event naming the file and its SHA-256.
  ``dawna audit verify`` therefore passes after the import (21 CFR 11.10(e)).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Enum, Numeric, func, insert, null, select, text
from sqlalchemy.orm import Session

from dawna.errors import ConflictError, ValidationError
from dawna.exports import odm_read, odm_write
from dawna.exports.odm_data import AUDIT_GROUP, STUDY_LOCATION, group_oid, item_oid
from dawna.i18n import _
from dawna.services.odm_read_store import column_kind, exported_columns, exported_tables
from dawna.store import audit_events
from dawna.store.audit import PENDING, Actor
from dawna.store.db import Database
from dawna.store.models import AuditRecord, User
from dawna.store.uow import UnitOfWork

__all__ = ["IMPORT_TABLE", "UNUSABLE_PASSWORD", "OdmImport", "import_odm"]

IMPORT_TABLE = "odm_import"
#: Not an Argon2 hash: no password matches it (``services/auth.verify_password``).
#: A column with no ``ItemData`` (SQL NULL), told apart from a JSON ``null`` document.
ABSENT = object()
UNUSABLE_PASSWORD = "!imported-from-odm: reset the password"  # noqa: S105 - not a secret


class OdmImport(BaseModel):
    file: str
    sha256: str
    rows: dict[str, int]
    audit_records: int
    users_disabled: int


def _decode(column: Any, value: str, where: str) -> Any:
    kind = column_kind(column)
    try:
        if isinstance(column.type, JSON):
            return json.loads(value)
        if isinstance(column.type, Enum) and column.type.enum_class is not None:
            return column.type.enum_class(value)
        if kind == "integer":
            return int(value)
        if kind == "float":
            return Decimal(value) if isinstance(column.type, Numeric) and \
                column.type.asdecimal else float(value)
        if kind == "boolean":
            return {"true": True, "false": False}[value]
        if kind == "date":
            return date.fromisoformat(value)
        if kind == "datetime":
            return datetime.fromisoformat(value)
    except (ValueError, KeyError):
        raise ValidationError(_("{element}: {value!r} is not a valid {kind}").format(
            element=where, value=value, kind=kind), field=where) from None
    return value


def _unknown(kind: str, oid: str, where: str) -> ValidationError:
    return ValidationError(_("unknown {kind} {oid} in {element}").format(
        kind=kind, oid=oid, element=where), field=where)


def _read(path: Path) -> tuple[dict[str, list[dict[str, Any]]], list[tuple[int, odm_read.Group]]]:
    tables = {group_oid(t.name): t for t in exported_tables()}
    rows: dict[str, list[dict[str, Any]]] = {}
    audits: list[tuple[int, odm_read.Group]] = []
    audit_items = {item_oid("AUDIT", k) for k in ("TABLE", "ROW", "ACTION", "ACTOR_ID",
                                                  "CHANGES")}
    for group in odm_read.groups(path):
        if group.oid == AUDIT_GROUP:
            for oid in group.items:
                if oid not in audit_items:
                    raise _unknown("ItemOID", oid, group.where)
            needed = {item_oid("AUDIT", k) for k in ("TABLE", "ROW", "ACTION", "CHANGES")}
            if group.audit is None or not group.key.isdigit() or needed - group.items.keys():
                raise ValidationError(_("{element}: an audited change needs its AuditRecord, "
                                        "a numeric repeat key and its items").format(
                                            element=group.where), field=group.where)
            audits.append((int(group.key), group))
            continue
        table = tables.get(group.oid)
        if table is None:
            raise _unknown("ItemGroupOID", group.oid, group.where)
        columns = {item_oid(table.name, c.name): c for c in exported_columns(table)}
        row: dict[str, Any] = {c.name: ABSENT for c in exported_columns(table)}
        if table.name == "app_user":  # no password travels (docs/odm.md)
            row["password_hash"] = UNUSABLE_PASSWORD
        for oid, value in group.items.items():
            column = columns.get(oid)
            if column is None:
                raise _unknown("ItemOID", oid, group.where)
            where = f"{group.where}/ItemData[@ItemOID='{oid}']"
            if value is None and not isinstance(column.type, JSON):
                raise ValidationError(_("{element}: only a JSON document may be null").format(
                    element=where), field=where)
            row[column.name] = None if value is None else _decode(column, value, where)
        rows.setdefault(table.name, []).append(
            {k: None if v is ABSENT and not isinstance(table.c[k].type, JSON) else v
             for k, v in row.items()})
    audits.sort(key=lambda a: a[0])
    return rows, audits


def _records(audits: list[tuple[int, odm_read.Group]], sites: dict[str, int]
             ) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _first, group in audits:
        audit = group.audit
        assert audit is not None  # checked in _read
        if audit.location == STUDY_LOCATION:
            site_id = None
        elif audit.location.removeprefix("LOC.") in sites:
            site_id = sites[audit.location.removeprefix("LOC.")]
        else:
            raise _unknown("LocationOID", audit.location, f"{group.where}/AuditRecord")
        items = {k.removeprefix("IT.AUDIT."): v for k, v in group.items.items() if v is not None}
        base = {"at": datetime.fromisoformat(audit.at), "actor": audit.user.removeprefix("USR."),
                "actor_id": int(items["ACTOR_ID"]) if "ACTOR_ID" in items else None,
                "action": items["ACTION"], "table_name": items["TABLE"], "row_id": items["ROW"],
                "site_id": site_id, "reason": audit.reason}
        try:
            changes = [(field, old, new) for field, old, new in json.loads(items["CHANGES"])]
        except (ValueError, TypeError):
            raise ValidationError(_("{element}: the changes are not a list of [field, old value, "
                                    "new value]").format(element=group.where),
                                  field=group.where) from None
        out.extend(base | {"field": f, "old_value": o, "new_value": n} for f, o, n in changes)
    return out


def _refuse_non_empty(session: Session) -> None:
    for table in [*exported_tables(), AuditRecord.__table__]:
        if session.execute(select(func.count()).select_from(table)).scalar_one():
            raise ConflictError(_("the database is not empty (table {table} has rows): an ODM "
                                  "file is imported only into an empty database").format(
                                      table=table.name), field="database")


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` with their keys; a JSON column without a value (``ABSENT``) stays SQL
    NULL, one holding None is the JSON document ``null``, as they were exported."""
    documents = [c.name for c in table.columns if isinstance(c.type, JSON)]
    parts: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        nulls = tuple(c for c in documents if row.get(c) is ABSENT)
        parts.setdefault(nulls, []).append({k: v for k, v in row.items() if k not in nulls})
    for nulls, part in parts.items():
        session.execute(insert(table).values({c: null() for c in nulls}), part)


def _reset_sequences(session: Session, tables: list[str]) -> None:
    """PostgreSQL: move each serial ``id`` past the imported keys."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in tables:
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - table names
            f"COALESCE((SELECT MAX(id) FROM {name}), 1), "               # are the model's own
            f"(SELECT MAX(id) FROM {name}) IS NOT NULL) "
            f"WHERE pg_get_serial_sequence('{name}', 'id') IS NOT NULL"))


def import_odm(db: Database, path: Path, actor: Actor) -> OdmImport:
    """Import ``path`` into the empty database ``db`` (see the module's description)."""
    with UnitOfWork(db) as uow:  # refused at once, before reading a large file
        _refuse_non_empty(uow.session)
    odm_write.validate(path)
    rows, audits = _read(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    sites = {r["code"]: r["id"] for r in rows.get("site", [])}
    records = _records(audits, sites)
    reason = _("ODM import of {file} (SHA-256 {sha})").format(file=path.name, sha=digest[:16])
    with UnitOfWork(db, actor, reason) as uow:
        session = uow.session
        _refuse_non_empty(session)
        for table in exported_tables():
            if rows.get(table.name):
                _insert(session, table, rows[table.name])
        _reset_sequences(session, [t.name for t in exported_tables() if "id" in t.c])
        session.info.setdefault(PENDING, []).extend(records)
        disabled = 0
        for user in session.scalars(select(User)):
            user.password_hash = UNUSABLE_PASSWORD
            if user.is_active:
                user.is_active = False
                disabled += 1
        session.flush()
        audit_events.record(session, IMPORT_TABLE, uuid.uuid4().hex[:16], "import", None, {
            "file": path.name, "sha256": digest, "audit_records": len(records),
            "rows": sum(len(r) for r in rows.values()), "users_disabled": disabled})
        uow.commit()
    return OdmImport(file=path.name, sha256=digest,
                     rows={t: len(r) for t, r in rows.items()}, audit_records=len(records),
                     users_disabled=disabled)
