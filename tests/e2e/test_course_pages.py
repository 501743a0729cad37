"""A participant's course through the web and the API: registration with consent details,
consent for a pre-screened person, refusals naming the rule, the dashboard, roles."""

from __future__ import annotations

from helpers import csrf_of


def _register(client, **consent: str) -> str:  # type: ignore[no-untyped-def]
    form = client.get("/participants/new")
    assert 'name="consent_version"' in form.text and "1.1" in form.text
    answer = client.post("/participants/new", data={
        "site_code": "SITEA", "full_name": "郑红", "medical_record_number": "MRN-7001",
        "csrf_token": csrf_of(form.text), **consent}, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:500]
    return str(answer.headers["location"].rsplit("/", 1)[1])


def test_registration_with_consent_shows_the_course(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    pid = _register(client, consent_date="2025-04-02", consent_time="09:15",
                    consent_obtained_by="Dr Sun")
    page = client.get(f"/participants/{pid}")
    assert 'data-status="consented"' in page.text
    assert 'data-event="consent"' in page.text
    # 1.1 was approved 2025-03-03: the version in force on 2025-04-02, nothing to re-consent
    assert "needs-reconsent" not in page.text
    course = client.get(f"/api/participants/{pid}/course").json()
    assert course["consents"][0]["version"] == "1.1"
    assert course["consents"][0]["signed_at"].startswith("2025-04-02T01:15")


def test_pre_screening_then_consent_and_refusals(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    pid = _register(client)
    page = client.get(f"/participants/{pid}")
    assert 'data-status="pre_screening"' in page.text
    token = csrf_of(page.text)
    # version 1.1 cannot have been signed before its approval (2025-03-03)
    bad = client.post(f"/participants/{pid}/consent", data={
        "version": "1.1", "signed_on": "2024-06-01", "at": "10:00", "obtained_by": "Dr Sun",
        "csrf_token": token}, follow_redirects=False)
    assert bad.status_code == 422 and 'data-field="consent_version"' in bad.text
    ok = client.post(f"/participants/{pid}/consent", data={
        "version": "1.0", "signed_on": "2024-06-01", "at": "10:00", "obtained_by": "Dr Sun",
        "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    page = client.get(f"/participants/{pid}")
    assert 'data-status="consented"' in page.text and 'data-testid="needs-reconsent"' in page.text
    # a transition the state machine does not allow, named
    refused = client.post(f"/participants/{pid}/course/treatment-start",
                          data={"on": "2024-06-05", "csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 422 and "not allowed" in refused.text
    # an end of treatment without a reason
    refused = client.post(f"/participants/{pid}/course/treatment-end",
                          data={"on": "2024-06-05", "reason": "", "csrf_token": token},
                          follow_redirects=False)
    assert refused.status_code == 422
    assert 'data-status="consented"' in client.get(f"/participants/{pid}").text
    # withdrawal ends the study and says so
    done = client.post(f"/participants/{pid}/course/withdraw",
                       data={"on": "2024-06-10", "detail": "changed her mind",
                             "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(f"/participants/{pid}")
    assert 'data-testid="withdrawn"' in page.text and 'data-status="end_of_study"' in page.text


def test_dashboard_counts_and_api(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    _register(client)
    investigator = client_for("inv_a")
    form = investigator.get("/participants/new")
    investigator.post("/participants/new", data={
        "site_code": "SITEA", "full_name": "冯静", "medical_record_number": "MRN-7002",
        "consent_date": "2024-05-01", "csrf_token": csrf_of(form.text)})
    page = client.get("/dashboard")
    assert page.status_code == 200
    row = '<tr data-state="pre_screening"><td>Pre-screening</td><td class="num">1</td>'
    assert row in page.text
    api = client.get("/api/dashboard").json()
    assert api["counts"] == {"pre_screening": 1, "consented": 1}
    assert api["flow"]["registered"] == 2 and api["flow"]["consented"] == 1
    assert [r["version_signed"] for r in api["reconsent"]] == ["1.0"]
    other = client_for("coord_b").get("/api/dashboard").json()
    assert other["flow"]["registered"] == 0  # another site's participants are not counted


def test_api_moves_and_roles(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    pid = _register(client, consent_date="2024-05-01")
    token = csrf_of(client.get("/participants").text)
    answer = client.post(f"/api/participants/{pid}/course", headers={"x-csrf-token": token},
                         json={"action": "end_study", "date": "2024-05-03",
                               "reason": "lost_to_follow_up"})
    assert answer.status_code == 422 and answer.json()["field"] == "event"
    monitor = client_for("monitor_a")
    mtoken = csrf_of(monitor.get("/participants").text)
    denied = monitor.post(f"/api/participants/{pid}/course", headers={"x-csrf-token": mtoken},
                          json={"action": "withdraw", "date": "2024-05-03"})
    assert denied.status_code == 403
    assert client.get(f"/api/participants/{pid}/course").json()["status"] == "consented"


def test_an_administrator_records_a_new_consent_version(client_for) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    pid = _register(coord, consent_date="2025-04-02")
    assert "needs-reconsent" not in coord.get(f"/participants/{pid}").text  # on 1.1, the newest
    admin = client_for("admin_ab")
    page = admin.get("/consent-forms")
    token = csrf_of(page.text)
    bad = admin.post("/consent-forms", data={"version": "1.2", "approved_on": "2025-01-01",
                                             "approved_by": "EC", "reason": "amendment 3",
                                             "csrf_token": token}, follow_redirects=False)
    assert bad.status_code == 422 and 'data-field="approved_on"' in bad.text  # before 1.1
    ok = admin.post("/consent-forms", data={"version": "1.2", "approved_on": "2025-06-01",
                                            "approved_by": "Ethics committee", "reason":
                                            "amendment 3", "csrf_token": token},
                    follow_redirects=False)
    assert ok.status_code == 303
    assert "needs-reconsent" in coord.get(f"/participants/{pid}").text
    denied = coord.post("/consent-forms", data={"version": "1.3", "approved_on": "2025-07-01",
                                                "approved_by": "EC", "reason": "try",
                                                "csrf_token": csrf_of(coord.get(
                                                    "/consent-forms").text)},
                        follow_redirects=False)
    assert denied.status_code == 403
