"""The plain data of a CDISC ODM 1.3.2 document of the whole study (issue 22 item 4), and its OIDs.

``services/odm_export.py`` fills these from the store; ``exports/odm_write.py`` turns them into
the ODM document with odmlib and ``exports/odm_read.py`` reads a document back into them, so
neither side of the file knows the store. The mapping (one ``FormDef``/``ItemGroupDef`` per table,
one ``ItemDef`` per column, one ``AuditRecord`` per change of a row) is in ``docs/odm.md``
(CDISC ODM 1.3.2 specification, sections 2 (clinical data hierarchy), 3.1.4 (MetaDataVersion),
3.1.5 (AdminData), 4.7 (AuditRecord) and 4.8 (Signature)).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AUDIT_GROUP",
    "AUDIT_ITEMS",
    "STUDY_EVENT",
    "STUDY_LOCATION",
    "Change",
    "Column",
    "Mark",
    "Row",
    "Site",
    "Study",
    "Subject",
    "Table",
    "User",
    "form_oid",
    "group_oid",
    "item_oid",
    "location_oid",
    "signature_def_oid",
    "user_oid",
]

#: The one study event holding every form (dawna's forms are not tied to visits in the file).
STUDY_EVENT = "SE.STUDY"
#: The item group of an audited change: one per run of audit records of one row (same time,
#: user, action, reason); the ODM ``AuditRecord`` on it says who, where, when and why.
AUDIT_GROUP = "IG.AUDIT"
AUDIT_ITEMS = ("TABLE", "ROW", "ACTION", "ACTOR_ID", "CHANGES")
#: The location of what belongs to no site (users, sites, the protocol, exports of no site).
STUDY_LOCATION = "LOC.STUDY"


def group_oid(table: str) -> str:
    return f"IG.{table.upper()}"


def form_oid(table: str) -> str:
    return f"F.{table.upper()}"


def item_oid(table: str, column: str) -> str:
    return f"IT.{table.upper()}.{column.upper()}"


def user_oid(username: str) -> str:
    return f"USR.{username}"


def location_oid(site_code: str | None) -> str:
    return STUDY_LOCATION if site_code is None else f"LOC.{site_code}"


def signature_def_oid(meaning_code: str) -> str:
    return f"SD.{meaning_code.upper()}"


@dataclass(frozen=True)
class Column:
    """One column of a table: an ODM ``ItemDef`` (DataType text, integer, float, boolean,
    date or datetime; ``codes`` its ``CodeList`` as (value, English, Chinese))."""

    name: str
    data_type: str
    length: int | None
    label_en: str
    label_zh: str
    codes: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Table:
    """One table: an ODM ``FormDef`` with one ``ItemGroupDef``; ``subject`` tables hang from a
    participant (``ClinicalData``), the others are ``ReferenceData``."""

    name: str
    label_en: str
    label_zh: str
    subject: bool
    repeating: bool
    columns: tuple[Column, ...]


@dataclass
class Row:
    """One row: its key (the primary key, kept) and its values as text; a column without a
    value (SQL NULL) is absent, a JSON column holding the JSON document ``null`` is None (ODM
    ``IsNull="Yes"``)."""

    table: str
    key: str
    values: dict[str, str | None]


@dataclass
class Change:
    """A run of audit records of one row with the same time, user, action and reason, in the
    order they were chained; ``changes`` holds (field, old value, new value)."""

    first_id: int
    table: str
    row_id: str
    action: str
    actor: str
    actor_id: int | None
    site: str | None
    at: str
    reason: str
    changes: list[tuple[str | None, str | None, str | None]]


@dataclass(frozen=True)
class Mark:
    """A signature in force: on a form's row (``table``/``row_id``) or the casebook."""

    id: int
    table: str | None
    row_id: str | None
    username: str
    site: str
    meaning_code: str
    at: str


@dataclass
class Subject:
    key: str
    site: str
    rows: list[Row] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)


@dataclass(frozen=True)
class Site:
    code: str
    name: str


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    sites: tuple[str, ...]
    system: bool = False


@dataclass
class Study:
    oid: str
    name: str
    description: str
    protocol: str
    created_at: str
    version: str
    tables: list[Table]
    sites: list[Site]
    users: list[User]
    meanings: dict[str, tuple[str, str]]
    identifiers: bool = False
    subjects: list[Subject] = field(default_factory=list)
    reference_rows: list[Row] = field(default_factory=list)
    reference_changes: list[Change] = field(default_factory=list)
