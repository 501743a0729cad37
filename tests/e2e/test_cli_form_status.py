"""``dawna forms status`` on the small trial of ``tests/form_status_data.py`` on 2026-03-10 at
the site (in-process with typer's runner, so the site clock can be set; the entry point itself
is checked by tests/e2e/test_cli.py)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from form_status_data import TODAY, grid_trial
from typer.testing import CliRunner

from dawna.cli import app
from dawna.clock import simulated
from dawna.config import get_settings
from dawna.errors import ValidationError
from dawna.store.db import Database


@pytest.fixture
def trial_url(tmp_path: Path, sqlite_template: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    path = tmp_path / "cli.sqlite3"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    grid_trial(db)
    db.dispose()
    monkeypatch.setenv("DAWNA_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("DAWNA_ENV", "test")
    monkeypatch.setenv("COLUMNS", "400")
    from dawna.cli import forms  # its console was made at import, maybe at another width

    monkeypatch.setattr(forms.console, "width", 400)
    get_settings.cache_clear()
    yield f"sqlite:///{path}"
    get_settings.cache_clear()


def _run(*args: str):  # type: ignore[no-untyped-def]
    with simulated(TODAY):
        return CliRunner().invoke(app, ["forms", "status", *args])


def test_table_json_filters_and_refusals(trial_url: str) -> None:
    text = _run("--as", "coord_a")
    assert text.exit_code == 0, text.output
    assert "Form status on 2026-03-10 (Asia/Shanghai)" in text.output
    lines = {line.split("│")[1].strip(): line for line in text.output.splitlines()
             if line.count("│") > 3 and line.split("│")[1].strip().startswith("F")}
    assert set(lines) == {"F001", "F002", "F003"}
    assert "! !" in lines["F001"]  # consent entered (✓), then screening and PET overdue
    assert "✓1/2" in lines["F003"] or "!1/2" in lines["F003"]  # cycles: 1 of 2 entered
    body = json.loads(_run("--as", "stat_ab", "--site", "SITEB", "--format", "json").output)
    assert [r["pseudonym"] for r in body["rows"]] == ["F100"]
    overdue = json.loads(_run("--as", "coord_a", "--state", "overdue", "--format", "json").output)
    assert {r["pseudonym"] for r in overdue["rows"]} == {"F001", "F003"}
    refused = _run("--as", "coord_a", "--site", "SITEB")  # main() prints it as one line
    assert refused.exit_code != 0 and isinstance(refused.exception, ValidationError)
    assert refused.exception.field == "site" and "SITEB" in str(refused.exception)
