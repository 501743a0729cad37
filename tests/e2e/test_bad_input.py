"""Malformed requests get a 4xx naming the problem, never a 500, and store nothing."""

from __future__ import annotations

import pytest
from helpers import csrf_of
from sqlalchemy import func, select

from dawna.store.models import AuditRecord, Participant

BAD_FORMS = [
    {},  # everything missing
    {"site_code": "SITEA"},
    {"site_code": "SITEA", "full_name": "x" * 5000, "medical_record_number": "MRN-1"},
    {"site_code": "SITEA", "full_name": "x", "medical_record_number": "MRN-1",
     "consent_date": "0000-00-00"},
    {"site_code": "SITEA", "full_name": "x", "medical_record_number": "MRN-1",
     "consent_date": "9999-12-31"},
    {"site_code": "NOSUCH", "full_name": "x", "medical_record_number": "MRN-1"},
    {"site_code": "SITEA", "full_name": "\x00", "medical_record_number": "MRN-1\x00"},
]

BAD_JSON = [
    b"", b"{", b"[]", b'"text"', b'{"site_code": 5}', b'{"site_code": null, "full_name": []}',
    b'{"site_code": "SITEA", "full_name": "x", "medical_record_number": "MRN-1", "extra": 1}',
]


@pytest.mark.parametrize("form", BAD_FORMS)
def test_bad_registration_forms(client_for, app_db, form) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    token = csrf_of(client.get("/participants/new").text)
    answer = client.post("/participants/new", data=form | {"csrf_token": token})
    assert 400 <= answer.status_code < 500, answer.text[:300]
    assert 'class="error"' in answer.text
    with app_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Participant)) == 0


@pytest.mark.parametrize("body", BAD_JSON)
def test_bad_api_bodies(client_for, app_db, body) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    token = client.get("/api/me").json()["csrf_token"]
    answer = client.post("/api/participants", content=body,
                         headers={"X-CSRF-Token": token, "content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"] and "field" in answer.json()
    with app_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Participant)) == 0


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/participants/%00"), ("GET", "/participants/" + "A" * 5000),
    ("GET", "/api/participants/DF-000000"), ("PATCH", "/api/participants/DF-000000"),
    ("GET", "/audit?participant=DF-000000"), ("POST", "/participants/DF-000000/edit"),
    ("GET", "/no/such/page"),
])
def test_odd_paths_never_fail_with_500(client_for, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    client = client_for("monitor_a")
    token = client.get("/api/me").json()["csrf_token"]
    answer = client.request(method, path, headers={"X-CSRF-Token": token}, json={})
    assert 400 <= answer.status_code < 500, (path, answer.status_code)


def test_a_filter_matching_nothing_is_an_empty_list(client_for) -> None:  # type: ignore[no-untyped-def]
    answer = client_for("monitor_a").get("/api/audit", params={"row": "x" * 3000})
    assert answer.status_code == 200 and answer.json() == []


def test_audit_trail_unchanged_by_refused_requests(client_for, app_db) -> None:  # type: ignore[no-untyped-def]
    with app_db.sessions() as s:
        before = s.scalar(select(func.count()).select_from(AuditRecord))
    client = client_for("reader_a")
    token = client.get("/api/me").json()["csrf_token"]
    client.post("/api/participants", headers={"X-CSRF-Token": token},
                json={"site_code": "SITEA", "full_name": "x", "medical_record_number": "MRN-1"})
    with app_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditRecord)) == before


NEW_ROUTES_BAD = [
    # (path, form or json) against a consented participant; none may answer 500 or store
    ("/participants/{pid}/tumour/baseline", {"date": "2024-13-01", "lesions.0.id": "T1"}),
    ("/participants/{pid}/tumour/baseline", {"date": "2024-03-04", "lesions.0.id": "T1",
                                             "lesions.0.organ": "liver",
                                             "lesions.0.target": "maybe",
                                             "lesions.0.diameter_mm": "1e999"}),
    ("/participants/{pid}/tumour/follow-up", {"date": "x", "state.T1": "measured",
                                              "target.T1": "NaN"}),
    ("/participants/{pid}/tumour/follow-up/999999/delete", {"reason": ""}),
    ("/participants/{pid}/consent", {"version": "\x00", "signed_on": "2024-02-30", "at": "25:61",
                                     "obtained_by": ""}),
    ("/participants/{pid}/course/treatment-start", {"on": "yesterday"}),
    ("/participants/{pid}/course/nonsense", {"on": "2024-04-01"}),
    ("/participants/{pid}/course/study-end", {"on": "2024-04-01", "reason": "x" * 5000}),
    ("/participants/{pid}/follow-up", {"contact_date": "2024-04-01", "vital_status": "zombie"}),
    ("/participants/{pid}/follow-up", {"contact_date": "2024-04-01", "vital_status": "dead"}),
    ("/consent-forms", {"version": "", "approved_on": "0000-00-00"}),
]


@pytest.mark.parametrize(("path", "form"), NEW_ROUTES_BAD)
def test_bad_tumour_and_course_forms(client_for, app_db, path: str, form: dict) -> None:  # type: ignore[no-untyped-def,type-arg]
    client = client_for("coord_a")
    page = client.get("/participants/new")
    created = client.post("/participants/new", data={
        "site_code": "SITEA", "full_name": "x", "medical_record_number": "MRN-77",
        "consent_date": "2024-03-01", "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    pid = created.headers["location"].rsplit("/", 1)[1]
    with app_db.sessions() as s:
        before = s.scalar(select(func.count()).select_from(AuditRecord))
    answer = client.post(path.format(pid=pid), data=form | {"csrf_token": csrf_of(page.text)},
                         follow_redirects=False)
    assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text[:300])
    with app_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditRecord)) == before
