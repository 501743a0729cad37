"""What the browser tests share (issue 23 item 6): one Chromium per test process, one served
application per test module, a fresh browser context per test, and logins done once per user and
module (the context's cookies are saved and given to the next context of the same user).

Playwright's sync API marks its event loop as running in the main thread while it is started, so
once a process has run a browser test, ``asyncio.run`` in that thread fails ("cannot be called
from a running event loop"): a test needing its own event loop runs it in another thread (as
Starlette's ``TestClient`` and ``serving`` below do).

A browser test module defines a module-scoped ``live_server`` fixture (``serving(file)``: the
application on a SQLite file, served in a thread); tests/e2e/conftest.py gives it ``browser``
(one Chromium per process), ``page`` (a fresh, logged-out page) and ``page_as`` (``page_as(user,
password)``: a page logged in as that user).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from dawna.config import Settings
from dawna.store.db import Database
from dawna.web.app import create_app

CHROMIUM = os.environ.get("DAWNA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@contextmanager
def serving(database_file: Path) -> Iterator[str]:
    """The web application on ``database_file``, served by uvicorn in a thread on a free
    loopback port; yields its base URL."""
    settings = Settings(env="test", database_url=f"sqlite:///{database_file}",
                        secret_key="b" * 40)
    db = Database(settings.database_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(settings, db), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright; skipped when missing, failed under CI=true."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} missing under CI=true (.ci/run installs chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Any, base: str, username: str, password: str) -> None:
    """The login form, as a person fills it; waits for the participant list."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url("**/participants")


class Contexts:
    """Fresh browser contexts of one test; a user's login is made once per module and its
    cookies reused (``states``, kept by the module's fixture)."""

    def __init__(self, browser: Any, base: str, states: dict[str, Any]) -> None:
        self.browser, self.base, self.states = browser, base, states
        self.made: list[Any] = []

    def page(self, storage_state: Any = None) -> Any:
        context = self.browser.new_context(locale="en-US", storage_state=storage_state)
        self.made.append(context)
        return context.new_page()

    def page_as(self, username: str, password: str) -> Any:
        if username in self.states:
            page = self.page(self.states[username])
            page.goto(f"{self.base}/participants")
            return page
        page = self.page()
        log_in(page, self.base, username, password)
        self.states[username] = page.context.storage_state()
        return page

    def close(self) -> None:
        for context in self.made:
            context.close()
