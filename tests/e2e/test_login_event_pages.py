"""Login events in the web application (issue 19 item 4): a failed and a successful login through
the login page, a logout and a password change are listed for the administrator with the client
address; other roles are refused."""

from __future__ import annotations

from helpers import PASSWORD, csrf_of


def test_the_administrator_sees_logins_logouts_and_password_changes(client_for) -> None:  # type: ignore[no-untyped-def]
    anonymous = client_for(None)
    token = csrf_of(anonymous.get("/login").text)
    failed = anonymous.post("/login", data={"username": "ghost", "password": "x" * 12,
                                            "csrf_token": token}, follow_redirects=False)
    assert failed.status_code >= 400
    inv = client_for("inv_a")
    form = inv.get("/account/password")
    assert form.status_code == 200
    wrong = inv.post("/account/password", data={
        "current_password": "not-my-password", "new_password": "a-new-long-password",
        "csrf_token": csrf_of(form.text)})
    assert wrong.status_code >= 400 and 'data-field="current_password"' in wrong.text
    changed = inv.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a-new-long-password",
        "csrf_token": csrf_of(form.text)})
    assert changed.status_code == 200 and 'id="password-changed"' in changed.text
    inv.post("/logout", data={"csrf_token": csrf_of(form.text)}, follow_redirects=False)
    admin = client_for("admin_ab")
    page = admin.get("/admin/logins")
    assert page.status_code == 200
    rows = page.text.split('id="login-events"')[1]
    for expected in ("ghost", "failure", "inv_a", "password_change", "logout", "testclient"):
        assert expected in rows, expected
    api = admin.get("/api/login-events", params={"username": "inv_a"}).json()
    assert [(e["event"], e["outcome"]) for e in reversed(api)] == [
        ("login", "success"), ("password_change", "failure"), ("password_change", "success"),
        ("logout", "success")]
    assert all(e["client"] == "testclient" for e in api)
    assert client_for("monitor_a").get("/admin/logins").status_code == 403
    assert client_for("monitor_a").get("/api/login-events").status_code == 403
