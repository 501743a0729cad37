"""The applications of one process share their prepared routes (``web/app.py``
``included_routers``): the same route objects, the same OpenAPI document as an application that
includes each router itself (FastAPI's documented way, the reference here), and the same answers
from a second application as from the first."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.testclient import TestClient
from helpers import PASSWORD, csrf_of

from dawna.config import Settings
from dawna.store.db import Database
from dawna.web.app import ROUTER_MODULES, create_app
from dawna.web.errors import ERROR_RESPONSES


def _document(app: FastAPI) -> dict[str, object]:
    return get_openapi(title="t", version="1", routes=app.routes)


def test_two_applications_hold_the_same_prepared_routers(settings: Settings) -> None:
    first, second = create_app(settings), create_app(settings)
    shared = [r for r in first.router.routes if getattr(r, "original_router", None) is not None]
    assert len(shared) == len(ROUTER_MODULES)
    assert [id(r) for r in shared] == [
        id(r) for r in second.router.routes if getattr(r, "original_router", None) is not None]
    assert [r.original_router for r in shared] == [m.router for m in ROUTER_MODULES]


def test_the_document_equals_that_of_routers_included_one_by_one(settings: Settings) -> None:
    reference = FastAPI()
    for module in ROUTER_MODULES:
        reference.include_router(module.router, responses=ERROR_RESPONSES)
    reference.get("/healthz", include_in_schema=False)(lambda: {"status": "ok"})
    document = _document(create_app(settings))
    assert len(document["paths"]) > 100  # type: ignore[arg-type]
    assert document == _document(reference)


def test_a_second_application_answers_as_the_first(settings: Settings,
                                                    app_db: Database) -> None:
    answers = []
    for _ in range(2):
        client = TestClient(create_app(settings, app_db), raise_server_exceptions=False)
        refused = client.get("/api/participants")  # not logged in
        token = csrf_of(client.get("/login").text)
        login = client.post("/login", data={"username": "coord_a", "password": PASSWORD,
                                             "csrf_token": token}, follow_redirects=False)
        listing = client.get("/api/participants")
        bad = client.get("/api/participants/P-NOPE/tumour-assessments/99999999999")
        answers.append((refused.status_code, refused.json(), login.status_code,
                        listing.status_code, listing.json(), bad.status_code,
                        sorted(bad.json())))
        client.close()
    assert answers[0] == answers[1]
    assert answers[0][0] == 401 and answers[0][2] == 303 and answers[0][3] == 200
    assert answers[0][5] in (404, 422)


def test_applications_share_one_document_and_another_router_makes_another(
        settings: Settings) -> None:
    from fastapi import APIRouter

    first, second = create_app(settings), create_app(settings)
    assert first.openapi() is second.openapi()
    extra = APIRouter()
    extra.get("/api/extra-for-the-test")(lambda: {"ok": True})
    third = create_app(settings)
    third.include_router(extra)
    assert "/api/extra-for-the-test" in third.openapi()["paths"]
    assert "/api/extra-for-the-test" not in first.openapi()["paths"]


def test_prepare_routes_prepares_every_included_router_before_any_request(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """``dawna serve``'s workers prepare every route at start-up (web/app.py
    ``prepare_routes``), not in their first users' requests. FastAPI keeps, per inclusion, the
    routes it has prepared and the version of the router they were prepared for (private:
    ``_effective_candidates_version``, None until prepared), read here on fresh inclusions."""
    from dawna.web import app as app_module
    from dawna.web.app import prepare_routes

    monkeypatch.setattr(app_module, "_included", [])  # this test's own inclusions
    app = create_app(settings)
    included = [r for r in app.router.routes if getattr(r, "original_router", None) is not None]
    assert len(included) == len(ROUTER_MODULES)
    assert all(r._effective_candidates_version is None for r in included)
    prepare_routes(app)
    assert all(r._effective_candidates_version is not None for r in included)
    assert TestClient(app).get("/healthz").json() == {"status": "ok"}
