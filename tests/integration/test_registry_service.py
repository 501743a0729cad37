"""Registry import on SQLite and PostgreSQL: create, update with the changes audited, nothing
imported in part, search, and related trials with their reasons."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import SYSTEM
from sqlalchemy import func, select

from dawna.errors import NotFound, ValidationError
from dawna.services import registry
from dawna.store.db import Database
from dawna.store.models import AuditRecord, RegistryStudy

REF = Path(__file__).parents[1] / "reference" / "ctgov"


def load(name: str) -> dict[str, Any]:
    return json.loads((REF / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def count(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(RegistryStudy)) or 0)


def test_import_then_update_records_what_changed(db: Database) -> None:
    [(row, created)] = registry.import_studies(db, SYSTEM, load("NCT90000001.json"))
    assert created and row.phases == "PHASE2"
    newer = load("NCT90000001.json")
    newer["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    [(row, created)] = registry.import_studies(db, SYSTEM, newer, "registry update 2025-06")
    assert not created and row.overall_status == "COMPLETED" and count(db) == 1
    with db.sessions() as s:
        changes = s.scalars(select(AuditRecord).where(
            AuditRecord.table_name == "registry_study", AuditRecord.action == "update")).all()
    fields = {(c.field, c.old_value, c.new_value, c.reason) for c in changes}
    assert ("record.protocolSection.statusModule.overallStatus", "ACTIVE_NOT_RECRUITING",
            "COMPLETED", "registry update 2025-06") in fields


def test_a_search_result_with_one_bad_record_imports_nothing(db: Database) -> None:
    bad = copy.deepcopy(load("NCT90000002.json"))
    bad["protocolSection"]["designModule"]["phases"] = [4]
    with pytest.raises(ValidationError) as caught:
        registry.import_studies(db, SYSTEM, {"studies": [load("NCT90000001.json"), bad]})
    assert caught.value.field == "studies[1].protocolSection.designModule.phases[0]"
    assert count(db) == 0


def test_search_and_related_trials(db: Database) -> None:
    registry.import_studies(db, SYSTEM, {"studies": [
        load("NCT05861830.json"), load("NCT90000001.json"), load("NCT90000002.json")]})
    assert [r.nct_id for r in registry.list_studies(db, condition="breast")] == [
        "NCT05861830", "NCT90000001"]
    assert [r.nct_id for r in registry.list_studies(db, drug="metformin")] == ["NCT90000002"]
    assert [r.nct_id for r in registry.list_studies(db, phase="PHASE3")] == ["NCT05861830"]
    assert registry.list_studies(db, status="completed") == []
    matches = registry.related(db, "NCT05861830")
    # the CDK4/6 breast cancer trial is related, and says why; the diabetes trial shares only
    # generic words and falls below the minimum similarity; a study is never its own match
    assert [m.nct_id for m in matches] == ["NCT90000001"]
    assert any("advanced breast cancer" in r for r in matches[0].reasons)
    assert registry.MIN_SIMILARITY <= matches[0].score <= 1
    with pytest.raises(NotFound):
        registry.related(db, "NCT00000000")
