"""What the browser tests share: a live server (uvicorn in a thread) on a copy of a migrated
SQLite file, Debian's Chromium through Playwright, and logging in."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from dawna.config import Settings
from dawna.store.db import Database
from dawna.web.app import create_app

CHROMIUM = os.environ.get("DAWNA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def live_server(folder: Path, template: Path, setup: Callable[[Database], None] | None = None
                ) -> Iterator[tuple[str, Database]]:
    """A copy of ``template`` in ``folder``, filled by ``setup``, served on a free port: yields
    (base URL, database) (``yield from`` it in a fixture of any scope)."""
    target = folder / "browser.sqlite3"
    shutil.copy(template, target)
    settings = Settings(env="test", database_url=f"sqlite:///{target}", secret_key="b" * 40)
    db = Database(settings.database_url)
    if setup is not None:
        setup(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(settings, db), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "server did not start"
    yield f"http://127.0.0.1:{port}", db
    server.should_exit = True
    thread.join(timeout=10)
    db.dispose()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (skipped when missing, failed under CI=true)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} missing under CI=true (.ci/run installs chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Any, server: str, username: str, password: str) -> None:
    """Log ``username`` in on ``page`` (a Playwright page) and wait for the landing page."""
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]:not(.link)")
