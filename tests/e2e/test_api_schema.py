"""The API does what its OpenAPI document says (issue 19 item 12): schemathesis generates
requests from ``/api/openapi.json`` and sends them in-process to the FastAPI app, logged in as a
coordinator (session cookie, and the CSRF token as ``X-CSRF-Token`` on writes).

Checks per answer: no server error (5xx), the status code is one the document lists for the
operation, the content type and the body match the documented schema. Bounded and deterministic
(hypothesis derandomized, a few examples per operation) so it runs in ``make test``.

Measure the whole API by hand (coverage phase, more examples, counts written to a file)::

    DAWNA_FUZZ_COVERAGE=1 DAWNA_FUZZ_EXAMPLES=25 DAWNA_FUZZ_REPORT=/tmp/fuzz.json \
        .venv/bin/pytest -q -p no:randomly tests/e2e/test_api_schema.py -k test_every_answer

Figures (December 2026, SQLite): before the fixes of issue 19 item 12, 54 of the 60 operations
failed (18 undocumented status codes, 36 error bodies not matching FastAPI's documented
``HTTPValidationError``) within 303 cases, hiding two server errors found once the document was
right (an empty analyte for ``GET /api/ctcae/grade``; record ids beyond a 32-bit integer); after,
0 failures in 6,010 cases (425-442 answers 200, no 5xx).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import requests
import schemathesis
from fastapi.testclient import TestClient
from helpers import PASSWORD, csrf_of, principal, two_site_trial
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dawna.config import Settings
from dawna.services import participants
from dawna.services.schemas import ParticipantCreate
from dawna.store.db import Database
from dawna.web.app import create_app
from dawna.web.security import CSRF_COOKIE

EXAMPLES = int(os.environ.get("DAWNA_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
#: Requests sent per operation in this process (``DAWNA_FUZZ_REPORT=file`` writes them out).
SENT: Counter[str] = Counter()
#: Requests generated per operation (each is sent in both languages).
GENERATED: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()
#: Path values that exist (set by ``logged_in``): every other case of an operation uses them, so
#: the run reaches past the 404 of an unknown participant.
KNOWN: dict[str, str] = {}
#: ``DELETE /api/session`` ends the very session the run uses; tested on its own below.
LOGS_OUT = ("DELETE", "/api/session")


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if target := os.environ.get("DAWNA_FUZZ_REPORT"):
        with open(target, "w", encoding="utf-8") as out:
            json.dump({"cases": sum(GENERATED.values()), "requests": sum(SENT.values()),
                       "statuses": STATUSES,
                       "per_operation": SENT}, out, indent=1)


@pytest.fixture(scope="module")
def logged_in(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[tuple[TestClient, requests.Session]]:
    """One app for the whole run (its database fills up as the run goes), logged in as a
    coordinator of site SITEA of the two-site trial."""
    target = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    shutil.copy(sqlite_template, target)
    db = Database(f"sqlite:///{target}")
    two_site_trial(db)
    settings = Settings(env="test", database_url=f"sqlite:///{target}", secret_key="f" * 40)
    KNOWN["pseudonym"] = participants.register(
        db, settings, principal(db, "coord_a"), ParticipantCreate(
            site_code="SITEA", consent_date=date(2024, 3, 1), full_name="Fuzz Case",
            medical_record_number="MRN-FUZZ1")).pseudonym
    client = TestClient(create_app(settings, db), raise_server_exceptions=False)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"username": "coord_a", "password": PASSWORD,
                                         "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    session = requests.Session()
    for name, value in client.cookies.items():
        session.cookies.set(name, value)
    session.headers["X-CSRF-Token"] = client.cookies[CSRF_COOKIE]
    session.headers["accept-language"] = "en"
    yield client, session
    session.close()
    client.close()
    db.dispose()


#: The document only: each test sends its requests to its own app on a fresh database.
#: In ``make test``: the examples and fuzzing phases (positive and negative data, ``EXAMPLES``
#: per operation); ``DAWNA_FUZZ_COVERAGE=1`` adds schemathesis' coverage phase (boundary values
#: of every parameter: about 5,000 requests, 3 minutes).
#: Built from the app's own ``openapi()`` rather than fetched through an ASGI request: the fetch
#: had a 10-second read timeout that a loaded machine exceeded (tests must not depend on timing).
schema = schemathesis.openapi.from_dict(
    create_app(Settings(env="test", database_url="sqlite://", secret_key="s" * 40)).openapi(),
    config=schemathesis.config.SchemathesisConfig.from_dict({"phases": {"coverage": {
        "enabled": os.environ.get("DAWNA_FUZZ_COVERAGE") == "1"}}}))


#: Each operation's test is also parametrized (by the answers' languages): a schemathesis item
#: without a pytest parameter has the function's node id, the same for every operation, and
#: pytest-xdist's ``--dist loadgroup`` (``make test``) schedules by node id, so all but one
#: operation were silently left out; with a parameter each operation has its own node id
#: (checked by ``test_every_operation_has_its_own_node_id``).
#: Every generated request is sent once per language, English then Chinese (the answers, the
#: error bodies above all, must match the document in both). Most of this module's time is
#: hypothesis generating the requests (about 80 % of its CPU, cProfile), so each request is
#: generated once for both languages rather than once per language as before.
@schema.exclude(method=LOGS_OUT[0], path=LOGS_OUT[1]).parametrize()
@pytest.mark.parametrize("languages", ["en,zh-CN"])
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_answer_is_documented_and_none_is_a_server_error(
        case: schemathesis.Case, logged_in: tuple[TestClient, requests.Session],
        languages: str) -> None:
    client, session = logged_in
    operation = f"{case.method} {case.path}"
    GENERATED[operation] += 1
    if GENERATED[operation] % 2 and case.path_parameters:
        case.path_parameters.update({name: value for name, value in KNOWN.items()
                                     if name in case.path_parameters})
    for language in languages.split(","):
        session.headers["accept-language"] = language
        SENT[operation] += 1
        answer = case.call_and_validate(session=session, checks=CHECKS, app=client.app)
        STATUSES[answer.status_code] += 1


def test_every_operation_has_its_own_node_id(request: pytest.FixtureRequest) -> None:
    """Every documented operation is a test of its own under ``make test`` (xdist schedules by
    node id): as many distinct ids in this module as operations times parameters."""
    operations = [r.ok() for r in schema.exclude(method=LOGS_OUT[0], path=LOGS_OUT[1])
                  .get_all_operations()]
    assert len(operations) > 100
    for function, parameters in (("test_every_answer_is_documented_and_none_is_a_server_error", 1),
                                 ("test_without_a_session_every_answer_is_documented_too", 1)):
        ids = [item.nodeid for item in request.session.items
               if item.nodeid.startswith(f"{__name__.replace('.', '/')}.py::{function}[")
               or item.nodeid.split("::")[-1].startswith(f"{function}[")]
        if not ids:  # only this test was selected
            continue
        assert len(set(ids)) == len(ids) == len(operations) * parameters, function


# --- server errors schemathesis found, each fixed -------------------------------------------

@pytest.mark.parametrize("params", [{"analyte": "", "value": "1", "unit": "g/L"},
                                    {"analyte": "ANC", "value": "1", "unit": ""}])
def test_grading_a_lab_value_with_an_empty_analyte_or_unit_is_422_naming_it_not_500(
        logged_in: tuple[TestClient, requests.Session], params: dict[str, str]) -> None:
    """Found by schemathesis: ``LabValue`` was built outside validation, so its min_length rule
    raised an unhandled pydantic error (500)."""
    answer = logged_in[0].get("/api/ctcae/grade", params=params)
    assert answer.status_code == 422, answer.text
    empty = next(name for name, value in params.items() if value == "")
    assert answer.json()["field"] == empty


# --- allowed methods ------------------------------------------------------------------------

def test_a_method_the_document_does_not_list_is_405_allowing_exactly_the_documented_ones(
        logged_in: tuple[TestClient, requests.Session]) -> None:
    """RFC 9110 section 15.5.6: a 405 carries ``Allow`` with the target's methods. On main
    Starlette named only the first route's (``PUT /api/participants`` -> ``Allow: GET``),
    wrong for 27 of 199 method/path pairs."""
    client, _ = logged_in
    document = client.get("/api/openapi.json").json()
    wrong = []
    for path, operations in document["paths"].items():
        url = re.sub(r"\{[a-z_]+\}", "1", path)
        documented = {method.upper() for method in operations}
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - documented:
            answer = client.request(method, url)
            allow = {m.strip() for m in answer.headers.get("allow", "").split(",")} - {"HEAD"}
            if answer.status_code != 405 or allow != documented:
                wrong.append((method, path, answer.status_code, sorted(allow)))
    assert wrong == []


# --- not logged in, and logging out -----------------------------------------------------------

@schema.exclude(method=LOGS_OUT[0], path=LOGS_OUT[1]).parametrize()
@pytest.mark.parametrize("cookie", ["none"])  # a parameter, for a node id of its own (above)
@settings(max_examples=2, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_without_a_session_every_answer_is_documented_too(
        case: schemathesis.Case, logged_in: tuple[TestClient, requests.Session],
        cookie: str) -> None:
    """No cookie: reads are 401 and writes 403 (no CSRF token) with the documented error body."""
    client, _ = logged_in
    answer = case.call_and_validate(checks=CHECKS, app=client.app)
    assert answer.status_code < 500


def test_logging_out_answers_as_documented(client_for: Callable[..., TestClient]) -> None:
    client = client_for("coord_a")
    document = client.get("/api/openapi.json").json()
    assert {"200", "401", "403"} <= set(document["paths"]["/api/session"]["delete"]["responses"])
    token = client.cookies[CSRF_COOKIE]
    answer = client.delete("/api/session", headers={"X-CSRF-Token": token})
    assert answer.status_code == 200 and answer.json() == {"logged_out": True}
    refused = client.get("/api/me")
    assert refused.status_code == 401 and set(refused.json()) <= {"detail", "field", "code"}


@pytest.mark.parametrize(("method", "path", "field"), [
    ("PUT", "/api/participants/P/pet/{n}/read", "study_id"),
    ("POST", "/api/participants/P/adverse-events/{n}/susar-reports", "number"),
    ("PUT", "/api/participants/P/labs/{n}", "lab_id"),
    ("PUT", "/api/participants/P/adverse-events/{n}", "number"),
    ("POST", "/api/participants/P/adverse-events/{n}/report", "number"),
    ("PUT", "/api/participants/P/tumour/assessments/{n}", "assessment_id"),
    ("POST", "/api/participants/P/tumour/assessments/{n}/delete", "assessment_id"),
    # found once every operation ran under `make test` (they had not: see the node ids above)
    ("PUT", "/api/participants/P/conmeds/{n}/stop", "conmed_id"),
    ("POST", "/api/participants/P/deviations/{n}/acknowledge", "deviation_id"),
    ("POST", "/api/participants/P/deviations/{n}/review", "deviation_id"),
])
@pytest.mark.parametrize("number", [10064752064131465082, 2_147_483_648, 0])
def test_a_record_number_in_a_path_beyond_an_integer_column_is_422_not_500(
        logged_in: tuple[TestClient, requests.Session], method: str, path: str, field: str,
        number: int) -> None:
    """Found by schemathesis: ``POST .../adverse-events/10064752064131465082/susar-reports``
    gave 500 (OverflowError: Python int too large to convert to SQLite INTEGER). Ids are
    PostgreSQL ``integer``: 1 to 2,147,483,647."""
    client, _ = logged_in
    answer = client.request(method, path.format(n=number), json={},
                            headers={"X-CSRF-Token": client.cookies[CSRF_COOKIE]})
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


def test_applications_share_the_document_of_the_same_routes_only() -> None:
    """dawna.web.app builds the OpenAPI document once per process for the same routes: two
    applications with different settings serve the same document, and one given a route of
    its own documents that route, which the others do not."""
    plain = create_app(Settings(env="test", database_url="sqlite://", secret_key="p" * 40))
    other = create_app(Settings(env="test", database_url="sqlite://", secret_key="q" * 40))
    extended = create_app(Settings(env="test", database_url="sqlite://", secret_key="r" * 40))

    @extended.get("/api/only-here")
    def only_here() -> dict[str, str]:
        return {}

    assert TestClient(other).get("/api/openapi.json").json() == plain.openapi()
    assert "/api/only-here" in extended.openapi()["paths"]
    assert "/api/only-here" not in plain.openapi()["paths"]
    assert set(extended.openapi()["paths"]) - set(plain.openapi()["paths"]) == {"/api/only-here"}
