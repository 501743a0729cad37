"""The audit trail's hash chain (21 CFR 11.10(e): audit trails shall not obscure what was recorded).

Every audit record carries ``prev_hash`` (the hash of the record before it, in id order; 64 zeros
for the first) and ``hash`` = SHA-256 of ``prev_hash`` followed by the record's canonical
serialization. The serialization is written down in ``docs/audit-trail.md`` so that anyone can
recompute the chain without this code:

- the UTF-8 bytes of a JSON array, no spaces (separators ``,`` and ``:``), non-ASCII characters
  written as themselves (not ``\\u`` escapes);
- the array is ``[prev_hash, at, actor_id, actor, action, table_name, row_id, site_id, field,
  old_value, new_value, reason]`` in that order;
- ``at`` in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six fraction digits);
- ``actor_id`` and ``site_id`` as JSON numbers, every other field as a JSON string, and a NULL as
  JSON ``null``.

The hash is the lowercase hexadecimal SHA-256 digest of those bytes. Appending locks the one row
of ``audit_chain_head`` first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite already holds the
database's write lock when the audit listener runs), so two writers never chain to the same
predecessor, and moves the head to the last record in the same transaction.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from dawna.store.base import UTCDateTime
from dawna.store.models import AuditChainHead, AuditRecord

GENESIS = "0" * 64
HEAD_ID = 1
#: The hashed fields, in the order they are serialized (after ``prev_hash``).
FIELDS = ("at", "actor_id", "actor", "action", "table_name", "row_id", "site_id", "field",
          "old_value", "new_value", "reason")


def time_text(at: datetime) -> str:
    if at.tzinfo is not UTC:
        at = (at.replace(tzinfo=UTC) if at.tzinfo is None else at).astimezone(UTC)
    if at.year < 1000:  # strftime's %Y does not pad these years (isoformat would)
        return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # the same text as strftime("%Y-%m-%dT%H:%M:%S.%fZ"), in a third of its time
    return at.isoformat(timespec="microseconds")[:-6] + "Z"


#: ``time_text`` of the last UTC times seen (the records of one commit share their time). Only
#: for times in UTC: times of another zone compare equal across a fold (the hour a clock goes
#: back twice) although they are different instants.
_utc_text = functools.lru_cache(maxsize=64)(time_text)


def _time_text(at: datetime) -> str:
    return _utc_text(at) if at.tzinfo is UTC else time_text(at)


#: ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` without building an encoder
#: on every call (the same C encoder, the same options, the same bytes).
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: A JSON string as that encoder writes it (its C function: quotes, backslashes and control
#: characters escaped, everything else, CJK and emoji included, written as itself).
_string = json.encoder.encode_basestring


def _json(prev_hash: str, values: tuple[Any, ...] | list[Any]) -> str:
    """``_dumps([prev_hash, *values])`` of the record's values in ``FIELDS`` order, typed as the
    serialization wants them: ``at`` as its text, ``actor_id`` and ``site_id`` as numbers (an
    integer's JSON is its ``repr``), the rest as strings, ``None`` as ``null``. Written out
    field by field: the encoder's Python wrapper cost more than the encoding itself."""
    at, actor_id, actor, action, table_name, row_id, site_id, field, old, new, reason = values
    return (f"[{_string(prev_hash)},{_string(_time_text(at))},"
            f"{'null' if actor_id is None else int.__repr__(int(actor_id))},"
            f"{'null' if actor is None else _string(str(actor))},"
            f"{'null' if action is None else _string(str(action))},"
            f"{'null' if table_name is None else _string(str(table_name))},"
            f"{'null' if row_id is None else _string(str(row_id))},"
            f"{'null' if site_id is None else int.__repr__(int(site_id))},"
            f"{'null' if field is None else _string(str(field))},"
            f"{'null' if old is None else _string(str(old))},"
            f"{'null' if new is None else _string(str(new))},"
            f"{'null' if reason is None else _string(str(reason))}]")


def _tail(record: dict[str, Any]) -> bytes:
    """The canonical serialization without its first element: ``,`` then the record's fields
    and the closing ``]`` (what does not depend on the record before it)."""
    get = record.get
    return _json("", [get(name) for name in FIELDS]).encode("utf-8")[3:]


def _joined(prev_hash: str, tail: bytes) -> bytes:
    """``json.dumps([prev_hash, *fields])`` with the same options, from the fields' tail."""
    return b"[" + _string(prev_hash).encode("utf-8") + tail


def canonical(prev_hash: str, record: dict[str, Any]) -> bytes:
    """The bytes hashed for one record (``docs/audit-trail.md``)."""
    get = record.get
    return _json(prev_hash, [get(name) for name in FIELDS]).encode("utf-8")


def canonical_values(prev_hash: str, values: tuple[Any, ...] | list[Any]) -> bytes:
    """:func:`canonical` of a record given as its values in ``FIELDS`` order (a row read from
    the database, as ``audit verify`` reads the chain)."""
    return _json(prev_hash, values).encode("utf-8")


def record_hash(prev_hash: str, record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(prev_hash, record)).hexdigest()


def values_hash(prev_hash: str, values: tuple[Any, ...] | list[Any]) -> str:
    """:func:`record_hash` of a record given as its values in ``FIELDS`` order."""
    return hashlib.sha256(canonical_values(prev_hash, values)).hexdigest()


def row_dict(record: AuditRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in FIELDS}


_HEAD_FOR_UPDATE = (select(AuditChainHead.hash).where(AuditChainHead.id == HEAD_ID)
                    .with_for_update())  # built once per process: every commit runs it


#: ``session.info`` key: the head's hash, read by the open transaction under the head's row lock
#: (``SELECT ... FOR UPDATE``) before its commit; the lock is held until the transaction ends,
#: so the hash cannot change meanwhile and the commit need not read it again.
HELD = "audit_chain_head_held"


def hold_head(session: Session, head_hash: str) -> None:
    """Record that ``session``'s transaction has locked the chain head, whose hash is
    ``head_hash`` (randomization takes it with the list's counters)."""
    session.info[HELD] = head_hash


def append(conn: Connection, rows: list[dict[str, Any]], held: str | None = None,
           versions: bool = True) -> None:
    """Chain ``rows`` after the current head, insert them and move the head, holding the head's
    row lock until the transaction ends (``held``: the head's hash, read under that lock by this
    transaction already). Everything that does not depend on the head (each record's
    serialization, the statement's parameters) is prepared before the lock is taken: every
    writer of the database passes this lock one at a time. Then (``versions``; a migration
    before the table existed passes False) the data version of every participant whose data
    the records change, and of data that is no single participant's, moves to the new head
    (``DataVersion``): a record's ``PARTICIPANT`` key (not hashed, not stored) names its
    participant; a record without one (an import, a migration) counts as a change of every
    participant's data, one marked ``NO_DATA`` (an export event) as none."""
    if not rows:
        return
    moved = sorted({int(row.get(PARTICIPANT) or 0) for row in rows} - {NO_DATA})
    scopes = _dumps(moved) if versions and moved else None  # None: no version moves
    _append(conn, rows, held, scopes)
    if scopes is not None and conn.dialect.name != "postgresql":
        conn.execute(_SQLITE_VERSIONS, {"scopes": scopes})


#: ``rows[i][PARTICIPANT]``: the participant whose data the record changes, 0 or missing for
#: data that is no single participant's (``store/audit.py`` fills it from the changed row),
#: ``NO_DATA`` for the record of an event that changes no row (``store/audit_events.py``: an
#: export), which moves no version.
PARTICIPANT = "participant"
NO_DATA = -1


#: SQLite: each participant's row (and row 0) set to the head just moved (the participants
#: travel as a JSON array of integers), still holding the database's write lock. PostgreSQL does
#: the same in the append's own statement (``_PG_APPEND_VERSIONS``).
_SQLITE_VERSIONS = text(
    "INSERT INTO data_version (scope, last_id, hash) "  # noqa: S608
    "SELECT CAST(s.value AS INTEGER), h.last_id, h.hash FROM audit_chain_head h, "
    f"json_each(:scopes) AS s WHERE h.id = {HEAD_ID} ON CONFLICT (scope) DO UPDATE "
    "SET last_id = excluded.last_id, hash = excluded.hash")


def _append(conn: Connection, rows: list[dict[str, Any]], held: str | None,
            scopes: str | None) -> None:
    tails = [_tail(row) for row in rows]
    postgres = conn.dialect.name == "postgresql"
    payload = _pg_payload(rows) if postgres else None
    head = held if held is not None else conn.execute(_HEAD_FOR_UPDATE).scalar_one_or_none()
    if head is None:  # a database made before the chain's migration row existed
        last = conn.execute(select(AuditRecord.hash).order_by(AuditRecord.id.desc())
                            .limit(1)).scalar_one_or_none()
        head = last or GENESIS
        conn.execute(insert(AuditChainHead).values(id=HEAD_ID, hash=head, last_id=None))
    prev = head
    for row, tail in zip(rows, tails, strict=True):
        row["prev_hash"] = prev
        row["hash"] = prev = hashlib.sha256(_joined(prev, tail)).hexdigest()
    if payload is not None:
        for item, row in zip(payload, rows, strict=True):
            item["prev_hash"], item["hash"] = row["prev_hash"], row["hash"]
        values = {"rows": _dumps(payload), "head": prev, "head_at": rows[-1]["at"]}
        if scopes is None:
            conn.execute(_PG_APPEND, values)
        else:
            conn.execute(_PG_APPEND_VERSIONS, values | {"scopes": scopes})
        return
    # the processor of the dialect's own type (SQLite's DATETIME text, microseconds always
    # written): the generic type's leaves a datetime for the driver, whose adapter drops
    # ".000000" from a whole second, and such a text sorts before the same instant written
    # by the ORM (``at >= ...`` comparisons are of text on SQLite)
    stored_at = _SQLITE_TIME.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    assert stored_at is not None
    conn.exec_driver_sql(_SQLITE_INSERT, [
        (stored_at(row["at"]), *(row.get(name) for name in FIELDS[1:]), row["prev_hash"],
         row["hash"]) for row in rows])
    conn.execute(_SQLITE_HEAD, {"hash": prev, "at": rows[-1]["at"]})


#: SQLite: the records in one ``executemany`` of the driver (one statement prepared once and
#: stepped per row; ``RETURNING`` with ``sort_by_parameter_order`` made SQLAlchemy send one INSERT
#: per record), then the head moved to the last of them. The rows are inserted one after the
#: other in chain order on this connection, each taking a rowid above every existing one, and
#: the transaction holds the database's only write lock meanwhile, so ids follow the chain and
#: ``last_insert_rowid()`` (kept per connection; UPDATE does not change it) is the last record's.
#: The values go to the driver as they are (as SQLAlchemy would pass them: no column but ``at``
#: has a bind processor), ``at`` through its column type's own processor (UTC, SQLite's text).
_SQLITE_INSERT = (f"INSERT INTO audit_record ({', '.join((*FIELDS, 'prev_hash', 'hash'))}) "  # noqa: S608
                  f"VALUES ({', '.join('?' * (len(FIELDS) + 2))})")  # constants only
_SQLITE_TIME = UTCDateTime()
_SQLITE_HEAD = (update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                .values(hash=bindparam("hash"), at=bindparam("at", type_=UTCDateTime()),
                        last_id=func.last_insert_rowid()))


#: PostgreSQL: every record of the commit and the head's move in one statement of fixed text
#: (psycopg parses it once and the server prepares it, whatever the number of records): the
#: records travel as one JSON array (``json.dumps`` in C: binding thirteen arrays cost psycopg
#: about 1 ms per randomization in Python), ``json_to_recordset ... WITH ORDINALITY ... ORDER BY``
#: keeps them in chain order so their ids follow it (the technique SQLAlchemy's
#: "insertmanyvalues" relies on for ``sort_by_parameter_order``), and the head moves to the
#: largest id inserted. Times travel as ISO 8601 with their UTC offset (microseconds kept).
_PG_COLUMNS = (("at", "timestamptz"), ("actor_id", "integer"), ("actor", "text"),
               ("action", "text"), ("table_name", "text"), ("row_id", "text"),
               ("site_id", "integer"), ("field", "text"), ("old_value", "text"),
               ("new_value", "text"), ("reason", "text"), ("prev_hash", "text"),
               ("hash", "text"))
_NAMES = ", ".join(c for c, _t in _PG_COLUMNS)
_TYPES = ", ".join(f"{c} {t}" for c, t in _PG_COLUMNS)
#: The records inserted in chain order, their ids returned (the start of both statements below).
_PG_ADDED = (f"WITH added AS (INSERT INTO audit_record ({_NAMES}) SELECT {_NAMES} "  # noqa: S608
             f"FROM ROWS FROM (json_to_recordset(CAST(:rows AS json)) AS ({_TYPES})) "
             f"WITH ORDINALITY AS r({_NAMES}, n) ORDER BY n RETURNING id)")
#: The head moved to the largest id inserted.
_PG_HEAD = (f"UPDATE audit_chain_head SET hash = :head, at = :head_at, "  # noqa: S608
            f"last_id = (SELECT max(id) FROM added) WHERE id = {HEAD_ID}")
_PG_APPEND = text(  # the statement's text is made of the constants above; every value is bound
    f"{_PG_ADDED} {_PG_HEAD}").bindparams(bindparam("head_at", type_=UTCDateTime()))
#: The same, and each participant's row of ``data_version`` (and row 0) set to the head just
#: moved, in the same statement (the participants travel as a JSON array of integers): a
#: commit pays no second round trip under the head's lock.
_PG_APPEND_VERSIONS = text(
    f"{_PG_ADDED}, head AS ({_PG_HEAD} RETURNING last_id, hash) "  # noqa: S608 (constants)
    "INSERT INTO data_version (scope, last_id, hash) "
    "SELECT CAST(s.v AS integer), head.last_id, head.hash FROM head, "
    "json_array_elements_text(CAST(:scopes AS json)) AS s(v) "
    "ON CONFLICT (scope) DO UPDATE SET last_id = EXCLUDED.last_id, hash = EXCLUDED.hash"
).bindparams(bindparam("head_at", type_=UTCDateTime()))


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:  # as UTCDateTime refuses it
        raise ValueError("naive datetime refused: times are stored in UTC and must be aware")
    return at.astimezone(UTC)


def _pg_payload(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records as JSON objects (``prev_hash`` and ``hash`` filled in once chained)."""
    out = []
    for row in rows:  # the values as canonical() hashes them: numbers as int, the rest as str
        item: dict[str, Any] = {"at": _utc(row["at"]).isoformat()}
        for name, kind in _PG_COLUMNS[1:11]:
            value = row.get(name)
            item[name] = None if value is None else int(value) if kind == "integer" else str(value)
        out.append(item)
    return out
