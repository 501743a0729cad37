"""Issue 19 item 7 over HTTP: a stale version is a 409 naming the current one, a missing version
is a 422 naming ``version`` (participant identity PATCH, screening PUT), never a 500."""

from __future__ import annotations

from screening_data import eligible_record


def _register(client, token: str) -> str:  # type: ignore[no-untyped-def]
    answer = client.post("/api/participants", json={
        "site_code": "SITEA", "full_name": "张桂兰", "medical_record_number": "MRN-100",
        "consent_date": "2024-03-01"}, headers={"X-CSRF-Token": token})
    assert answer.status_code == 201, answer.text
    assert answer.json()["version"] == 1
    return str(answer.json()["pseudonym"])


def test_identity_patch_needs_the_version_and_a_stale_one_is_409(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    token = client.get("/api/me").json()["csrf_token"]
    pid = _register(client, token)
    headers = {"X-CSRF-Token": token}
    missing = client.patch(f"/api/participants/{pid}", json={
        "phone": "+86-10-6915-6114", "reason": "call-back"}, headers=headers)
    assert missing.status_code == 422 and missing.json()["field"] == "version"
    saved = client.patch(f"/api/participants/{pid}", json={
        "phone": "+86-10-6915-6114", "reason": "call-back", "version": 1}, headers=headers)
    assert saved.status_code == 200 and saved.json()["version"] == 2
    stale = client.patch(f"/api/participants/{pid}", json={
        "phone": "+86-10-6915-6115", "reason": "call-back", "version": 1}, headers=headers)
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    assert "version 2" in stale.json()["detail"]


def test_screening_put_needs_the_version_once_a_record_exists(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    token = client.get("/api/me").json()["csrf_token"]
    pid = _register(client, token)
    headers = {"X-CSRF-Token": token}
    url = f"/api/participants/{pid}/screening"
    first = client.put(url, json={"record": eligible_record()}, headers=headers)
    assert first.status_code == 200, first.text
    changed = {"record": eligible_record() | {"ecog": 0}, "reason": "ECOG re-assessed"}
    missing = client.put(url, json=changed, headers=headers)
    assert missing.status_code == 422 and missing.json()["field"] == "version"
    assert client.put(url, json=changed | {"version": 1}, headers=headers).status_code == 200
    stale = client.put(url, json=changed | {"record": eligible_record() | {"ecog": 2},
                                            "version": 1}, headers=headers)
    assert stale.status_code == 409 and "version 2" in stale.json()["detail"]
