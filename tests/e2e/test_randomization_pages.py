"""Randomization through the web: the statistician's page, the randomize form, the API."""

from __future__ import annotations

from helpers import SYSTEM, csrf_of
from randomization_data import CHOICES, STRATA, _signed_eligible

from dawna.services import randomization


def test_statistician_generates_and_takes_the_list_live(client_for, app_db) -> None:  # type: ignore[no-untyped-def]
    stat = client_for("stat_ab")
    page = stat.get("/randomization")
    assert page.status_code == 200 and "not generated" in page.text
    missing = stat.post("/randomization/generate", data={"reason": "", "csrf_token":
                                                        csrf_of(page.text)})
    assert missing.status_code == 422 and 'data-field="reason"' in missing.text
    ok = stat.post("/randomization/generate", data={"reason": "SAP v1.0 approved",
                                                    "csrf_token": csrf_of(page.text)},
                   follow_redirects=False)
    assert ok.status_code == 303
    page = stat.get("/randomization")
    live = stat.post("/randomization/go-live", data={"reason": "site initiation done",
                                                     "csrf_token": csrf_of(page.text)},
                     follow_redirects=False)
    assert live.status_code == 303
    assert "configuration locked" in stat.get("/randomization").text
    assert client_for("coord_a").get("/randomization").status_code == 403


def test_coordinator_randomizes_from_the_participant_page(client_for, app_db, settings) -> None:  # type: ignore[no-untyped-def]
    randomization.generate(app_db, settings, SYSTEM, "list")
    randomization.go_live(app_db, SYSTEM, "live")
    [pid] = _signed_eligible(app_db, 1)
    coord = client_for("coord_a")
    detail = coord.get(f"/participants/{pid}")
    assert 'data-testid="open-randomize"' in detail.text
    form = coord.get(f"/participants/{pid}/randomize")
    assert form.status_code == 200
    data = {"csrf_token": csrf_of(form.text), "factor.visceral_metastasis": "no",
            "factor.cdk46i_setting": "advanced", "choice.endocrine_therapy": "letrozole",
            "choice.chemotherapy": "capecitabine"}
    unconfirmed = coord.post(f"/participants/{pid}/randomize", data=data)
    assert unconfirmed.status_code == 422 and 'data-field="confirm"' in unconfirmed.text
    done = coord.post(f"/participants/{pid}/randomize", data=data | {"confirm": "yes"},
                      follow_redirects=False)
    assert done.status_code == 303
    page = coord.get(f"/participants/{pid}")
    assert 'data-testid="allocation"' in page.text
    api = coord.get(f"/api/participants/{pid}/randomization").json()
    assert api["arm"] in ("A", "B") and api["factors"]["cdk46i_setting"] == "advanced"
    token = coord.get("/api/me").json()["csrf_token"]
    again = coord.post(f"/api/participants/{pid}/randomization",
                       headers={"X-CSRF-Token": token},
                       json={"factors": STRATA[0], "choices": CHOICES})
    assert again.status_code == 409 and "already randomized" in again.json()["detail"]
    audit = client_for("monitor_a").get("/api/audit", params={"table": "allocation"}).json()
    assert {e["field"] for e in audit} >= {"arm", "stratum", "position"}


def test_the_api_randomizes_once_and_answers_the_allocation(client_for, app_db, settings) -> None:  # type: ignore[no-untyped-def]
    randomization.generate(app_db, settings, SYSTEM, "list")
    randomization.go_live(app_db, SYSTEM, "live")
    [pid] = _signed_eligible(app_db, 1)
    coord = client_for("coord_a")
    token = coord.get("/api/me").json()["csrf_token"]
    sent = {"factors": STRATA[1], "choices": CHOICES}
    done = coord.post(f"/api/participants/{pid}/randomization", headers={"X-CSRF-Token": token},
                      json=sent)
    assert done.status_code == 201
    body = done.json()
    assert body["pseudonym"] == pid and body["arm"] in ("A", "B")
    assert body["factors"] == STRATA[1] and body["randomized_by"] == "coord_a"
    assert coord.get(f"/api/participants/{pid}/randomization").json() == body
    again = coord.post(f"/api/participants/{pid}/randomization",
                       headers={"X-CSRF-Token": token}, json=sent)
    assert again.status_code == 409
    assert coord.post(f"/api/participants/{pid}/randomization", json=sent).status_code == 403
