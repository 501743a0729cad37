"""Check the audit trail: the hash chain, and every current row against its audit records.

A record whose content changed no longer matches its hash; a deleted or inserted record breaks
the link of the record after it (or leaves the chain head pointing elsewhere); a trial row that
differs from the new values of its last audit records, exists with no audit record creating it,
or is gone without an audit record deleting it was changed by a direct UPDATE, INSERT or DELETE
that bypassed the application (21 CFR 11.10(e); issue 19 item 1).

Not compared: redacted columns (the password hash), the optimistic-lock ``version`` counter
(moved by the database on every update, not trial data) and ``stratum_counter`` (a row lock
counter moved by an atomic UPDATE; its count is the allocations, which are compared).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from dawna.i18n import _
from dawna.store.audit import REDACTED, flatten, row_id_of, value_text
from dawna.store.audit_chain import FIELDS, GENESIS, HEAD_ID, values_hash
from dawna.store.base import Base
from dawna.store.models import AuditChainHead, AuditRecord

NOT_COMPARED_TABLES = frozenset({"stratum_counter"})


@dataclass(frozen=True)
class Problem:
    kind: str  # "record" (the chain) or "row" (a trial row)
    table: str
    row_id: str
    detail: str
    field: str | None = None  # a row's field that differs (its values are in ``detail``)

    def __str__(self) -> str:
        return f"{self.table} {self.row_id}: {self.detail}"


@dataclass(frozen=True)
class ChainHead:
    last_id: int | None
    hash: str
    at: datetime | None
    records: int


def head(session: Session) -> ChainHead:
    row = session.get(AuditChainHead, HEAD_ID)
    count = session.scalar(select(AuditRecord.id).order_by(AuditRecord.id.desc()).limit(1))
    if row is None:
        return ChainHead(last_id=None, hash=GENESIS, at=None, records=count or 0)
    return ChainHead(last_id=row.last_id, hash=row.hash, at=row.at, records=count or 0)


def check_chain(session: Session) -> list[Problem]:
    problems: list[Problem] = []
    prev_hash, prev_id = GENESIS, None
    a = AuditRecord
    # plain rows, not ORM objects: the chain of a trial is tens of thousands of records
    query = (select(a.id, a.prev_hash, a.hash, *(getattr(a, name) for name in FIELDS))
             .order_by(a.id).execution_options(yield_per=5000))
    for r in session.execute(query):
        rid = str(r.id)
        if r.prev_hash != prev_hash:
            detail = (_("broken link: does not follow record %(id)s (a record between them was "
                        "deleted or inserted, or the previous one was altered)") % {"id": prev_id}
                      if prev_id is not None else
                      _("broken link: does not follow the start of the chain (a record before it "
                        "was deleted or altered)"))
            problems.append(Problem("record", "audit_record", rid, detail))
        if values_hash(r.prev_hash or "", r[3:]) != r.hash:
            problems.append(Problem("record", "audit_record", rid,
                                    _("content altered: the record no longer matches its hash")))
        prev_hash, prev_id = r.hash, r.id
    anchor = session.get(AuditChainHead, HEAD_ID)
    if anchor is not None and (anchor.hash != prev_hash or anchor.last_id != prev_id):
        problems.append(Problem("record", "audit_chain_head", str(HEAD_ID), _(
            "the chain head names record %(head)s (%(head_hash)s…) but the last record is "
            "%(last)s (%(last_hash)s…): records were added or removed at the end") % {
                "head": anchor.last_id, "head_hash": anchor.hash[:12], "last": prev_id,
                "last_hash": prev_hash[:12]}))
    return problems


def _same(current: str, recorded: str | None) -> bool:
    if recorded is None:
        return False
    if current == recorded:
        return True
    try:
        return datetime.fromisoformat(current) == datetime.fromisoformat(recorded)
    except ValueError:
        pass
    try:
        return Decimal(current) == Decimal(recorded)
    except InvalidOperation:
        return False


def _current(obj: Base, skip: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for attr in inspect(obj).mapper.column_attrs:
        key = attr.key
        if key in skip:
            continue
        value = getattr(obj, key)
        if key in obj.__audit_flatten__:
            if value is not None:
                out.update({k: v for k, v in flatten(value, key).items() if v is not None})
            continue
        text = value_text(value)
        if text is not None:
            out[key] = text
    return out


def _recorded(session: Session, table: str) -> dict[str, dict[str, str] | None]:
    """Each row's fields as its audit records leave them (``None``: deleted)."""
    rows: dict[str, dict[str, str] | None] = {}
    last_action: dict[str, str] = {}
    query = (select(AuditRecord.row_id, AuditRecord.action, AuditRecord.field,
                    AuditRecord.new_value)
             .where(AuditRecord.table_name == table).order_by(AuditRecord.id))
    for row_id, action, field, new in session.execute(query):
        previous = last_action.get(row_id)
        last_action[row_id] = action
        if action == "delete":
            rows[row_id] = None
            continue
        fields = rows.get(row_id)
        if fields is None or (action == "create" and previous != "create"):
            fields = rows[row_id] = {}
        if field is None:
            continue
        if new is None:
            fields.pop(field, None)
        else:
            fields[field] = new
    return rows


def check_rows(session: Session) -> list[Problem]:
    problems: list[Problem] = []
    for mapper in sorted(Base.registry.mappers, key=lambda m: m.class_.__name__):
        model = mapper.class_
        table = model.__tablename__
        if not model.__audited__ or table in NOT_COMPARED_TABLES:
            continue
        skip = {key for (t, key) in REDACTED if t == table}
        if mapper.version_id_col is not None:
            skip.add(mapper.get_property_by_column(mapper.version_id_col).key)
        recorded = _recorded(session, table)
        seen: set[str] = set()
        for obj in session.scalars(select(model).execution_options(yield_per=1000)):
            rid = row_id_of(obj)
            seen.add(rid)
            expected = recorded.get(rid)
            if expected is None:
                problems.append(Problem("row", table, rid,
                                        _("unexplained row: no audit record creates it")))
                continue
            current = _current(obj, skip)
            expected = {k: v for k, v in expected.items() if k.split(".")[0] not in skip}
            for field in sorted(current.keys() | expected.keys()):
                have, want = current.get(field), expected.get(field)
                if have is None or not _same(have, want):
                    problems.append(Problem("row", table, rid, _(
                        "field %(field)s is %(have)s but its last audit record says %(want)s") % {
                            "field": field, "have": repr(have), "want": repr(want)},
                        field=field))
        for rid, fields in recorded.items():
            if fields is not None and rid not in seen:
                problems.append(Problem("row", table, rid,
                                        _("row deleted without an audit record")))
        session.expunge_all()
    return problems


def anchored(session: Session, anchor: str) -> bool:
    """Whether a record still carries ``anchor``, a head hash copied out earlier."""
    return session.scalar(select(AuditRecord.id).where(AuditRecord.hash == anchor.strip()
                                                       .lower()).limit(1)) is not None


def verify(session: Session) -> list[Problem]:
    """Every problem found, chain first; an empty list means the trail is intact."""
    return check_chain(session) + check_rows(session)
