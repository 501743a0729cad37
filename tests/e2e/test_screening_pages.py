"""Screening through the web: live checklist (HTMX endpoint), save, sign, log, API."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from helpers import PASSWORD, csrf_of
from screening_data import eligible_record


def _flat(data: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """The record as the HTML form posts it (dotted names, lists by index)."""
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flat(value, f"{name}.")
        elif isinstance(value, list):
            if not value:
                out.append((f"{name}__none", "true"))
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    out += _flat({k: (", ".join(v) if isinstance(v, list) else v)
                                  for k, v in item.items()}, f"{name}.{i}.")
        elif isinstance(value, bool):
            out.append((name, "true" if value else "false"))
        else:
            out.append((name, str(value)))
    return out


def _post(client, url: str, pairs: list[tuple[str, str]], **kw: Any):  # type: ignore[no-untyped-def]
    """POST a form with repeated and ordered fields, as a browser does."""
    return client.post(url, content=urlencode(pairs),
                       headers={"content-type": "application/x-www-form-urlencoded",
                                **kw.pop("headers", {})}, **kw)


def _participant(client) -> str:  # type: ignore[no-untyped-def]
    form = client.get("/participants/new")
    answer = client.post("/participants/new", data={
        "site_code": "SITEA", "consent_date": "2024-03-01", "full_name": "周燕",
        "medical_record_number": "MRN-501", "csrf_token": csrf_of(form.text)},
        follow_redirects=False)
    return str(answer.headers["location"].rsplit("/", 1)[1])


def test_live_checklist_reevaluates_from_the_form_without_saving(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    pid = _participant(client)
    page = client.get(f"/participants/{pid}/screening")
    assert page.status_code == 200 and 'data-criterion="IN1"' in page.text
    token = csrf_of(page.text)
    data = eligible_record()
    data["labs"]["anc"]["value"] = 1.2
    answer = _post(client, f"/participants/{pid}/screening/check",
                   [*_flat(data), ("csrf_token", token)], headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert 'data-criterion="IN8" data-status="not_met"' in answer.text
    assert "1.2" in answer.text and "1.5" in answer.text  # the reason names value and limit
    bad = _post(client, f"/participants/{pid}/screening/check",
                [("ecog", "7"), ("csrf_token", token)])
    assert 'data-field="ecog"' in bad.text
    assert client.get(f"/api/participants/{pid}/screening").json()["version"] is None


def test_save_sign_and_log_through_the_pages(client_for) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    pid = _participant(coord)
    token = csrf_of(coord.get(f"/participants/{pid}/screening").text)
    saved = _post(coord, f"/participants/{pid}/screening",
                  [*_flat(eligible_record()), ("csrf_token", token)], follow_redirects=False)
    assert saved.status_code == 303, saved.text[:500]
    inv = client_for("inv_a")
    page = inv.get(f"/participants/{pid}/screening")
    assert 'data-testid="eligibility-outcome"' in page.text and "Sign eligibility" in page.text
    wrong = inv.post(f"/participants/{pid}/screening/sign",
                     data={"password": "nope", "confirm": "yes", "csrf_token": csrf_of(page.text)})
    assert wrong.status_code == 401 and 'data-field="password"' in wrong.text
    signed = inv.post(f"/participants/{pid}/screening/sign",
                      data={"password": PASSWORD, "confirm": "yes",
                            "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert signed.status_code == 303
    api = inv.get(f"/api/participants/{pid}/screening").json()
    assert api["status"] == "eligible" and api["signature"]["valid"] is True
    log = coord.get("/screening-log.csv")
    rows = list(csv.DictReader(io.StringIO(log.text)))
    assert [(r["pseudonym"], r["computed_outcome"], r["signed_outcome"]) for r in rows] == [
        (pid, "eligible", "eligible")]
    assert 'data-count="eligible_signed">1<' in coord.get("/screening-log").text


def test_saving_bad_values_names_the_field_and_stores_nothing(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("coord_a")
    pid = _participant(client)
    token = csrf_of(client.get(f"/participants/{pid}/screening").text)
    for field, value in [("ecog", "7"), ("labs.anc.value", "-1"), ("labs.anc.unit", "mg/furlong"),
                         ("date_of_birth", "2999-01-01"), ("race", "ASIAN"),
                         ("ethnicity", "han")]:
        data = [(k, v) for k, v in _flat(eligible_record()) if k != field]
        answer = _post(client, f"/participants/{pid}/screening",
                       [*data, (field, value), ("csrf_token", token)])
        assert answer.status_code == 422, (field, answer.status_code)
        assert f'data-field="{field}"' in answer.text, field
    assert client.get(f"/api/participants/{pid}/screening").json()["version"] is None


def test_api_put_evaluate_and_sign(client_for) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    pid = _participant(coord)
    token = coord.get("/api/me").json()["csrf_token"]
    draft = coord.post(f"/api/participants/{pid}/screening/evaluate",
                       headers={"X-CSRF-Token": token}, json={"ecog": 3})
    assert draft.status_code == 200 and draft.json()["outcome"] == "ineligible"
    put = coord.put(f"/api/participants/{pid}/screening", headers={"X-CSRF-Token": token},
                    json={"record": eligible_record()})
    assert put.status_code == 200 and put.json()["eligibility"]["outcome"] == "eligible"
    again = coord.put(f"/api/participants/{pid}/screening", headers={"X-CSRF-Token": token},
                      json={"record": eligible_record() | {"ecog": 2}, "version": 1})
    assert again.status_code == 422 and again.json()["field"] == "reason"
    bad = coord.put(f"/api/participants/{pid}/screening", headers={"X-CSRF-Token": token},
                    json={"record": {"ecog": 7}})
    assert bad.status_code == 422 and bad.json()["field"] == "record.ecog"
    inv = client_for("inv_a")
    itoken = inv.get("/api/me").json()["csrf_token"]
    signed = inv.post(f"/api/participants/{pid}/screening/signature",
                      headers={"X-CSRF-Token": itoken},
                      json={"password": PASSWORD, "confirm": True})
    assert signed.status_code == 200 and signed.json()["signature"]["outcome"] == "eligible"
    log = coord.get("/api/screening-log").json()
    assert log["counts"]["eligible_signed"] == 1


def test_race_and_ethnicity_chosen_corrected_audited_and_shown_in_chinese(client_for) -> None:  # type: ignore[no-untyped-def]
    """The screening form offers the US OMB race and ethnicity categories (CDISC RACE C74457,
    ETHNIC C66790; docs/sdtm.md); a saved choice and its correction are in the audit trail
    with the old value, the new one and the reason; correcting them after the investigator
    signed eligibility leaves the signature valid (they decide no criterion)."""
    coord = client_for("coord_a")
    pid = _participant(coord)
    form = coord.get(f"/participants/{pid}/screening").text
    for code in ("asian", "white", "black_or_african_american",
                 "american_indian_or_alaska_native", "native_hawaiian_or_other_pacific_islander",
                 "not_reported", "unknown", "hispanic_or_latino", "not_hispanic_or_latino"):
        assert f'<option value="{code}"' in form, code
    record = eligible_record() | {"race": "asian", "ethnicity": "not_hispanic_or_latino"}
    saved = _post(coord, f"/participants/{pid}/screening",
                  [*_flat(record), ("csrf_token", csrf_of(form))], follow_redirects=False)
    assert saved.status_code == 303, saved.text[:500]
    api = coord.get(f"/api/participants/{pid}/screening").json()
    assert (api["record"]["race"], api["record"]["ethnicity"]) == (
        "asian", "not_hispanic_or_latino")
    assert api["eligibility"]["outcome"] == "eligible"  # neither is a criterion
    inv = client_for("inv_a")
    signed = inv.post(f"/api/participants/{pid}/screening/signature",
                      headers={"X-CSRF-Token": inv.get("/api/me").json()["csrf_token"]},
                      json={"password": PASSWORD, "confirm": True})
    assert signed.status_code == 200, signed.text
    token = coord.get("/api/me").json()["csrf_token"]
    changed = coord.put(f"/api/participants/{pid}/screening", headers={"X-CSRF-Token": token},
                        json={"record": record | {"race": "not_reported"}, "version": 1,
                              "reason": "patient asked that race not be recorded"})
    assert changed.status_code == 200, changed.text
    # the eligibility signature does not cover race and ethnicity: still valid, still eligible
    assert changed.json()["signature"]["valid"] is True
    assert changed.json()["status"] == "eligible"
    trail = client_for("monitor_a").get(f"/api/audit?participant={pid}&table=screening").json()
    race = [e for e in trail if e["field"] == "record.race"]
    assert [(e["old_value"], e["new_value"]) for e in race] == [
        ("asian", "not_reported"), (None, "asian")]
    assert race[0]["reason"] == "patient asked that race not be recorded"
    assert (race[0]["field_label"], race[0]["old_text"], race[0]["new_text"]) == (
        "Race", "Asian", "Not reported (declined)")
    zh = client_for("coord_a", "zh-CN").get(f"/participants/{pid}/screening").text
    assert "种族" in zh and "族裔" in zh
    assert '<option value="not_reported" selected>未报告（拒绝提供）</option>' in zh
    assert '<option value="not_hispanic_or_latino" selected>非西班牙裔或拉丁裔</option>' in zh
