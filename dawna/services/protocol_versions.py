"""The protocol version in force on a date (issue 20 item 8).

Version 1 is the file shipped with dawna (``dawna/protocols/dawna_fes.yaml``). Until the first
amendment is loaded it is not stored: it is read from the package, approved on the approval of
its first consent form version and effective on the registry start date. Loading the first
amendment (``dawna.services.protocol_amendments``) stores version 1's text and SHA-256 first,
and from then on the database is the record of every version (append-only rows).

The version in force on a date ``D`` is the one with the latest effective date on or before
``D``; a date before version 1's effective date is judged under version 1 (screening may begin
before the registry start date). Decisions judged under it: eligibility (screening save, the
live checklist, the signature) at the record's decision date; the allocation records the version
in force on the randomization date; a dose decision the one on its decision date. Everything
else (treatment calendars, safety clocks, the analysis) reads the bundled file, which is why an
amendment may change criteria texts and screening settings freely, while a change of the
randomization settings after go-live is refused (``dawna.services.protocol_amendments``).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.errors import NotFound
from dawna.i18n import _
from dawna.protocol import Protocol, bundled_protocol
from dawna.protocol.loader import BUNDLED_FILE, BUNDLED_PACKAGE, parse_protocol
from dawna.store.db import Database
from dawna.store.models import ProtocolVersion
from dawna.store.uow import UnitOfWork

__all__ = ["BUNDLED_LABEL", "VersionInfo", "bundled_sha256", "bundled_text", "by_label",
           "in_force", "in_force_on", "label_on", "overview", "protocol_of", "protocol_on",
           "sha256_of", "stored_rows", "version_protocol", "versions", "versions_of"]

BUNDLED_LABEL = "1"


@dataclass(frozen=True)
class VersionInfo:
    label: str
    sha256: str
    approved_on: date
    effective_on: date
    summary: str
    consent_version: str | None
    loaded_by: str
    loaded_at: datetime | None  # None: version 1, not stored yet
    stored: bool


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=1)
def bundled_text() -> str:
    return resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_FILE).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def bundled_sha256() -> str:
    return sha256_of(bundled_text())


def _bundled_info() -> VersionInfo:
    protocol = bundled_protocol()
    forms = sorted(protocol.consent_forms, key=lambda f: f.approved)
    effective = protocol.registry.start_date
    approved = forms[0].approved if forms else effective
    consent = [f.version for f in forms if f.approved <= effective]
    return VersionInfo(label=BUNDLED_LABEL, sha256=bundled_sha256(),
                       approved_on=min(approved, effective), effective_on=effective,
                       summary=_("Protocol as registered (the file shipped with dawna)"),
                       consent_version=consent[-1] if consent else None,
                       loaded_by="dawna", loaded_at=None, stored=False)


def _info(row: ProtocolVersion) -> VersionInfo:
    return VersionInfo(label=row.label, sha256=row.sha256, approved_on=row.approved_on,
                       effective_on=row.effective_on, summary=row.summary,
                       consent_version=row.consent_version, loaded_by=row.loaded_by,
                       loaded_at=row.loaded_at, stored=True)


def stored_rows(session: Session) -> list[ProtocolVersion]:
    return list(session.scalars(select(ProtocolVersion).order_by(ProtocolVersion.effective_on)))


def versions_of(session: Session) -> list[VersionInfo]:
    """Every version by effective date; version 1 alone while nothing is stored."""
    rows = stored_rows(session)
    return [_info(r) for r in rows] if rows else [_bundled_info()]


def versions(db: Database) -> list[VersionInfo]:
    with UnitOfWork(db) as uow:
        return versions_of(uow.session)


@functools.lru_cache(maxsize=16)
def _parsed(sha256: str, text: str) -> Protocol:
    return parse_protocol(text, source=_("protocol version"))


def protocol_of(session: Session, label: str) -> Protocol:
    """The parsed file of version ``label`` (parsed once per text)."""
    if label == BUNDLED_LABEL and not stored_rows(session):
        return bundled_protocol()
    row = session.scalars(select(ProtocolVersion).where(ProtocolVersion.label == label)).first()
    if row is None:
        raise NotFound(_("no protocol version {label}").format(label=label), field="version")
    if row.sha256 == bundled_sha256():
        return bundled_protocol()
    return _parsed(row.sha256, row.yaml_text)


def by_label(session: Session, label: str) -> VersionInfo:
    for info in versions_of(session):
        if info.label == label:
            return info
    raise NotFound(_("no protocol version {label}").format(label=label), field="version")


def in_force(session: Session, on: date) -> VersionInfo:
    """The version in force on ``on`` (the first version for a date before it)."""
    known = versions_of(session)
    current = known[0]
    for info in known:
        if info.effective_on <= on:
            current = info
    return current


def overview(db: Database, on: date) -> tuple[list[VersionInfo], str, Protocol]:
    """Every version, the label of the one in force on ``on`` and its parsed file (pages)."""
    with UnitOfWork(db) as uow:
        s = uow.session
        label, protocol = protocol_on(s, on)
        return versions_of(s), label, protocol


def version_protocol(db: Database, label: str | None, on: date) -> tuple[VersionInfo, Protocol]:
    """Version ``label`` (None: the one in force on ``on``) and its parsed file, in a read of
    its own (the USDM export of a stored version)."""
    with UnitOfWork(db) as uow:
        s = uow.session
        info = in_force(s, on) if label is None else by_label(s, label)
        return info, protocol_of(s, info.label)


def in_force_on(db: Database, on: date) -> VersionInfo:
    """:func:`in_force` in a read of its own."""
    with UnitOfWork(db) as uow:
        return in_force(uow.session, on)


def label_on(session: Session, on: date) -> str:
    return in_force(session, on).label


#: Parsed versions by the SHA-256 of their text (a stored version's text never changes).
_PARSED: dict[str, Protocol] = {}


_VERSIONS = (select(ProtocolVersion.label, ProtocolVersion.sha256, ProtocolVersion.effective_on)
             .order_by(ProtocolVersion.effective_on))  # built once: every randomization reads it


def protocol_on(session: Session, on: date) -> tuple[str, Protocol]:
    """The label and the parsed file of the version in force on ``on`` (as :func:`in_force`
    and :func:`protocol_of`): one statement of three short columns, the text read and parsed
    only the first time a version is met (randomization and screening run this per request)."""
    rows = session.execute(_VERSIONS).all()
    if not rows:
        return BUNDLED_LABEL, bundled_protocol()
    label, sha256 = rows[0].label, rows[0].sha256
    for row in rows:
        if row.effective_on <= on:
            label, sha256 = row.label, row.sha256
    if sha256 == bundled_sha256():
        return label, bundled_protocol()
    parsed = _PARSED.get(sha256)
    if parsed is None:
        text = session.scalar(select(ProtocolVersion.yaml_text)
                              .where(ProtocolVersion.label == label))
        parsed = _PARSED.setdefault(sha256, _parsed(sha256_of(text or ""), text or ""))
    return label, parsed
