"""CDISC ODM 1.3.2 of the whole study (issue 22 item 4): metadata, users and sites, every form's
rows per participant with the audit trail and the signatures in force, written with odmlib,
validated against the ODM 1.3.2 schema, with ``manifest.json`` and an audit event
(``docs/odm.md``; CDISC ODM 1.3.2; 21 CFR 11.10(e) and ICH E6(R3) §4.2 for the audit trail).

The reader exports the sites where they hold ``data.export`` (the data manager: every site).
Identifiers (the ``participant_identity`` rows and their audit records) are included only for
participants of sites where the reader holds ``identity.view``; elsewhere they are left out, and
the manifest and the audit event say whether they were (PIPL art. 51; ``docs/exports.md``).
Reference data (sites, users, roles, the protocol versions, the randomization list...) and the
audit records of no site are exported whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import utcnow
from dawna.exports import manifest, odm_write
from dawna.exports.odm_data import Change, Row, Site, Study, Subject, User
from dawna.i18n import _, use_locale
from dawna.protocol.loader import bundled_protocol
from dawna.services import export_events, odm_read_store
from dawna.services.access import Permission, Principal
from dawna.services.signoff import MEANINGS
from dawna.services.site_export import export_sites
from dawna.store import audit_verify
from dawna.store.db import Database
from dawna.store.models import Membership
from dawna.store.models import Site as SiteRow
from dawna.store.models import User as UserRow
from dawna.store.uow import UnitOfWork

__all__ = ["FILE", "IDENTITY_TABLE", "OdmExport", "OdmForm", "build", "export", "summary"]

FILE = "odm.xml"
IDENTITY_TABLE = "participant_identity"


class OdmForm(BaseModel):
    form: str
    label: str
    item_groups: int


class OdmExport(BaseModel):
    """What an ODM export holds (and, once written, its file)."""

    sites: list[str]
    identifiers: bool
    subjects: int
    forms: list[OdmForm]
    reference_item_groups: int
    audit_records: int
    audit_changes: int
    signatures: int
    file: str | None = None
    bytes: int | None = None
    seconds: float | None = None


def _study(session: Session, principal: Principal, sites: list[tuple[int, str]]) -> Study:
    protocol = bundled_protocol().registry
    codes = dict(session.execute(select(SiteRow.id, SiteRow.code)).all())
    names = dict(session.execute(select(SiteRow.code, SiteRow.name)).all())
    scope = {i for i, _c in sites}
    identity = {i for i in scope if principal.can(Permission.IDENTITY_VIEW, i)}
    owners = odm_read_store.Owners()
    all_rows = odm_read_store.rows(session, owners)
    pseudonyms = {int(r.key): str(r.values["pseudonym"]) for r in
                  (x[1] for x in all_rows if isinstance(x, tuple)) if r.table == "participant"}
    subjects = {pid: Subject(pseudonyms[pid], codes[owners.site[pid]])
                for pid in sorted(pseudonyms) if owners.site[pid] in scope}

    def keep(pid: int, table: str) -> bool:
        return pid in subjects and (table != IDENTITY_TABLE or owners.site[pid] in identity)

    study = Study(oid=f"ST.{protocol.acronym}", name=protocol.acronym,
                  description=protocol.brief_title, protocol=protocol.nct_id,
                  created_at=utcnow().isoformat(), version=manifest.software_version(),
                  tables=odm_read_store.table_specs(), sites=[Site(codes[i], names[codes[i]])
                                                               for i in sorted(codes)],
                  users=[], meanings={})
    for item in all_rows:
        if isinstance(item, Row):
            study.reference_rows.append(item)
        elif keep(item[0], item[1].table):
            subjects[item[0]].rows.append(item[1])
    actors: set[str] = set()
    for pid, change in odm_read_store.changes(session, owners, codes):
        actors.add(change.actor)
        if pid is None:
            if change.site is None or change.site in {codes[i] for i in scope}:
                study.reference_changes.append(change)
        elif keep(pid, change.table):
            subjects[pid].changes.append(change)
    for pid, mark in odm_read_store.marks(session, owners, codes):
        actors.add(mark.username)
        if pid in subjects:
            subjects[pid].marks.append(mark)
    study.subjects = list(subjects.values())
    study.users = _users(session, codes, actors)
    for code, label in MEANINGS.items():
        with use_locale("zh_CN"):
            study.meanings[code] = (label, _(label))
    study.identifiers = bool(identity)
    return study


def _users(session: Session, codes: dict[int, str], actors: set[str]) -> list[User]:
    sites: dict[int, list[str]] = {}
    for user_id, site_id in session.execute(select(Membership.user_id, Membership.site_id)
                                            .distinct().order_by(Membership.site_id)).all():
        sites.setdefault(user_id, []).append(codes[site_id])
    users = [User(u.username, u.display_name, tuple(sites.get(u.id, ())))
             for u in session.scalars(select(UserRow).order_by(UserRow.username))]
    known = {u.username for u in users}
    return users + [User(name, name, (), system=True) for name in sorted(actors - known)]


def build(db: Database, principal: Principal, site_code: str | None = None) -> Study:
    """The study as plain data for the reader (nothing written, nothing recorded)."""
    sites = export_sites(db, principal, site_code)
    with UnitOfWork(db) as uow:
        return _study(uow.session, principal, sites)


def _summary(study: Study) -> OdmExport:
    counts: dict[str, int] = {}
    for subject in study.subjects:
        for row in subject.rows:
            counts[row.table] = counts.get(row.table, 0) + 1
    labels = {t.name: t.label_en for t in study.tables}
    changes: list[Change] = [c for s in study.subjects for c in s.changes]
    changes += study.reference_changes
    return OdmExport(
        sites=sorted({s.site for s in study.subjects}),
        identifiers=study.identifiers, subjects=len(study.subjects),
        forms=[OdmForm(form=t, label=_(labels[t]), item_groups=n) for t, n in counts.items()],
        reference_item_groups=len(study.reference_rows),
        audit_records=sum(len(c.changes) for c in changes), audit_changes=len(changes),
        signatures=sum(len(s.marks) for s in study.subjects))


def summary(db: Database, principal: Principal, site_code: str | None = None) -> OdmExport:
    """What the ODM export of the reader holds, without writing or recording anything."""
    return _summary(build(db, principal, site_code))


def export(db: Database, principal: Principal, directory: Path, site_code: str | None = None,
           progress: Callable[[str, int], None] | None = None) -> OdmExport:
    """Write ``odm.xml`` (validated against the ODM 1.3.2 schema) and ``manifest.json`` into
    ``directory`` and record the export in the audit trail. ``progress(step, total)`` is called
    once per participant written and per step."""
    started = time.perf_counter()
    study = build(db, principal, site_code)
    result = _summary(study)
    total = len(study.subjects) + 2

    def tick(step: str) -> None:
        if progress:
            progress(step, total)
    tick(_("Read the store"))
    directory.mkdir(parents=True, exist_ok=True)
    path = odm_write.write(study, directory / FILE, progress=lambda: tick(_("Writing ODM")))
    odm_write.validate(path)
    tick(_("Validated against the ODM 1.3.2 schema"))
    with UnitOfWork(db) as uow:
        head = audit_verify.head(uow.session)
    manifest.write_manifest(directory, "odm", {FILE: None}, data_cut=None,
                            pseudonymized=not result.identifiers,
                            extra={"odm_version": "1.3.2", "subjects": result.subjects,
                                   "audit_records": result.audit_records,
                                   "audit_chain_head": head.hash})
    ids = [i for i, _c in export_sites(db, principal, site_code)]
    export_events.record_export(db, principal, "odm", ids, {
        "file": FILE, "identifiers": result.identifiers, "subjects": result.subjects,
        "audit_records": result.audit_records})
    return result.model_copy(update={"file": str(path), "bytes": path.stat().st_size,
                                     "seconds": round(time.perf_counter() - started, 2)})
