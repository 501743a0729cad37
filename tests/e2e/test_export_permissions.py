"""Every export route answers the roles its rule names, and no other (``docs/exports.md`` "Who
may export", ``dawna/services/export_access.py``), and every data export command refuses the
monitor and serves the statistician.

The routes are taken from the application itself (every GET route whose path names an export
or ends in a file's extension), so a new export route without a rule in ``EXPORTS`` fails here.
The expected answer of each role comes from the rule and the role table of
``dawna/services/access.py``: a role holding the rule's permission at the participant's site gets
200, any other 403; a protocol document (no participant data) is refused to no one. Each role is
one user of the two-site trial (the statistician and the administrator at both sites, the others
at site A, where the one participant is)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runner import invoke
from fastapi.testclient import TestClient
from helpers import PASSWORD, SYSTEM, csrf_of
from treatment_data import randomized_to

from dawna.config import Settings
from dawna.services import admin, protocol_versions
from dawna.services.access import ROLE_PERMISSIONS, Permission
from dawna.services.export_access import EXPORTS, ExportKind, ExportRule
from dawna.services.schemas import UserCreate
from dawna.store.db import Database
from dawna.store.models import Role
from dawna.web.app import create_app

#: user -> their one role (helpers.USERS, and a data manager added here)
USERS = {"coord_a": Role.COORDINATOR, "inv_a": Role.INVESTIGATOR, "reader_a": Role.IMAGING_READER,
         "stat_ab": Role.STATISTICIAN, "monitor_a": Role.MONITOR, "admin_ab": Role.ADMINISTRATOR,
         "dm_a": Role.DATA_MANAGER}
#: a GET route is an export when its path names one or ends in a file's extension
EXPORT_PATH = re.compile(r"export|usdm|\.(zip|csv|json|html|ics|yaml|xml|xlsx|xpt|ndjson|pdf)$")
NOT_EXPORTS = {"/api/openapi.json"}


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    for route in routes:
        inner = getattr(route, "original_router", None)  # an included router (FastAPI ≥ 0.120)
        if inner is not None:
            yield from _walk(inner.routes, prefix + route.include_context.prefix)
        elif getattr(route, "methods", None):
            yield prefix + route.path, set(route.methods)


def export_routes() -> list[str]:
    app = create_app(Settings(database_url="sqlite://"), Database("sqlite://"))
    paths = {path for path, methods in _walk(app.routes) if "GET" in methods}
    assert "/deviations.csv" in paths, "the route walk found no page routes"
    return sorted(p for p in paths if EXPORT_PATH.search(p) and p not in NOT_EXPORTS)


ROUTES = export_routes()
RULES: dict[str, ExportRule] = {route: rule for rule in EXPORTS for route in rule.routes}


@pytest.fixture(scope="module")
def trial_site(tmp_path_factory: pytest.TempPathFactory,
               trial_templates: Any) -> Iterator[tuple[Database, dict[str, str]]]:
    """The two-site trial with a live list, a data manager at site A and one participant of
    site A randomized; the values of the routes' path parameters."""
    path = Path(tmp_path_factory.mktemp("exports")) / "db.sqlite3"
    shutil.copy(trial_templates.get("sqlite", "list_live"), path)
    url = f"sqlite:///{path}"
    db = Database(url)
    settings = Settings(env="test", database_url=url, secret_key="t" * 40)
    admin.create_user(db, SYSTEM, UserCreate(username="dm_a", display_name="dm_a",
                                             password=PASSWORD), "test set-up")
    admin.grant_role(db, SYSTEM, "dm_a", "SITEA", Role.DATA_MANAGER, "test set-up")
    pid = randomized_to(db, settings, "B", "capecitabine")
    label = protocol_versions.versions(db)[-1].label
    yield db, {"pseudonym": pid, "label": label, "nct_id": "NCT05861830"}
    db.dispose()


@pytest.fixture(scope="module")
def clients(trial_site: tuple[Database, dict[str, str]]) -> Iterator[dict[str, TestClient]]:
    db, _params = trial_site
    settings = Settings(env="test", database_url=str(db.engine.url), secret_key="t" * 40)
    made: dict[str, TestClient] = {}
    for username in USERS:
        client = TestClient(create_app(settings, db), raise_server_exceptions=False)
        token = csrf_of(client.get("/login").text)
        answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                             "csrf_token": token}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        made[username] = client
    yield made
    for client in made.values():
        client.close()


def test_every_rule_names_routes_that_exist_and_is_documented() -> None:
    declared = {route for rule in EXPORTS for route in rule.routes}
    assert declared - set(ROUTES) == set(), "a rule names a route the app does not have"
    doc = (Path(__file__).parents[2] / "docs" / "exports.md").read_text(encoding="utf-8")
    table = doc.split("## Who may export", 1)[1]
    for rule in EXPORTS:
        assert f"| {rule.name} |" in table, rule.name
        for name in (*rule.routes, *rule.commands):
            assert f"`{name}`" in table, name


def test_data_exports_reach_no_arm_blind_reader() -> None:
    """Every role that may take a data export also sees treatment data; the imaging reader
    (kept blind to the arm) holds neither."""
    for role, permissions in ROLE_PERMISSIONS.items():
        if Permission.DATA_EXPORT in permissions:
            assert Permission.TREATMENT_VIEW in permissions, role
    assert Permission.DATA_EXPORT not in ROLE_PERMISSIONS[Role.IMAGING_READER]
    # the statistician (analysis), the data manager and the site staff export; the monitor
    # (read-only, source data verification) and the administrator do not
    exporters = {r for r, perms in ROLE_PERMISSIONS.items() if Permission.DATA_EXPORT in perms}
    assert exporters == {Role.STATISTICIAN, Role.DATA_MANAGER, Role.INVESTIGATOR,
                         Role.COORDINATOR}


@pytest.mark.parametrize("route", ROUTES)
def test_export_route_answers_the_roles_of_its_rule(
        route: str, trial_site: tuple[Database, dict[str, str]],
        clients: dict[str, TestClient]) -> None:
    rule = RULES.get(route)
    assert rule is not None, f"{route} is an export without a rule in export_access.EXPORTS"
    _db, params = trial_site
    url = route.format(**params)
    answers = {user: clients[user].get(url, follow_redirects=False).status_code
               for user in USERS}
    if rule.permission is None:
        assert all(code not in (401, 403) for code in answers.values()), answers
        assert rule.kind is ExportKind.PROTOCOL
        return
    expected = {user: 200 if rule.permission in ROLE_PERMISSIONS[role] else 403
                for user, role in USERS.items()}
    assert answers == expected


DATA_COMMANDS = sorted(c for rule in EXPORTS if rule.kind is ExportKind.DATA
                       for c in rule.commands)


@pytest.mark.parametrize("command", DATA_COMMANDS)
def test_data_export_commands_follow_the_rule(
        command: str, trial_site: tuple[Database, dict[str, str]], tmp_path: Path) -> None:
    db, _params = trial_site
    argv = command.split()[1:]
    if "export" in argv:  # the export commands write into a folder; pet covariates to stdout
        argv.append(str(tmp_path / "out"))
    env = {"DAWNA_DATABASE_URL": str(db.engine.url), "DAWNA_ENV": "test"}
    refused = invoke([*argv, "--as", "monitor_a"], env=env)
    assert refused.returncode == 1 and "data.export" in refused.stderr, refused.stderr
    served = invoke([*argv, "--as", "stat_ab"], env=env)
    assert served.returncode == 0, served.stderr
