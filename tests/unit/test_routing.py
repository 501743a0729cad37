"""The route modules' router (``web/routing.py``): its quick refusal changes no request's route.

Reference: FastAPI's own matching (``_IncludedRouter._match``, which tries every route of a
router). Every route of the application is asked for with its path filled in, with and without
a trailing slash and with a segment more or less, plus paths no route has: wherever a router
refuses a path, FastAPI's walk of its routes finds none, so the route found (or none), its
parameters and the kind of match (a wrong method's partial match gives the 405) are those
FastAPI finds without the refusal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Match

from dawna.config import Settings
from dawna.store.db import Database
from dawna.web import app as web_app
from dawna.web.app import ROUTER_MODULES, create_app, included_routers
from dawna.web.routing import Router


def _routes() -> list[APIRoute]:
    return [r for m in ROUTER_MODULES for r in m.router.routes if isinstance(r, APIRoute)]


def _filled(path: str) -> str:
    """A route's path with its parameters filled in by values their convertors take."""
    return re.sub(r"\{[^}:]+(:int)?\}", lambda m: "7" if m.group(1) else "P-1", path)


def _paths() -> Iterator[str]:
    """Each route's path with its parameters filled in, and near misses of it."""
    seen: set[str] = set()
    for route in _routes():
        path = _filled(route.path)
        for variant in (path, path + "/", path.rstrip("/") + "/extra",
                        path.rsplit("/", 1)[0] or "/"):
            if variant not in seen:
                seen.add(variant)
                yield variant
    yield from ("/", "/nothing-here", "/participants/", "/api", "/api/", "/static/app.css",
                "/fhir", "/participants/P-1/treatment/older-cycles/x")


def _scope(path: str, method: str, root_path: str = "") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": root_path + path, "root_path": root_path,
            "headers": [], "query_string": b"", "app": None}


def test_every_route_module_uses_the_router_included_without_a_prefix() -> None:
    """A module with a plain ``APIRouter`` would walk all its routes for every request again;
    a ``Router`` included with a prefix would refuse every path (its union is of its routes'
    own paths)."""
    assert [m.__name__ for m in ROUTER_MODULES if not isinstance(m.router, Router)] == []
    assert {included.include_context.prefix for included in included_routers()} == {""}


@pytest.mark.parametrize("root_path", ["", "/dawna"])  # served at the root or under a prefix
def test_a_refused_path_is_one_no_route_of_the_router_matches(root_path: str) -> None:
    """Where a router refuses a path, FastAPI's own walk of its routes (``_match``, which tries
    each route, not the refusal) finds no route, not even one for another method; where it does
    not refuse, FastAPI's matching runs as it is. Paths, not methods: a route whose path does
    not match a request gives no match under any method (Starlette's ``Route.matches``)."""
    scopes = [_scope(p, "GET", root_path) for p in _paths()]
    assert len(scopes) > 700  # every route and its near misses
    refused = 0
    for included in included_routers():
        router = included.original_router
        union = router.paths()
        assert union is not None
        for scope in scopes:
            found = included._match(scope)  # FastAPI's walk of the router's routes
            # through the application's path: the refusal, then FastAPI's matching
            assert included.matches(scope)[0] == found[0], (scope["path"], found[2])
            if union.match(scope["path"][len(root_path):]) is None:
                refused += 1
                assert found[0] == Match.NONE, (scope["path"], found[2])
    # the refusal did work: most (router, request) pairs never walk the router's routes
    assert refused > 0.9 * len(scopes) * len(ROUTER_MODULES)


def test_every_route_is_found_under_its_methods_and_405_under_another() -> None:
    """Each route's own path reaches it through the application (its router not refused), and
    under a method it does not take gives the 405 (a partial match) as before."""
    for index, included in enumerate(included_routers()):
        for route in included.original_router.routes:
            path = _filled(route.path)
            for method in sorted(route.methods):
                match, _ = included.matches(_scope(path, method))
                assert match == Match.FULL, (path, method)
            other = next(m for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
                         if m not in route.methods)
            match, _ = included.matches(_scope(path, other))
            # partial here, unless another route of the router takes that method on the path
            assert match in (Match.PARTIAL, Match.FULL), (path, other, index)


def test_the_union_of_paths_follows_added_routes() -> None:
    router = Router(prefix="/x")

    @router.get("/a/{item}")
    def a(item: str) -> str:
        return item

    union = router.paths()
    assert union is not None and union.match("/x/a/1") and not union.match("/x/b")

    @router.get("/b")
    def b() -> str:
        return "b"

    union = router.paths()
    assert union is not None and union.match("/x/b") and union.match("/x/a/1")
    assert not union.match("/x/a/1/2") and not union.match("/x/a/")
    assert Router().paths() is not None and not Router().paths().match("/")  # type: ignore[union-attr]


def test_requests_through_the_application(tmp_path: Any) -> None:
    """Through the application: a page found, a path of no route (404), a known path under a
    method it does not take (405), as before the refusal."""
    settings = Settings(env="test", database_url=f"sqlite:///{tmp_path}/r.sqlite3",
                        secret_key="routing-test-" + "x" * 40, cookie_secure=False)
    app = create_app(settings, Database(settings.database_url))
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/login").status_code == 200
        assert client.get("/no-such-page", headers={"accept": "application/json"}
                          ).status_code == 404
        assert client.delete("/login").status_code == 405
    assert web_app.included_routers()[0].original_router is ROUTER_MODULES[0].router
