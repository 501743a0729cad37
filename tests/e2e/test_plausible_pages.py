"""Plausible values through the web form, the JSON API and the CLI (issue 18 item 5): an
impossible value refused naming the field; an implausible one answered 422 with the code
``implausible_value``, the form showing the warning and a confirm checkbox, saved once
confirmed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from helpers import csrf_of
from screening_data import eligible_record
from typer.testing import CliRunner

from dawna.cli import app
from dawna.errors import ImplausibleValue, ValidationError


def _flat(data: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """The record as the HTML form posts it (dotted names, lists by index)."""
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flat(value, f"{name}.")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                out += _flat({k: (", ".join(v) if isinstance(v, list) else v)
                              for k, v in item.items()}, f"{name}.{i}.")
            if not value:
                out.append((f"{name}__none", "true"))
        elif isinstance(value, bool):
            out.append((name, "true" if value else "false"))
        else:
            out.append((name, str(value)))
    return out


def _participant(client) -> str:  # type: ignore[no-untyped-def]
    form = client.get("/participants/new")
    answer = client.post("/participants/new", data={
        "site_code": "SITEA", "consent_date": "2024-03-01", "full_name": "周燕",
        "medical_record_number": "MRN-501", "csrf_token": csrf_of(form.text)},
        follow_redirects=False)
    return str(answer.headers["location"].rsplit("/", 1)[1])


def test_screening_form_asks_to_confirm_an_implausible_value(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    pid = _participant(client)
    token = csrf_of(client.get(f"/participants/{pid}/screening").text)
    data = eligible_record()
    data["labs"]["anc"]["value"] = 45
    pairs = [*_flat(data), ("csrf_token", token)]
    headers = {"content-type": "application/x-www-form-urlencoded"}
    first = client.post(f"/participants/{pid}/screening", content=urlencode(pairs),
                        headers=headers, follow_redirects=False)
    assert first.status_code == 422
    assert 'data-field="labs.anc.value"' in first.text
    assert 'name="confirm_implausible"' in first.text
    # the live checklist posts the whole form, the confirmation box included
    live = client.post(f"/participants/{pid}/screening/check",
                       content=urlencode([*pairs, ("confirm_implausible", "yes")]),
                       headers={**headers, "HX-Request": "true"})
    assert live.status_code == 200 and "unknown field" not in live.text
    confirmed = client.post(f"/participants/{pid}/screening",
                            content=urlencode([*pairs, ("confirm_implausible", "yes")]),
                            headers=headers, follow_redirects=False)
    assert confirmed.status_code == 303, confirmed.text[:500]
    assert client.get(f"/api/participants/{pid}/screening").json()["record"]["labs"]["anc"][
        "value"] == 45


def test_api_answers_impossible_and_implausible_differently(client_for) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    pid = _participant(coord)
    token = coord.get("/api/me").json()["csrf_token"]
    url, headers = f"/api/participants/{pid}/screening", {"X-CSRF-Token": token}
    record = eligible_record()
    impossible = coord.put(url, headers=headers, json={"record": record | {
        "expected_survival_months": 5000}, "confirm_implausible": True})
    assert impossible.status_code == 422
    assert impossible.json()["field"] == "expected_survival_months"
    assert "code" not in impossible.json()
    odd = {"record": record | {"expected_survival_months": 200}}
    implausible = coord.put(url, headers=headers, json=odd)
    assert implausible.status_code == 422
    assert implausible.json()["code"] == "implausible_value"
    assert implausible.json()["field"] == "expected_survival_months"
    saved = coord.put(url, headers=headers, json=odd | {"confirm_implausible": True})
    assert saved.status_code == 200, saved.text


def test_cli_screen_refuses_and_confirms(tmp_path: Path) -> None:
    record = eligible_record() | {"expected_survival_months": 200}
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    runner = CliRunner()
    refused = runner.invoke(app, ["screen", str(path)])
    # in process the error is raised to the runner (the installed script prints it, exit 1)
    assert isinstance(refused.exception, ImplausibleValue)
    assert refused.exception.field == "expected_survival_months"
    accepted = runner.invoke(app, ["screen", str(path), "--confirm-implausible"])
    assert accepted.exit_code == 0, accepted.output
    path.write_text(json.dumps(eligible_record() | {"date_of_birth": "1800-01-01"}))
    impossible = runner.invoke(app, ["screen", str(path), "--confirm-implausible"])
    assert isinstance(impossible.exception, ValidationError)
    assert not isinstance(impossible.exception, ImplausibleValue)
    assert impossible.exception.field == "date_of_birth"


def test_the_live_grade_and_the_grade_api_refuse_an_impossible_value(client_for) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    impossible = coord.get("/api/ctcae/grade", params={"analyte": "ANC", "value": "5000",
                                                      "unit": "10^9/L", "lln": "1.8"})
    assert impossible.status_code == 422 and impossible.json()["field"] == "value"
    # 5000 /mm3 is 5 ×10⁹/L: graded (grade 0 with LLN 1800 /mm3)
    fine = coord.get("/api/ctcae/grade", params={"analyte": "ANC", "value": "5000",
                                                "unit": "/mm3", "lln": "1800"})
    assert fine.status_code == 200 and fine.json()["grade"] == 0
    pid = _participant(coord)
    token = csrf_of(coord.get(f"/participants/{pid}").text)
    form = {"analyte": "anc", "value": "40", "unit": "10^9/L", "lln": "1.8",
            "csrf_token": token}
    live = coord.post(f"/participants/{pid}/labs/grade", data=form,
                      headers={"HX-Request": "true"})
    assert "implausible" in live.text and "grade 0" not in live.text.lower()
    confirmed = coord.post(f"/participants/{pid}/labs/grade",
                           data=form | {"confirm_implausible": "yes"},
                           headers={"HX-Request": "true"})
    assert "implausible" not in confirmed.text


def test_cli_lab_needs_confirm_implausible(app_db, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from helpers import SYSTEM
    from treatment_data import randomized_to

    from dawna.config import get_settings
    from dawna.services import randomization, safety

    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    pid = randomized_to(app_db, settings, "A", "letrozole")
    monkeypatch.setenv("DAWNA_DATABASE_URL", app_db.url)
    monkeypatch.setenv("DAWNA_ENV", "test")
    get_settings.cache_clear()
    try:
        args = ["treatment", "lab", pid, "--as", "coord_a", "--test", "ANC", "--value", "40",
                "--unit", "10^9/L", "--lln", "1.8", "--sampled", "2024-03-20"]
        refused = CliRunner().invoke(app, args)
        assert isinstance(refused.exception, ImplausibleValue)
        accepted = CliRunner().invoke(app, [*args, "--confirm-implausible"])
        assert accepted.exit_code == 0, accepted.output
    finally:
        get_settings.cache_clear()
    from helpers import principal

    assert [r.value for r in safety.participant_labs(app_db, principal(app_db, "coord_a"),
                                                     pid)] == [40]
