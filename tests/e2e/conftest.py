"""A web application on a fresh SQLite database with a two-site trial, and logged-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from form_status_data import TODAY, grid_database
from helpers import PASSWORD, csrf_of

from dawna.clock import simulated
from dawna.config import Settings, get_settings
from dawna.store.db import Database
from dawna.web.app import create_app


def log_in(client: TestClient, username: str) -> TestClient:
    """``client`` logged in as ``username`` through the login page (the demo password)."""
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def app_db(sqlite_db: Database, trial_templates: Any) -> Database:
    """SQLite holding helpers.two_site_trial, copied from the template made once per process
    (tests/conftest.py ``trial_templates``)."""
    return trial_templates.copy_into(sqlite_db, "two_site")


@pytest.fixture
def client_for(app_db: Database,
               settings: Settings) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(username: str | None, locale: str = "en") -> TestClient:
        client = TestClient(create_app(settings, app_db), raise_server_exceptions=False,
                            headers={"accept-language": locale})
        clients.append(client)
        return log_in(client, username) if username else client

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def cli_env(app_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings of the command line point at the web application's database."""
    monkeypatch.setenv("DAWNA_DATABASE_URL", app_db.url)
    monkeypatch.setenv("DAWNA_ENV", "test")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
# -- Browser tests (tests/browser_support.py): one Chromium per process, logins reused --------
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for all the browser modules a test process runs (a launch with Playwright's
    driver is about 1 s of CPU and 2 s of wall); each test still gets fresh contexts."""
    from browser_support import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def login_states() -> dict[str, Any]:
    """Cookies of the users logged in so far in this module (the module's own server)."""
    return {}


@pytest.fixture
def browser_contexts(browser: Any, live_server: str,
                     login_states: dict[str, Any]) -> Iterator[Any]:
    from browser_support import Contexts

    contexts = Contexts(browser, live_server, login_states)
    yield contexts
    contexts.close()


@pytest.fixture
def page(browser_contexts: Any) -> Any:
    """A fresh page, logged out, in its own browser context."""
    return browser_contexts.page()


@pytest.fixture
def page_as(browser_contexts: Any) -> Callable[..., Any]:
    """``page_as(username, password)``: a page in a fresh context logged in as that user (the
    login form is filled once per user and module, its cookies reused)."""
    return browser_contexts.page_as


# -- The form status trial (tests/form_status_data.py), one per module, clients on 2026-03-10 -
@pytest.fixture(scope="module")
def forms_db(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
             ) -> Iterator[Database]:
    yield from grid_database(tmp_path_factory.mktemp("forms_web"), sqlite_template)


@pytest.fixture(scope="module")
def login(forms_db: Database) -> Iterator[Callable[..., TestClient]]:
    """``login(username, locale="en")``: a client of the form status trial logged in as that
    user (one per user and locale in the module)."""
    settings = Settings(env="test", database_url="sqlite:///unused", secret_key="t" * 40)
    app = create_app(settings, forms_db)
    clients: dict[tuple[str, str], TestClient] = {}

    def make(username: str, locale: str = "en") -> TestClient:
        if (username, locale) not in clients:
            client = TestClient(app, raise_server_exceptions=False,
                                headers={"accept-language": locale})
            with simulated(TODAY):
                token = csrf_of(client.get("/login").text)
                answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                                     "csrf_token": token},
                                     follow_redirects=False)
            assert answer.status_code == 303, answer.text
            clients[(username, locale)] = client
        return clients[(username, locale)]

    yield make
    for c in clients.values():
        c.close()


@pytest.fixture
def client_on(trial: Database, settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """Clients of an app on ``trial`` (SQLite and PostgreSQL), logged in as ``username``."""
    made: list[TestClient] = []

    def make(username: str | None, **overrides: Any) -> TestClient:
        app_settings = settings.model_copy(update=overrides)
        client = TestClient(create_app(app_settings, trial), raise_server_exceptions=False,
                            headers={"accept-language": "en"})
        made.append(client)
        return log_in(client, username) if username else client

    yield make
    for c in made:
        c.close()
