"""Bad bytes, size limits and headers over HTTP (issue 19 items 9, 10, 11), on SQLite and
PostgreSQL where the database matters.

References: PostgreSQL refuses NUL in text ("invalid byte sequence for encoding UTF8: 0x00"),
which gave 500 on main for ``/api/studies?q=%00`` without login; OWASP ASVS 4.0 V5.1.4 (input
allow-lists), V12.1.1 (request size), V8.2.1 (no caching of sensitive data: ``Cache-Control:
no-store``), V14.4.5 (HSTS); RFC 6797.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from helpers import csrf_of, principal
from sqlalchemy import func, select

from dawna.config import Settings
from dawna.services import participants
from dawna.services.schemas import ParticipantCreate
from dawna.store.db import Database
from dawna.store.models import Participant
from dawna.store.uow import UnitOfWork

# ``trial``: tests/conftest.py (the two-site trial, copied from a template); ``client_on``:
# tests/e2e/conftest.py


def _count(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Participant)) or 0)


# --- item 9: bad bytes ---------------------------------------------------------------------

@pytest.mark.parametrize("query", ["q=%00", "q=a%01b", "drug=%7F", "q=ok&status=%00x"])
def test_control_characters_in_a_query_string_are_422_naming_the_field_even_without_login(
        client_on: Callable[..., TestClient], query: str) -> None:
    answer = client_on(None).get(f"/api/studies?{query}")
    assert answer.status_code == 422, answer.text
    bad = next(part.split("=")[0] for part in query.split("&")
               if any(code in part for code in ("%00", "%01", "%7F")))
    assert answer.json()["field"] == bad


def test_tabs_and_line_breaks_are_text_and_a_nul_in_a_path_is_refused(
        client_on: Callable[..., TestClient]) -> None:
    client = client_on(None)
    assert client.get("/api/studies?q=a%09b%0Ac").status_code == 200
    assert client.get("/participants/%00").status_code == 422


@pytest.mark.parametrize("text", ["王\x00秀英", "x\x1b[31m", "a\x7f"])
def test_control_characters_in_a_json_body_are_422_naming_the_field_and_nothing_is_saved(
        client_on: Callable[..., TestClient], trial: Database, text: str) -> None:
    client = client_on("coord_a")
    token = client.get("/api/me").json()["csrf_token"]
    answer = client.post("/api/participants", json={
        "site_code": "SITEA", "full_name": text, "medical_record_number": "MRN-100",
        "consent_date": "2024-03-01"}, headers={"X-CSRF-Token": token})
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "full_name"
    assert _count(trial) == 0


def test_control_characters_in_a_form_are_422_and_line_breaks_in_a_reason_are_kept(
        client_on: Callable[..., TestClient], trial: Database) -> None:
    client = client_on("coord_a")
    token = csrf_of(client.get("/participants/new").text)
    answer = client.post("/participants/new", data={
        "site_code": "SITEA", "full_name": "张\x00桂兰", "medical_record_number": "MRN-100",
        "consent_date": "2024-03-01", "csrf_token": token})
    assert answer.status_code == 422 and 'data-field="full_name"' in answer.text
    assert _count(trial) == 0


def test_percent_and_underscore_in_a_search_are_literal(trial: Database,
                                                        settings: Settings) -> None:
    coord = principal(trial, "coord_a")
    for i in range(3):
        participants.register(trial, settings, coord, ParticipantCreate(
            site_code="SITEA", consent_date=date(2024, 3, 1), full_name=f"赵丽{i}",
            medical_record_number=f"MRN-7{i}"))
    with UnitOfWork(trial) as uow:
        site = uow.sites.by_code("SITEA")
        assert site is not None
        ids = [site.id]
        everyone = uow.participants.search(ids, term="")
        assert len(everyone) == 3
        # "%" and "_" are characters no screening number or pseudonym holds: nothing matches
        # (on main they were wildcards: "%" matched all 3 and "_" every one too)
        assert uow.participants.search(ids, term="%") == []
        assert uow.participants.search(ids, term="_") == []
        assert len(uow.participants.search(ids, term="S00")) == 3


def test_registry_search_treats_percent_as_a_character(
        client_on: Callable[..., TestClient]) -> None:
    client = client_on(None)
    assert client.get("/api/studies?q=%25").status_code == 200
    assert client.get("/api/studies?q=%25").json() == []  # no study title holds a "%"


# --- item 10: size limits --------------------------------------------------------------------

def test_a_body_over_the_limit_is_refused_with_413_from_its_content_length(
        client_on: Callable[..., TestClient], trial: Database) -> None:
    client = client_on("coord_a", max_body_mb=1)
    token = client.get("/api/me").json()["csrf_token"]
    big = b'{"site_code": "SITEA", "full_name": "' + b"x" * (1024 * 1024 + 1) + b'"}'
    answer = client.post("/api/participants", content=big,
                         headers={"X-CSRF-Token": token, "content-type": "application/json"})
    assert answer.status_code == 413 and answer.json()["field"] == "request"
    assert "1 MB" in answer.json()["detail"]
    assert _count(trial) == 0


def test_a_streamed_body_without_length_is_cut_off_at_the_limit(
        client_on: Callable[..., TestClient]) -> None:
    client = client_on("coord_a", max_body_mb=1)
    token = client.get("/api/me").json()["csrf_token"]
    sent = {"chunks": 0}

    def stream() -> Iterator[bytes]:
        for _ in range(40):  # 40 × 64 KiB = 2.5 MB, sent chunked (no Content-Length)
            sent["chunks"] += 1
            yield b"x" * 65536

    answer = client.post("/api/participants", content=stream(),
                         headers={"X-CSRF-Token": token, "content-type": "application/json"})
    assert answer.status_code == 413


def test_a_streamed_upload_without_length_is_cut_off_at_the_limit(
        client_on: Callable[..., TestClient]) -> None:
    client = client_on("coord_a", max_body_mb=1, max_upload_mb=1)
    token = client.get("/api/me").json()["csrf_token"]
    boundary = "b0undary"

    def stream() -> Iterator[bytes]:  # a multipart DICOM upload of 2.5 MB, chunked
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
               f"filename=\"a.dcm\"\r\nContent-Type: application/dicom\r\n\r\n").encode()
        for _ in range(40):
            yield b"\x00" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    answer = client.post("/api/pet/suv", content=stream(), headers={
        "X-CSRF-Token": token, "content-type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status_code == 413, answer.text[:200]


def test_a_dicom_upload_has_its_own_larger_limit(client_on: Callable[..., TestClient]) -> None:
    client = client_on("coord_a", max_body_mb=1, max_upload_mb=3)
    token = client.get("/api/me").json()["csrf_token"]
    files = {"files": ("a.dcm", b"\x00" * (2 * 1024 * 1024), "application/dicom")}
    answer = client.post("/api/pet/suv", files=files, data={"x": "1", "y": "1", "z": "1",
                                                            "radius_mm": "5"},
                         headers={"X-CSRF-Token": token})
    assert answer.status_code != 413 and answer.status_code < 500, answer.text[:200]
    files = {"files": ("a.dcm", b"\x00" * (4 * 1024 * 1024), "application/dicom")}
    answer = client.post("/api/pet/suv", files=files, data={"x": "1", "y": "1", "z": "1",
                                                            "radius_mm": "5"},
                         headers={"X-CSRF-Token": token})
    assert answer.status_code == 413


# --- item 11: headers ------------------------------------------------------------------------

def _fill(path: str) -> str:
    values = {"pseudonym": "DF-000000", "nct_id": "NCT05861830"}
    out = path
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        name = out[start + 1:end].split(":")[0]
        out = out[:start] + values.get(name, "1") + out[end + 1:]
    return out


def _flat(routes: list[Any]) -> Iterator[Any]:
    """The app's routes, those of included routers too (FastAPI keeps them nested)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flat(inner.routes)
        else:
            yield route


def test_every_get_route_answers_with_no_store_and_no_server_header(
        client_on: Callable[..., TestClient], trial: Database) -> None:
    client = client_on("monitor_a")
    app = client.app
    paths = sorted({_fill(r.path) for r in _flat(app.routes)  # type: ignore[attr-defined]
                    if isinstance(r, APIRoute) and "GET" in r.methods})
    assert len(paths) > 40
    missing = []
    for path in paths:
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code < 500, (path, answer.text[:200])
        if answer.headers.get("cache-control") != "no-store" or "server" in answer.headers:
            missing.append((path, answer.status_code, answer.headers.get("cache-control")))
    assert missing == []
    assert "strict-transport-security" not in client.get("/study").headers
    assert client.get("/static/style.css").headers.get("cache-control") != "no-store"


def test_hsts_when_the_production_setting_says_so(client_on: Callable[..., TestClient],
                                                  trial: Database) -> None:
    answer = client_on(None, hsts=True).get("/login")
    assert answer.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_dawna_serve_runs_uvicorn_without_its_server_header(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import uvicorn

    from dawna.cli import admin
    from dawna.config import get_settings
    from dawna.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    upgrade(url)  # served only at its last migration
    monkeypatch.setenv("DAWNA_DATABASE_URL", url)
    get_settings.cache_clear()
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    try:
        admin.serve()
    finally:
        get_settings.cache_clear()
    assert seen["server_header"] is False

