"""Sessions over HTTP (issue 19 item 6): ``DELETE /api/session`` logs out, the CSRF token is
bound to the session, and a busy password checker answers 429 (item 5)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from helpers import PASSWORD

from dawna.services import login_throttle

NEW = {"site_code": "SITEA", "full_name": "Li Na", "consent_date": "2024-03-01",
       "medical_record_number": "MRN-901", "phone": ""}


def _api_login(client: TestClient, username: str) -> str:
    assert client.get("/login").status_code == 200  # sets the (anonymous) CSRF cookie
    answer = client.post("/api/session", json={"username": username, "password": PASSWORD},
                         headers={"x-csrf-token": client.cookies["dawna_csrf"]})
    assert answer.status_code == 200, answer.text
    token = answer.json()["csrf_token"]
    assert client.cookies["dawna_csrf"] == token  # the cookie is the new, bound token
    return str(token)


def test_delete_session_logs_out(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(None)
    token = _api_login(client, "coord_a")
    assert client.get("/api/me").status_code == 200
    refused = client.delete("/api/session")  # no CSRF token: refused, still logged in
    assert refused.status_code == 403 and client.get("/api/me").status_code == 200
    answer = client.delete("/api/session", headers={"x-csrf-token": token})
    assert answer.status_code == 200 and answer.json() == {"logged_out": True}
    assert client.get("/api/me").status_code == 401
    spec = client.get("/api/openapi.json").json()
    schema = spec["paths"]["/api/session"]["delete"]["responses"]["200"]["content"]
    assert schema["application/json"]["schema"]["$ref"].endswith("/LogoutInfo")


def test_a_csrf_token_from_another_session_is_refused(client_for) -> None:  # type: ignore[no-untyped-def]
    alice, bob = client_for(None), client_for(None)
    alice_token = _api_login(alice, "coord_a")
    bob_token = _api_login(bob, "coord_b")
    # Bob's cookies with Alice's token (cookie and header both hers, as an attacker who planted
    # them would send): the signature does not cover Bob's session
    bob.cookies.set("dawna_csrf", alice_token)
    stolen = bob.post("/api/participants", json=NEW | {"site_code": "SITEB"},
                      headers={"x-csrf-token": alice_token})
    assert stolen.status_code == 403 and stolen.json()["field"] == "csrf_token"
    bob.cookies.set("dawna_csrf", bob_token)
    own = bob.post("/api/participants", json=NEW | {"site_code": "SITEB"},
                   headers={"x-csrf-token": bob_token})
    assert own.status_code == 201, own.text


def test_the_token_from_before_login_is_refused_after_it(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(None)
    client.get("/login")
    before = client.cookies["dawna_csrf"]
    after = _api_login(client, "coord_a")
    assert after != before
    client.cookies.set("dawna_csrf", before)
    answer = client.post("/api/participants", json=NEW, headers={"x-csrf-token": before})
    assert answer.status_code == 403


def test_login_pages_work_with_the_bound_token(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")  # logs in through the HTML form
    page = client.get("/participants/new")
    assert page.status_code == 200
    from helpers import csrf_of

    answer = client.post("/participants/new", data=NEW | {"csrf_token": csrf_of(page.text)},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text


def test_login_when_every_password_check_slot_is_busy_gets_429(client_for, settings) -> None:  # type: ignore[no-untyped-def]
    client = client_for(None)
    client.get("/login")
    gate = login_throttle.gate(settings)
    held = 0
    while gate.acquire(blocking=False):
        held += 1
    try:
        answer = client.post("/api/session", json={"username": "coord_a", "password": PASSWORD},
                             headers={"x-csrf-token": client.cookies["dawna_csrf"]})
    finally:
        for _ in range(held):
            gate.release()
    assert held == settings.login_concurrency
    assert answer.status_code == 429 and answer.json()["field"] == "password"
    assert answer.headers["retry-after"] == "1"  # RFC 6585 section 4: how long to wait


def test_a_throttled_login_says_how_long_to_wait_in_retry_after(  # type: ignore[no-untyped-def]
        client_for, monkeypatch) -> None:
    """Issue 19: every 429 carries Retry-After with the seconds the message names, on the API
    and on the login page, and the OpenAPI document declares it."""
    from dawna.services import auth

    def throttled(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise login_throttle.Throttled("try again in 37 seconds", field="password",
                                       retry_after=37)

    monkeypatch.setattr(auth, "login", throttled)
    client = client_for(None)
    page = client.get("/login")
    api = client.post("/api/session", json={"username": "coord_a", "password": "x"},
                      headers={"x-csrf-token": client.cookies["dawna_csrf"]})
    assert api.status_code == 429 and api.headers["retry-after"] == "37", api.text
    from helpers import csrf_of

    form = client.post("/login", data={"username": "coord_a", "password": "x",
                                       "csrf_token": csrf_of(page.text)})
    assert form.status_code == 429 and form.headers["retry-after"] == "37"
    assert "37 seconds" in form.text
    spec = client.get("/api/openapi.json").json()
    documented = spec["paths"]["/api/session"]["post"]["responses"]["429"]
    assert "Retry-After" in documented["headers"]
