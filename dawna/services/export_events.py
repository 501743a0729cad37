"""Exports in the audit trail (issue 22 item 7; PIPL art. 51 and 55, ICH E6(R3) §4.2): who took
which export of which sites, under which data cut, and whether identifiers were left out, one
event per site through ``store/audit_events.py`` so ``dawna audit verify`` chains it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from dawna.services.access import Principal
from dawna.store.audit import Actor
from dawna.store.audit_events import record
from dawna.store.db import Database
from dawna.store.models import Site
from dawna.store.uow import UnitOfWork

__all__ = ["EXPORT_TABLE", "record_export"]

EXPORT_TABLE = "data_export"


def record_export(db: Database, principal: Principal, kind: str, site_ids: Iterable[int],
                  detail: Mapping[str, Any]) -> str:
    """Record one export (``kind``: ``sdtm``, ``odm``, ``fhir``…) of ``site_ids`` with
    ``detail`` (data cut, pseudonymized, files…); returns the event's id."""
    event = uuid.uuid4().hex[:16]
    actor = Actor(user_id=principal.user_id, username=principal.username)
    with UnitOfWork(db, actor, f"Data export: {kind}") as uow:
        ids = sorted(set(site_ids))
        codes = dict(uow.session.execute(select(Site.id, Site.code).where(
            Site.id.in_(ids))).all())
        for site_id in ids:
            record(uow.session, EXPORT_TABLE, event, "export", site_id,
                   {"kind": kind, "scope": ", ".join(codes[i] for i in ids)} | dict(detail))
        uow.commit()
    return event
