"""The web application through HTTP: study page, login, participants, audit trail, bad input."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import csrf_of
from sqlalchemy import func, select

from dawna.store.db import Database
from dawna.store.models import AuditRecord, Participant

RECORD = (Path(__file__).parents[1] / "reference" / "NCT05861830.txt").read_text(encoding="utf-8")


def _criteria(record: str, heading: str) -> list[str]:
    block = record.split(heading, 1)[1]
    lines = []
    for line in block.splitlines()[1:]:
        if line.startswith("* "):
            lines.append(line[2:].strip())
        elif lines and line.strip() and not line.startswith("*"):
            break
    return lines


def _text(html: str) -> str:
    import html as h

    return h.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _register(client, **fields):  # type: ignore[no-untyped-def]
    form = client.get("/participants/new")
    data = {"site_code": "SITEA", "consent_date": "2024-03-01", "full_name": "张桂兰",
            "medical_record_number": "MRN-100", "phone": "", "csrf_token": csrf_of(form.text)}
    data.update(fields)
    return client.post("/participants/new", data=data, follow_redirects=False)


def _count(db: Database, model=Participant) -> int:  # type: ignore[no-untyped-def]
    with db.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_public_study_page_shows_every_section_of_the_registry_record(client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(None).get("/study")
    assert page.status_code == 200
    text = _text(page.text)
    inclusion = _criteria(RECORD, "Inclusion Criteria")
    exclusion = _criteria(RECORD, "Exclusion Criteria")
    assert len(inclusion) == 9 and len(exclusion) == 10
    for criterion in inclusion + exclusion:
        assert criterion in text
    expected = [
        "NCT05861830", "PekingUMCH-FES-BC-2", "Results pending", "RECRUITING", "PHASE3",
        "80 participants", "2023-05-15", "2026-06-30", "2024-03-12", "Advanced Breast Cancer",
        "RANDOMIZED", "PARALLEL", "TREATMENT", "NONE", "EXPERIMENTAL", "ACTIVE_COMPARATOR",
        "Jiangsu HengRui Medicine Co., Ltd.", "INDUSTRY", "Peking Union Medical College Hospital",
        "Qiang Sun, M.D.", "STUDY_CHAIR", "Bo Pan, M.D.", "+86-133-6617-1269",
        "Beijing Municipality", "China", "NCT06301438", "Dalpiciclib in HR+/HER2- ABC",
        "18 years", "80 years", "dalpiciclib 150 mg", "days 1–21", "tamoxifen 10–20 mg",
        "cycle 1: days 1, 15", "21 days", "28 days",
    ]
    missing = [e for e in expected if e not in text]
    assert missing == []
    # the record's two detailed-description paragraphs are all there
    assert "18F-fluorodeoxyglucose (FDG) PET imaging is widely utilized" in text


def test_pages_need_a_login_and_the_api_answers_401(client_for) -> None:  # type: ignore[no-untyped-def]
    anonymous = client_for(None)
    answer = anonymous.get("/participants", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    api = anonymous.get("/api/participants")
    assert api.status_code == 401 and api.json()["field"] == "session"


def test_wrong_credentials_are_refused_with_a_clear_message(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(None)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"username": "coord_a", "password": "nope",
                                         "csrf_token": token})
    assert answer.status_code == 401
    assert "wrong user name or password" in answer.text
    assert "dawna_session" not in answer.cookies


def test_login_without_csrf_token_is_refused(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(None)
    client.get("/login")
    answer = client.post("/login", data={"username": "coord_a", "password": "x"})
    assert answer.status_code == 403 and "csrf_token" in answer.text


def test_session_cookie_is_httponly_and_samesite(client_for, app_db) -> None:  # type: ignore[no-untyped-def]
    client = client_for(None)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"username": "coord_a", "password": "correct-horse-battery",
                                         "csrf_token": token}, follow_redirects=False)
    cookie = answer.headers["set-cookie"]
    assert "dawna_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_register_open_and_correct_a_participant(client_for, app_db) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    created = _register(client)
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert page.status_code == 200 and "SITEA-S001" in page.text and "张桂兰" in page.text
    pseudonym = created.headers["location"].rsplit("/", 1)[1]
    edit = client.get(f"/participants/{pseudonym}/edit")
    saved = client.post(f"/participants/{pseudonym}/edit", data={
        "consent_date": "2024-03-01", "full_name": "张桂兰", "medical_record_number": "MRN-100",
        "phone": "+86-10-6915-6114", "reason": "phone added from the clinic record",
        "version": "1", "csrf_token": csrf_of(edit.text)}, follow_redirects=False)
    assert saved.status_code == 303
    with app_db.sessions() as s:
        row = s.scalars(select(AuditRecord).where(AuditRecord.field == "phone",
                                                  AuditRecord.action == "update")).one()
    assert (row.old_value, row.new_value, row.actor, row.reason) == (
        None, "+86-10-6915-6114", "coord_a", "phone added from the clinic record")


def test_a_correction_without_reason_is_refused_and_nothing_changes(client_for, app_db) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    pseudonym = _register(client).headers["location"].rsplit("/", 1)[1]
    edit = client.get(f"/participants/{pseudonym}/edit")
    answer = client.post(f"/participants/{pseudonym}/edit", data={
        "consent_date": "2024-03-05", "full_name": "张桂兰", "medical_record_number": "MRN-100",
        "phone": "", "reason": "", "version": "1", "csrf_token": csrf_of(edit.text)})
    assert answer.status_code == 422 and 'data-field="reason"' in answer.text
    with app_db.sessions() as s:
        assert s.scalars(select(Participant.consent_date)).one().isoformat() == "2024-03-01"


def test_bad_registration_input_names_the_field_and_stores_nothing(client_for, app_db) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    cases = {
        "full_name": {"full_name": ""},
        "consent_date": {"consent_date": "2024-02-30"},
        "medical_record_number": {"medical_record_number": "a b"},
        "phone": {"phone": "call me"},
        "site_code": {"site_code": "SITEB"},
    }
    for field, bad in cases.items():
        answer = _register(client, **bad)
        assert answer.status_code == 422, (field, answer.status_code)
        assert f'data-field="{field}"' in answer.text, field
    assert _count(app_db) == 0


def test_other_sites_participants_are_invisible(client_for) -> None:  # type: ignore[no-untyped-def]
    a = client_for("coord_a")
    location = _register(a).headers["location"]
    b = client_for("coord_b")
    assert "SITEA-S001" not in b.get("/participants").text
    answer = b.get(location)
    assert answer.status_code == 404 and "no participant" in answer.text
    assert "张桂兰" not in answer.text
    api = b.get("/api" + location)
    assert api.status_code == 404 and api.json()["field"] == "participant"


def test_unknown_participant_is_404_not_500(client_for) -> None:  # type: ignore[no-untyped-def]
    answer = client_for("coord_a").get("/participants/DF-NOSUCH")
    assert answer.status_code == 404


def test_reader_sees_no_identity_and_cannot_register(client_for) -> None:  # type: ignore[no-untyped-def]
    location = _register(client_for("coord_a")).headers["location"]
    reader = client_for("reader_a")
    page = reader.get(location)
    assert page.status_code == 200 and "张桂兰" not in page.text and "MRN-100" not in page.text
    assert reader.get("/participants/new").status_code == 403


def test_audit_page_for_monitors_shows_who_when_what_and_why(client_for) -> None:  # type: ignore[no-untyped-def]
    location = _register(client_for("coord_a")).headers["location"]
    monitor = client_for("monitor_a")
    page = monitor.get("/audit", params={"participant": location.rsplit("/", 1)[1]})
    assert page.status_code == 200
    text = _text(page.text)
    assert "coord_a" in text and "Participant registered for screening" in text
    assert "SITEA-S001" in text and "(UTC+08:00)" in text  # shown in Asia/Shanghai
    assert client_for("coord_a").get("/audit").status_code == 403


def test_api_register_bad_json_names_the_field(client_for, app_db) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    token = client.get("/api/me").json()["csrf_token"]
    answer = client.post("/api/participants", headers={"X-CSRF-Token": token},
                         json={"site_code": "SITEA", "full_name": "x",
                               "medical_record_number": "MRN-1", "consent_date": "not a date"})
    assert answer.status_code == 422 and answer.json()["field"] == "consent_date"
    answer = client.post("/api/participants", headers={"X-CSRF-Token": token},
                         json={"site_code": "SITEA", "full_name": "x"})
    assert answer.status_code == 422 and answer.json()["field"] == "medical_record_number"
    no_csrf = client.post("/api/participants", json={"site_code": "SITEA", "full_name": "x",
                                                     "medical_record_number": "MRN-1"})
    assert no_csrf.status_code == 403
    ok = client.post("/api/participants", headers={"X-CSRF-Token": token},
                     json={"site_code": "SITEA", "full_name": "x",
                           "medical_record_number": "MRN-1"})
    assert ok.status_code == 201 and ok.json()["screening_number"] == "SITEA-S001"
    assert _count(app_db) == 1


def test_openapi_document_lists_the_api(client_for) -> None:  # type: ignore[no-untyped-def]
    doc = client_for(None).get("/api/openapi.json").json()
    assert {"/api/participants", "/api/participants/{pseudonym}", "/api/audit",
            "/api/session", "/api/study"} <= set(doc["paths"])


def test_pages_speak_chinese_to_the_site_team(client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(None, locale="zh-CN,zh;q=0.9").get("/study")
    assert "纳入标准" in page.text and "结果待公布" in page.text
