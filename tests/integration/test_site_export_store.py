"""The site data export on SQLite and PostgreSQL (issue 20 item 7): site scope and identifiers
by role, and the export's audit records chained into the trail (verify stays intact)."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import principal, two_site_trial
from sqlalchemy import select

from dawna.config import Settings
from dawna.errors import PermissionDenied
from dawna.services import audit_integrity, participants, site_export
from dawna.services.schemas import ParticipantCreate
from dawna.store.db import Database
from dawna.store.models import AuditRecord


@pytest.fixture
def trial(db: Database, settings: Settings) -> Database:
    two_site_trial(db)
    for site, mrn in (("SITEA", "MRN-A1"), ("SITEA", "MRN-A2"), ("SITEB", "MRN-B1")):
        participants.register(db, settings, principal(db, f"coord_{site[-1].lower()}"),
                              ParticipantCreate(site_code=site, consent_date=date(2024, 3, 1),
                                                full_name="李秀兰", medical_record_number=mrn,
                                                phone="+86-133-6617-1269"))
    return db


def test_site_scope_identifiers_and_the_audit_record(trial: Database) -> None:
    coord = principal(trial, "coord_a")
    data = site_export.site_data(trial, coord)
    assert data.sites == ["SITEA"] and data.identifiers
    assert len(data.tables["participant"]) == 2
    assert sorted(data.tables["participant_identity"]["medical_record_number"]) == [
        "MRN-A1", "MRN-A2"]
    with pytest.raises(PermissionDenied):
        site_export.site_data(trial, coord, "SITEB")
    with pytest.raises(PermissionDenied):
        site_export.site_data(trial, principal(trial, "monitor_a"))
    site_export.record_export(trial, coord, data, "csv")
    check = audit_integrity.check(trial)
    assert check.ok, check.problems
    with trial.sessions() as session:
        trail = [(r.field, r.new_value) for r in session.scalars(
            select(AuditRecord).where(AuditRecord.action == "export",
                                      AuditRecord.table_name == "data_export"))]
    assert set(trail) == {
        ("scope", "SITEA"), ("identifiers", "true"), ("format", "csv"),
        ("forms", ", ".join(data.tables))}

