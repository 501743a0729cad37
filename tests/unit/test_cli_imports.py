"""Commands that need no database start at once (issue 23 item 2): ``dawna --help`` and the
quick commands import none of the heavy libraries, which each command module imports inside the
commands that use them (docs/architecture.md, "CLI modules"). Checked on the modules loaded in a
fresh interpreter after the command ran, not by timing."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "pandas", "lifelines", "matplotlib", "numpy", "sklearn", "scipy",
         "argon2", "fastapi", "jinja2", "alembic", "psycopg")
PROBE = """
import json, sys
sys.argv = ["dawna", *json.loads(sys.argv[1])]
from dawna.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize("args", [
    ["--help"],
    ["ctcae", "ANC", "0.8", "10^9/L"],
    ["calendar", "--regimen", "A:letrozole", "--start", "2024-03-01", "--cycles", "1",
     "--format", "json"],
    ["screen", "--help"],
    ["treatment", "--help"],
    ["export", "usdm", str(Path(tempfile.gettempdir()) / "dawna-usdm-import-probe")],
], ids=lambda a: " ".join(a[:2]))
def test_quick_commands_import_no_heavy_library(args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True,
                          text=True, timeout=120, check=False)
    report = json.loads(done.stdout.rstrip().rsplit("\n", 1)[-1])
    assert report["code"] == 0, done.stderr
    loaded = {m.split(".")[0] for m in report["modules"]}
    assert sorted(loaded & set(HEAVY)) == []
    assert "dawna.store.models" not in report["modules"]


def test_importing_auth_computes_no_password_hash() -> None:
    """The dummy hash an unknown user's password is checked against is made at the first login,
    not at import (it cost every command 0.1 s)."""
    probe = ("import dawna.services.auth as auth; "
             "print(auth._dummy_hash.cache_info().currsize, auth._hasher.cache_info().currsize)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "0"]
