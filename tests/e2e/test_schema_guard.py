"""A running server refuses writes once the database is at another schema version
(web/schema_guard.py; docs/deployment.md, "Upgrading"), on SQLite and PostgreSQL.

The database's revision is moved as a migration run by a newer (or older) dawna would move it:
``alembic_version`` set to another revision while the server runs. Reading it again is not
timed: with ``schema_check_seconds=0`` every write reads it; with an hour, the reading made at
the first write is reused (the refusal waits for the next reading).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from helpers import PASSWORD, csrf_of
from sqlalchemy import func, select, text

from dawna.config import Settings
from dawna.store.db import Database
from dawna.store.migrate import head_revision
from dawna.store.models import Participant
from dawna.web.app import create_app

NEW = {"site_code": "SITEA", "full_name": "周燕", "medical_record_number": "MRN-700",
       "consent_date": "2024-03-01"}


def _set_revision(db: Database, revision: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def _participants(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Participant)) or 0)


def test_writes_are_refused_while_the_schema_is_another_and_resume_after(
        client_on: Callable[..., TestClient], trial: Database) -> None:
    head = head_revision()
    assert head is not None
    client = client_on("coord_a", schema_check_seconds=0)
    token = client.get("/api/me").json()["csrf_token"]
    assert client.get("/healthz").json() == {"status": "ok"}
    other = client_on("coord_a", schema_check_seconds=0)  # logged in before the upgrade
    other_token = other.get("/api/me").json()["csrf_token"]
    _set_revision(trial, "0099")  # a newer dawna migrated the database under this server
    try:
        refused = client.post("/api/participants", json=NEW, headers={"X-CSRF-Token": token})
        assert refused.status_code == 503, refused.text
        body = refused.json()
        assert (body["field"], body["code"]) == ("schema", "schema_changed")
        assert "0099" in body["detail"] and head in body["detail"]
        assert "nothing was saved" in body["detail"]
        zh = client.post("/api/participants", json=NEW,
                         headers={"X-CSRF-Token": token, "accept-language": "zh-CN"})
        assert zh.status_code == 503 and "未保存任何内容" in zh.json()["detail"]
        assert _participants(trial) == 0
        page = client.post("/participants/new", data={**NEW, "csrf_token": token})
        assert page.status_code == 503 and "0099" in page.text  # the page form too
        assert client.get("/api/me").status_code == 200  # reading goes on
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "schema_changed"
        # a draft evaluated, not saved, still answers (here: its own 422 on an empty body)
        assert client.post("/api/recist/evaluate", json={},
                           headers={"X-CSRF-Token": token}).status_code == 422
        # and a shared workstation can still end its session
        assert other.post("/logout", data={"csrf_token": other_token},
                          follow_redirects=False).status_code == 303
        assert other.get("/api/me").status_code == 401
    finally:
        _set_revision(trial, head)
    created = client.post("/api/participants", json=NEW, headers={"X-CSRF-Token": token})
    assert created.status_code == 201, created.text
    assert _participants(trial) == 1


def test_an_older_schema_is_refused_too_and_a_reading_is_reused_within_its_interval(
        client_on: Callable[..., TestClient], trial: Database, settings: Settings) -> None:
    head = head_revision()
    assert head is not None
    # its login, a write, read the revision
    client = client_on("coord_a", schema_check_seconds=3600)
    token = client.get("/api/me").json()["csrf_token"]
    _set_revision(trial, "0025")  # downgraded under the running server
    try:
        kept = client.post("/api/participants", json=NEW, headers={"X-CSRF-Token": token})
        assert kept.status_code == 201, kept.text  # the reading of the last hour stands
        with TestClient(create_app(settings.model_copy(update={"schema_check_seconds": 3600}),
                                   trial), raise_server_exceptions=False) as other:
            login = other.post("/login", data={"username": "coord_a", "password": PASSWORD,
                                               "csrf_token": csrf_of(other.get("/login").text)},
                               follow_redirects=False)
        assert login.status_code == 503, login.text  # a server reading now refuses
        assert "0025" in login.text and head in login.text
    finally:
        _set_revision(trial, head)
    assert _participants(trial) == 1


def test_the_code_revision_is_the_one_the_process_started_with(
        client_on: Callable[..., TestClient], trial: Database,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An in-place upgrade replaces the migration files under a running server: the files now
    end at 0099, the database is migrated to 0099, and the server, still running the code that
    ends at the head it started with, refuses to write."""
    from dawna.store import migrate

    head = head_revision()
    assert head is not None
    client = client_on("coord_a", schema_check_seconds=0)
    token = client.get("/api/me").json()["csrf_token"]
    monkeypatch.setattr(migrate, "head_revision", lambda: "0099")  # the new files on disk
    _set_revision(trial, "0099")
    try:
        refused = client.post("/api/participants", json=NEW, headers={"X-CSRF-Token": token})
        assert refused.status_code == 503, refused.text
        assert "0099" in refused.json()["detail"] and head in refused.json()["detail"]
    finally:
        _set_revision(trial, head)
